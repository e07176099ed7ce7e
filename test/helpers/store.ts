import { afterAll, beforeAll } from 'vitest';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../functions/adapters/store/dynamodb-client.js';
import type { ControlStore } from '../../functions/adapters/store/control-changes.js';
import { openStoresWithLists, type ReadStores, readStores } from '../../functions/adapters/store/stores.js';
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

/** What the Discord commands get: the read side, and the runtime controls (they pause, resume and claim /scan-now). */
export type CountedStores = Omit<ReadStores, 'control'> & { control: ControlStore };

/**
 * The real stores' read side and the control store (on the local stack's dynalite, located on
 * first use: the stack starts after this is handed to it), counting every call made to them.
 */
export function countingStores(location: () => Pick<EmbeddedStore, 'endpoint' | 'tableName'>): {
  stores: CountedStores;
  calls: () => number;
} {
  let real: CountedStores | undefined;
  let calls = 0;
  const counted = <K extends keyof CountedStores>(name: K): CountedStores[K] =>
    new Proxy({} as CountedStores[K], {
      get(_, property) {
        const { endpoint, tableName } = location();
        if (!real) {
          const stores = openStoresWithLists(createDocumentClient(endpoint), { tableName });
          real = { ...readStores(stores), control: stores.control };
        }
        const store = real[name] as unknown as Record<string | symbol, unknown>;
        const value = store[property];
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) => {
          calls++;
          return (value as (...a: unknown[]) => unknown).apply(store, args);
        };
      },
    });
  return {
    stores: {
      runs: counted('runs'),
      results: counted('results'),
      bars: counted('bars'),
      events: counted('events'),
      control: counted('control'),
      scorecard: counted('scorecard'),
      lists: counted('lists'),
      subscriptions: counted('subscriptions'),
    },
    calls: () => calls,
  };
}
