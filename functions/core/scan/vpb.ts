import type { Bars } from './bars.js';
import { lastChangePct, type ScanResult, type Scanner } from './scanner.js';

export interface VpbParams {
  [key: string]: number;
  lookback: number;
  volumeMultiple: number;
}

export type VpbSignal = 'buy' | 'sell';

export interface VpbValues {
  [key: string]: number | string | null;
  price: number;
  changePct: number;
  volumeSurgePct: number;
  /** Set whenever the close leaves the prior range, with or without the volume surge. */
  pattern: string | null;
  priorHigh: number;
  priorLow: number;
  averageVolume: number;
}

/**
 * Volume-price breakout: the last close beyond the range of the `lookback` bars before it,
 * on volume of at least `volumeMultiple` × their average volume.
 */
export function scanVpb(bars: Bars, params: VpbParams): ScanResult<VpbSignal, VpbValues> {
  const last = bars.length - 1;
  const { priorHigh, priorLow, averageVolume, pattern, signal } = breakoutAt(bars, last, params);
  return {
    signal,
    values: {
      price: bars.close[last],
      changePct: lastChangePct(bars.close),
      volumeSurgePct: (bars.volume[last] / averageVolume - 1) * 100,
      pattern,
      priorHigh,
      priorLow,
      averageVolume,
    },
  };
}

interface Breakout {
  readonly priorHigh: number;
  readonly priorLow: number;
  readonly averageVolume: number;
  /** Set whenever the close leaves the prior range, with or without the volume surge. */
  readonly pattern: string | null;
  readonly signal: VpbSignal | null;
}

/** Bar i against the `lookback` bars before it. */
function breakoutAt(bars: Bars, i: number, params: VpbParams): Breakout {
  let priorHigh = Number.NEGATIVE_INFINITY;
  let priorLow = Number.POSITIVE_INFINITY;
  let volumeSum = 0;
  for (let j = i - params.lookback; j < i; j++) {
    if (bars.high[j] > priorHigh) priorHigh = bars.high[j];
    if (bars.low[j] < priorLow) priorLow = bars.low[j];
    volumeSum += bars.volume[j];
  }
  const averageVolume = volumeSum / params.lookback;
  const price = bars.close[i];
  const surge = bars.volume[i] >= params.volumeMultiple * averageVolume;
  let pattern: string | null = null;
  let signal: VpbSignal | null = null;
  if (price > priorHigh) {
    pattern = `breakout_${params.lookback}d_high`;
    if (surge) signal = 'buy';
  } else if (price < priorLow) {
    pattern = `breakdown_${params.lookback}d_low`;
    if (surge) signal = 'sell';
  }
  return { priorHigh, priorLow, averageVolume, pattern, signal };
}

/** Each bar's breakout over the whole history (closed bars: their volume as traded). */
export function vpbSignalSeries(bars: Bars, params: VpbParams): (VpbSignal | null)[] {
  const first = vpbScanner.minBars(params) - 1;
  return Array.from({ length: bars.length }, (_, i) => (i >= first ? breakoutAt(bars, i, params).signal : null));
}

export const vpbScanner: Scanner<VpbParams, VpbSignal> = {
  name: 'vpb',
  description: 'Volume-price breakout: close beyond the prior range on a volume surge',
  signals: ['buy', 'sell'],
  bullishSignals: ['buy'],
  bearishSignals: ['sell'],
  defaults: { lookback: 20, volumeMultiple: 1.5 },
  integerParams: ['lookback'],
  volumeBased: true,
  minBars: (p) => p.lookback + 1,
  scan: scanVpb,
  signalSeries: vpbSignalSeries,
};
