import type { RunRecord } from '../core/run/run-record.js';
import { DASHBOARD_URL, ENV } from '../adapters/settings.js';
import type { DiscordDeps, Interaction } from '../discord/handler.js';
import type { ListsWriterAnswer } from '../lists-writer/handler.js';
import { DEFAULT_SCHEDULES } from '../core/market/schedules.js';
import { type DevAuth, type DevServer, startDevServer } from './dev-server.js';
import { localLambdaContext } from './lambda-context.js';
import { type EmbeddedStore, startEmbeddedStore } from './embedded-store.js';
import {
  configureLocalEnvironment,
  localSettings,
  type LocalPipelineOptions,
  runLocalPipeline,
} from './local-pipeline.js';

export interface LocalStack {
  readonly url: string;
  readonly run: RunRecord;
  /** The embedded store the stack scans into and serves from. */
  readonly store: Pick<EmbeddedStore, 'endpoint' | 'tableName' | 'subscriptionKey'>;
  /** Resolves when background work (a /scan-now run, a deferred reply) has finished. */
  background(): Promise<void>;
  close(): Promise<void>;
}

/**
 * What `scanfleet dev` runs: the embedded store, the API handler (API + dashboard) on loopback
 * over it, then one scan through the pipeline so there is data to see. Its runs' alert lines
 * link each symbol to this dashboard.
 */
export async function startLocalStack(
  options: Omit<LocalPipelineOptions, 'store'> & {
    port?: number;
    host?: string;
    discord?: Partial<DiscordDeps>;
    /** Requires the token on the protected routes, as the stack does (`scanfleet dev --auth`). */
    auth?: DevAuth;
  },
): Promise<LocalStack> {
  configureLocalEnvironment();
  const store = await startEmbeddedStore({ path: options.dbPath });
  let server: DevServer | undefined;
  try {
    // Locally /api/debug/memory is served unless the environment says otherwise.
    const settings = localSettings(
      {
        ...options,
        env: {
          [ENV.debugMemory]: 'true',
          ...options.env,
          [ENV.apiAccess]: options.auth?.access ?? 'open',
        },
      },
      store,
    );
    const { createApiHandler, apiDeps } = await import('../api/handler.js');
    // A stack standing at an instant (`dev --now`) answers as at that instant: the data's age too.
    const apiDepsOnce = { ...apiDeps(settings), ...(options.now && { now: () => options.now as Date }) };
    const api = createApiHandler(() => apiDepsOnce);
    const { createListsWriterHandler, listsWriterDeps } = await import('../lists-writer/handler.js');
    const listsDepsOnce = listsWriterDeps(settings);
    const listsWriter = createListsWriterHandler(() => listsDepsOnce);
    const { createDiscordHandler, discordDeps } = await import('../discord/handler.js');
    // Locally the two asynchronous invocations run in the background of this process.
    const background = new Set<Promise<unknown>>();
    const inBackground = (work: Promise<unknown>) => {
      const tracked = work.catch(() => undefined).finally(() => background.delete(tracked));
      background.add(tracked);
    };
    const discordDepsOnce = discordDeps(settings, {
      // As on AWS, /scan-now scans the latest bars (no as-of) at the time its reply names; its
      // alert lines link to this dashboard (known by then: commands come once the server listens).
      startScan: async (watchlist: string, scheduledAt: Date, requestId?: string) =>
        inBackground(
          runLocalPipeline({ ...options, asOf: undefined, watchlist, scheduledAt, requestId, store, dashboardUrl }),
        ),
      // /watch, /subscribe and /unsubscribe ask the lists-writer, here in this process, and wait for its answer.
      askListsWriter: async (change) =>
        (await listsWriter(change, localLambdaContext('lists-writer'))) as ListsWriterAnswer,
      deferToSelf: async (interaction: Interaction) =>
        inBackground(discordHandler({ followUp: interaction }, localLambdaContext('discord'))),
      schedules: Object.values(DEFAULT_SCHEDULES).flat(),
      ...options.discord,
    });
    const discordHandler = createDiscordHandler(() => discordDepsOnce);
    server = await startDevServer(
      { api, discord: discordHandler, lists: listsWriter as Parameters<typeof startDevServer>[0]['api'] },
      { port: options.port, host: options.host, auth: options.auth },
    );
    const started = server;
    // The server listens before the first scan, so its alerts link to it too; only a loopback
    // address (the default host) is linked: plain http elsewhere is refused.
    const dashboardUrl = DASHBOARD_URL.test(started.url) ? started.url : undefined;
    const { run } = await runLocalPipeline({ ...options, store, dashboardUrl });
    return {
      url: started.url,
      run,
      store: { endpoint: store.endpoint, tableName: store.tableName, subscriptionKey: store.subscriptionKey },
      background: () => Promise.all([...background]).then(() => undefined),
      close: async () => {
        await started.close();
        await Promise.all([...background]);
        await store.close();
      },
    };
  } catch (error) {
    await server?.close();
    await store.close();
    throw error;
  }
}
