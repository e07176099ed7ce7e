import { volumeShareAt } from '../../core/market/volume-curve.js';
import { fnv1a32 } from '../../core/fnv1a.js';

export interface DailyBar {
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

/**
 * The synthetic intraday model the replay (and the provider fixtures) use to build the bar a
 * provider would have served part-way through a session, from that session's daily bar. No
 * intraday data is bundled, so this is a model, documented in docs/live-market.md:
 * - price path: piecewise linear in session time through open → low → high → close on an up
 *   day (close ≥ open) and open → high → low → close on a down day, extremes at 1/3 and 2/3
 *   of the session; the partial bar's close is the path's price, its high and low the
 *   extremes reached so far;
 * - volume: the day's volume × the volume curve's share at that point × a per-day factor in
 *   [0.75, 1.25], seeded by symbol and date (so a projection from the curve can miss, both
 *   ways), capped at the day's volume.
 * At elapsed ≥ 1 it is the daily bar itself; at elapsed ≤ 0 nothing has traded (null).
 */
export function partialBar(bar: DailyBar, elapsed: number, seed: string): DailyBar | null {
  if (!(elapsed > 0)) return null;
  if (elapsed >= 1) return bar;
  const up = bar.close >= bar.open;
  const points = [bar.open, up ? bar.low : bar.high, up ? bar.high : bar.low, bar.close];
  const position = elapsed * 3;
  const leg = Math.floor(position);
  const price = points[leg] + (points[leg + 1] - points[leg]) * (position - leg);
  const passed = [...points.slice(0, leg + 1), price];
  const volume = Math.min(
    bar.volume,
    Math.max(1, Math.round(bar.volume * volumeShareAt(elapsed) * volumeFactor(seed))),
  );
  return { open: bar.open, high: Math.max(...passed), low: Math.min(...passed), close: price, volume };
}

/** The seeded per-day volume factor, in [0.75, 1.25]: FNV-1a of the seed, then one mulberry32 step. */
export function volumeFactor(seed: string): number {
  let t = (fnv1a32(seed) + 0x6d2b79f5) | 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  const unit = ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  return 0.75 + unit * 0.5;
}
