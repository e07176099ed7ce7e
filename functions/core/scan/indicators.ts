/**
 * Indicator kernels over typed arrays. Each returns a Float64Array as long as its input, NaN
 * where the indicator is not yet defined, so index i always means bar i. They allocate one
 * array per call and nothing per bar (technicalindicators builds an object per point, which
 * cost ~40 MB of peak RSS on a 150-symbol scan); test/unit/indicators.test.ts checks them
 * against technicalindicators on every bundled series.
 */

/** Simple moving average of the `period` values ending at each bar. */
export function sma(values: Float64Array, period: number, from = 0): Float64Array {
  const out = new Float64Array(values.length).fill(Number.NaN);
  for (let i = from + period - 1; i < values.length; i++) {
    let sum = 0;
    for (let j = i - period + 1; j <= i; j++) sum += values[j];
    out[i] = sum / period;
  }
  return out;
}

/**
 * Exponential moving average seeded with the SMA of its first `period` values (from index
 * `from` on, for inputs such as the MACD line whose first values are undefined), then
 * ema = ema_prev + (value − ema_prev) × 2 / (period + 1).
 */
export function ema(values: Float64Array, period: number, from = 0): Float64Array {
  const out = new Float64Array(values.length).fill(Number.NaN);
  const seedAt = from + period - 1;
  if (seedAt >= values.length) return out;
  let sum = 0;
  for (let j = from; j <= seedAt; j++) sum += values[j];
  let previous = sum / period;
  out[seedAt] = previous;
  const k = 2 / (period + 1);
  for (let i = seedAt + 1; i < values.length; i++) {
    previous = (values[i] - previous) * k + previous;
    out[i] = previous;
  }
  return out;
}

/** Population standard deviation of the `period` values ending at each bar. */
export function rollingStdDev(values: Float64Array, period: number): Float64Array {
  const out = new Float64Array(values.length).fill(Number.NaN);
  for (let i = period - 1; i < values.length; i++) {
    let sum = 0;
    for (let j = i - period + 1; j <= i; j++) sum += values[j];
    const mean = sum / period;
    let squares = 0;
    for (let j = i - period + 1; j <= i; j++) squares += (values[j] - mean) ** 2;
    out[i] = Math.sqrt(squares / period);
  }
  return out;
}

/** max(high − low, |high − prior close|, |low − prior close|); undefined on the first bar. */
export function trueRange(high: Float64Array, low: Float64Array, close: Float64Array): Float64Array {
  const out = new Float64Array(close.length).fill(Number.NaN);
  for (let i = 1; i < close.length; i++) {
    out[i] = Math.max(high[i] - low[i], Math.abs(high[i] - close[i - 1]), Math.abs(low[i] - close[i - 1]));
  }
  return out;
}

/** Highest value of the `period` values ending at each bar. */
export function rollingMax(values: Float64Array, period: number): Float64Array {
  const out = new Float64Array(values.length).fill(Number.NaN);
  for (let i = period - 1; i < values.length; i++) {
    let max = values[i];
    for (let j = i - period + 1; j < i; j++) if (values[j] > max) max = values[j];
    out[i] = max;
  }
  return out;
}

/** Lowest value of the `period` values ending at each bar. */
export function rollingMin(values: Float64Array, period: number): Float64Array {
  const out = new Float64Array(values.length).fill(Number.NaN);
  for (let i = period - 1; i < values.length; i++) {
    let min = values[i];
    for (let j = i - period + 1; j < i; j++) if (values[j] < min) min = values[j];
    out[i] = min;
  }
  return out;
}

export interface MacdSeries {
  readonly macd: Float64Array;
  readonly signal: Float64Array;
  readonly histogram: Float64Array;
}

/** MACD line = EMA(fast) − EMA(slow); signal = EMA(signal) of the MACD line; histogram = MACD − signal. */
export function macdSeries(
  close: Float64Array,
  fastPeriod: number,
  slowPeriod: number,
  signalPeriod: number,
): MacdSeries {
  const fast = ema(close, fastPeriod);
  const slow = ema(close, slowPeriod);
  const macd = new Float64Array(close.length);
  for (let i = 0; i < macd.length; i++) macd[i] = fast[i] - slow[i];
  const signal = ema(macd, signalPeriod, slowPeriod - 1);
  const histogram = new Float64Array(close.length);
  for (let i = 0; i < histogram.length; i++) histogram[i] = macd[i] - signal[i];
  return { macd, signal, histogram };
}
