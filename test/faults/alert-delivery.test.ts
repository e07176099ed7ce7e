import { mkdirSync, writeFileSync } from 'node:fs';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiscordClient } from '../../functions/adapters/discord/discord-client.js';
import { CsvMarketData } from '../../functions/adapters/market-data/csv-market-data.js';
import { createDocumentClient } from '../../functions/adapters/store/dynamodb-client.js';
import { openStoresWithLists, type Stores } from '../../functions/adapters/store/stores.js';
import { DEFAULT_SCHEDULES, SCHEDULE_PURPOSES } from '../../functions/core/market/schedules.js';
import type { ScanMessage } from '../../functions/core/run/scan-message.js';
import { SCANNER_NAMES } from '../../functions/core/scan/scanners.js';
import { BUNDLED_DATA_DIR } from '../../functions/local/cli/symbol-source.js';
import { type EmbeddedStore, startEmbeddedStore } from '../../functions/local/embedded-store.js';
import { InProcessQueue } from '../../functions/local/in-process-queue.js';
import { localLambdaContext } from '../../functions/local/lambda-context.js';
import { configureLocalEnvironment } from '../../functions/local/local-pipeline.js';
import type { ScanBatchDeps } from '../../functions/scan-batch/handler.js';
import type { SweeperDeps } from '../../functions/sweeper/handler.js';
import { type FakeDiscord, startFakeDiscord } from '../helpers/discord.js';

// Worker invocations killed at every point between an event's claim and its `sent` mark — by a
// throw (the handler's error path runs) or a timeout (nothing after the kill runs) — on the last
// batch, on one delivery or on every delivery (then SQS dead-letters it and the sweeper gets it).
// After SQS's redeliveries and one sweep past the deadlines: every run has ended, and every
// alert line its batches claimed reached Discord — none lost, and at most one message twice
// (a kill between Discord's answer and the `sent` write). Real store (dynalite), loopback
// Discord, the injected clock.
const SYMBOLS = ['AAPL', 'MSFT', 'NVDA', 'GE', 'MDB', 'DDOG', 'COST', 'ARM', 'AMD', 'INTC', 'META', 'NFLX'];
const ALERTS = '/api/webhooks/1111111/fake-token';
const MAX_RECEIVES = 3;
let discord: FakeDiscord;
const tally = { scenarios: 0, kills: 0, linesClaimed: 0, linesPosted: 0, repeatedMessages: 0 };

beforeAll(async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'CRITICAL';
  configureLocalEnvironment();
  discord = await startFakeDiscord();
});
afterAll(async () => {
  await discord.close();
  mkdirSync('test-artifacts', { recursive: true });
  writeFileSync('test-artifacts/faults-alerts.json', `${JSON.stringify(tally, null, 2)}\n`);
  process.stdout.write(
    `fault suite (alerts): ${tally.kills} kills over ${tally.scenarios} scenarios; ${tally.linesClaimed} lines claimed, ${tally.linesPosted} posted, ${tally.repeatedMessages} message(s) repeated\n`,
  );
});

/** Where an invocation dies: just before the named store call runs. */
type KillPoint =
  | 'runs.recordBatch' // before the batch is counted
  | 'runs.completeRun' // counted, not completed
  | 'outbox.enqueue' // completed (events claimed), alerts not queued: the reproduced loss
  | 'outbox.claim' // queued, not posted
  | 'outbox.markSent'; // Discord answered, `sent` not written

interface Scenario {
  readonly point: KillPoint;
  readonly how: 'throw' | 'timeout';
  /** Deliveries killed: 1 (SQS redelivers), or every one (the message is dead-lettered). */
  readonly deliveries: 1 | 'all';
}

class Killed extends Error {}

/**
 * The stores, with a kill at `point` armed for the next `times` calls made while the last
 * batch is being handled. A timeout never settles: the worker's code after it does not run.
 */
function killable(real: Stores, point: KillPoint, how: Scenario['how'], onTimeout: () => void) {
  const state = { armed: 0, kills: 0 };
  const [storeName, method] = point.split('.') as ['runs' | 'outbox', string];
  const target = real[storeName] as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
  const wrapped = new Proxy(target, {
    get(object, property, receiver) {
      const value = Reflect.get(object, property, receiver) as unknown;
      if (property !== method || typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (state.armed > 0) {
          state.armed--;
          state.kills++;
          if (how === 'timeout') {
            onTimeout();
            return new Promise(() => {});
          }
          return Promise.reject(new Killed(`killed before ${point}`));
        }
        return (value as (...a: unknown[]) => Promise<unknown>).apply(object, args);
      };
    },
  });
  return { stores: { ...real, [storeName]: wrapped } as Stores, state };
}

/** A fresh world: a store whose first run (as of 2024-03-07) has seen everything, and a run as of 2024-03-08 to kill. */
async function world() {
  const db: EmbeddedStore = await startEmbeddedStore();
  const client = createDocumentClient(db.endpoint);
  let clock = new Date('2026-11-03T15:00:00Z');
  const now = () => clock;
  const advance = (ms: number) => (clock = new Date(clock.getTime() + ms));
  const stores = openStoresWithLists(client, { tableName: db.tableName, now });
  const queue = new InProcessQueue();
  const { createScanBatchHandler } = await import('../../functions/scan-batch/handler.js');
  const { createSweeperHandler } = await import('../../functions/sweeper/handler.js');
  const webhooks = { webhookUrl: async () => `${discord.url}${ALERTS}`, operatorWebhookUrl: async () => undefined };
  const worker = (withStores: Stores) => {
    const deps: ScanBatchDeps = {
      stores: withStores,
      marketData: new CsvMarketData(BUNDLED_DATA_DIR),
      lookbackBars: 150,
      maxReceives: MAX_RECEIVES,
      alerts: { discord: new DiscordClient({ sleep: async () => {} }), ...webhooks },
      alertSettings: { intraday: false, cooldownSessions: 3 },
      drainQueue: queue,
      now,
      sleep: async (ms) => void advance(ms),
    };
    return createScanBatchHandler(() => deps);
  };
  const sweeperDeps: SweeperDeps = {
    stores,
    watchdog: {
      schedules: SCHEDULE_PURPOSES.map((purpose, i) => ({ cron: Object.values(DEFAULT_SCHEDULES)[i], purpose })),
      timeZone: 'America/New_York',
      enabled: true,
      providerDelayMs: 0,
      fixedHistory: true,
    },
    webhooks: { discord: new DiscordClient({ sleep: async () => {} }), ...webhooks },
    drainQueue: queue,
    now,
    sleep: async (ms) => void advance(ms),
  };
  const sweeper = createSweeperHandler(() => sweeperDeps);
  let runs = 0;
  const newRun = async (asOf: string): Promise<ScanMessage[]> => {
    const scheduledAt = new Date(Date.UTC(2026, 10, 3, 14, 30 + runs++)).toISOString();
    const runId = `${scheduledAt.replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '')}-faults`;
    const batches = Math.ceil(SYMBOLS.length / 3);
    await stores.runs.createRun({
      runId,
      watchlist: 'faults',
      kind: 'manual',
      session: asOf,
      scheduledAt,
      startedAt: clock.toISOString(),
      sessionDate: '2026-11-03',
      asOf,
      symbols: SYMBOLS,
      scanners: [...SCANNER_NAMES],
      batchSize: 3,
      batchesExpected: batches,
      deadlineAt: new Date(clock.getTime() + 15 * 60_000).toISOString(),
    });
    return Array.from({ length: batches }, (_, batch) => ({
      runId,
      batch,
      symbols: SYMBOLS.slice(batch * 3, batch * 3 + 3),
      scanners: [...SCANNER_NAMES],
      scheduledAt,
      asOf,
    }));
  };
  return { db, client, stores, queue, worker, sweeper, newRun, now, advance };
}

/** SQS for one run's messages: each delivered until accepted or received MAX_RECEIVES times (then dead-lettered). */
async function deliver(
  handler: ReturnType<Awaited<ReturnType<typeof world>>['worker']>,
  messages: readonly ScanMessage[],
  timedOut: { next: () => Promise<void> },
): Promise<{ body: string }[]> {
  const dead: { body: string }[] = [];
  for (const message of messages) {
    const body = JSON.stringify(message);
    for (let receive = 1; receive <= MAX_RECEIVES; receive++) {
      const event = {
        Records: [
          {
            messageId: `m-${message.batch}-${receive}`,
            body,
            attributes: { ApproximateReceiveCount: String(receive) },
          },
        ],
      } as unknown as SQSEvent;
      // A timed-out invocation never answers: SQS sees no deletion and redelivers.
      const answer = await Promise.race([
        handler(event, localLambdaContext('scan-batch')),
        timedOut.next().then(() => ({ batchItemFailures: [{ itemIdentifier: 'timeout' }] })),
      ]);
      if (answer.batchItemFailures.length === 0) break;
      if (receive === MAX_RECEIVES) dead.push({ body });
    }
  }
  return dead;
}

type Posted = { content: string; embeds: { description: string }[] };

/** The alert lines a set of posted messages carries: "SYMBOL signal" per line. */
function linesOf(messages: readonly Posted[]): string[] {
  return messages.flatMap((m) =>
    m.embeds.flatMap((e) => e.description.split('\n').map((l) => l.replace(/^\*\*(\S+)\*\* (\S+) — .*$/, '$1 $2'))),
  );
}

const SCENARIOS: Scenario[] = [];
for (const point of [
  'runs.recordBatch',
  'runs.completeRun',
  'outbox.enqueue',
  'outbox.claim',
  'outbox.markSent',
] as const)
  for (const how of ['throw', 'timeout'] as const)
    for (const deliveries of [1, 'all'] as const) SCENARIOS.push({ point, how, deliveries });

describe('alerts survive a worker killed anywhere between claim and sent', () => {
  it.each(SCENARIOS)(
    'killed before $point by a $how on $deliveries deliver(y|ies) of the last batch',
    async (scenario) => {
      const w = await world();
      try {
        // The first run records what the bars show; it alerts nothing.
        const seed = await w.newRun('2024-03-07');
        await deliver(w.worker(w.stores), seed, { next: () => new Promise(() => {}) });
        const messages = await w.newRun('2024-03-08');
        const runId = messages[0].runId;
        const before = discord.received.length;

        // Every batch but the last goes through; the last is killed as the scenario says.
        await deliver(w.worker(w.stores), messages.slice(0, -1), { next: () => new Promise(() => {}) });
        let signalTimeout: () => void = () => {};
        const kill = killable(w.stores, scenario.point, scenario.how, () => signalTimeout());
        kill.state.armed = scenario.deliveries === 1 ? 1 : MAX_RECEIVES;
        const dead = await deliver(w.worker(kill.stores), messages.slice(-1), {
          next: () => new Promise<void>((resolve) => (signalTimeout = resolve)),
        });
        expect(kill.state.kills).toBeGreaterThan(0);

        // SQS hands what it gave up on to the sweeper, which then sweeps past every deadline and stale claim.
        w.advance(16 * 60_000);
        if (dead.length > 0) {
          const event = {
            Records: dead.map((d, i) => ({ messageId: `dead-${i}`, body: d.body, attributes: {} })),
          } as unknown as SQSEvent;
          await w.sweeper(event, localLambdaContext('sweeper', 300_000));
        }
        await w.sweeper({ sweep: true }, localLambdaContext('sweeper', 300_000));

        const run = (await w.stores.runs.getRun(runId))!;
        expect(['complete', 'partial', 'failed']).toContain(run.status);
        const claimed = (await w.stores.alerts.alertLog(runId))
          .filter((e) => e.suppressedBy === undefined)
          .map((e) => `${e.symbol} ${e.signal}`)
          .sort();
        const posted = discord.received
          .slice(before)
          .filter((r) => r.path === ALERTS)
          .map((r) => r.body as Posted)
          // Not the operator's notices (without an operator webhook they go to the alert channel).
          .filter((m) => / new signals?$/.test(m.content));
        const lines = linesOf(posted).sort();
        // Nothing lost: every claimed line was posted; a repeat only of whole messages, at most one.
        expect([...new Set(lines)]).toEqual(claimed);
        const distinct = new Set(posted.map((m) => JSON.stringify(m))).size;
        const repeated = posted.length - distinct;
        expect(repeated).toBeLessThanOrEqual(scenario.point === 'outbox.markSent' ? 1 : 0);
        expect(await w.stores.outbox.pending()).toEqual([]);
        if (scenario.deliveries === 'all' && scenario.point === 'runs.recordBatch')
          expect(run).toMatchObject({ status: 'partial', failedBatches: [messages.length - 1] });
        else expect(run.status).toBe('complete');
        tally.scenarios++;
        tally.kills += kill.state.kills;
        tally.linesClaimed += claimed.length;
        tally.linesPosted += lines.length;
        tally.repeatedMessages += repeated;
      } finally {
        w.client.destroy();
        await w.db.close();
      }
    },
  );
});
