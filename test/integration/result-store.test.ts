import { BatchWriteCommand, type DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { RunSummaryBuilder } from '../../functions/core/run/run-summary.js';
import { failedSymbol, scanSymbol } from '../../functions/core/scan/scan-symbol.js';
import { planScan } from '../../functions/core/scan/scanners.js';
import { StoreError } from '../../functions/adapters/store/batch-write.js';
import { openStores } from '../../functions/adapters/store/stores.js';
import type { NewRun } from '../../functions/core/run/run-record.js';
import { bundledBars } from '../helpers/bars.js';
import { useEmbeddedStore } from '../helpers/store.js';

const db = useEmbeddedStore();
const plan = planScan();
let clock = new Date('2026-11-25T15:30:00Z');
const storeOf = (client = db.client(), extra = {}) =>
  openStores(client, { tableName: db.store().tableName, now: () => clock, sleep: async () => {}, ...extra });

function newRun(runId: string, symbols: string[], scheduledAt = '2026-11-25T15:30:00.000Z'): NewRun {
  return {
    runId,
    watchlist: 'full',
    kind: 'scheduled',
    purpose: 'market-hours',
    session: '2026-11-25',
    scheduledAt,
    startedAt: scheduledAt,
    sessionDate: '2026-11-25',
    symbols,
    scanners: ['macd', 'ttm-squeeze', 'vpb'],
    batchSize: 30,
    batchesExpected: 2,
  };
}

async function batchOf(symbols: string[]) {
  const scans = await Promise.all(
    symbols.map(async (s) =>
      s === 'ZZZZ'
        ? failedSymbol(s, plan, 'unknown symbol')
        : scanSymbol(await bundledBars(s, '2024-03-08', 150), plan),
    ),
  );
  const summary = new RunSummaryBuilder(['macd', 'ttm-squeeze', 'vpb']);
  scans.forEach((s) => summary.add(s));
  return {
    outcomes: scans.flatMap((s) => s.outcomes),
    tally: { summary: summary.build(), dataIssues: { weekend: 2 } },
  };
}

describe('result store on dynalite', () => {
  it('creates a run once; the same run id returns the stored record', async () => {
    const store = storeOf();
    const first = await store.runs.createRun(newRun('20261125T153000Z-full', ['AAPL']));
    expect(first.created).toBe(true);
    expect(first.run.status).toBe('running');
    expect(first.run.expiresAt).toBe(Math.floor(clock.getTime() / 1000) + 30 * 86_400);
    const again = await store.runs.createRun({ ...newRun('20261125T153000Z-full', ['MSFT']) });
    expect(again.created).toBe(false);
    expect(again.run.symbolCount).toBe(1);
    expect(await store.runs.runSymbols('20261125T153000Z-full')).toEqual(['AAPL']);
  });

  it('counts each batch exactly once, and completes the run exactly once', async () => {
    const store = storeOf();
    const runId = '20261125T163000Z-full';
    await store.runs.createRun(newRun(runId, ['GE', 'MDB', 'DDOG', 'ZZZZ']));
    const one = await batchOf(['GE', 'MDB']);
    const two = await batchOf(['DDOG', 'ZZZZ']);
    await store.results.writeOutcomes({ runId, scheduledAt: '2026-11-25T16:30:00.000Z' }, one.outcomes);
    const afterOne = await store.runs.recordBatch(runId, 0, one.tally);
    expect(afterOne?.batchesDone).toBe(1);
    expect(afterOne?.signalCounts.vpb).toEqual({ buy: 1, sell: 1 });
    // The same batch again (a re-delivered message): not counted.
    expect(await store.runs.recordBatch(runId, 0, one.tally)).toBeUndefined();
    expect(await store.runs.completeRun({ runId, scheduledAt: '2026-11-25T15:30:00.000Z' })).toBe(false); // 1 of 2 batches
    const afterTwo = await store.runs.recordBatch(runId, 1, two.tally);
    expect(afterTwo).toMatchObject({
      batchesDone: 2,
      doneBatches: [0, 1],
      symbolsDone: 4,
      symbolsWithErrors: 1,
      bullishSignals: 1,
      bearishSignals: 2,
    });
    expect(afterTwo?.signalCounts['ttm-squeeze']).toEqual({ squeeze_on: 0, fired_long: 0, fired_short: 1 });
    expect(afterTwo?.dataIssues.weekend).toBe(4);
    expect(await store.runs.completeRun({ runId, scheduledAt: '2026-11-25T15:30:00.000Z' })).toBe(true);
    expect(await store.runs.completeRun({ runId, scheduledAt: '2026-11-25T15:30:00.000Z' })).toBe(false);
    const run = await store.runs.getRun(runId);
    expect(run?.status).toBe('complete');
    expect(run?.finishedAt).toBe(clock.toISOString());
  });

  it('reads a run’s results by scanner, signal and status, page by page', async () => {
    const store = storeOf();
    const runId = '20261125T173000Z-full';
    await store.runs.createRun(newRun(runId, ['GE', 'MDB', 'DDOG', 'ZZZZ'], '2026-11-25T17:30:00.000Z'));
    const { outcomes } = await batchOf(['GE', 'MDB', 'DDOG', 'ZZZZ']);
    await store.results.writeOutcomes({ runId, scheduledAt: '2026-11-25T17:30:00.000Z', asOf: '2024-03-08' }, outcomes);
    const all = [];
    for await (const o of store.results.allRunResults(runId)) all.push(o);
    expect(all).toHaveLength(12);
    const vpb = await store.results.runResults(runId, { scanner: 'vpb' });
    expect(vpb.items.map((o) => [o.symbol, o.signal])).toEqual([
      ['DDOG', null],
      ['GE', 'buy'],
      ['MDB', 'sell'],
      ['ZZZZ', null],
    ]);
    expect(vpb.items[1]).toMatchObject({
      runId,
      asOf: '2024-03-08',
      status: 'ok',
      barDate: '2024-03-08',
      values: { pattern: 'breakout_20d_high', priorHigh: 166.729996 },
    });
    expect((await store.results.runSignals(runId, 'vpb', 'sell', 10)).items.map((o) => o.symbol)).toEqual(['MDB']);
    expect((await store.results.runSignals(runId, 'vpb', undefined, 10)).items.map((o) => o.symbol)).toEqual([
      'GE',
      'MDB',
    ]);
    expect(
      (await store.results.runProblems(runId, 10)).items.map((o) => `${o.symbol}/${o.scanner}: ${o.reason}`),
    ).toEqual(['ZZZZ/macd: unknown symbol', 'ZZZZ/ttm-squeeze: unknown symbol', 'ZZZZ/vpb: unknown symbol']);
    const first = await store.results.runResults(runId, {}, 5);
    expect(first.items).toHaveLength(5);
    const second = await store.results.runResults(runId, {}, 5, first.cursor);
    const third = await store.results.runResults(runId, {}, 5, second.cursor);
    expect([...first.items, ...second.items, ...third.items].map((o) => `${o.scanner}/${o.symbol}`)).toEqual(
      all.map((o) => `${o.scanner}/${o.symbol}`),
    );
    expect(third.cursor).toBeUndefined();
    await expect(store.results.runResults(runId, {}, 5, 'bm90LWEtY3Vyc29y')).rejects.toThrow('cursor is not valid');
  });

  it('lists runs newest first and a symbol’s history across runs', async () => {
    const store = storeOf();
    const runs = await store.runs.listRuns(10);
    expect(runs.items.map((r) => r.runId)).toEqual([
      '20261125T173000Z-full',
      '20261125T163000Z-full',
      '20261125T153000Z-full',
    ]);
    expect((await store.runs.shownRun())?.runId).toBe('20261125T163000Z-full');
    const history = await store.results.symbolHistory('GE', 10);
    expect(history.items.map((o) => `${o.runId}/${o.scanner}`)).toEqual([
      '20261125T173000Z-full/vpb',
      '20261125T173000Z-full/ttm-squeeze',
      '20261125T173000Z-full/macd',
      '20261125T163000Z-full/vpb',
      '20261125T163000Z-full/ttm-squeeze',
      '20261125T163000Z-full/macd',
    ]);
  });

  it('hides expired items that TTL has not deleted yet', async () => {
    const store = storeOf();
    const saved = clock;
    clock = new Date(saved.getTime() + 8 * 86_400_000); // results expire after 7 days, runs after 30
    try {
      expect((await store.results.runResults('20261125T173000Z-full')).items).toEqual([]);
      expect((await store.results.symbolHistory('GE', 10)).items).toEqual([]);
      expect((await store.runs.getRun('20261125T173000Z-full'))?.status).toBe('running');
      clock = new Date(saved.getTime() + 31 * 86_400_000);
      expect(await store.runs.getRun('20261125T173000Z-full')).toBeUndefined();
      expect((await store.runs.listRuns(10)).items).toEqual([]);
    } finally {
      clock = saved;
    }
  });

  it('retries UnprocessedItems until written, and fails loudly when they never are', async () => {
    const real = db.client();
    let calls = 0;
    // A client whose BatchWriteItem leaves the last item unprocessed on the first two calls,
    // as DynamoDB does under throttling; everything still goes to dynalite.
    const flaky = {
      send: async (command: unknown) => {
        if (command instanceof BatchWriteCommand && calls++ < 2) {
          const table = Object.keys(command.input.RequestItems ?? {})[0];
          const requests = command.input.RequestItems?.[table] ?? [];
          if (requests.length > 1)
            await real.send(new BatchWriteCommand({ RequestItems: { [table]: requests.slice(0, -1) } }));
          return { UnprocessedItems: { [table]: requests.slice(-1) } };
        }
        return real.send(command as never);
      },
    } as unknown as DynamoDBDocumentClient;
    const runId = '20261125T183000Z-full';
    const { outcomes } = await batchOf(['GE']);
    await storeOf(flaky).results.writeOutcomes({ runId, scheduledAt: '2026-11-25T18:30:00.000Z' }, outcomes);
    expect(calls).toBe(3);
    expect((await storeOf().results.runResults(runId)).items).toHaveLength(3);

    const never = {
      send: async (command: BatchWriteCommand) => ({ UnprocessedItems: command.input.RequestItems }),
    } as unknown as DynamoDBDocumentClient;
    await expect(
      storeOf(never, { maxWriteAttempts: 3 }).results.writeOutcomes(
        { runId, scheduledAt: '2026-11-25T18:30:00.000Z' },
        outcomes,
      ),
      // GE's three results and the copy of its VPB buy under the run's signals.
    ).rejects.toThrow(new StoreError('4 of 4 items still unprocessed after 3 BatchWriteItem attempts'));
  });
});

describe('result store: runs of the previous version', () => {
  it('reads a run written before runs had a kind and a session as a scheduled run of its date', async () => {
    const store = storeOf();
    const { kind: _kind, purpose: _purpose, session: _session, ...old } = newRun('20261125T143000Z-old', ['AAPL']);
    await store.runs.createRun(old as NewRun);
    expect(await store.runs.getRun('20261125T143000Z-old')).toMatchObject({
      kind: 'scheduled',
      session: '2026-11-25',
      symbolsPartial: 0,
    });
  });
});

// After the listing above: these runs are not among the ones it lists.
describe('result store: a run and its symbol list', () => {
  it('writes the symbol list before the run: a retry after a crash between the two creates the run with its list', async () => {
    const real = db.client();
    const runId = '20261120T173000Z-full';
    // A client whose first put of a run item fails, as a function timing out between the writes would.
    let crashed = false;
    const crashing = {
      send: async (command: unknown) => {
        if (!crashed && command instanceof PutCommand && command.input.Item?.sk === 'RUN') {
          crashed = true;
          throw new Error('Task timed out after 15.00 seconds');
        }
        return real.send(command as never);
      },
    } as unknown as DynamoDBDocumentClient;
    const symbols = ['GE', 'MDB', 'DDOG'];
    await expect(storeOf(crashing).runs.createRun(newRun(runId, symbols, '2026-11-20T17:30:00.000Z'))).rejects.toThrow(
      'Task timed out',
    );
    const store = storeOf();
    expect(await store.runs.getRun(runId)).toBeUndefined();
    expect(await store.runs.runSymbols(runId)).toEqual(symbols);
    const retried = await storeOf(crashing).runs.createRun(newRun(runId, symbols, '2026-11-20T17:30:00.000Z'));
    expect([retried.created, retried.run.symbolCount]).toEqual([true, 3]);
    expect((await store.runs.getRun(runId))?.symbolCount).toBe(3);
    expect(await store.runs.runSymbols(runId)).toEqual(symbols);
    expect((await store.runs.listRuns(100)).items.filter((r) => r.runId === runId)).toHaveLength(1);
  });

  it('reads a run without a symbol list (its dispatch failed before it had one) as having none', async () => {
    const store = storeOf();
    const runId = '20261120T174500Z-full';
    expect(
      await store.runs.recordFailedDispatch(newRun(runId, [], '2026-11-20T17:45:00.000Z'), 'unknown watchlist "full"'),
    ).toBe(true);
    expect(await store.runs.getRun(runId)).toMatchObject({ status: 'failed', symbolCount: 0 });
    expect(await store.runs.runSymbols(runId)).toEqual([]);
  });
});
