import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { RunPurpose } from '../../functions/core/run/dispatch-plan.js';
import { createDocumentClient } from '../../functions/adapters/store/dynamodb-client.js';
import { openStores } from '../../functions/adapters/store/stores.js';
import { type ItemKey, KEYS } from '../../functions/adapters/store/table-schema.js';
import { type EmbeddedStore, createResultsTableAt, startEmbeddedStore } from '../../functions/local/embedded-store.js';
import { configureLocalEnvironment, runLocalPipeline } from '../../functions/local/local-pipeline.js';
import { ReplayMarketData } from '../../functions/local/replay/replay-market-data.js';
import { BUNDLED_DATA_DIR } from '../../functions/local/cli/symbol-source.js';
import { backfillScorecard, computeScorecard } from '../../functions/local/cli/scorecard-command.js';
import { type Bars, sliceBars } from '../../functions/core/scan/bars.js';
import { planScan } from '../../functions/core/scan/scanners.js';
import { isoDay, parseIsoDay } from '../../functions/core/market/trading-day.js';
import { countedSessions, symbolObservations } from '../../functions/core/scorecard/observations.js';
import { buildScorecard, type Scorecard } from '../../functions/core/scorecard/scorecard.js';
import { scorecardShard, signalKey, type SymbolSessions } from '../../functions/core/scorecard/live-scorecard.js';
import { bundledBars } from '../helpers/bars.js';
import { type StoreProxy, startStoreProxy } from '../helpers/store-proxy.js';
import { useEmbeddedStore } from '../helpers/store.js';

const db = useEmbeddedStore();
let proxy: StoreProxy;
beforeAll(async () => {
  proxy = await startStoreProxy(db.store().endpoint);
});
afterAll(async () => {
  await proxy.close();
});

const SYMBOLS = ['AAPL', 'KO', 'NVDA', 'TSLA'];
const HORIZONS = [1, 3, 5];
const FROM = '2023-10-02';
const plan = planScan();
/** Bars a run hands the store: as many as the worker fetches (the last 60 here, enough for 5 sessions of gap-fill and h = 5). */
const WINDOW = 60;

let tables = 0;
let cases = 0;
/** The stores on a fresh table, reached through the fault-injecting proxy. */
async function freshStores() {
  const tableName = `live-${++tables}`;
  await createResultsTableAt(db.store().endpoint, tableName);
  return openStores(createDocumentClient(proxy.endpoint), { tableName, maxWriteAttempts: 3, sleep: async () => {} });
}

interface History {
  readonly bars: Bars;
  /** Index → the CLI's observations at that session (counted sessions in the range only). */
  readonly observed: Map<number, string[]>;
}

async function histories(symbols = SYMBOLS): Promise<History[]> {
  return Promise.all(
    symbols.map(async (symbol) => {
      const bars = await bundledBars(symbol, '2024-03-08', 1000);
      const sessions = countedSessions(bars, plan, { from: parseIsoDay(FROM) });
      const observed = new Map<number, string[]>();
      for (let t = sessions.first; t < sessions.end; t++) observed.set(t, []);
      for (const o of symbolObservations(bars, plan, sessions))
        observed.get(o.index)?.push(signalKey(o.scanner, o.signal));
      return { bars, observed };
    }),
  );
}

/**
 * What a run whose newest closed session is `end` (an index) hands the store for sessions
 * `start` … `end`, with the last `window` bars (a backfill: all of them).
 */
function runInput(history: History, start: number, end: number, window = WINDOW): SymbolSessions {
  const offset = Math.max(0, end + 1 - window);
  const bars = sliceBars(history.bars, offset, end + 1);
  const closed: number[] = [];
  const observed: { index: number; signals: string[] }[] = [];
  for (let i = start; i <= end; i++) {
    closed.push(i - offset);
    const signals = history.observed.get(i);
    if (signals) observed.push({ index: i - offset, signals });
  }
  return { bars, closed, observed };
}

/** The figures that must agree exactly (the median within one 0.1 % bucket). */
function expectSameFigures(live: Scorecard | null, cli: Scorecard) {
  expect(live).not.toBeNull();
  const card = live as Scorecard;
  expect({ from: card.from, to: card.to, symbols: card.symbols, horizons: card.horizons }).toEqual({
    from: cli.from,
    to: cli.to,
    symbols: cli.symbols,
    horizons: cli.horizons,
  });
  expect(card.baseline).toEqual(cli.baseline);
  expect(card.rows.map(({ medianReturnPct: _, ...row }) => row)).toEqual(
    cli.rows.map(({ medianReturnPct: _, ...row }) => row),
  );
  card.rows.forEach((row, i) => {
    const exact = cli.rows[i].medianReturnPct;
    if (exact === null) expect(row.medianReturnPct).toBeNull();
    else expect(Math.abs((row.medianReturnPct as number) - exact)).toBeLessThanOrEqual(0.1);
  });
}

describe('the live scorecard', () => {
  it('equals the CLI’s figures for the same observations, whatever the runs, re-deliveries and lost writes', async () => {
    const all = await histories();
    const cli = buildScorecard(
      all.map((h) => h.bars),
      { plan, horizons: HORIZONS, range: { from: parseIsoDay(FROM) } },
    );
    const first = all[0].bars.day.indexOf(parseIsoDay(FROM));
    const last = all[0].bars.length - 1;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          // Sessions each run closes (gap-fill takes up to 5), then how often it is delivered again at once.
          sizes: fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 50, maxLength: 50 }),
          repeats: fc.array(fc.nat(2), { minLength: 50, maxLength: 50 }),
          // A run delivered again later, after newer runs (its sessions' returns were added meanwhile).
          stale: fc.array(fc.boolean(), { minLength: 50, maxLength: 50 }),
          // The symbols recorded in one call, or two (two batches of the run).
          split: fc.array(fc.boolean(), { minLength: 50, maxLength: 50 }),
          // The live runs record only the latest sessions (up to 50 of the ~110), then a backfill the
          // whole history: the earlier sessions recorded after the later ones, in several updates.
          liveSessions: fc.option(fc.integer({ min: 1, max: 50 }), { nil: undefined, freq: 4 }),
          // A call whose effect lands but whose answer is lost, or that never arrives: the record is retried.
          faults: fc.array(
            fc.option(
              fc.record({
                operation: fc.constantFrom('BatchGetItem', 'BatchWriteItem', 'UpdateItem'),
                kind: fc.constantFrom('lost-response' as const, 'reset' as const),
                skip: fc.nat(6),
              }),
              { freq: 3 },
            ),
            { minLength: 50, maxLength: 50 },
          ),
        }),
        async ({ sizes, repeats, stale, split, liveSessions, faults }) => {
          const { scorecard } = await freshStores();
          // Faults of this case only: one not met by its end never fires in a later one.
          const run = ++cases;
          const record = async (inputs: SymbolSessions[]) => {
            for (let attempt = 1; ; attempt++) {
              try {
                await scorecard.record(inputs, HORIZONS);
                return;
              } catch (error) {
                if (attempt >= 4) throw error;
              }
            }
          };
          const delivered: SymbolSessions[][] = [];
          let start = liveSessions === undefined ? first : last + 1 - liveSessions;
          for (let k = 0; start <= last; k++) {
            const end = Math.min(last, start + sizes[k % 50] - 1);
            const inputs = all.map((h) => runInput(h, start, end));
            const fault = faults[k % 50];
            if (fault)
              proxy.inject(fault.operation, { kind: fault.kind }, 1, () => run === cases && fault.skip-- === 0);
            const batches = split[k % 50] ? [inputs.slice(0, 2), inputs.slice(2)] : [inputs];
            for (const batch of batches) for (let r = 0; r <= repeats[k % 50]; r++) await record(batch);
            if (stale[k % 50] && delivered.length >= 2) await record(delivered[delivered.length - 2]);
            delivered.push(inputs);
            start = end + 1;
          }
          if (liveSessions !== undefined) await record(all.map((h) => runInput(h, first, last, Infinity)));
          // What the end of a run writes for readers, and what they read back.
          const written = await scorecard.refresh();
          expectSameFigures(written, cli);
          expect(await scorecard.scorecard()).toEqual(written);
        },
      ),
      { numRuns: 5 },
    );
    // The faults did happen: answers lost after their writes landed, calls dropped before.
    const faults = proxy.calls.filter((c) => c.fault !== undefined).map((c) => c.fault);
    expect(new Set(faults)).toEqual(new Set(['lost-response', 'reset']));
  }, 240_000);
});

describe('the scorecard’s readers', () => {
  it('read the document the last run to end folded (one item), and a fold of the aggregates page by page before any', async () => {
    // Twelve symbols: their aggregates' shards take more than one Query of 100.
    const symbols = [...SYMBOLS, 'AMZN', 'COST', 'GE', 'INTC', 'META', 'MSFT', 'NFLX', 'TGT'];
    const all = await histories(symbols);
    const first = all[0].bars.day.indexOf(parseIsoDay(FROM));
    const middle = first + 40;
    const { scorecard } = await freshStores();
    const queries = () => proxy.calls.filter((c) => c.operation === 'Query').length;
    await scorecard.record(
      all.map((h) => runInput(h, first, middle, Infinity)),
      HORIZONS,
    );
    const table = `live-${tables}`;
    // Aggregates of the layout before shards (no `shard`): left out of every fold.
    for (const horizon of [0, 1])
      await db.client().send(
        new PutCommand({
          TableName: table,
          Item: {
            pk: KEYS.aggregates().pk,
            sk: `AGG#00${horizon}#all#baseline`,
            type: 'aggregate',
            scanner: 'all',
            signal: 'baseline',
            horizon,
            count: 999,
            'f#ZZZ': '2020-01-02',
            'l#ZZZ': '2020-01-02',
            expiresAt: Math.floor(Date.now() / 1000) + DAY_SECONDS,
          },
        }),
      );
    // No run has ended: readers fold the aggregates, 100 a Query (and one more that finds none after the last 100).
    const { Count: aggregates = 0 } = await db.client().send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': KEYS.aggregates().pk },
        Select: 'COUNT',
      }),
    );
    expect(aggregates).toBeGreaterThan(100);
    let before = queries();
    const folded = await scorecard.scorecard();
    expect(queries() - before).toBe(Math.floor(aggregates / 100) + 1);
    expect(folded?.to).toBe(isoDay(all[0].bars.day[middle]));
    expect(folded?.from).toBe(FROM);
    expect(folded?.symbols).toEqual([...symbols].sort());
    // Each symbol's sessions in its own shard: the baseline at horizon 1 adds up over the shards.
    const shards = new Set(symbols.map(scorecardShard));
    expect(shards.size).toBeGreaterThan(1);
    const counts = await Promise.all(
      [...shards].map(
        async (shard) => (await item(db.store(), KEYS.aggregate(1, 'all', 'baseline', shard), table))?.count,
      ),
    );
    expect(counts.reduce((a: number, b) => a + Number(b), 0)).toBe(folded?.baseline[0].count);
    expect(folded?.baseline[0].count).toBe(symbols.length * (middle - first));
    expect(
      (await db.client().send(new GetCommand({ TableName: table, Key: KEYS.scorecardDocument() }))).Item,
    ).toBeUndefined();

    // A run ends: its document is written, and read back without a Query.
    const written = await scorecard.refresh();
    expect(written).toEqual(folded);
    before = queries();
    expect(await scorecard.scorecard()).toEqual(written);
    expect(queries()).toBe(before);

    // Sessions recorded since show once the next run ends, not before.
    await scorecard.record(
      all.map((h) => runInput(h, middle + 1, middle + 3)),
      HORIZONS,
    );
    expect(await scorecard.scorecard()).toEqual(written);
    const next = await scorecard.refresh();
    expect(next?.to).toBe(isoDay(all[0].bars.day[middle + 3]));
    expect(next?.baseline[0].count).toBe((written?.baseline[0].count ?? 0) + 3 * symbols.length);

    // A reader's filter: one scanner at one horizon, and a horizon no run filled.
    const squeeze = await scorecard.scorecard({ scanner: 'ttm-squeeze', horizon: 3 });
    expect(squeeze?.horizons).toEqual([3]);
    expect(squeeze?.baseline).toEqual(next?.baseline.filter((b) => b.horizon === 3));
    expect(squeeze?.rows).toEqual(next?.rows.filter((r) => r.scanner === 'ttm-squeeze' && r.horizon === 3));
    const unfilled = await scorecard.scorecard({ horizon: 7 });
    expect(unfilled?.baseline).toEqual([{ horizon: 7, count: 0, meanReturnPct: null, upRatePct: null }]);
    for (const row of unfilled?.rows ?? []) {
      const at1 = next?.rows.find((r) => r.scanner === row.scanner && r.signal === row.signal && r.horizon === 1);
      expect(row).toMatchObject({ horizon: 7, count: 0, meanReturnPct: null, excessReturnPct: null });
      expect(row.missing).toBe((at1?.count ?? 0) + (at1?.missing ?? 0));
    }
    expect(unfilled?.rows.some((r) => r.missing > 0)).toBe(true);
  }, 60_000);
});

/** After-close (or market-hours) runs of the schedule at New York instants over one store, with intraday alerts on. */
async function runs(
  store: EmbeddedStore,
  symbols: string[],
  at: [string, RunPurpose][],
  env: Record<string, string> = {},
) {
  configureLocalEnvironment();
  for (const [instant, purpose] of at)
    await runLocalPipeline({
      store,
      watchlist: 'live',
      symbols,
      scanners: ['macd', 'ttm-squeeze', 'vpb'],
      dataDir: BUNDLED_DATA_DIR,
      lookback: 150,
      marketData: new ReplayMarketData(BUNDLED_DATA_DIR),
      now: new Date(instant),
      kind: 'replay',
      purpose,
      intraday: true,
      env,
      collectOutcomes: false,
    });
}

function item(store: Pick<EmbeddedStore, 'endpoint' | 'tableName'>, key: ItemKey, tableName = store.tableName) {
  return createDocumentClient(store.endpoint)
    .send(new GetCommand({ TableName: tableName, Key: key }))
    .then((r) => r.Item);
}

const DAY_SECONDS = 86_400;

describe('the live scorecard in the worker', () => {
  it('records a partial-bar signal only once its session has closed with it', async () => {
    const store = await startEmbeddedStore();
    try {
      const { scorecard } = openStores(createDocumentClient(store.endpoint), { tableName: store.tableName });
      // COST's VPB buy forms at 10:30 on 2024-03-07 (alerted as forming) and holds at the close.
      await runs(
        store,
        ['COST', 'HUM'],
        [
          ['2024-03-06T20:00:00-05:00', 'refetch'],
          ['2024-03-07T10:30:00-05:00', 'market-hours'],
        ],
      );
      const trading = await scorecard.scorecard({ scanner: 'vpb', horizon: 1 });
      expect(trading?.to).toBe('2024-03-06');
      expect(await item(store, KEYS.session('COST', '2024-03-07'))).toBeUndefined();
      expect(await item(store, KEYS.observation('COST', '2024-03-07', 'vpb', 'buy'))).toBeUndefined();
      const buysBefore = trading?.rows.find((r) => r.signal === 'buy');

      await runs(store, ['COST', 'HUM'], [['2024-03-07T16:45:00-05:00', 'after-close']]);
      const closed = await scorecard.scorecard({ scanner: 'vpb', horizon: 1 });
      expect(closed?.to).toBe('2024-03-07');
      expect((await item(store, KEYS.session('COST', '2024-03-07')))?.signals).toContain('vpb#buy');
      expect(await item(store, KEYS.observation('COST', '2024-03-07', 'vpb', 'buy'))).toMatchObject({
        symbol: 'COST',
        session: '2024-03-07',
        scanner: 'vpb',
        signal: 'buy',
      });
      // One more buy observed, its 1-session return not in the data yet.
      const buysAfter = closed?.rows.find((r) => r.signal === 'buy');
      expect(buysAfter?.missing).toBe((buysBefore?.missing ?? 0) + 1);
      expect(buysAfter?.count).toBe(buysBefore?.count);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('records a missed session through the gap-fill, and equals the CLI’s figures over the sessions recorded', async () => {
    const store = await startEmbeddedStore();
    const symbols = ['AAPL', 'AMZN', 'NFLX', 'TGT', 'TMO', 'TSLA'];
    try {
      const { scorecard } = openStores(createDocumentClient(store.endpoint), { tableName: store.tableName });
      // The store's first run on the evening of 03-04 (it derives the last 5 sessions); every run of 03-05 missed.
      await runs(
        store,
        symbols,
        [
          ['2024-03-04T20:00:00-05:00', 'refetch'],
          ['2024-03-06T16:45:00-05:00', 'after-close'],
        ],
        { SCORECARD_TTL_DAYS: '30' },
      );
      const missed = await item(store, KEYS.session('AAPL', '2024-03-05'));
      expect(missed?.signals).toContain('vpb#sell');
      expect(missed?.returns).toEqual({ 1: expect.any(Number) });
      expect(await item(store, KEYS.observation('AAPL', '2024-03-05', 'vpb', 'sell'))).toBeDefined();
      // Retention: the configured 30 days on the sessions, the observations and the aggregates.
      const now = Date.now() / 1000;
      for (const key of [
        KEYS.session('AAPL', '2024-03-05'),
        KEYS.observation('AAPL', '2024-03-05', 'vpb', 'sell'),
        KEYS.aggregate(1, 'all', 'baseline', scorecardShard('AAPL')),
      ])
        expect(((await item(store, key))?.expiresAt as number) - now).toBeCloseTo(30 * DAY_SECONDS, -3);
      const cli = buildScorecard(await Promise.all(symbols.map((s) => bundledBars(s, '2024-03-06', 1000))), {
        plan,
        horizons: [1, 5, 10, 20],
        range: { from: parseIsoDay('2024-02-27') },
      });
      expect(cli.baseline[0].count).toBe(6 * 6);
      expectSameFigures(await scorecard.scorecard(), { ...cli, symbols: [...symbols].sort() });
    } finally {
      await store.close();
    }
  }, 60_000);

  it('adds a backfill’s whole history below the sessions live runs recorded first', async () => {
    const store = await startEmbeddedStore();
    const symbols = ['AAPL', 'KO', 'NVDA'];
    try {
      const stores = openStores(createDocumentClient(store.endpoint), { tableName: store.tableName });
      // The store's first run derives each symbol's last 5 sessions: 4 one-day returns come due.
      await runs(store, symbols, [['2024-03-08T20:00:00-05:00', 'refetch']]);
      const live = await stores.scorecard.scorecard({ horizon: 1 });
      expect(live?.baseline).toEqual([
        { horizon: 1, count: 3 * 4, meanReturnPct: expect.any(Number), upRatePct: expect.any(Number) },
      ]);
      // Then the backfill of their whole history: many pieces per symbol, all but the last below the live range.
      const { scorecard: backfilled } = await backfillScorecard({
        provider: 'csv',
        dataDir: BUNDLED_DATA_DIR,
        symbols,
        nowMs: Date.parse('2024-03-09T12:00:00-05:00'),
        store: stores.scorecard,
      });
      const cli = await computeScorecard({
        provider: 'csv',
        dataDir: BUNDLED_DATA_DIR,
        symbols,
        nowMs: Date.parse('2024-03-09'),
      });
      expect(cli.baseline.map((b) => [b.horizon, b.count])).toEqual([
        [1, 1080],
        [5, 1068],
        [10, 1053],
        [20, 1023],
      ]);
      // Count, mean and hit rate of the baseline and of every signal at every horizon: the CLI's exactly.
      expectSameFigures(backfilled, cli);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('counts nothing twice when live runs follow a backfill over the same sessions', async () => {
    const store = await startEmbeddedStore();
    const symbols = ['AAPL', 'KO', 'NVDA'];
    try {
      const stores = openStores(createDocumentClient(store.endpoint), { tableName: store.tableName });
      const { counts, scorecard: backfilled } = await backfillScorecard({
        provider: 'csv',
        dataDir: BUNDLED_DATA_DIR,
        symbols,
        nowMs: Date.parse('2024-03-09T12:00:00-05:00'),
        store: stores.scorecard,
      });
      expect(counts.added).toBeGreaterThan(0);
      // The backfill's figures are the CLI's for the same history.
      expectSameFigures(
        backfilled,
        await computeScorecard({
          provider: 'csv',
          dataDir: BUNDLED_DATA_DIR,
          symbols,
          nowMs: Date.parse('2024-03-09'),
        }),
      );
      // Retention: 400 days unless configured.
      expect(
        ((await item(store, KEYS.session('KO', '2024-03-08')))?.expiresAt as number) - Date.now() / 1000,
      ).toBeCloseTo(400 * DAY_SECONDS, -3);
      await runs(store, symbols, [
        ['2024-03-07T16:45:00-05:00', 'after-close'],
        ['2024-03-08T16:45:00-05:00', 'after-close'],
        ['2024-03-08T20:00:00-05:00', 'refetch'],
      ]);
      expect(await stores.scorecard.scorecard()).toEqual(backfilled);
      const again = await backfillScorecard({
        provider: 'csv',
        dataDir: BUNDLED_DATA_DIR,
        symbols,
        nowMs: Date.parse('2024-03-09T12:00:00-05:00'),
        store: stores.scorecard,
      });
      expect(again.counts.added).toBe(0);
      expect(again.scorecard).toEqual(backfilled);
    } finally {
      await store.close();
    }
  }, 60_000);
});
