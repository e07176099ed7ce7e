import type { Bars } from './bars.js';
import { ValidationError } from '../errors.js';

export type ScalarValue = number | string | boolean | null;
export type ScanValues = Record<string, ScalarValue>;

/** What a scanner says about the last bar of a series. */
export interface ScanResult<Signal extends string = string, Values extends ScanValues = ScanValues> {
  readonly signal: Signal | null;
  readonly values: Values;
}

/** Each scanner's parameters are whole numbers or decimals, all with defaults. */
export type ScannerParams = Record<string, number>;

/** A scanner is a pure function of a series and its parameters. */
export interface Scanner<Params extends ScannerParams = ScannerParams, Signal extends string = string> {
  readonly name: string;
  readonly description: string;
  readonly signals: readonly Signal[];
  /** Signals that count as bullish / bearish in the market breadth line. */
  readonly bullishSignals: readonly Signal[];
  readonly bearishSignals: readonly Signal[];
  readonly defaults: Params;
  /** Parameters that must be whole numbers (periods, lookbacks). */
  readonly integerParams: readonly (keyof Params & string)[];
  /** Rejects parameter combinations that make no sense (a ValidationError naming the key). */
  checkParams?(params: Params): void;
  /**
   * True when the scanner compares the last bar's volume with full days: on a bar still trading
   * it is given the day's projected volume, and before 10:00 New York time it withholds a signal.
   */
  readonly volumeBased?: boolean;
  /** Fewest bars for which the scanner can say anything about the last bar and the one before it. */
  minBars(params: Params): number;
  /** Precondition: bars.length >= minBars(params). */
  scan(bars: Bars, params: Params): ScanResult<Signal>;
  /**
   * The signal at every bar in one pass over the series: entry i is what `scan` says of bars
   * 0 … i (null where those are fewer than minBars). The scorecard's history, without a rescan per session.
   */
  signalSeries(bars: Bars, params: Params): (Signal | null)[];
}

/** Merges overrides into a scanner's defaults, rejecting unknown keys and out-of-range values. */
export function resolveParams<P extends ScannerParams>(
  scanner: Scanner<P>,
  overrides: Partial<Record<string, number>> = {},
): P {
  const params: ScannerParams = { ...scanner.defaults };
  for (const [key, value] of Object.entries(overrides)) {
    const parameter = `${scanner.name}.${key}`;
    if (!(key in scanner.defaults)) {
      throw new ValidationError(
        parameter,
        `${scanner.name} has no parameter "${key}" (it has ${Object.keys(scanner.defaults).join(', ')})`,
      );
    }
    if (value === undefined || !Number.isFinite(value) || value <= 0) {
      throw new ValidationError(parameter, `${parameter} must be a positive number, got ${String(value)}`);
    }
    if ((scanner.integerParams as readonly string[]).includes(key) && !Number.isInteger(value)) {
      throw new ValidationError(parameter, `${parameter} must be a whole number, got ${value}`);
    }
    params[key] = value;
  }
  scanner.checkParams?.(params as P);
  return params as P;
}

/** Percent change of the last close vs the one before it. */
export function lastChangePct(close: Float64Array): number {
  const n = close.length;
  return (close[n - 1] / close[n - 2] - 1) * 100;
}
