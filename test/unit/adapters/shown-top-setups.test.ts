import { describe, expect, it } from 'vitest';
import type { StoredOutcome } from '../../../functions/adapters/store/result-store.js';
import { shownTopSetups } from '../../../functions/adapters/store/shown-top-setups.js';
import type { RunRecord } from '../../../functions/core/run/run-record.js';
import type { ScannerName } from '../../../functions/core/scan/scanners.js';
import type { Scorecard } from '../../../functions/core/scorecard/scorecard.js';
import { type CurrentSignal, rankTopSetups } from '../../../functions/core/scorecard/top-setups.js';
import { edgeCard } from '../../helpers/scorecard.js';

// shownTopSetups over stores that answer from memory: one run, its signal copies a page of two
// at a time, and a scorecard at 10 sessions whose last session (`to`) each case sets.
const current: CurrentSignal[] = [
  { symbol: 'AAA', scanner: 'macd', signal: 'bullish_cross' },
  { symbol: 'BBB', scanner: 'macd', signal: 'bearish_cross' },
  { symbol: 'CCC', scanner: 'macd', signal: 'bullish_cross' },
  { symbol: 'AAA', scanner: 'vpb', signal: 'buy' },
  { symbol: 'DDD', scanner: 'ttm-squeeze', signal: 'squeeze_on' },
];
/** top-setups.ts' worked example (baseline up rate 56.8 %), its last session `to`. */
const card = (to: string): Scorecard => ({
  ...edgeCard(56.8, [
    ['macd', 'bullish_cross', 90, 0.6, 62.48],
    ['macd', 'bearish_cross', 90, -0.6, 47.52],
    ['ttm-squeeze', 'squeeze_on', 400, 0.1, null],
    ['vpb', 'buy', 30, 0.4, 56.8],
  ]),
  to,
});
const RUN = {
  runId: '20240308T210000Z-default',
  status: 'complete',
  scanners: ['macd', 'ttm-squeeze', 'vpb'],
  barDates: ['2024-03-07', '2024-03-08'],
} as unknown as RunRecord;

function stores(run: RunRecord | null, scorecard: Scorecard | null) {
  const reads = { scorecard: 0, signalPages: 0 };
  return {
    reads,
    stores: {
      runs: { shownRun: async () => run },
      results: {
        runSignals: async (_runId: string, scanner: ScannerName, _s: undefined, _limit: number, cursor?: string) => {
          reads.signalPages++;
          const from = Number(cursor ?? 0);
          const items = current
            .filter((c) => c.scanner === scanner)
            .map((c) => ({ ...c, status: 'ok' }) as unknown as StoredOutcome);
          return { items: items.slice(from, from + 2), ...(from + 2 < items.length && { cursor: String(from + 2) }) };
        },
      },
      scorecard: {
        scorecard: async () => {
          reads.scorecard++;
          return scorecard;
        },
      },
    } as unknown as Parameters<typeof shownTopSetups>[0],
  };
}

describe('shownTopSetups', () => {
  it('ranks the shown run’s signals, every page of them, when the scorecard ends on its as-of', async () => {
    const on = stores(RUN, card('2024-03-08'));
    const top = await shownTopSetups(on.stores, 10, 3);
    expect(top).toEqual({
      status: 'ranked',
      run: RUN,
      symbolsWithSignal: 4,
      setups: rankTopSetups({ card: card('2024-03-08'), current, horizon: 10, limit: 3 }),
    });
    if (top.status !== 'ranked') return;
    // AAA: MACD's bullish cross and VPB's buy agree (top-setups.ts' worked example).
    expect(top.setups[0]).toMatchObject({ rank: 1, symbol: 'AAA', score: 1.0425 });
    expect(on.reads).toEqual({ scorecard: 1, signalPages: 4 });
  });

  it('ranks when the scorecard ends before the as-of (the run is newer than its returns)', async () => {
    expect((await shownTopSetups(stores(RUN, card('2024-03-05')).stores, 10, 3)).status).toBe('ranked');
    // An as-of asked for on a Saturday: the scorecard's Friday is not after it.
    const saturday = { ...RUN, asOf: '2024-03-09' } as RunRecord;
    expect((await shownTopSetups(stores(saturday, card('2024-03-08')).stores, 10, 3)).status).toBe('ranked');
  });

  it('does not rank a run older than the scorecard: its returns after the as-of would count (look-ahead)', async () => {
    // A newer run recorded 2024-03-11 and has not completed: the run shown is still the 03-08 one.
    const on = stores(RUN, card('2024-03-11'));
    expect(await shownTopSetups(on.stores, 10, 3)).toEqual({
      status: 'stale_run',
      run: RUN,
      asOf: '2024-03-08',
      scorecardTo: '2024-03-11',
    });
    expect(on.reads).toEqual({ scorecard: 1, signalPages: 0 });
    // An as-of replay is compared by the as-of it asked for, not its bars' dates.
    const replay = { ...RUN, asOf: '2024-03-07' } as RunRecord;
    expect(await shownTopSetups(stores(replay, card('2024-03-08')).stores, 10, 3)).toMatchObject({
      status: 'stale_run',
      asOf: '2024-03-07',
      scorecardTo: '2024-03-08',
    });
  });

  it('says which read found nothing: no run (the scorecard unread), no scorecard', async () => {
    const none = stores(null, card('2024-03-08'));
    expect(await shownTopSetups(none.stores, 10, 3)).toEqual({ status: 'no_complete_run' });
    expect(none.reads).toEqual({ scorecard: 0, signalPages: 0 });
    expect(await shownTopSetups(stores(RUN, null).stores, 10, 3)).toEqual({ status: 'no_scorecard' });
  });
});
