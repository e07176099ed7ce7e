import { describe, expect, it } from 'vitest';
import { resolveParams } from '../../../functions/core/scan/scanner.js';
import { scanTtmSqueeze, ttmSqueezeScanner } from '../../../functions/core/scan/ttm-squeeze.js';
import { barsFrom, bundledBars } from '../../helpers/bars.js';

const defaults = ttmSqueezeScanner.defaults;

/**
 * 45 bars whose closes alternate 100/100.2 inside a 4-point daily range: Bollinger Bands
 * (stdev 0.1 → ±0.2) sit deep inside Keltner Channels (true range ≈ 4 → ±6). Squeeze on.
 */
function coiled(bars = 45) {
  const close = Array.from({ length: bars }, (_, i): number => (i % 2 === 0 ? 100 : 100.2));
  return { close, high: close.map((c) => c + 2), low: close.map((c) => c - 2) };
}

describe('ttm-squeeze scanner', () => {
  it('reports squeeze_on with its duration when the bands sit inside the channels', () => {
    const result = scanTtmSqueeze(barsFrom(coiled()), defaults);
    expect(result.signal).toBe('squeeze_on');
    expect(result.values.squeezeOn).toBe(true);
    // On from bar 20 (the first with a 20-bar true-range average) to bar 44: 25 bars.
    expect(result.values.duration).toBe(25);
  });

  it('fires long when the squeeze releases with positive momentum', () => {
    const series = coiled();
    series.close.push(130);
    series.high.push(131);
    series.low.push(100);
    const result = scanTtmSqueeze(barsFrom(series), defaults);
    expect(result.signal).toBe('fired_long');
    expect(result.values.squeezeOn).toBe(false);
    expect(result.values.duration).toBe(25);
    expect(result.values.momentum).toBeGreaterThan(0);
    expect(result.values.momentumDirection).toBe('rising');
  });

  it('fires short when the squeeze releases with negative momentum', () => {
    const series = coiled();
    series.close.push(70);
    series.high.push(100);
    series.low.push(69);
    const result = scanTtmSqueeze(barsFrom(series), defaults);
    expect(result.signal).toBe('fired_short');
    expect(result.values.momentum).toBeLessThan(0);
    expect(result.values.momentumDirection).toBe('falling');
  });

  it('matches the reference on real prices: DDOG fired short after 17 bars (2024-03-08)', async () => {
    const result = scanTtmSqueeze(await bundledBars('DDOG', '2024-03-08', 150), defaults);
    expect(result.signal).toBe('fired_short');
    expect(result.values.duration).toBe(17);
    expect(result.values.momentum).toBeCloseTo(-6.324197710357145, 9);
    // prior momentum −5.098 → falling
    expect(result.values.momentumDirection).toBe('falling');
  });

  it('matches the reference on real prices: GS squeezed for 40 bars (2024-03-08)', async () => {
    const result = scanTtmSqueeze(await bundledBars('GS', '2024-03-08', 150), defaults);
    expect(result.signal).toBe('squeeze_on');
    expect(result.values.duration).toBe(40);
    expect(result.values.momentum).toBeCloseTo(3.763649246785742, 9);
    expect(result.values.momentumDirection).toBe('falling');
  });

  it('matches the reference on real prices: AAPL off the squeeze, momentum rising (2024-01-19)', async () => {
    const result = scanTtmSqueeze(await bundledBars('AAPL', '2024-01-19', 150), defaults);
    expect(result.signal).toBeNull();
    expect(result.values.duration).toBe(0);
    expect(result.values.momentum).toBeCloseTo(-5.141963223214285, 9);
    expect(result.values.momentumDirection).toBe('rising');
  });

  it('needs two windows of bars and a length of at least 2', () => {
    expect(ttmSqueezeScanner.minBars(defaults)).toBe(40);
    expect(() => resolveParams(ttmSqueezeScanner, { length: 1 })).toThrow('ttm-squeeze.length must be at least 2');
    expect(resolveParams(ttmSqueezeScanner, { kcMult: 2 })).toEqual({ length: 20, bbMult: 2, kcMult: 2 });
  });
});
