import { describe, expect, it } from 'vitest';
import { scanVpb, vpbScanner } from '../../../functions/core/scan/vpb.js';
import { barsFrom, bundledBars } from '../../helpers/bars.js';

const defaults = vpbScanner.defaults;

/** 20 quiet bars (close 50, high 51, low 49, volume 1,000), then the bar under test. */
function afterRange(last: { close: number; high: number; low: number; volume: number }) {
  const quiet = Array.from({ length: 20 }, () => 50);
  return barsFrom({
    close: [...quiet, last.close],
    high: [...quiet.map(() => 51), last.high],
    low: [...quiet.map(() => 49), last.low],
    volume: [...quiet.map(() => 1000), last.volume],
  });
}

describe('vpb scanner', () => {
  it('signals buy on a close above the 20-day high with 1.5× average volume', () => {
    const result = scanVpb(afterRange({ close: 52, high: 52.5, low: 50, volume: 1500 }), defaults);
    expect(result.signal).toBe('buy');
    expect(result.values).toEqual({
      price: 52,
      changePct: (52 / 50 - 1) * 100,
      volumeSurgePct: 50,
      pattern: 'breakout_20d_high',
      priorHigh: 51,
      priorLow: 49,
      averageVolume: 1000,
    });
  });

  it('signals sell on a close below the 20-day low with the same surge', () => {
    const result = scanVpb(afterRange({ close: 48, high: 50, low: 47, volume: 3000 }), defaults);
    expect(result.signal).toBe('sell');
    expect(result.values.pattern).toBe('breakdown_20d_low');
    expect(result.values.volumeSurgePct).toBe(200);
  });

  it('names the pattern but gives no signal when the volume does not confirm', () => {
    const result = scanVpb(afterRange({ close: 52, high: 52.5, low: 50, volume: 1499 }), defaults);
    expect(result.signal).toBeNull();
    expect(result.values.pattern).toBe('breakout_20d_high');
  });

  it('gives nothing for a close inside the range or on its edge', () => {
    expect(scanVpb(afterRange({ close: 51, high: 51.5, low: 50, volume: 5000 }), defaults).values.pattern).toBeNull();
    expect(scanVpb(afterRange({ close: 51, high: 51.5, low: 50, volume: 5000 }), defaults).signal).toBeNull();
  });

  it('matches the reference on real prices: GE buy and MDB sell (2024-03-08)', async () => {
    const ge = scanVpb(await bundledBars('GE', '2024-03-08', 150), defaults);
    expect(ge.signal).toBe('buy');
    expect(ge.values.priorHigh).toBe(166.729996);
    expect(ge.values.averageVolume).toBeCloseTo(6240125, 6);
    expect(ge.values.volumeSurgePct).toBeCloseTo(171.4737284910158, 9);
    const mdb = scanVpb(await bundledBars('MDB', '2024-03-08', 150), defaults);
    expect(mdb.signal).toBe('sell');
    expect(mdb.values.priorLow).toBe(397.070007);
    expect(mdb.values.changePct).toBeCloseTo(-6.939151065771442, 9);
  });

  it('uses its lookback in the pattern name and needs lookback + 1 bars', () => {
    expect(vpbScanner.minBars({ lookback: 10, volumeMultiple: 2 })).toBe(11);
    const bars = barsFrom({
      close: [...Array.from({ length: 10 }, () => 50), 60],
      volume: [...Array.from({ length: 10 }, () => 100), 200],
    });
    const result = scanVpb(bars, { lookback: 10, volumeMultiple: 2 });
    expect(result.signal).toBe('buy');
    expect(result.values.pattern).toBe('breakout_10d_high');
  });
});
