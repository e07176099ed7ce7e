import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ScanMessage } from '../../functions/core/scan-message.js';
import { SCANNER_NAMES } from '../../functions/core/scanners.js';
import { DiscordClient } from '../../functions/adapters/discord/discord-client.js';
import { CsvMarketData } from '../../functions/adapters/market-data/csv-market-data.js';
import { createDocumentClient } from '../../functions/adapters/store/dynamodb-client.js';
import { ResultStore, type StoredOutcome } from '../../functions/adapters/store/result-store.js';
import { BUNDLED_DATA_DIR } from '../../functions/local/cli/scan-command.js';
import { type EmbeddedStore, startEmbeddedStore } from '../../functions/local/embedded-store.js';
import { configureLocalEnvironment, deliverMessages, type LocalPipelineResult } from '../../functions/local/local-pipeline.js';
import { type FakeDiscord, startFakeDiscord } from '../helpers/discord.js';
import { expectRunAccountedFor, signalLines } from '../helpers/invariants.js';
import { type StoreProxy, startStoreProxy } from '../helpers/store-proxy.js';

// The worker under SQS's rules (deliverMessages: redelivery up to 3 receives, then the DLQ),
// with poison and duplicate messages, and a run's alert under lost store responses. The store
// is dynalite behind the fault proxy; alerts go to a loopback Discord.
const SYMBOLS = ['AAPL', 'MSFT', 'NVDA', 'GE', 'MDB', 'DDOG', 'COST', 'ARM', 'AMD', 'INTC', 'META', 'NFLX'];
const WEBHOOK = '/api/webhooks/123456789/fake-webhook-token';
let db: EmbeddedStore;
let proxy: StoreProxy;
let discord: FakeDiscord;
let store: ResultStore;
let runs = 0;

beforeAll(async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'CRITICAL';
  configureLocalEnvironment();
  db = await startEmbeddedStore();
  proxy = await startStoreProxy(db.endpoint);
  discord = await startFakeDiscord();
  store = new ResultStore(createDocumentClient(proxy.endpoint), { tableName: db.tableName });
});
afterAll(async () => {
  await discord.close();
  await proxy.close();
  await db.close();
});

async function worker() {
  const { createScanBatchHandler } = await import('../../functions/scan-batch/handler.js');
  const alerts = { discord: new DiscordClient({ sleep: async () => {} }), webhookUrl: async () => `${discord.url}${WEBHOOK}` };
  return createScanBatchHandler(() => ({ store, marketData: new CsvMarketData(BUNDLED_DATA_DIR), lookbackBars: 150, maxReceives: 3, alerts }));
}

/** A run of SYMBOLS in batches of 3, created as dispatch would; its messages. */
async function newRun(): Promise<ScanMessage[]> {
  const scheduledAt = new Date(Date.UTC(2026, 10, 3, 14, 30 + runs++)).toISOString();
  const runId = `${scheduledAt.replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '')}-queue`;
  const batches = Math.ceil(SYMBOLS.length / 3);
  await store.createRun({ runId, watchlist: 'queue', scheduledAt, startedAt: scheduledAt, sessionDate: '2026-11-03', asOf: '2024-03-08', symbols: SYMBOLS, scanners: [...SCANNER_NAMES], batchSize: 3, batchesExpected: batches });
  return Array.from({ length: batches }, (_, batch) => ({ runId, batch, symbols: SYMBOLS.slice(batch * 3, batch * 3 + 3), scanners: [...SCANNER_NAMES], scheduledAt, asOf: '2024-03-08' }));
}

async function readBack(runId: string): Promise<LocalPipelineResult> {
  const run = await store.getRun(runId);
  if (!run) throw new Error(`run ${runId} missing`);
  const outcomes: StoredOutcome[] = [];
  for await (const o of store.allRunResults(runId)) outcomes.push(o);
  return { run, outcomes, deadLetters: [] };
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
  });
});

describe('alerts under lost store responses', () => {
  it('a second run of the same bars alerts nothing, whatever responses were lost', async () => {
    const handler = await worker();
    const messages = await newRun();
    proxy.inject('UpdateItem', { kind: 'lost-response' }, 1, (body) => String(body.UpdateExpression).includes('completedBy'));
    proxy.inject('PutItem', { kind: 'lost-response' }, 1, (body) => String((body.Item as Record<string, { S?: string }>)?.pk?.S).startsWith('ALERT#'));
    const before = alertsSent().length;
    const dead = await deliverMessages(handler as Parameters<typeof deliverMessages>[0], messages.map((m) => JSON.stringify(m)), { maxReceives: 3, concurrency: 2 });
    expect(dead).toEqual([]);
    expect(proxy.pending()).toBe(0);
    const result = await readBack(messages[0].runId);
    expectRunAccountedFor(result, SYMBOLS, SCANNER_NAMES);
    // The first test's run alerted every signal of these bars: none is new.
    expect(result.run.alert).toMatchObject({ status: 'nothing_new', newSignals: 0 });
    expect(alertsSent().length).toBe(before);
  });

  it('on a fresh store, the lost responses still give one alert carrying every signal', async () => {
    const fresh = await startEmbeddedStore();
    const freshProxy = await startStoreProxy(fresh.endpoint);
    const saved = { store, proxy };
    store = new ResultStore(createDocumentClient(freshProxy.endpoint), { tableName: fresh.tableName });
    proxy = freshProxy;
    try {
      const handler = await worker();
      const messages = await newRun();
      proxy.inject('UpdateItem', { kind: 'lost-response' }, 1, (body) => String(body.UpdateExpression).includes('completedBy'));
      proxy.inject('PutItem', { kind: 'lost-response' }, 1, (body) => String((body.Item as Record<string, { S?: string }>)?.pk?.S).startsWith('ALERT#'));
      const before = alertsSent().length;
      await deliverMessages(handler as Parameters<typeof deliverMessages>[0], messages.map((m) => JSON.stringify(m)), { maxReceives: 3, concurrency: 2 });
      expect(proxy.pending()).toBe(0);
      const result = await readBack(messages[0].runId);
      expectRunAccountedFor(result, SYMBOLS, SCANNER_NAMES);
      const signals = signalLines(result).length;
      expect(signals).toBeGreaterThan(0);
      expect(result.run.alert).toMatchObject({ status: 'sent', newSignals: signals });
      expect(alertsSent().length - before).toBe(1);
    } finally {
      store = saved.store;
      proxy = saved.proxy;
      await freshProxy.close();
      await fresh.close();
    }
  });
});
