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
  let priorHigh = Number.NEGATIVE_INFINITY;
  let priorLow = Number.POSITIVE_INFINITY;
  let volumeSum = 0;
  for (let i = last - params.lookback; i < last; i++) {
    if (bars.high[i] > priorHigh) priorHigh = bars.high[i];
    if (bars.low[i] < priorLow) priorLow = bars.low[i];
    volumeSum += bars.volume[i];
  }
  const averageVolume = volumeSum / params.lookback;
  const price = bars.close[last];
  const surge = bars.volume[last] >= params.volumeMultiple * averageVolume;
  let pattern: string | null = null;
  let signal: VpbSignal | null = null;
  if (price > priorHigh) {
    pattern = `breakout_${params.lookback}d_high`;
    if (surge) signal = 'buy';
  } else if (price < priorLow) {
    pattern = `breakdown_${params.lookback}d_low`;
    if (surge) signal = 'sell';
  }
  return {
    signal,
    values: {
      price,
      changePct: lastChangePct(bars.close),
      volumeSurgePct: (bars.volume[last] / averageVolume - 1) * 100,
      pattern,
      priorHigh,
      priorLow,
      averageVolume,
    },
  };
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
};
