import { describe, expect, it } from 'vitest';
import { planDispatch } from '../../../functions/core/run/dispatch-plan.js';
import { BUNDLED_DATA_DIR, readWatchlist } from '../../../functions/local/cli/symbol-source.js';
import { inShardOrder, SCORECARD_SHARDS, scorecardShard } from '../../../functions/core/scorecard/live-scorecard.js';

const watchlist = readWatchlist(undefined, BUNDLED_DATA_DIR);

describe('the live scorecard’s shards', () => {
  it('spread the bundled 150 symbols over all 16, none holding twice its share', () => {
    const sizes = Array.from({ length: SCORECARD_SHARDS }, () => 0);
    for (const symbol of watchlist) sizes[scorecardShard(symbol)]++;
    expect(sizes.every((n) => n > 0)).toBe(true);
    expect(Math.max(...sizes)).toBeLessThanOrEqual((2 * watchlist.length) / SCORECARD_SHARDS);
    // A symbol's shard is a stored layout (its guard ranges live there): FNV-1a mod 16, as Python
    // computes it independently (AAPL 1489842955, BRK.B 3194563130, MSFT 3383597683).
    expect(['AAPL', 'BRK.B', 'MSFT'].map(scorecardShard)).toEqual([11, 10, 3]);
  });

  it('order a list by shard, keeping the list’s order within each', () => {
    const ordered = inShardOrder(watchlist);
    expect([...ordered].sort()).toEqual([...watchlist].sort());
    const shards = ordered.map(scorecardShard);
    expect(shards).toEqual([...shards].sort((a, b) => a - b));
    for (let shard = 0; shard < SCORECARD_SHARDS; shard++)
      expect(ordered.filter((s) => scorecardShard(s) === shard)).toEqual(
        watchlist.filter((s) => scorecardShard(s) === shard),
      );
  });

  it('cut dispatch’s batches so that each boundary splits at most one shard', () => {
    const request = {
      watchlist: 'default',
      symbols: watchlist,
      scanners: ['macd' as const],
      scheduledAt: new Date('2024-03-08T21:45:00Z'),
      kind: 'manual' as const,
      batchSize: 30,
    };
    const { messages } = planDispatch(request);
    expect(messages.flatMap((m) => m.symbols).sort()).toEqual([...watchlist].sort());
    expect(messages.map((m) => m.symbols.length)).toEqual([30, 30, 30, 30, 30]);
    // (batch, shard) pairs: the aggregates' updates a recording run makes per aggregate.
    const pairs = messages.reduce((n, m) => n + new Set(m.symbols.map(scorecardShard)).size, 0);
    expect(pairs).toBeLessThanOrEqual(SCORECARD_SHARDS + messages.length - 1);
    // In the list's own order the batches would touch nearly every shard each.
    const unordered = [0, 1, 2, 3, 4].map(
      (b) => new Set(watchlist.slice(b * 30, b * 30 + 30).map(scorecardShard)).size,
    );
    expect(unordered.reduce((a, b) => a + b, 0)).toBeGreaterThan(2 * pairs);
  });
});
