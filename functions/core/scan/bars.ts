import { type EpochDay, isWeekend } from '../market/trading-day.js';

/**
 * Daily bars of one symbol, oldest first, one typed array per field: ~48 bytes a bar
 * instead of an object (and its hidden class, boxed numbers and string date) per bar.
 */
export interface Bars {
  readonly symbol: string;
  readonly length: number;
  readonly day: Int32Array;
  readonly open: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
  readonly close: Float64Array;
  readonly volume: Float64Array;
}

/** One bar's values. */
export interface Bar {
  readonly day: EpochDay;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

/**
 * Why a raw row was not kept (or, for `out_of_order`, kept but moved). The rules:
 * - `malformed`: the date is not a real YYYY-MM-DD date, or the row has too few fields → dropped
 * - `invalid_price`: open/high/low/close missing, null, NaN or ≤ 0 → dropped
 * - `inconsistent_range`: high < low, or open/close outside [low, high] by more than 0.1% → dropped
 * - `invalid_volume`: volume missing, null, NaN or negative → dropped
 * - `zero_volume`: volume 0 — a halt or holiday placeholder row carries no trading; it would
 *   fake a flat bar and dilute average volume → dropped
 * - `weekend`: dated on a Saturday or Sunday (UTC calendar date) → dropped
 * - `duplicate_date`: a later row with the same date replaces the earlier one (the later row is
 *   the provider's correction) → the earlier is dropped
 * - `out_of_order`: dated before the row above it → kept, the series is sorted by date
 */
export const ROW_ISSUES = [
  'malformed',
  'invalid_price',
  'inconsistent_range',
  'invalid_volume',
  'zero_volume',
  'weekend',
  'duplicate_date',
  'out_of_order',
] as const;
export type RowIssue = (typeof ROW_ISSUES)[number];
export type RowIssueCounts = Partial<Record<RowIssue, number>>;

const RANGE_TOLERANCE = 0.001;

export interface SeriesWindow {
  /** Keep only bars dated on or before this day. */
  readonly asOf?: EpochDay;
  /** Keep only the last `lookback` bars (after the as-of cut). */
  readonly lookback?: number;
}

/**
 * Collects raw rows in provider order, applies the row rules above, and yields a right-sized
 * Bars. Capacity is the number of rows the caller will push (the provider knows it).
 */
export class BarSeriesBuilder {
  private readonly day: Int32Array;
  private readonly fields: Float64Array;
  private count = 0;
  private lastDay = Number.NEGATIVE_INFINITY;
  private sorted = true;
  private ordered: Int32Array | undefined;
  readonly issues: RowIssueCounts = {};

  constructor(
    readonly symbol: string,
    capacity: number,
  ) {
    this.day = new Int32Array(capacity);
    this.fields = new Float64Array(capacity * 5);
  }

  /** Pushes one raw row; returns the issue that dropped it, if any. */
  push(day: EpochDay, open: number, high: number, low: number, close: number, volume: number): RowIssue | undefined {
    const issue = rowIssue(day, open, high, low, close, volume);
    if (issue) {
      this.note(issue);
      return issue;
    }
    if (day < this.lastDay) {
      this.sorted = false;
      this.note('out_of_order');
    }
    this.lastDay = day;
    const i = this.count++;
    this.day[i] = day;
    const f = i * 5;
    this.fields[f] = open;
    this.fields[f + 1] = high;
    this.fields[f + 2] = low;
    this.fields[f + 3] = close;
    this.fields[f + 4] = volume;
    return undefined;
  }

  note(issue: RowIssue): void {
    this.issues[issue] = (this.issues[issue] ?? 0) + 1;
  }

  build(window: SeriesWindow = {}): Bars {
    this.ordered ??= this.orderedUniqueRows();
    const order = this.ordered;
    let end = order.length;
    if (window.asOf !== undefined) {
      while (end > 0 && this.day[order[end - 1]] > window.asOf) end--;
    }
    const start = window.lookback === undefined ? 0 : Math.max(0, end - window.lookback);
    const n = end - start;
    const bars = allocateBars(this.symbol, n);
    for (let k = 0; k < n; k++) {
      const row = order[start + k];
      const f = row * 5;
      bars.day[k] = this.day[row];
      bars.open[k] = this.fields[f];
      bars.high[k] = this.fields[f + 1];
      bars.low[k] = this.fields[f + 2];
      bars.close[k] = this.fields[f + 3];
      bars.volume[k] = this.fields[f + 4];
    }
    return bars;
  }

  /** Row indexes sorted by date, keeping the last-pushed row of each date. */
  private orderedUniqueRows(): Int32Array {
    const rows = new Int32Array(this.count);
    for (let i = 0; i < this.count; i++) rows[i] = i;
    if (!this.sorted) {
      // Stable sort by date: rows of the same date stay in push order.
      const byDate = Array.from(rows).sort((a, b) => this.day[a] - this.day[b] || a - b);
      rows.set(byDate);
    }
    let kept = 0;
    for (let i = 0; i < rows.length; i++) {
      if (i + 1 < rows.length && this.day[rows[i + 1]] === this.day[rows[i]]) {
        this.note('duplicate_date');
        continue;
      }
      rows[kept++] = rows[i];
    }
    return rows.subarray(0, kept);
  }
}

function rowIssue(
  day: EpochDay,
  open: number,
  high: number,
  low: number,
  close: number,
  volume: number,
): RowIssue | undefined {
  if (!Number.isFinite(day)) return 'malformed';
  if (!(open > 0 && high > 0 && low > 0 && close > 0) || !Number.isFinite(open + high + low + close)) {
    return 'invalid_price';
  }
  const lowLimit = low * (1 - RANGE_TOLERANCE);
  const highLimit = high * (1 + RANGE_TOLERANCE);
  if (high < low || close < lowLimit || close > highLimit || open < lowLimit || open > highLimit) {
    return 'inconsistent_range';
  }
  if (!(volume >= 0) || !Number.isFinite(volume)) return 'invalid_volume';
  if (volume === 0) return 'zero_volume';
  if (isWeekend(day)) return 'weekend';
  return undefined;
}

/** Sums issue counts (for a run's data-quality summary). */
/** Columns for n bars of a symbol, zero-filled, to be written in place. */
export function allocateBars(symbol: string, n: number) {
  return {
    symbol,
    length: n,
    day: new Int32Array(n),
    open: new Float64Array(n),
    high: new Float64Array(n),
    low: new Float64Array(n),
    close: new Float64Array(n),
    volume: new Float64Array(n),
  };
}

export function addIssueCounts(into: RowIssueCounts, from: RowIssueCounts): RowIssueCounts {
  for (const issue of ROW_ISSUES) {
    const n = from[issue];
    if (n) into[issue] = (into[issue] ?? 0) + n;
  }
  return into;
}

/** Bars start … end − 1 as views on the same memory (no copy). */
export function sliceBars(bars: Bars, start: number, end: number): Bars {
  return {
    symbol: bars.symbol,
    length: Math.max(0, end - start),
    day: bars.day.subarray(start, end),
    open: bars.open.subarray(start, end),
    high: bars.high.subarray(start, end),
    low: bars.low.subarray(start, end),
    close: bars.close.subarray(start, end),
    volume: bars.volume.subarray(start, end),
  };
}

/** The same bars with the last bar's volume replaced (a new volume column; the rest shared). */
export function withLastVolume(bars: Bars, volume: number): Bars {
  const column = Float64Array.from(bars.volume);
  column[column.length - 1] = volume;
  return { ...bars, volume: column };
}

/** The bar at index i. */
export function barAt(bars: Bars, i: number): Bar {
  return {
    day: bars.day[i],
    open: bars.open[i],
    high: bars.high[i],
    low: bars.low[i],
    close: bars.close[i],
    volume: bars.volume[i],
  };
}

/** The bars with one more after the last (new columns). */
export function withBar(bars: Bars, bar: Bar): Bars {
  const column = <T extends Int32Array | Float64Array>(values: T, value: number, make: (n: number) => T): T => {
    const out = make(bars.length + 1);
    out.set(values);
    out[bars.length] = value;
    return out;
  };
  const float = (n: number) => new Float64Array(n);
  return {
    symbol: bars.symbol,
    length: bars.length + 1,
    day: column(bars.day, bar.day, (n) => new Int32Array(n)),
    open: column(bars.open, bar.open, float),
    high: column(bars.high, bar.high, float),
    low: column(bars.low, bar.low, float),
    close: column(bars.close, bar.close, float),
    volume: column(bars.volume, bar.volume, float),
  };
}
