import type { RunRecord } from '../adapters/store/run-record.js';
import { ENV } from '../adapters/env.js';
import { type DevServer, startDevServer } from './dev-server.js';
import { startEmbeddedStore } from './embedded-store.js';
import { configureLocalEnvironment, type LocalPipelineOptions, runLocalPipeline } from './local-pipeline.js';

export interface LocalStack {
  readonly url: string;
  readonly run: RunRecord;
  close(): Promise<void>;
}

/**
 * What `scanfleet dev` runs: the embedded store, one scan through the pipeline so there is data
 * to see, then the API handler (API + dashboard) on loopback over the same store.
 */
export async function startLocalStack(options: Omit<LocalPipelineOptions, 'store'> & { port?: number; host?: string }): Promise<LocalStack> {
  configureLocalEnvironment();
  const store = await startEmbeddedStore({ path: options.dbPath });
  let server: DevServer | undefined;
  try {
    const { run } = await runLocalPipeline({ ...options, store });
    process.env[ENV.debugMemory] ??= 'true';
    const { createApiHandler, apiDepsFromEnv } = await import('../api/handler.js');
    const api = createApiHandler(() => apiDepsFromEnv());
    server = await startDevServer(api, { port: options.port, host: options.host });
    const started = server;
    return {
      url: started.url,
      run,
      close: async () => {
        await started.close();
        await store.close();
      },
    };
  } catch (error) {
    await server?.close();
    await store.close();
    throw error;
  }
}
