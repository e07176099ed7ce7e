// Naive references of the three scanners (and the MACD's rounding scale), written from the
// docs/scanners.md rules as plain loops over number[]: they share no code with functions/core
// and import nothing from functions/. The scanner property tests (test/faults) compare the engine
// with them on random series; test/helpers/reference-events.ts derives the signal events of the
// bundled data with them, as the oracle of the replay.

/**
 * Floating-point slack: two correct implementations that add and multiply in a different order
 * differ by a few ulps of the prices involved, so values are compared within 1e-9 of the larger
 * of themselves and the price scale, and a decision whose deciding difference lies within that
 * slack of its threshold is a tie either answer may take: such decisions are left out.
 */
export const RELATIVE = 1e-9;

/** One daily bar; `day` is the epoch day (days since 1970-01-01 UTC). */
export interface Bar {
  readonly day: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

/** Arithmetic mean, summed left to right. */
export function mean(values: number[]): number {
  let sum = 0;
  for (const value of values) sum += value;
  return sum / values.length;
}

/** Textbook EMA seeded with the SMA of the first `period` values; NaN before the seed. */
export function naiveEma(values: number[], period: number): number[] {
  const out = values.map(() => Number.NaN);
  if (values.length < period) return out;
  out[period - 1] = mean(values.slice(0, period));
  const alpha = 2 / (period + 1);
  for (let i = period; i < values.length; i++) out[i] = alpha * values[i] + (1 - alpha) * out[i - 1];
  return out;
}

export interface MacdReference {
  macd: number;
  signalLine: number;
  histogram: number;
  priorHistogram: number;
  signal: string | null;
}

/** MACD(12, 26, 9) on the last bar: the signal EMA runs over the MACD line from its first defined value. */
export function naiveMacd(closes: number[]): MacdReference {
  const fast = naiveEma(closes, 12);
  const slow = naiveEma(closes, 26);
  const macdLine: number[] = [];
  for (let i = 26 - 1; i < closes.length; i++) macdLine.push(fast[i] - slow[i]);
  const signalLine = naiveEma(macdLine, 9);
  const last = macdLine.length - 1;
  const histogram = macdLine[last] - signalLine[last];
  const priorHistogram = macdLine[last - 1] - signalLine[last - 1];
  let signal: string | null = null;
  if (priorHistogram <= 0 && histogram > 0) signal = 'bullish_cross';
  else if (priorHistogram >= 0 && histogram < 0) signal = 'bearish_cross';
  return { macd: macdLine[last], signalLine: signalLine[last], histogram, priorHistogram, signal };
}

export interface VpbReference {
  priorHigh: number;
  priorLow: number;
  averageVolume: number;
  volumeSurgePct: number;
  pattern: string | null;
  signal: string | null;
}

/** VPB(20, 1.5): the last close against the 20 bars before it. */
export function naiveVpb(bars: Bar[]): VpbReference {
  const last = bars[bars.length - 1];
  const prior = bars.slice(bars.length - 21, bars.length - 1);
  const priorHigh = Math.max(...prior.map((b) => b.high));
  const priorLow = Math.min(...prior.map((b) => b.low));
  let volumeSum = 0;
  for (const bar of prior) volumeSum += bar.volume;
  // volume ≥ 1.5 × volumeSum / 20, multiplied out: exact for whole-number volumes, so no tie is ambiguous.
  const surge = last.volume * 20 >= 1.5 * volumeSum;
  let pattern: string | null = null;
  let signal: string | null = null;
  if (last.close > priorHigh) {
    pattern = 'breakout_20d_high';
    if (surge) signal = 'buy';
  } else if (last.close < priorLow) {
    pattern = 'breakdown_20d_low';
    if (surge) signal = 'sell';
  }
  const averageVolume = volumeSum / 20;
  return {
    priorHigh,
    priorLow,
    averageVolume,
    volumeSurgePct: (last.volume / averageVolume - 1) * 100,
    pattern,
    signal,
  };
}

export interface TtmReference {
  squeezeOn: boolean;
  duration: number;
  momentum: number;
  priorMomentum: number;
  signal: string | null;
  /** A squeeze state or the momentum sign that decides the signal is within the slack of its threshold. */
  signalAmbiguous: boolean;
  durationAmbiguous: boolean;
}

/** TTM squeeze(20, 2.0, 1.5) written from docs/scanners.md. */
export function naiveTtm(bars: Bar[]): TtmReference {
  const n = bars.length;
  const length = 20;
  const scale = Math.max(...bars.slice(Math.max(0, n - 2 * length - 1)).map((b) => b.high));
  const tolerance = RELATIVE * scale;
  const window = (end: number) => bars.slice(end - length + 1, end + 1);

  // Bollinger Bands inside Keltner Channels around the same SMA ⇔ 2 × stdev < 1.5 × average true range.
  // The true-range average needs the close before its window, so the first bar it covers is bar 20.
  const squeeze = (i: number): { on: boolean; ambiguous: boolean } => {
    if (i < length) return { on: false, ambiguous: false };
    const closes = window(i).map((b) => b.close);
    const average = mean(closes);
    const stdev = Math.sqrt(mean(closes.map((c) => (c - average) ** 2)));
    const trueRanges = window(i).map((b, k) => {
      const previousClose = bars[i - length + k].close;
      return Math.max(b.high - b.low, Math.abs(b.high - previousClose), Math.abs(b.low - previousClose));
    });
    const margin = 1.5 * mean(trueRanges) - 2 * stdev;
    return { on: margin > 0, ambiguous: Math.abs(margin) <= tolerance };
  };

  // close − avg(avg(highest high, lowest low), SMA(close)), then the least-squares line's value at its last x.
  const detrended = (i: number): number => {
    const w = window(i);
    const highest = Math.max(...w.map((b) => b.high));
    const lowest = Math.min(...w.map((b) => b.low));
    return bars[i].close - ((highest + lowest) / 2 + mean(w.map((b) => b.close))) / 2;
  };
  const regressionEnd = (end: number): number => {
    const ys: number[] = [];
    for (let i = end - length + 1; i <= end; i++) ys.push(detrended(i));
    const xMean = (length - 1) / 2;
    const yMean = mean(ys);
    let covariance = 0;
    let variance = 0;
    ys.forEach((y, x) => {
      covariance += (x - xMean) * (y - yMean);
      variance += (x - xMean) ** 2;
    });
    return yMean + (covariance / variance) * (length - 1 - xMean);
  };

  const now = squeeze(n - 1);
  const before = squeeze(n - 2);
  const momentum = regressionEnd(n - 1);
  const priorMomentum = regressionEnd(n - 2);
  let signal: string | null = null;
  let signalAmbiguous = now.ambiguous;
  if (now.on) signal = 'squeeze_on';
  else {
    signalAmbiguous ||= before.ambiguous;
    if (before.on) {
      signal = momentum > 0 ? 'fired_long' : 'fired_short';
      signalAmbiguous ||= Math.abs(momentum) <= tolerance;
    }
  }

  let duration = 0;
  let durationAmbiguous = now.ambiguous || before.ambiguous;
  if (now.on || before.on) {
    for (let i = now.on ? n - 1 : n - 2; i >= length; i--) {
      const state = squeeze(i);
      durationAmbiguous ||= state.ambiguous;
      if (!state.on) break;
      duration++;
    }
  }
  return { squeezeOn: now.on, duration, momentum, priorMomentum, signal, signalAmbiguous, durationAmbiguous };
}

/**
 * The price level the MACD's rounding is relative to: EMA rounding errors decay with the EMA's
 * weights, so the largest close weighted by the slow EMA's decay, not the series' all-time high.
 */
export function macdScale(closes: number[]): number {
  let scale = 0;
  let weight = 1;
  for (let i = closes.length - 1; i >= 0; i--) {
    scale = Math.max(scale, Math.abs(closes[i]) * weight);
    weight *= 25 / 27;
  }
  return scale;
}
