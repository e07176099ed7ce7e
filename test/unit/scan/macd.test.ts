import { describe, expect, it } from 'vitest';
import { macdScanner, scanMacd } from '../../../functions/core/scan/macd.js';
import { resolveParams } from '../../../functions/core/scan/scanner.js';
import { barsFrom, bundledBars } from '../../helpers/bars.js';

const defaults = macdScanner.defaults;

describe('macd scanner', () => {
  it('reports a bullish cross when the histogram turns positive (AAPL, 2024-01-19)', async () => {
    // Reference: test/fixtures/reference_values.py on the same 150 bars.
    const result = scanMacd(await bundledBars('AAPL', '2024-01-19', 150), defaults);
    expect(result.signal).toBe('bullish_cross');
    expect(result.values.macd).toBeCloseTo(-1.025751804638361, 9);
    expect(result.values.signalLine).toBeCloseTo(-1.2283092955835848, 9);
    expect(result.values.histogram).toBeCloseTo(0.2025574909452239, 9);
    expect(result.values.trend).toBe('bearish');
    expect(result.values.price).toBe(191.559998);
  });

  it('reports a bearish cross when the histogram turns negative (COST, 2024-03-08)', async () => {
    const result = scanMacd(await bundledBars('COST', '2024-03-08', 150), defaults);
    expect(result.signal).toBe('bearish_cross');
    expect(result.values.histogram).toBeCloseTo(-0.7364897366429766, 9);
    expect(result.values.macd).toBeCloseTo(15.793233626838173, 9);
    expect(result.values.trend).toBe('bullish');
  });

  it('matches the reference on a cross by a hair (ADBE histogram 0.088)', async () => {
    const result = scanMacd(await bundledBars('ADBE', '2024-03-08', 150), defaults);
    expect(result.signal).toBe('bullish_cross');
    expect(result.values.histogram).toBeCloseTo(0.08801330069130486, 9);
    expect(result.values.signalLine).toBeCloseTo(-12.633103091291819, 9);
  });

  it('computes change % from the last two closes', () => {
    const close = Array.from({ length: 40 }, (_, i) => 100 + i);
    const result = scanMacd(barsFrom({ close }), defaults);
    // 139 vs 138
    expect(result.values.changePct).toBeCloseTo((139 / 138 - 1) * 100, 12);
    // A steady rise: MACD positive, no cross.
    expect(result.signal).toBeNull();
    expect(result.values.trend).toBe('bullish');
  });

  it('reports a bearish cross on a hand-sized series with periods 3/5/2', () => {
    const params = resolveParams(macdScanner, { fastPeriod: 3, slowPeriod: 5, signalPeriod: 2 });
    const result = scanMacd(barsFrom({ close: [10, 11, 12, 11, 10, 9, 10, 12, 13, 12] }), params);
    expect(result.signal).toBe('bearish_cross');
    expect(result.values.histogram).toBeCloseTo(-0.0007330246913581084, 12);
  });

  it('needs slow + signal bars and rejects a fast period not shorter than the slow one', () => {
    expect(macdScanner.minBars(defaults)).toBe(35);
    expect(() => resolveParams(macdScanner, { fastPeriod: 30 })).toThrow(
      'macd.fastPeriod (30) must be shorter than macd.slowPeriod (26)',
    );
    expect(() => resolveParams(macdScanner, { signalPeriod: 2.5 })).toThrow('macd.signalPeriod must be a whole number');
    expect(() => resolveParams(macdScanner, { fast: 8 })).toThrow('macd has no parameter "fast"');
  });
});
