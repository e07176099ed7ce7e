import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatchHandler, dispatchDeps } from '../../functions/dispatch/handler.js';
import type { ScanMessage } from '../../functions/core/run/scan-message.js';
import { DEFAULT_LIST_LIMITS } from '../../functions/core/lists/watchlist-rules.js';
import { SqsScanQueue } from '../../functions/adapters/queue/scan-queue.js';
import { ENV, settingsFrom } from '../../functions/adapters/settings.js';
import { openStoresWithLists } from '../../functions/adapters/store/stores.js';
import { createResultsTableAt } from '../../functions/local/embedded-store.js';
import { localLambdaContext } from '../../functions/local/lambda-context.js';
import { startSqsServer, type SqsServer } from '../helpers/sqs-server.js';
import { useEmbeddedStore } from '../helpers/store.js';
import { tempDir } from '../helpers/temp-dir.js';

const db = useEmbeddedStore();
let sqs: SqsServer;
beforeAll(async () => {
  sqs = await startSqsServer();
});
afterAll(async () => {
  await sqs.close();
});

let tables = 0;
const context = localLambdaContext('dispatch');

/** The dispatch handler as deployed (its dependencies from the settings) on a fresh table, seeded from `seed` when given. */
async function deployedDispatch(seed?: string[]) {
  const tableName = `dispatch-lists-${++tables}`;
  await createResultsTableAt(db.store().endpoint, tableName);
  let seedFile: string | undefined;
  if (seed) {
    seedFile = join(tempDir('seed'), 'seed-watchlist.json');
    writeFileSync(seedFile, JSON.stringify(seed));
  }
  const settings = settingsFrom({
    [ENV.tableName]: tableName,
    [ENV.dynamodbEndpoint]: db.store().endpoint,
    [ENV.queueUrl]: sqs.queueUrl,
    ...(seedFile && { [ENV.seedWatchlistFile]: seedFile }),
  });
  const deps = dispatchDeps(settings, {
    queue: new SqsScanQueue(sqs.queueUrl, { client: sqs.client(), sleep: async () => {} }),
    now: () => new Date('2026-11-24T14:30:05Z'),
  });
  const stores = openStoresWithLists(db.client(), { tableName });
  return { dispatch: createDispatchHandler(() => deps), lists: stores.lists, runs: stores.runs };
}

const sentSince = (from: number) => sqs.received.slice(from).map((body) => JSON.parse(body) as ScanMessage);
/** A run of every list that a person starts (the first of two scheduled runs would still be running). */
const manual = (scheduledAt: string) => ({ watchlist: 'full', scheduledAt });
const scheduled = (scheduledAt: string) => ({ watchlist: 'full', purpose: 'market-hours' as const, scheduledAt });

describe('dispatch over the watchlists in the table', () => {
  it('scans the union of every list, each symbol once', async () => {
    const { dispatch, lists, runs } = await deployedDispatch();
    await lists.add('semis', ['NVDA', 'AMD', 'AVGO'], 'alice', DEFAULT_LIST_LIMITS);
    await lists.add('megacaps', ['AAPL', 'NVDA', 'MSFT'], 'bob', DEFAULT_LIST_LIMITS);
    const before = sqs.received.length;
    const result = await dispatch(scheduled('2026-11-24T14:30:00Z'), context);
    expect(result).toEqual({ runId: '20261124T143000Z-full', status: 'dispatched', symbols: 5, batches: 1 });
    expect(
      sentSince(before)
        .flatMap((m) => m.symbols)
        .sort(),
    ).toEqual(['AAPL', 'AMD', 'AVGO', 'MSFT', 'NVDA']);
    expect(await runs.runSymbols(result.runId)).toEqual(['AAPL', 'AMD', 'AVGO', 'MSFT', 'NVDA']);
  });

  it('does not scan a symbol removed between runs, and scans one added', async () => {
    const { dispatch, lists } = await deployedDispatch();
    await lists.add('semis', ['NVDA', 'AMD', 'INTC'], 'alice', DEFAULT_LIST_LIMITS);
    let before = sqs.received.length;
    await dispatch(manual('2026-11-24T14:30:00Z'), context);
    expect(
      sentSince(before)
        .flatMap((m) => m.symbols)
        .sort(),
    ).toEqual(['AMD', 'INTC', 'NVDA']);
    await lists.remove('semis', ['INTC'], 'alice');
    await lists.add('semis', ['TSM'], 'alice', DEFAULT_LIST_LIMITS);
    before = sqs.received.length;
    await dispatch(manual('2026-11-24T15:30:00Z'), context);
    expect(
      sentSince(before)
        .flatMap((m) => m.symbols)
        .sort(),
    ).toEqual(['AMD', 'NVDA', 'TSM']);
  });

  it('re-dispatches a run from the list it froze: an edit during the run neither adds nor drops a symbol', async () => {
    const { dispatch, lists, runs } = await deployedDispatch();
    const symbols = Array.from({ length: 45 }, (_, i) => `S${String(i).padStart(2, '0')}`);
    await lists.add('big', symbols, 'alice', DEFAULT_LIST_LIMITS);
    let before = sqs.received.length;
    const first = await dispatch(scheduled('2026-11-24T14:30:00Z'), context);
    const firstMessages = sentSince(before);
    expect(firstMessages.map((m) => m.symbols.length)).toEqual([30, 15]);
    // Mid-run: one symbol leaves, two arrive.
    await lists.remove('big', ['S00'], 'bob');
    await lists.add('big', ['NEW1', 'NEW2'], 'bob', DEFAULT_LIST_LIMITS);
    before = sqs.received.length;
    const again = await dispatch(scheduled('2026-11-24T14:30:00Z'), context);
    expect(again).toMatchObject({ runId: first.runId, status: 'dispatched', symbols: 45, batches: 2 });
    expect(sentSince(before).map((m) => m.symbols)).toEqual(firstMessages.map((m) => m.symbols));
    expect(await runs.runSymbols(first.runId)).toEqual(symbols);
  });

  it('seeds `default` from the watchlist file in a table that never had a list, once', async () => {
    const { dispatch, lists } = await deployedDispatch(['AAPL', 'MSFT', 'brk.b']);
    const before = sqs.received.length;
    expect(await dispatch(scheduled('2026-11-24T14:30:00Z'), context)).toMatchObject({ symbols: 3, batches: 1 });
    expect(
      sentSince(before)
        .flatMap((m) => m.symbols)
        .sort(),
    ).toEqual(['AAPL', 'BRK.B', 'MSFT']);
    expect(await lists.lists()).toEqual([
      expect.objectContaining({ name: 'default', version: 1, updatedBy: 'watchlistFile' }),
    ]);
    // Every list deleted by its users: not seeded again; the scheduled run is skipped, saying why.
    await lists.delete('default');
    const empty = await dispatch(scheduled('2026-11-24T15:30:00Z'), context);
    expect(empty).toMatchObject({
      status: 'skipped',
      symbols: 0,
      reason: 'nothing to scan: watchlist "full" has no symbols (add some: docs/watchlists.md)',
    });
    expect(await lists.lists()).toEqual([]);
  });

  it('runs one named list, and names the lists there are when asked for one that does not exist', async () => {
    const { dispatch, lists } = await deployedDispatch();
    await lists.add('semis', ['NVDA', 'AMD'], 'alice', DEFAULT_LIST_LIMITS);
    await lists.add('energy', ['XOM'], 'alice', DEFAULT_LIST_LIMITS);
    const before = sqs.received.length;
    const result = await dispatch({ watchlist: 'semis', scheduledAt: '2026-11-24T14:30:00Z' }, context);
    expect(result).toMatchObject({ runId: '20261124T143000Z-semis', symbols: 2 });
    expect(
      sentSince(before)
        .flatMap((m) => m.symbols)
        .sort(),
    ).toEqual(['AMD', 'NVDA']);
    await expect(dispatch({ watchlist: 'tech', scheduledAt: '2026-11-24T14:30:00Z' }, context)).rejects.toThrow(
      'no list named tech; lists: energy, semis',
    );
    // A manual run of nothing is an error, not a skipped run.
    await lists.remove('energy', ['XOM'], 'alice');
    await expect(dispatch({ watchlist: 'energy', scheduledAt: '2026-11-24T14:30:00Z' }, context)).rejects.toThrow(
      'watchlist "energy" has no symbols',
    );
  });
});
