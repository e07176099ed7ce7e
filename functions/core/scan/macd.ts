import type { Bars } from './bars.js';
import { ValidationError } from '../errors.js';
import { macdSeries } from './indicators.js';
import { lastChangePct, type ScanResult, type Scanner } from './scanner.js';

export interface MacdParams {
  [key: string]: number;
  fastPeriod: number;
  slowPeriod: number;
  signalPeriod: number;
}

export type MacdSignal = 'bullish_cross' | 'bearish_cross';

export interface MacdValues {
  [key: string]: number | string;
  price: number;
  changePct: number;
  macd: number;
  signalLine: number;
  histogram: number;
  trend: 'bullish' | 'bearish';
}

/**
 * MACD line = EMA(fast) − EMA(slow) of closes; signal line = EMA(signal) of the MACD line;
 * histogram = MACD − signal. Every EMA is seeded with the SMA of its first `period` inputs.
 */
export function scanMacd(bars: Bars, params: MacdParams): ScanResult<MacdSignal, MacdValues> {
  const series = macdSeries(bars.close, params.fastPeriod, params.slowPeriod, params.signalPeriod);
  const last = bars.length - 1;
  const histogram = series.histogram[last];
  const signal = macdSignalAt(series.histogram, last);
  const macd = series.macd[last];
  return {
    signal,
    values: {
      price: bars.close[last],
      changePct: lastChangePct(bars.close),
      macd,
      signalLine: series.signal[last],
      histogram,
      trend: macd > 0 ? 'bullish' : 'bearish',
    },
  };
}

/** The cross on bar i: the histogram turning positive (bullish) or negative (bearish). */
function macdSignalAt(histogram: Float64Array, i: number): MacdSignal | null {
  if (histogram[i - 1] <= 0 && histogram[i] > 0) return 'bullish_cross';
  if (histogram[i - 1] >= 0 && histogram[i] < 0) return 'bearish_cross';
  return null;
}

/** Each bar's cross from one MACD series over the whole history (the EMAs run forward only). */
export function macdSignalSeries(bars: Bars, params: MacdParams): (MacdSignal | null)[] {
  const { histogram } = macdSeries(bars.close, params.fastPeriod, params.slowPeriod, params.signalPeriod);
  const first = macdScanner.minBars(params) - 1;
  return Array.from({ length: bars.length }, (_, i) => (i >= first ? macdSignalAt(histogram, i) : null));
}

export const macdScanner: Scanner<MacdParams, MacdSignal> = {
  name: 'macd',
  description: 'MACD histogram crossing zero (MACD line crossing its signal line)',
  signals: ['bullish_cross', 'bearish_cross'],
  bullishSignals: ['bullish_cross'],
  bearishSignals: ['bearish_cross'],
  defaults: { fastPeriod: 12, slowPeriod: 26, signalPeriod: 9 },
  integerParams: ['fastPeriod', 'slowPeriod', 'signalPeriod'],
  checkParams(p) {
    if (p.fastPeriod >= p.slowPeriod) {
      throw new ValidationError(
        'macd.fastPeriod',
        `macd.fastPeriod (${p.fastPeriod}) must be shorter than macd.slowPeriod (${p.slowPeriod})`,
      );
    }
  },
  // The first histogram value lands on bar slow + signal − 1; a cross needs one more.
  minBars: (p) => p.slowPeriod + p.signalPeriod,
  scan: scanMacd,
  signalSeries: macdSignalSeries,
};
