import { describe, expect, expectTypeOf, it } from 'vitest';
import { DeleteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../../functions/adapters/store/dynamodb-client.js';
import {
  openStoresWithLists,
  readStores,
  type StoresWithLists as Stores,
} from '../../functions/adapters/store/stores.js';
import { KEYS } from '../../functions/adapters/store/table-schema.js';
import { type ApiDeps, handleApiRequest } from '../../functions/api/routes.js';
import type { NewRun } from '../../functions/core/run/run-record.js';
import { RunSummaryBuilder } from '../../functions/core/run/run-summary.js';
import type { ScanOutcome } from '../../functions/core/scan/scan-symbol.js';
import type { ScannerName } from '../../functions/core/scan/scanners.js';
import type { DashboardAssets } from '../../functions/api/dashboard-assets.js';
import { bundledBars } from '../helpers/bars.js';
import { useEmbeddedStore } from '../helpers/store.js';

// A run of 5,000 symbols × 3 scanners written the way the worker writes it (15,000 results, one
// batch write path), then the API's reads counted as DynamoDB bills them: the items each Query
// *scanned* (its ScannedCount, before any filter) and each GetItem read — not the items returned —
// and the read units each consumed (ConsumedCapacity, which dynalite computes from item sizes).
const db = useEmbeddedStore();
const SCANNERS: ScannerName[] = ['macd', 'ttm-squeeze', 'vpb'];
const SYMBOLS = Array.from({ length: 5_000 }, (_, i) => `S${i.toString(36).toUpperCase().padStart(4, '0')}`);
const RUN_ID = '20261125T213000Z-full';
const clock = () => new Date('2026-11-25T22:00:00Z');

/** Every 50th symbol failed (3 problems each: 300), every 20th has a VPB buy (250). */
function outcomesOf(symbol: string, i: number): ScanOutcome[] {
  return SCANNERS.map((scanner) => {
    if (i % 50 === 7) return { symbol, scanner, status: 'error', signal: null, values: null, reason: 'HTTP 404' };
    const buy = scanner === 'vpb' && i % 20 === 3;
    return {
      symbol,
      scanner,
      status: 'ok',
      signal: buy ? 'buy' : null,
      values: { close: 100 + (i % 7) },
      barDate: '2026-11-25',
      partial: false,
    };
  });
}

/** The stores over a client whose every read is counted: items scanned and read units consumed per request. */
function counted(on = db): { stores: Stores; reads: () => number; units: () => number; reset: () => void } {
  const client = createDocumentClient(on.store().endpoint);
  let reads = 0;
  let units = 0;
  client.middlewareStack.add(
    (next) => async (args) => {
      (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'TOTAL';
      const result = await next(args);
      const output = result.output as {
        ScannedCount?: number;
        Item?: unknown;
        ConsumedCapacity?: { CapacityUnits?: number };
      };
      reads += output.ScannedCount ?? (output.Item ? 1 : 0);
      units += output.ConsumedCapacity?.CapacityUnits ?? 0;
      return result;
    },
    { step: 'initialize', name: 'countScanned' },
  );
  return {
    stores: openStoresWithLists(client, { tableName: on.store().tableName, now: clock }),
    reads: () => reads,
    units: () => units,
    reset: () => {
      reads = 0;
      units = 0;
    },
  };
}

/** A run of the 5,000 symbols as dispatch creates it. */
function newRun(runId: string, scheduledAt: string, extra: Partial<NewRun> = {}): NewRun {
  return {
    runId,
    watchlist: 'full',
    kind: 'scheduled',
    purpose: 'after-close',
    session: scheduledAt.slice(0, 10),
    scheduledAt,
    startedAt: scheduledAt,
    sessionDate: scheduledAt.slice(0, 10),
    symbols: SYMBOLS,
    scanners: SCANNERS,
    batchSize: 5_000,
    batchesExpected: 1,
    ...extra,
  };
}

/** The id and scheduled time of a run `hours` after the shown one (before it when negative). */
function runAt(hours: number): { runId: string; scheduledAt: string } {
  const scheduledAt = new Date(Date.parse('2026-11-25T21:30:00Z') + hours * 3_600_000).toISOString();
  return { runId: `${scheduledAt.replace(/[-:]|\.\d{3}/g, '')}-full`, scheduledAt };
}

async function seed(): Promise<Stores> {
  const { stores } = counted();
  await stores.runs.createRun(newRun(RUN_ID, '2026-11-25T21:30:00.000Z'));
  const run = { runId: RUN_ID, scheduledAt: '2026-11-25T21:30:00.000Z' };
  await stores.results.writeOutcomes(
    run,
    SYMBOLS.flatMap((symbol, i) => outcomesOf(symbol, i)),
  );
  await stores.runs.recordBatch(RUN_ID, 0, {
    summary: new RunSummaryBuilder(SCANNERS).build(),
    barDates: ['2026-11-25'],
    dataIssues: {},
  });
  await stores.runs.completeRun(run);
  return stores;
}

const seeded = (() => {
  let once: Promise<Stores> | undefined;
  return () => (once ??= seed());
})();

async function get(stores: Stores, path: string, query: Record<string, string> = {}) {
  const deps: ApiDeps = {
    ...readStores(stores),
    assets: {} as DashboardAssets,
    version: 'test',
    debugMemory: false,
    access: 'open',
    lookbackBars: 150,
    now: clock,
  };
  const rawQuery = new URLSearchParams(query).toString();
  const response = await handleApiRequest({ method: 'GET', path, query, headers: {}, rawQuery }, deps);
  return { status: response.statusCode, body: JSON.parse(response.body as string) };
}

describe('every API read is bounded: items scanned per request at 5,000 symbols', () => {
  it('GET /api/runs/{id} reads the run and one page of its problems, never the 15,000 results', async () => {
    await seeded();
    const { stores, reads, reset } = counted();
    const seen: string[] = [];
    const scanned: number[] = [];
    let cursor: string | undefined;
    do {
      reset();
      const { status, body } = await get(stores, `/api/runs/${RUN_ID}`, { limit: '100', ...(cursor && { cursor }) });
      expect(status).toBe(200);
      expect(body.symbols).toEqual(SYMBOLS);
      scanned.push(reads());
      seen.push(...body.problems.map((p: { symbol: string; scanner: string }) => `${p.scanner}/${p.symbol}`));
      cursor = body.cursor;
    } while (cursor);
    // 300 problems in pages of 100: the run item, its symbol list and at most 100 problem items a
    // request (the last page is empty: DynamoDB cannot tell a page of exactly 100 was the last).
    expect(seen).toHaveLength(300);
    expect(new Set(seen).size).toBe(300);
    expect(scanned).toEqual([102, 102, 102, 2]);
  }, 120_000);

  it('GET /api/scans/vpb?signal=buy scans the signals it returns, and the default page its limit', async () => {
    await seeded();
    const { stores, reads, reset } = counted();
    const { status, body } = await get(stores, '/api/scans/vpb', { signal: 'buy', limit: '500' });
    expect(status).toBe(200);
    expect(body.results).toHaveLength(250);
    expect(body.results.every((r: { signal: string }) => r.signal === 'buy')).toBe(true);
    expect(body.cursor).toBeUndefined();
    // The shown run (its pointer, then the run), then the 250 signal copies: nothing else.
    expect(reads()).toBe(2 + 250);

    reset();
    const page = await get(stores, '/api/scans/macd', { signal: 'bullish_cross', limit: '10' });
    expect([page.body.results.length, reads()]).toEqual([0, 2]);

    reset();
    const all = await get(stores, '/api/scans/vpb', { limit: '200' });
    expect([all.body.results.length, reads()]).toEqual([200, 2 + 200]);
  }, 120_000);

  it('GET /api/symbols/{s}/chart reads one cached item, and answers 404 for a symbol without one — no provider to call', async () => {
    expectTypeOf<ApiDeps>().not.toHaveProperty('marketData');
    const stores = await seeded();
    const bars = await bundledBars('GE', '2024-03-08', 160);
    await stores.bars.writeBars([{ ...bars, symbol: SYMBOLS[0] }]);
    const { stores: reading, reads, reset } = counted();
    const chart = await get(reading, `/api/symbols/${SYMBOLS[0]}/chart`);
    expect([chart.status, chart.body.bars.length, chart.body.bars.at(-1).time]).toEqual([200, 150, '2024-03-08']);
    // The shown run (pointer and run) and the cached bars' one item.
    expect(reads()).toBe(3);
    reset();
    const outside = await get(reading, '/api/symbols/NFLX/chart');
    expect([outside.status, outside.body.error.code, outside.body.error.message]).toEqual([
      404,
      'unknown_symbol',
      "no bars of NFLX up to 2026-11-25: charts are drawn from the watchlist's scans",
    ]);
    expect(reads()).toBe(2);
  }, 120_000);
});

/** A market-hours run of the whole watchlist, scheduled `hours` after the shown one. */
function laterRun(hours: number, extra: Partial<NewRun> = {}): NewRun {
  const { runId, scheduledAt } = runAt(hours);
  return newRun(runId, scheduledAt, { purpose: 'market-hours', ...extra });
}

const TALLY = { summary: new RunSummaryBuilder(SCANNERS).build(), barDates: ['2026-11-25'], dataIssues: {} };

/** 200 runs after the shown one, none shown: every other one skipped (paused), the rest failed. */
const withNewerRuns = (() => {
  let once: Promise<Stores> | undefined;
  return () =>
    (once ??= (async () => {
      const stores = await seeded();
      for (let chunk = 0; chunk < 200; chunk += 20) {
        await Promise.all(
          Array.from({ length: 20 }, (_, i) => chunk + i + 1).map((hours) =>
            hours % 2 === 0
              ? stores.runs.createRun(laterRun(hours, { skippedReason: 'paused' }))
              : stores.runs.recordFailedDispatch(laterRun(hours), 'provider unreachable'),
          ),
        );
      }
      return stores;
    })());
})();

const pointer = async () =>
  (await db.client().send(new GetCommand({ TableName: db.store().tableName, Key: KEYS.shownRun() }))).Item;
const dropPointer = () =>
  db.client().send(new DeleteCommand({ TableName: db.store().tableName, Key: KEYS.shownRun() }));

// These run in order: the pointer is the table's one.
describe('the shown run: its pointer and the run, whatever the runs after it', () => {
  it('reads 2 items (pointer, run) behind 200 newer skipped and failed runs: scans, chart; health the newest too', async () => {
    const stores = await withNewerRuns();
    expect((await stores.runs.listRuns(200)).items.map((r) => r.status)).not.toContain('complete');
    const { stores: reading, reads, reset } = counted();
    const health = await get(reading, '/api/health');
    // The newest run was skipped (paused): nothing is wrong.
    expect([health.body.lastRun.runId, health.body.status, reads()]).toEqual([RUN_ID, 'ok', 3]);
    reset();
    const scan = await get(reading, '/api/scans/vpb', { limit: '200' });
    expect([scan.status, scan.body.run.runId, scan.body.results.length, reads()]).toEqual([200, RUN_ID, 200, 2 + 200]);
    reset();
    const chart = await get(reading, `/api/symbols/${SYMBOLS[0]}/chart`);
    expect([chart.status, reads()]).toEqual([200, 2 + 1]);
  }, 120_000);

  it('without the pointer (a table from before it) reads one page of 20 runs; none shown among them → 404', async () => {
    await withNewerRuns();
    await dropPointer();
    const { stores: reading, reads, reset } = counted();
    const scan = await get(reading, '/api/scans/vpb');
    expect([scan.status, scan.body.error.code, reads()]).toEqual([404, 'no_complete_run', 20]);
    reset();
    const health = await get(reading, '/api/health');
    expect([health.body.lastRun, reads()]).toEqual([null, 20 + 1]);
  }, 120_000);

  it('moves only forward: an older run completing later leaves it, a late batch promoting partial → complete keeps it', async () => {
    const stores = await withNewerRuns();
    const newest = laterRun(201, { symbols: ['GE'] });
    const older = laterRun(150.5, { symbols: ['GE'] });
    await stores.runs.createRun(newest);
    await stores.runs.createRun(older);
    expect(
      await stores.runs.endRun(newest, { status: 'partial', reason: 'batch 0 missing by its deadline', missing: [] }),
    ).toBe(true);
    expect(await pointer()).toMatchObject({ runId: newest.runId, scheduledAt: newest.scheduledAt });

    await stores.runs.recordBatch(older.runId, 0, TALLY);
    expect(await stores.runs.completeRun(older)).toBe(true);
    expect(await pointer()).toMatchObject({ runId: newest.runId });
    expect(await stores.runs.shownRun()).toMatchObject({ runId: newest.runId, status: 'partial' });

    await stores.runs.recordBatch(newest.runId, 0, TALLY);
    expect(await stores.runs.completeRun(newest)).toBe(true);
    expect(await pointer()).toMatchObject({
      runId: newest.runId,
      expiresAt: Date.parse('2026-12-25T22:00:00Z') / 1000,
    });
    const { stores: reading, reads } = counted();
    const health = await get(reading, '/api/health');
    expect([health.body.lastRun.runId, health.body.status, reads()]).toEqual([newest.runId, 'ok', 3]);
    expect(await stores.runs.shownRun()).toMatchObject({ runId: newest.runId, status: 'complete' });
  }, 120_000);

  it('without the pointer, or with its run gone, finds the newest shown run on the page of 20', async () => {
    await withNewerRuns();
    const newest = laterRun(201).runId;
    await dropPointer();
    const { stores: reading, reads, reset } = counted();
    const health = await get(reading, '/api/health');
    expect([health.body.lastRun.runId, reads()]).toEqual([newest, 20 + 1]);
    await db.client().send(
      new PutCommand({
        TableName: db.store().tableName,
        Item: { ...KEYS.shownRun(), runId: '20261101T143000Z-full', scheduledAt: '2026-11-01T14:30:00.000Z' },
      }),
    );
    reset();
    const scan = await get(reading, '/api/scans/vpb');
    // The pointer, no run behind it, then the page.
    expect([scan.status, scan.body.run.runId, reads()]).toEqual([200, newest, 1 + 20]);
  }, 120_000);
});

describe('GET /api/runs at 5,000 symbols a run: run items are small, the symbol list is read by the run detail alone', () => {
  const many = useEmbeddedStore();
  // Runs an hour apart before the shown one, 2026-11-25T21:30Z.
  it('lists 100 runs in under 25 read units (a run item under 2 KB), and the detail still returns all 5,000 symbols', async () => {
    const { stores } = counted(many);
    for (let i = 1; i <= 100; i++) {
      const { runId, scheduledAt } = runAt(-i);
      await stores.runs.createRun(newRun(runId, scheduledAt));
    }
    const { stores: reading, reads, units, reset } = counted(many);
    const list = await get(reading, '/api/runs', { limit: '100' });
    expect(list.status).toBe(200);
    expect(list.body.runs).toHaveLength(100);
    expect(list.body.runs.map((r: { progress: { symbols: number } }) => r.progress.symbols)).toEqual(
      Array(100).fill(5_000),
    );
    // One eventually consistent Query: the sum of its items' sizes in 4 KB units, × ½. Under 2 KB a
    // run item is under 200 KB: at most 25 units. Measured: 9.5 (19 × 4 KB: under 800 B a run);
    // with each run's list on it (~30 KB at these 5,000 symbols) it was the 1 MB cap: 128.
    expect(reads()).toBe(100);
    expect(units()).toBeLessThanOrEqual(25);
    expect(units()).toBe(9.5);

    reset();
    const { runId } = runAt(-1);
    const detail = await get(reading, `/api/runs/${runId}`);
    expect(detail.status).toBe(200);
    expect(detail.body.symbols).toEqual(SYMBOLS);
    expect(detail.body.progress.symbols).toBe(5_000);
    // The run item (consistent: 1 unit) and its list (30,099 B: 8), both by GetItem; the page of
    // problems is empty.
    expect([reads(), units()]).toEqual([2, 9]);
  }, 120_000);

  it('reads a run item written before the list had its own item: its count from the list on it, its detail with the list', async () => {
    const { runId, scheduledAt } = runAt(0);
    await many.client().send(
      new PutCommand({
        TableName: many.store().tableName,
        Item: {
          pk: `RUN#${runId}`,
          sk: 'RUN',
          gsi1pk: 'RUNS',
          gsi1sk: `${scheduledAt}#${runId}`,
          type: 'run',
          runId,
          watchlist: 'full',
          status: 'complete',
          kind: 'scheduled',
          session: '2026-11-25',
          scheduledAt,
          startedAt: scheduledAt,
          finishedAt: '2026-11-25T21:40:00.000Z',
          sessionDate: '2026-11-25',
          symbols: SYMBOLS,
          scanners: SCANNERS,
          batchSize: 5_000,
          batchesExpected: 1,
          batchesDone: 1,
          doneBatches: new Set([0]),
          barDates: new Set(['2026-11-25']),
          symbolsDone: 5_000,
          symbolsPartial: 0,
          signalCounts: { macd: {}, 'ttm-squeeze': {}, vpb: {} },
          symbolsWithErrors: 0,
          symbolsInsufficient: 0,
          aboveSma50: 0,
          measured: 0,
          bullishSignals: 0,
          bearishSignals: 0,
          dataIssues: {},
          expiresAt: Math.floor(clock().getTime() / 1000) + 86_400,
        },
      }),
    );
    const { stores, reads, units, reset } = counted(many);
    const list = await get(stores, '/api/runs', { limit: '1' });
    expect(list.body.runs.map((r: { runId: string; progress: object }) => [r.runId, r.progress])).toEqual([
      [runId, { batchesDone: 1, batchesExpected: 1, symbolsDone: 5_000, symbols: 5_000 }],
    ]);
    // The old run item carries its list: 30,784 B, 8 × ½ for this one run.
    expect([reads(), units()]).toEqual([1, 4]);
    reset();
    const detail = await get(stores, `/api/runs/${runId}`);
    expect(detail.status).toBe(200);
    expect(detail.body.symbols).toEqual(SYMBOLS);
    expect(detail.body.progress.symbols).toBe(5_000);
    // The run item (8), the list's own item, absent (1), then the list read off the run item (8).
    expect([reads(), units()]).toEqual([2, 17]);
  }, 120_000);
});
