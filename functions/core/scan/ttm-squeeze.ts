import type { Bars } from './bars.js';
import { ValidationError } from '../errors.js';
import { rollingMax, rollingMin, rollingStdDev, sma, trueRange } from './indicators.js';
import { linearRegressionEnd } from './linear-regression.js';
import { lastChangePct, type ScanResult, type Scanner } from './scanner.js';

export interface TtmSqueezeParams {
  [key: string]: number;
  length: number;
  bbMult: number;
  kcMult: number;
}

export type TtmSqueezeSignal = 'squeeze_on' | 'fired_long' | 'fired_short';

export interface TtmSqueezeValues {
  [key: string]: number | string | boolean;
  price: number;
  changePct: number;
  squeezeOn: boolean;
  duration: number;
  momentum: number;
  momentumDirection: 'rising' | 'falling';
}

/**
 * The squeeze (John Carter's TTM Squeeze): Bollinger Bands (SMA ± bbMult × population stdev)
 * inside Keltner Channels (SMA ± kcMult × SMA of true range). Momentum is the end value of
 * the least-squares line through close − avg(avg(highest high, lowest low), SMA(close)).
 */
export function scanTtmSqueeze(bars: Bars, params: TtmSqueezeParams): ScanResult<TtmSqueezeSignal, TtmSqueezeValues> {
  const { length } = params;
  const n = bars.length;
  const { on, detrended } = squeezeState(bars, params);
  const momentum = linearRegressionEnd(detrended, n - length, length);
  const priorMomentum = linearRegressionEnd(detrended, n - length - 1, length);
  const onNow = on[n - 1] === 1;
  const onBefore = on[n - 2] === 1;
  const signal = squeezeSignalAt(on, momentum, n - 1);

  // Consecutive squeeze bars up to the last bar (still on) or up to the fire (on until the prior bar).
  let duration = 0;
  if (onNow || onBefore) {
    for (let i = onNow ? n - 1 : n - 2; i >= length && on[i] === 1; i--) duration++;
  }

  return {
    signal,
    values: {
      price: bars.close[n - 1],
      changePct: lastChangePct(bars.close),
      squeezeOn: onNow,
      duration,
      momentum,
      momentumDirection: momentum > priorMomentum ? 'rising' : 'falling',
    },
  };
}

interface SqueezeState {
  /** 1 where the Bollinger Bands sit inside the Keltner Channels (from bar `length` on). */
  readonly on: Uint8Array;
  /** close − avg(avg(highest high, lowest low), SMA(close)), defined from bar length − 1 on. */
  readonly detrended: Float64Array;
}

/** The squeeze and the momentum's input at every bar; each bar's values depend on its window alone. */
function squeezeState(bars: Bars, params: TtmSqueezeParams): SqueezeState {
  const { length } = params;
  const n = bars.length;
  const { close } = bars;
  const middle = sma(close, length);
  const deviation = rollingStdDev(close, length);
  const averageRange = sma(trueRange(bars.high, bars.low, close), length, 1);
  const highest = rollingMax(bars.high, length);
  const lowest = rollingMin(bars.low, length);

  // Both channels share the middle line; the squeeze is on when the Bollinger Bands sit inside.
  const on = new Uint8Array(n);
  for (let i = length; i < n; i++) {
    const bbWidth = params.bbMult * deviation[i];
    const kcWidth = params.kcMult * averageRange[i];
    on[i] = middle[i] - bbWidth > middle[i] - kcWidth && middle[i] + bbWidth < middle[i] + kcWidth ? 1 : 0;
  }
  const detrended = new Float64Array(n);
  for (let i = length - 1; i < n; i++) detrended[i] = close[i] - ((highest[i] + lowest[i]) / 2 + middle[i]) / 2;
  return { on, detrended };
}

/** Bar i: the squeeze on, or released on this bar in the direction of its momentum. */
function squeezeSignalAt(on: Uint8Array, momentum: number, i: number): TtmSqueezeSignal | null {
  if (on[i] === 1) return 'squeeze_on';
  if (on[i - 1] === 1) return momentum > 0 ? 'fired_long' : 'fired_short';
  return null;
}

/** Whether the squeeze is on at each bar (null before it is defined), for the dashboard's dots. */
export function squeezeOnSeries(bars: Bars, params: TtmSqueezeParams): (boolean | null)[] {
  const { on } = squeezeState(bars, params);
  return Array.from(on, (v, i) => (i < params.length ? null : v === 1));
}

/** Each bar's signal from one pass: the momentum's regression is run only on the bars that fire. */
export function ttmSqueezeSignalSeries(bars: Bars, params: TtmSqueezeParams): (TtmSqueezeSignal | null)[] {
  const { length } = params;
  const { on, detrended } = squeezeState(bars, params);
  const first = ttmSqueezeScanner.minBars(params) - 1;
  return Array.from({ length: bars.length }, (_, i) => {
    if (i < first) return null;
    const fired = on[i] === 0 && on[i - 1] === 1;
    return squeezeSignalAt(on, fired ? linearRegressionEnd(detrended, i - length + 1, length) : 0, i);
  });
}

export const ttmSqueezeScanner: Scanner<TtmSqueezeParams, TtmSqueezeSignal> = {
  name: 'ttm-squeeze',
  description: 'Bollinger Bands inside Keltner Channels (squeeze on) and the bar it releases (fired)',
  signals: ['squeeze_on', 'fired_long', 'fired_short'],
  bullishSignals: ['fired_long'],
  bearishSignals: ['fired_short'],
  defaults: { length: 20, bbMult: 2.0, kcMult: 1.5 },
  integerParams: ['length'],
  checkParams(p) {
    if (p.length < 2)
      throw new ValidationError('ttm-squeeze.length', `ttm-squeeze.length must be at least 2, got ${p.length}`);
  },
  // Momentum on the prior bar needs 2 × length − 1 bars; the last bar one more.
  minBars: (p) => 2 * p.length,
  scan: scanTtmSqueeze,
  signalSeries: ttmSqueezeSignalSeries,
};
