import type { Bars } from './bars.js';
import type { ScanValues } from './scanner.js';
import { BREADTH_SMA_PERIOD, type ScannerName, type ScanPlan } from './scanners.js';
import { type EpochDay, isoDay } from './trading-day.js';

export type OutcomeStatus = 'ok' | 'insufficient_data' | 'error';

/** One symbol × one scanner: a result, or the reason there is none. */
export interface ScanOutcome {
  readonly symbol: string;
  readonly scanner: ScannerName;
  readonly status: OutcomeStatus;
  readonly signal: string | null;
  readonly values: ScanValues | null;
  /** Date of the bar the result describes. */
  readonly barDate?: string;
  readonly reason?: string;
}

export interface SymbolScan {
  readonly symbol: string;
  readonly outcomes: ScanOutcome[];
  /** Close above its 50-day SMA; null when the symbol has fewer bars or failed. */
  readonly aboveSma50: boolean | null;
}

/** A series whose last bar is older than this, on a given as-of day, is stale. */
export const MAX_STALE_DAYS = 7;

/** Runs every planned scanner on one series; a scanner that throws fails only itself. */
export function scanSymbol(bars: Bars, plan: ScanPlan, asOf?: EpochDay): SymbolScan {
  const { symbol, length } = bars;
  if (length > 0 && asOf !== undefined && asOf - bars.day[length - 1] > MAX_STALE_DAYS) {
    const last = isoDay(bars.day[length - 1]);
    return failedSymbol(symbol, plan, `stale data: the last bar is ${last}, ${asOf - bars.day[length - 1]} days before the as-of date`);
  }
  const barDate = length > 0 ? isoDay(bars.day[length - 1]) : undefined;
  const outcomes = plan.scanners.map(({ name, scanner, params, minBars }): ScanOutcome => {
    if (length < minBars) {
      const reason = `${length} bars, ${name} needs at least ${minBars}`;
      return { symbol, scanner: name, status: 'insufficient_data', signal: null, values: null, barDate, reason };
    }
    try {
      const { signal, values } = scanner.scan(bars, params);
      const bad = Object.entries(values).find(([, value]) => typeof value === 'number' && !Number.isFinite(value));
      if (bad) {
        return { symbol, scanner: name, status: 'error', signal: null, values: null, barDate, reason: `${name} computed a non-finite ${bad[0]}` };
      }
      return { symbol, scanner: name, status: 'ok', signal, values, barDate };
    } catch (error) {
      const reason = `${name} failed: ${error instanceof Error ? error.message : String(error)}`;
      return { symbol, scanner: name, status: 'error', signal: null, values: null, barDate, reason };
    }
  });
  return { symbol, outcomes, aboveSma50: closeAboveSma(bars, BREADTH_SMA_PERIOD) };
}

/** Every planned scanner gets an error outcome with the same reason (fetch failed, unknown symbol …). */
export function failedSymbol(symbol: string, plan: ScanPlan, reason: string): SymbolScan {
  const outcomes = plan.scanners.map(({ name }): ScanOutcome => ({ symbol, scanner: name, status: 'error', signal: null, values: null, reason }));
  return { symbol, outcomes, aboveSma50: null };
}

function closeAboveSma(bars: Bars, period: number): boolean | null {
  if (bars.length < period) return null;
  let sum = 0;
  for (let i = bars.length - period; i < bars.length; i++) sum += bars.close[i];
  return bars.close[bars.length - 1] > sum / period;
}
