import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScanMessage } from '../../functions/core/run/scan-message.js';
import { SCANNER_NAMES } from '../../functions/core/scan/scanners.js';
import { DiscordClient } from '../../functions/adapters/discord/discord-client.js';
import { CsvMarketData } from '../../functions/adapters/market-data/csv-market-data.js';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../functions/adapters/store/dynamodb-client.js';
import type { StoredOutcome } from '../../functions/adapters/store/result-store.js';
import { openStores, type Stores } from '../../functions/adapters/store/stores.js';
import { BUNDLED_DATA_DIR } from '../../functions/local/cli/symbol-source.js';
import { type EmbeddedStore, startEmbeddedStore } from '../../functions/local/embedded-store.js';
import {
  configureLocalEnvironment,
  deliverMessages,
  type LocalPipelineResult,
} from '../../functions/local/local-pipeline.js';
import { type FakeDiscord, startFakeDiscord } from '../helpers/discord.js';
import { expectRunAccountedFor } from '../helpers/invariants.js';
import { referenceEvents } from '../helpers/reference-events.js';
import { type StoreProxy, startStoreProxy } from '../helpers/store-proxy.js';
import { KEYS } from '../../functions/adapters/store/table-schema.js';

// The worker under SQS's rules (deliverMessages: redelivery up to 3 receives, then the DLQ),
// with poison and duplicate messages, and a run's alert under lost store responses. The store
// is dynalite behind the fault proxy; alerts go to a loopback Discord.
const SYMBOLS = ['AAPL', 'MSFT', 'NVDA', 'GE', 'MDB', 'DDOG', 'COST', 'ARM', 'AMD', 'INTC', 'META', 'NFLX'];
const WEBHOOK = '/api/webhooks/123456789/fake-webhook-token';
let db: EmbeddedStore;
let proxy: StoreProxy;
let discord: FakeDiscord;
let store: Stores;
let storeClient: DynamoDBDocumentClient;
let runs = 0;

beforeAll(async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'CRITICAL';
  configureLocalEnvironment();
  db = await startEmbeddedStore();
  proxy = await startStoreProxy(db.endpoint);
  discord = await startFakeDiscord();
  storeClient = createDocumentClient(proxy.endpoint);
  store = openStores(storeClient, { tableName: db.tableName });
  await firstRun();
});
afterAll(async () => {
  await discord.close();
  await proxy.close();
  await db.close();
});

async function worker() {
  const { createScanBatchHandler } = await import('../../functions/scan-batch/handler.js');
  const alerts = {
    discord: new DiscordClient({ sleep: async () => {} }),
    webhookUrl: async () => `${discord.url}${WEBHOOK}`,
  };
  const deps = {
    stores: store,
    marketData: new CsvMarketData(BUNDLED_DATA_DIR),
    lookbackBars: 150,
    maxReceives: 3,
    alerts,
    alertSettings: { intraday: false, cooldownSessions: 3 },
    now: () => new Date('2026-11-03T15:00:00Z'),
  };
  return createScanBatchHandler(() => deps);
}

/** A run of SYMBOLS in batches of 3 as of a session, created as dispatch would; its messages. */
async function newRun(asOf = '2024-03-08'): Promise<ScanMessage[]> {
  const scheduledAt = new Date(Date.UTC(2026, 10, 3, 14, 30 + runs++)).toISOString();
  const runId = `${scheduledAt.replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '')}-queue`;
  const batches = Math.ceil(SYMBOLS.length / 3);
  await store.runs.createRun({
    runId,
    watchlist: 'queue',
    kind: 'manual',
    session: asOf,
    scheduledAt,
    startedAt: scheduledAt,
    sessionDate: '2026-11-03',
    asOf,
    symbols: SYMBOLS,
    scanners: [...SCANNER_NAMES],
    batchSize: 3,
    batchesExpected: batches,
  });
  return Array.from({ length: batches }, (_, batch) => ({
    runId,
    batch,
    symbols: SYMBOLS.slice(batch * 3, batch * 3 + 3),
    scanners: [...SCANNER_NAMES],
    scheduledAt,
    asOf,
  }));
}

/** The store's first run (as of 2024-03-07) records what it sees and alerts nothing; runs as of 03-08 alert that session's events. */
async function firstRun(): Promise<void> {
  const handler = await worker();
  const messages = await newRun('2024-03-07');
  await deliverMessages(
    handler as Parameters<typeof deliverMessages>[0],
    messages.map((m) => JSON.stringify(m)),
    { maxReceives: 3, concurrency: 2 },
  );
  expect((await store.runs.getRun(messages[0].runId))?.alert).toMatchObject({ status: 'nothing_new', newSignals: 0 });
}

/** The events of 2024-03-08 for SYMBOLS that are sent, by the independent derivation from the CSVs. */
const newEventsOf0308 = () =>
  referenceEvents({ symbols: SYMBOLS, from: '2024-03-01', to: '2024-03-08' }).filter(
    (e) => e.session === '2024-03-08' && !e.suppressedBy,
  ).length;

async function readBack(runId: string): Promise<LocalPipelineResult> {
  const run = await store.runs.getRun(runId);
  if (!run) throw new Error(`run ${runId} missing`);
  const outcomes: StoredOutcome[] = [];
  for await (const o of store.results.allRunResults(runId)) outcomes.push(o);
  return { run, symbols: await store.runs.runSymbols(runId), outcomes, deadLetters: [] };
}

const alertsSent = () => discord.received.filter((r) => r.method === 'POST' && r.path === WEBHOOK);

describe('queue faults', () => {
  it('poison messages are reported failed and dead-lettered after exactly 3 receives; duplicates, also concurrent, count once', async () => {
    const handler = await worker();
    const messages = await newRun();
    const poison = [
      'not json {',
      '',
      JSON.stringify({ runId: 5, batch: 'x' }),
      JSON.stringify({ ...messages[0], scanners: ['rsi'] }),
      JSON.stringify({ ...messages[0], batch: -1 }),
      JSON.stringify({ ...messages[0], runId: '20261103T000000Z-never-created' }),
    ];
    // Every valid message twice, side by side: with 4 in flight the copies run concurrently.
    const bodies = [...messages.flatMap((m) => [JSON.stringify(m), JSON.stringify(m)]), ...poison];
    const receives = new Map<string, number>();
    const counting: Parameters<typeof deliverMessages>[0] = async (event, context) => {
      const body = event.Records[0].body;
      receives.set(body, (receives.get(body) ?? 0) + 1);
      return handler(event, context);
    };
    const sentBefore = alertsSent().length;
    const dead = await deliverMessages(counting, bodies, { maxReceives: 3, concurrency: 4 });

    expect(dead.map((d) => d.body).sort()).toEqual([...poison].sort());
    expect(dead.every((d) => d.receives === 3)).toBe(true);
    for (const body of poison) expect(receives.get(body), body).toBe(3);
    // Each valid copy was received once and accepted (the second copy finds its batch counted).
    for (const m of messages) expect(receives.get(JSON.stringify(m))).toBe(2);
    const result = await readBack(messages[0].runId);
    expectRunAccountedFor(result, SYMBOLS, SCANNER_NAMES);
    expect(result.run).toMatchObject({ status: 'complete', batchesDone: 4, symbolsDone: 12 });
    expect(alertsSent().length - sentBefore).toBe(1);
    expect(result.run.alert).toMatchObject({ status: 'queued', newSignals: newEventsOf0308() });
  });
});

describe('alerts under lost store responses', () => {
  it('a second run of the same bars alerts nothing, whatever responses were lost', async () => {
    const handler = await worker();
    const messages = await newRun();
    proxy.inject('UpdateItem', { kind: 'lost-response' }, 1, (body) =>
      String(body.UpdateExpression).includes('completedBy'),
    );
    proxy.inject('BatchGetItem', { kind: 'lost-response' }, 1);
    const before = alertsSent().length;
    const dead = await deliverMessages(
      handler as Parameters<typeof deliverMessages>[0],
      messages.map((m) => JSON.stringify(m)),
      { maxReceives: 3, concurrency: 2 },
    );
    expect(dead).toEqual([]);
    expect(proxy.pending()).toBe(0);
    const result = await readBack(messages[0].runId);
    expectRunAccountedFor(result, SYMBOLS, SCANNER_NAMES);
    // The first test's run alerted every signal of these bars: none is new.
    expect(result.run.alert).toMatchObject({ status: 'nothing_new', newSignals: 0 });
    expect(alertsSent().length).toBe(before);
  });

  it('on a fresh store, the lost responses still give one alert carrying every new event', async () => {
    const fresh = await startEmbeddedStore();
    const freshProxy = await startStoreProxy(fresh.endpoint);
    const saved = { store, proxy, storeClient };
    storeClient = createDocumentClient(freshProxy.endpoint);
    store = openStores(storeClient, { tableName: fresh.tableName });
    proxy = freshProxy;
    try {
      await firstRun();
      const handler = await worker();
      const messages = await newRun();
      proxy.inject('UpdateItem', { kind: 'lost-response' }, 1, (body) =>
        String(body.UpdateExpression).includes('completedBy'),
      );
      // The claim of an event: its retry finds the event held by its own run.
      proxy.inject('PutItem', { kind: 'lost-response' }, 2, (body) =>
        String((body.Item as Record<string, { S?: string }>)?.sk?.S).startsWith('E#'),
      );
      proxy.inject(
        'PutItem',
        { kind: 'lost-response' },
        1,
        (body) => String((body.Item as Record<string, { S?: string }>)?.pk?.S) === KEYS.outboxMessages().pk,
      );
      const before = alertsSent().length;
      await deliverMessages(
        handler as Parameters<typeof deliverMessages>[0],
        messages.map((m) => JSON.stringify(m)),
        { maxReceives: 3, concurrency: 2 },
      );
      expect(proxy.pending()).toBe(0);
      const result = await readBack(messages[0].runId);
      expectRunAccountedFor(result, SYMBOLS, SCANNER_NAMES);
      expect(newEventsOf0308()).toBeGreaterThan(0);
      expect(result.run.alert).toMatchObject({ status: 'queued', newSignals: newEventsOf0308() });
      expect(alertsSent().length - before).toBe(1);
    } finally {
      storeClient.destroy();
      ({ store, proxy, storeClient } = saved);
      await freshProxy.close();
      await fresh.close();
    }
  });
});
