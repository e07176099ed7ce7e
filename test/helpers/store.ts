import { afterAll, beforeAll } from 'vitest';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../functions/adapters/store/dynamodb-client.js';
import { ResultStore } from '../../functions/adapters/store/result-store.js';
import { type EmbeddedStore, startEmbeddedStore } from '../../functions/local/embedded-store.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
// Handler tests read logs, not EMF metrics (the scan-batch test turns them on for itself).
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';

/** A dynalite server on loopback with the results table, for the tests of one file. */
export function useEmbeddedStore(): { store: () => EmbeddedStore; client: () => DynamoDBDocumentClient } {
  let store: EmbeddedStore;
  let client: DynamoDBDocumentClient;
  beforeAll(async () => {
    store = await startEmbeddedStore();
    client = createDocumentClient(store.endpoint);
  });
  afterAll(async () => {
    client.destroy();
    await store.close();
  });
  return { store: () => store, client: () => client };
}

/**
 * The real store (on the local stack's dynalite, located on first use: the stack starts after
 * this is handed to it), counting every call made to it.
 */
export function countingStore(location: () => Pick<EmbeddedStore, 'endpoint' | 'tableName'>): {
  store: ResultStore;
  calls: () => number;
} {
  let real: ResultStore | undefined;
  let calls = 0;
  const store = new Proxy({} as ResultStore, {
    get(_, property) {
      const { endpoint, tableName } = location();
      real ??= new ResultStore(createDocumentClient(endpoint), { tableName });
      const value = (real as unknown as Record<string | symbol, unknown>)[property];
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls++;
        return (value as (...a: unknown[]) => unknown).apply(real, args);
      };
    },
  });
  return { store, calls: () => calls };
}
