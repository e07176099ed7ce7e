import { UNITS_PER_PCT } from './forward-return.js';

/** Which way a signal expects the price to go: its hits are returns above (up) or below (down) zero. */
export type Direction = 'up' | 'down';

/** Histogram buckets are 0.1 % wide: bucket k holds returns in [k × 0.1 %, (k + 1) × 0.1 %). */
export const BUCKET_UNITS = 1_000;

export interface ReturnStats {
  readonly count: number;
  /** The mean in units, rounded half up to the unit: 4 decimals of a percent. */
  readonly meanReturnPct: number;
  /** From the histogram: within half a bucket (0.05 %) of the exact median. */
  readonly medianReturnPct: number;
  /** Share of hits, 2 decimals; null for a tally without a direction. */
  readonly hitRatePct: number | null;
  /** Population standard deviation of the returns. */
  readonly stdDevReturnPct: number;
}

/**
 * Count, sum, sum of squares, hits and a 0.1 % histogram of forward returns in units: all
 * integers, so tallies added or merged in any order agree exactly (a store can keep the same
 * fields with atomic adds). The sums stay exact while below 2^53.
 */
export class ReturnTally {
  count = 0;
  sum = 0;
  sumSq = 0;
  hits = 0;
  /** Bucket → returns in it. */
  readonly buckets = new Map<number, number>();

  constructor(readonly direction: Direction | null) {}

  add(units: number): void {
    this.count++;
    this.sum += units;
    this.sumSq += units * units;
    if (isHit(units, this.direction)) this.hits++;
    const bucket = Math.floor(units / BUCKET_UNITS);
    this.buckets.set(bucket, (this.buckets.get(bucket) ?? 0) + 1);
  }

  merge(other: ReturnTally): void {
    if (other.direction !== this.direction)
      throw new Error(`cannot merge a tally of direction ${other.direction} into one of ${this.direction}`);
    this.count += other.count;
    this.sum += other.sum;
    this.sumSq += other.sumSq;
    this.hits += other.hits;
    for (const [bucket, n] of other.buckets) this.buckets.set(bucket, (this.buckets.get(bucket) ?? 0) + n);
  }

  /** Null when nothing was added. */
  stats(): ReturnStats | null {
    if (this.count === 0) return null;
    const mean = this.sum / this.count;
    return {
      count: this.count,
      meanReturnPct: Math.round(mean) / UNITS_PER_PCT,
      medianReturnPct: this.histogramMedianUnits() / UNITS_PER_PCT,
      hitRatePct: this.direction === null ? null : ratePct(this.hits, this.count),
      stdDevReturnPct: Math.sqrt(Math.max(0, this.sumSq / this.count - mean * mean)) / UNITS_PER_PCT,
    };
  }

  /** The middle rank(s) placed at their buckets' midpoints. */
  private histogramMedianUnits(): number {
    const lower = Math.floor((this.count - 1) / 2);
    const upper = Math.floor(this.count / 2);
    let below = 0;
    let lowerValue: number | undefined;
    for (const bucket of [...this.buckets.keys()].sort((a, b) => a - b)) {
      below += this.buckets.get(bucket) ?? 0;
      const midpoint = bucket * BUCKET_UNITS + BUCKET_UNITS / 2;
      if (lowerValue === undefined && lower < below) lowerValue = midpoint;
      if (upper < below) return ((lowerValue ?? midpoint) + midpoint) / 2;
    }
    throw new Error('histogram counts do not add up to the tally count');
  }
}

function isHit(units: number, direction: Direction | null): boolean {
  return direction === 'up' ? units > 0 : direction === 'down' ? units < 0 : false;
}

/** part / whole as a percent, 2 decimals, rounded half up. */
function ratePct(part: number, whole: number): number {
  return Math.round((part * 10_000) / whole) / 100;
}

/** The exact median of returns in units, as a percent. */
export function exactMedianPct(units: readonly number[]): number {
  const sorted = Float64Array.from(units).sort();
  const n = sorted.length;
  return (sorted[Math.floor((n - 1) / 2)] + sorted[Math.floor(n / 2)]) / 2 / UNITS_PER_PCT;
}
