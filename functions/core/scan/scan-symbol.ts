import { type Bars, withLastVolume } from './bars.js';
import { isBarClosed, newYorkMinutes, sessionElapsed, sessionOn } from '../market/market-clock.js';
import type { ScanValues } from './scanner.js';
import { BREADTH_SMA_PERIOD, type PlannedScanner, type ScannerName, type ScanPlan } from './scanners.js';
import { type EpochDay, isoDay } from '../market/trading-day.js';
import { volumeShareAt } from '../market/volume-curve.js';

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
  /** The bar's session was still trading at the run's instant: the result may change by the close. */
  readonly partial?: boolean;
  readonly reason?: string;
}

export interface SymbolScan {
  readonly symbol: string;
  readonly outcomes: ScanOutcome[];
  /** Close above its 50-day SMA; null when the symbol has fewer bars or failed. */
  readonly aboveSma50: boolean | null;
}

/** When the bars stand: what the market clock said at the run's reference instant. */
export interface BarTiming {
  /** The instant the data stands for (epoch ms). */
  readonly referenceMs: number;
  /** The provider's data delay (ms): a bar is closed once its session's close plus this has passed. */
  readonly delayMs: number;
  /** The last closed session at the reference instant: a series whose last bar is older is stale. */
  readonly lastClosedSession: EpochDay;
}

/** Before this New York time (minutes after midnight) a day's volume says too little to project. */
export const EARLIEST_VOLUME_PROJECTION_MINUTES = 10 * 60;

/**
 * Runs every planned scanner on one series; a scanner that throws fails only itself. With a
 * timing, a series that stops before the last closed session is stale, and a last bar still
 * trading is marked partial: volume-based scanners then see the day's projected volume.
 */
export function scanSymbol(bars: Bars, plan: ScanPlan, timing?: BarTiming): SymbolScan {
  const { symbol, length } = bars;
  const lastDay = length > 0 ? bars.day[length - 1] : undefined;
  if (timing && lastDay !== undefined && lastDay < timing.lastClosedSession) {
    return failedSymbol(
      symbol,
      plan,
      `stale: the last bar is ${isoDay(lastDay)}, the last closed session ${isoDay(timing.lastClosedSession)}`,
    );
  }
  const barDate = lastDay === undefined ? undefined : isoDay(lastDay);
  const partial =
    timing !== undefined && lastDay !== undefined && !isBarClosed(lastDay, timing.referenceMs, timing.delayMs);
  const projection = partial && timing && lastDay !== undefined ? projectVolume(bars, lastDay, timing) : undefined;
  const outcomes = plan.scanners.map((planned): ScanOutcome => {
    const { name, minBars } = planned;
    const base = { symbol, scanner: name, barDate, ...(barDate !== undefined && { partial }) };
    if (length < minBars) {
      return {
        ...base,
        status: 'insufficient_data',
        signal: null,
        values: null,
        reason: `${length} bars, ${name} needs at least ${minBars}`,
      };
    }
    if (projection && planned.scanner.volumeBased) {
      if (projection.tooEarly)
        return { ...base, status: 'ok', signal: null, values: null, reason: 'partial bar before 10:00' };
      const extra = {
        volumeSoFar: projection.volumeSoFar,
        projectedVolume: projection.projectedVolume,
        sessionShare: projection.sessionShare,
      };
      return runScanner(planned, withLastVolume(bars, projection.projectedVolume), base, extra);
    }
    return runScanner(planned, bars, base);
  });
  return { symbol, outcomes, aboveSma50: closeAboveSma(bars, BREADTH_SMA_PERIOD) };
}

function runScanner(
  { name, scanner, params }: PlannedScanner,
  bars: Bars,
  base: Pick<ScanOutcome, 'symbol' | 'scanner' | 'barDate' | 'partial'>,
  extra: ScanValues = {},
): ScanOutcome {
  try {
    const { signal, values } = scanner.scan(bars, params);
    const all = { ...values, ...extra };
    const bad = Object.entries(all).find(([, value]) => typeof value === 'number' && !Number.isFinite(value));
    if (bad)
      return {
        ...base,
        status: 'error',
        signal: null,
        values: null,
        reason: `${name} computed a non-finite ${bad[0]}`,
      };
    return { ...base, status: 'ok', signal, values: all };
  } catch (error) {
    return {
      ...base,
      status: 'error',
      signal: null,
      values: null,
      reason: `${name} failed: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

interface VolumeProjection {
  /** The data ends before 10:00: too little of the day to project. */
  readonly tooEarly: boolean;
  readonly volumeSoFar: number;
  readonly projectedVolume: number;
  /** Share of an average day's volume traded by the data's end, from the volume curve. */
  readonly sessionShare: number;
}

/** The day's volume projected from the volume so far and the curve's share at the data's end time. */
function projectVolume(bars: Bars, day: EpochDay, timing: BarTiming): VolumeProjection | undefined {
  const session = sessionOn(day);
  if (!session) return undefined;
  const dataEnd = timing.referenceMs - timing.delayMs;
  const sessionShare = volumeShareAt(sessionElapsed(session, dataEnd));
  const volumeSoFar = bars.volume[bars.length - 1];
  const tooEarly = dataEnd < session.openMs || newYorkMinutes(dataEnd) < EARLIEST_VOLUME_PROJECTION_MINUTES;
  return { tooEarly, volumeSoFar, projectedVolume: tooEarly ? volumeSoFar : volumeSoFar / sessionShare, sessionShare };
}

/** Every planned scanner gets an error outcome with the same reason (fetch failed, unknown symbol …). */
export function failedSymbol(symbol: string, plan: ScanPlan, reason: string): SymbolScan {
  const outcomes = plan.scanners.map(({ name }): ScanOutcome => ({
    symbol,
    scanner: name,
    status: 'error',
    signal: null,
    values: null,
    reason,
  }));
  return { symbol, outcomes, aboveSma50: null };
}

function closeAboveSma(bars: Bars, period: number): boolean | null {
  if (bars.length < period) return null;
  let sum = 0;
  for (let i = bars.length - period; i < bars.length; i++) sum += bars.close[i];
  return bars.close[bars.length - 1] > sum / period;
}
