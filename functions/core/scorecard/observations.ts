import type { Bars } from '../scan/bars.js';
import type { ScannerName, ScanPlan } from '../scan/scanners.js';
import type { EpochDay } from '../market/trading-day.js';

/** Sessions t to count: on or after `from`, on or before `to` (either open). */
export interface SessionRange {
  readonly from?: EpochDay;
  readonly to?: EpochDay;
}

/** A scanner's non-null signal with the bars through session t: every such session counts. */
export interface Observation {
  readonly symbol: string;
  /** Session t's index in the symbol's bars. */
  readonly index: number;
  readonly day: EpochDay;
  readonly scanner: ScannerName;
  readonly signal: string;
}

/**
 * Indexes first … end − 1 of the sessions the scorecard counts in a symbol's bars: those in the
 * range at which every planned scanner has enough bars. Empty (end ≤ first) when none is.
 */
export function countedSessions(bars: Bars, plan: ScanPlan, range: SessionRange): { first: number; end: number } {
  let first = Math.max(0, ...plan.scanners.map((s) => s.minBars - 1));
  let end = bars.length;
  if (range.from !== undefined) while (first < end && bars.day[first] < range.from) first++;
  if (range.to !== undefined) while (end > first && bars.day[end - 1] > range.to) end--;
  return { first, end };
}

/**
 * Every observation of the planned scanners in sessions first … end − 1, from one pass over the
 * symbol's whole history per scanner, in plan order, then session order.
 */
export function symbolObservations(
  bars: Bars,
  plan: ScanPlan,
  sessions: { first: number; end: number },
): Observation[] {
  const observations: Observation[] = [];
  for (const { name, scanner, params } of plan.scanners) {
    const signals = scanner.signalSeries(bars, params);
    for (let t = sessions.first; t < sessions.end; t++) {
      const signal = signals[t];
      if (signal !== null)
        observations.push({ symbol: bars.symbol, index: t, day: bars.day[t], scanner: name, signal });
    }
  }
  return observations;
}
