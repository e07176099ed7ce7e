import { describe, expect, it } from 'vitest';
import { ListError, type ListLimits, DEFAULT_LIST_LIMITS } from '../../functions/core/lists/watchlist-rules.js';
import { openStoresWithLists } from '../../functions/adapters/store/stores.js';
import { createResultsTableAt } from '../../functions/local/embedded-store.js';
import { useEmbeddedStore } from '../helpers/store.js';

const db = useEmbeddedStore();
let tables = 0;

/** A fresh table for each test: the lists' partition is the table's one LISTS partition. */
async function freshLists(now = () => new Date('2026-11-30T15:00:00Z')) {
  const tableName = `lists-${++tables}`;
  await createResultsTableAt(db.store().endpoint, tableName);
  return openStoresWithLists(db.client(), { tableName, now }).lists;
}

async function refusal(work: Promise<unknown>): Promise<ListError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ListError);
  return error as ListError;
}

const symbolsFrom = (prefix: string, n: number) =>
  Array.from(
    { length: n },
    (_, i) => `${prefix}${String.fromCharCode(65 + (i % 26))}${String.fromCharCode(65 + Math.floor(i / 26))}`,
  );

describe('the watchlists in the table', () => {
  it('creates a list on its first add, reports symbols already on it, counts versions and who changed it', async () => {
    const lists = await freshLists();
    const first = await lists.add('semis', ['NVDA', 'AMD'], 'alice', DEFAULT_LIST_LIMITS);
    expect(first).toMatchObject({ added: ['NVDA', 'AMD'], already: [] });
    expect(first.list).toEqual({
      name: 'semis',
      symbols: ['AMD', 'NVDA'],
      version: 1,
      updatedBy: 'alice',
      updatedAt: '2026-11-30T15:00:00.000Z',
      createdAt: '2026-11-30T15:00:00.000Z',
    });
    const second = await lists.add('semis', ['AMD', 'AVGO'], 'bob', DEFAULT_LIST_LIMITS);
    expect(second).toMatchObject({ added: ['AVGO'], already: ['AMD'] });
    expect(second.list).toMatchObject({ symbols: ['AMD', 'AVGO', 'NVDA'], version: 2, updatedBy: 'bob' });
    // Nothing new: nothing written, the version stays.
    const third = await lists.add('semis', ['AMD'], 'carol', DEFAULT_LIST_LIMITS);
    expect(third).toMatchObject({ added: [], already: ['AMD'], list: { version: 2, updatedBy: 'bob' } });
  });

  it('removes symbols, reports those not on the list, and refuses a list that does not exist', async () => {
    const lists = await freshLists();
    await lists.add('semis', ['NVDA', 'AMD', 'INTC'], 'alice', DEFAULT_LIST_LIMITS);
    const removed = await lists.remove('semis', ['INTC', 'TSLA'], 'bob');
    expect(removed).toMatchObject({
      removed: ['INTC'],
      absent: ['TSLA'],
      list: { symbols: ['AMD', 'NVDA'], version: 2 },
    });
    // The last symbols removed: the list stays, empty.
    expect((await lists.remove('semis', ['NVDA', 'AMD'], 'bob')).list).toMatchObject({ symbols: [], version: 3 });
    const error = await refusal(lists.remove('nope', ['AAPL'], 'bob'));
    expect(error).toMatchObject({ code: 'not_found', message: 'no list named nope' });
    expect(await lists.lists()).toHaveLength(1);
  });

  it('refuses each limit with a message naming it, and changes nothing', async () => {
    const lists = await freshLists();
    const limits: ListLimits = { lists: 2, symbolsPerList: 5, symbolsPerAdd: 100, totalSymbols: 7 };
    await lists.add('a', ['A1', 'A2', 'A3', 'A4'], 'alice', limits);
    await lists.add('b', ['B1', 'A1'], 'alice', limits);
    expect((await refusal(lists.add('c', ['C1'], 'alice', limits))).message).toBe(
      'cannot create list c: there are 2 lists, the limit is 2 (limits.lists)',
    );
    expect((await refusal(lists.add('a', ['A5', 'A6'], 'alice', limits))).message).toBe(
      'list a would have 6 symbols; the limit is 5 a list (limits.symbolsPerList)',
    );
    // a and b hold 5 distinct symbols (A1 is on both): three more would be 8.
    expect((await refusal(lists.add('b', ['B2', 'B3', 'B4'], 'alice', limits))).message).toMatch(
      /^the lists would hold 8 distinct symbols; the limit is 7 \(limits\.totalSymbols/,
    );
    expect((await lists.lists()).map((l) => [l.name, l.symbols.length, l.version])).toEqual([
      ['a', 4, 1],
      ['b', 2, 1],
    ]);
    // A symbol already on another list does not count twice toward the total.
    expect((await lists.add('b', ['A2'], 'alice', limits)).added).toEqual(['A2']);
    expect(await lists.union()).toEqual(['A1', 'A2', 'A3', 'A4', 'B1']);
  });

  it('lands both of two members adding at once, to one list and to a new one (no lost update)', async () => {
    const lists = await freshLists();
    const alice = symbolsFrom('X', 40);
    const bob = symbolsFrom('Y', 40);
    await Promise.all([
      lists.add('semis', alice, 'alice', DEFAULT_LIST_LIMITS),
      lists.add('semis', bob, 'bob', DEFAULT_LIST_LIMITS),
    ]);
    const list = await lists.list('semis');
    expect(list?.symbols).toEqual([...alice, ...bob].sort());
    expect(list?.version).toBe(2);
    // Adds racing on an existing list, each with a few symbols.
    await Promise.all(
      symbolsFrom('Z', 12).map((symbol, i) => lists.add('semis', [symbol], `member${i}`, DEFAULT_LIST_LIMITS)),
    );
    expect((await lists.list('semis'))?.symbols).toHaveLength(92);
    expect((await lists.list('semis'))?.version).toBe(14);
  });

  it('holds a list to its size limit when members race to fill it', async () => {
    const lists = await freshLists();
    const limits: ListLimits = { ...DEFAULT_LIST_LIMITS, symbolsPerList: 10 };
    await lists.add('tight', symbolsFrom('T', 6), 'alice', limits);
    const outcomes = await Promise.allSettled(
      [symbolsFrom('P', 3), symbolsFrom('Q', 3)].map((batch, i) => lists.add('tight', batch, `m${i}`, limits)),
    );
    // 6 + 3 fits, 6 + 3 + 3 does not: one lands, the other is refused on the re-read.
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((await lists.list('tight'))?.symbols).toHaveLength(9);
  });

  it('replaces a whole list only at the version it read: a stale one is a conflict', async () => {
    const lists = await freshLists();
    const created = await lists.replace('swing', ['AAPL', 'MSFT'], 'alice', DEFAULT_LIST_LIMITS);
    expect(created).toMatchObject({ symbols: ['AAPL', 'MSFT'], version: 1 });
    expect((await refusal(lists.replace('swing', ['TSLA'], 'bob', DEFAULT_LIST_LIMITS))).message).toBe(
      'list swing exists (version 1): give its version to replace it',
    );
    await lists.add('swing', ['NVDA'], 'carol', DEFAULT_LIST_LIMITS); // version 2
    const stale = await refusal(lists.replace('swing', ['TSLA'], 'bob', DEFAULT_LIST_LIMITS, 1));
    expect(stale).toMatchObject({ code: 'conflict' });
    expect(stale.message).toBe(
      'list swing is at version 2, not 1: it changed since it was read; reload it and try again',
    );
    expect(await lists.replace('swing', ['TSLA'], 'bob', DEFAULT_LIST_LIMITS, 2)).toMatchObject({
      symbols: ['TSLA'],
      version: 3,
      createdAt: created.createdAt,
    });
    expect((await lists.delete('swing')).name).toBe('swing');
    expect((await refusal(lists.delete('swing'))).code).toBe('not_found');
  });

  it('seeds the default list once in the table’s life, and not over lists that exist', async () => {
    const lists = await freshLists();
    expect(await lists.seed('default', ['AAPL', 'MSFT'], 'watchlistFile')).toBe(true);
    expect(await lists.union()).toEqual(['AAPL', 'MSFT']);
    await lists.delete('default');
    expect(await lists.seed('default', ['AAPL', 'MSFT'], 'watchlistFile')).toBe(false);
    expect(await lists.lists()).toEqual([]);

    const other = await freshLists();
    await other.add('mine', ['TSLA'], 'alice', DEFAULT_LIST_LIMITS);
    expect(await other.seed('default', ['AAPL'], 'watchlistFile')).toBe(false);
    expect(await other.union()).toEqual(['TSLA']);
  });
});
