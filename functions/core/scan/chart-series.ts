import type { Bars } from './bars.js';
import { macdSeries, rollingStdDev, sma, trueRange } from './indicators.js';
import type { MacdParams } from './macd.js';
import { isoDay } from '../market/trading-day.js';
import { squeezeOnSeries, type TtmSqueezeParams } from './ttm-squeeze.js';
import type { VpbParams } from './vpb.js';

export interface ChartSeries {
  readonly symbol: string;
  /** One entry per bar; overlay values are null before the indicator is defined. */
  readonly bars: { time: string; open: number; high: number; low: number; close: number; volume: number }[];
  readonly bollinger: { upper: (number | null)[]; lower: (number | null)[]; middle: (number | null)[] };
  readonly keltner: { upper: (number | null)[]; lower: (number | null)[] };
  /** The squeeze at each bar: the Bollinger Bands inside the Keltner Channels. */
  readonly squeezeOn: (boolean | null)[];
  /** The average volume VPB compares each bar's with: the mean of the `days` bars before it. */
  readonly volumeAverage: { days: number; values: (number | null)[] };
  readonly macd: { macd: (number | null)[]; signal: (number | null)[]; histogram: (number | null)[] };
}

/** The bars of a symbol with the scanners' overlays, for the dashboard's chart. */
export function chartSeries(
  bars: Bars,
  squeeze: TtmSqueezeParams,
  macdParams: MacdParams,
  vpb: Pick<VpbParams, 'lookback'>,
): ChartSeries {
  const middle = sma(bars.close, squeeze.length);
  const deviation = rollingStdDev(bars.close, squeeze.length);
  const range = sma(trueRange(bars.high, bars.low, bars.close), squeeze.length, 1);
  const m = macdSeries(bars.close, macdParams.fastPeriod, macdParams.slowPeriod, macdParams.signalPeriod);
  const volume = sma(bars.volume, vpb.lookback);
  const round = (v: number) => (Number.isFinite(v) ? Math.round(v * 10_000) / 10_000 : null);
  const column = (f: (i: number) => number) => Array.from({ length: bars.length }, (_, i) => round(f(i)));
  return {
    symbol: bars.symbol,
    bars: Array.from({ length: bars.length }, (_, i) => ({
      time: isoDay(bars.day[i]),
      open: bars.open[i],
      high: bars.high[i],
      low: bars.low[i],
      close: bars.close[i],
      volume: bars.volume[i],
    })),
    bollinger: {
      upper: column((i) => middle[i] + squeeze.bbMult * deviation[i]),
      lower: column((i) => middle[i] - squeeze.bbMult * deviation[i]),
      middle: column((i) => middle[i]),
    },
    keltner: {
      upper: column((i) => middle[i] + squeeze.kcMult * range[i]),
      lower: column((i) => middle[i] - squeeze.kcMult * range[i]),
    },
    squeezeOn: squeezeOnSeries(bars, squeeze),
    volumeAverage: { days: vpb.lookback, values: column((i) => (i === 0 ? NaN : volume[i - 1])) },
    macd: {
      macd: column((i) => m.macd[i]),
      signal: column((i) => m.signal[i]),
      histogram: column((i) => m.histogram[i]),
    },
  };
}
