import type { Scanner } from '../../functions/core/scan/scanner.js';
import type { ScannerName, ScanPlan } from '../../functions/core/scan/scanners.js';
import type { Scorecard, ScorecardRow } from '../../functions/core/scorecard/scorecard.js';

/**
 * A plan whose one scanner (named vpb) says the hand-made signals, one per bar, whatever the
 * bars, from `minBars` bars on.
 */
export function handMadePlan(signals: (string | null)[], minBars = 1): ScanPlan {
  const scanner: Scanner = {
    name: 'hand-made',
    description: '',
    signals: ['buy', 'sell'],
    bullishSignals: ['buy'],
    bearishSignals: ['sell'],
    defaults: {},
    integerParams: [],
    minBars: () => minBars,
    scan: () => ({ signal: null, values: {} }),
    signalSeries: () => signals,
  };
  return { lookback: 150, scanners: [{ name: 'vpb', scanner, params: {}, minBars }] };
}

/** A scorecard row: the given fields, the figures not given 0 (none missing). */
export function scorecardRow(
  fields: Pick<ScorecardRow, 'scanner' | 'signal' | 'horizon'> & Partial<ScorecardRow>,
): ScorecardRow {
  return {
    count: 0,
    missing: 0,
    meanReturnPct: 0,
    medianReturnPct: 0,
    hitRatePct: 0,
    excessReturnPct: 0,
    ...fields,
  };
}

/** A signal's evidence at the horizon: its row's count n, excess return and hit rate (%). */
export type Edge = [scanner: ScannerName, signal: string, n: number, excessPct: number, hitPct: number | null];

/**
 * A scorecard at one horizon (10 by default) with a row per edge and the baseline's up rate:
 * means of 1 % (the baseline's) plus the excess, medians of 1 %, 5,000 baseline sessions,
 * sessions from 2024-01-02 to 2024-03-08.
 */
export function edgeCard(upRatePct: number, edges: readonly Edge[], horizon = 10): Scorecard {
  const rows = edges.map(([scanner, signal, n, excess, hit]) =>
    scorecardRow({
      scanner,
      signal,
      horizon,
      count: n,
      meanReturnPct: 1 + excess,
      medianReturnPct: 1,
      hitRatePct: hit,
      excessReturnPct: excess,
    }),
  );
  return {
    from: '2024-01-02',
    to: '2024-03-08',
    horizons: [horizon],
    symbols: [],
    rows,
    baseline: [{ horizon, count: 5_000, meanReturnPct: 1, upRatePct }],
  };
}
