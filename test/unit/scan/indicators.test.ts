import { readdirSync } from 'node:fs';
import { BollingerBands, EMA, MACD, SMA, TrueRange } from 'technicalindicators';
import { describe, expect, it } from 'vitest';
import {
  ema,
  macdSeries,
  rollingMax,
  rollingMin,
  rollingStdDev,
  sma,
  trueRange,
} from '../../../functions/core/scan/indicators.js';
import { linearRegressionEnd } from '../../../functions/core/scan/linear-regression.js';
import { BUNDLED_DATA_DIR } from '../../../functions/local/cli/symbol-source.js';
import { bundledBars } from '../../helpers/bars.js';

const f64 = (values: number[]) => Float64Array.from(values);
const defined = (values: Float64Array) => Array.from(values).filter((v) => !Number.isNaN(v));

describe('indicator kernels on hand-worked series', () => {
  it('seeds the EMA with the SMA of its first period', () => {
    // (1+2+3)/3 = 2, then 2 + (4−2)·0.5 = 3, 3 + (5−3)·0.5 = 4 …
    expect(Array.from(ema(f64([1, 2, 3, 4, 5, 6]), 3))).toEqual([NaN, NaN, 2, 3, 4, 5]);
    // k = 2/3: seed (2+4)/2 = 3, then 3 + (9−3)·2/3 = 7, 7 + (1−7)·2/3 = 3
    expect(Array.from(ema(f64([2, 4, 9, 1]), 2))).toEqual([NaN, 3, 7, 3]);
  });

  it('starts an EMA late when its input starts late', () => {
    expect(Array.from(ema(f64([NaN, NaN, 4, 6, 8]), 2, 2))).toEqual([NaN, NaN, NaN, 5, 7]);
  });

  it('computes the SMA and the population standard deviation of each window', () => {
    expect(Array.from(sma(f64([2, 4, 6, 8]), 2))).toEqual([NaN, 3, 5, 7]);
    // window [2, 4, 4, 4, 5, 5, 7, 9]: mean 5, population variance 4, stdev 2
    expect(rollingStdDev(f64([2, 4, 4, 4, 5, 5, 7, 9]), 8)[7]).toBe(2);
  });

  it('takes the widest of the three true-range legs', () => {
    // bar 1: high−low 3, |12−9| 3, |9−9| 0 → 3; bar 2: 4, |11−11| 0, |7−11| 4 → 4; a gap up: |20−10| = 10
    expect(Array.from(trueRange(f64([10, 12, 11, 20]), f64([8, 9, 7, 19]), f64([9, 11, 10, 19.5])))).toEqual([
      NaN,
      3,
      4,
      10,
    ]);
  });

  it('finds rolling highs and lows', () => {
    expect(Array.from(rollingMax(f64([1, 3, 2, 5, 4]), 2))).toEqual([NaN, 3, 3, 5, 5]);
    expect(Array.from(rollingMin(f64([1, 3, 2, 5, 4]), 3))).toEqual([NaN, NaN, 1, 2, 2]);
  });

  it('puts the least-squares line through its points', () => {
    // y = 2x + 1 exactly: the end point is 2·4 + 1
    expect(linearRegressionEnd(f64([1, 3, 5, 7, 9]), 0, 5)).toBeCloseTo(9, 12);
    // points (0,1) (1,2) (2,2): slope 0.5, intercept 7/6, end value 13/6
    expect(linearRegressionEnd(f64([0, 1, 2, 2]), 1, 3)).toBeCloseTo(13 / 6, 12);
  });

  it('matches a MACD(3, 5, 2) worked independently', () => {
    // test/fixtures/reference_values.py, "macd_small"
    const { macd, signal, histogram } = macdSeries(f64([10, 11, 12, 11, 10, 9, 10, 12, 13, 12]), 3, 5, 2);
    expect(macd[9]).toBeCloseTo(0.3152391975308628, 12);
    expect(signal[9]).toBeCloseTo(0.31597222222222093, 12);
    expect(histogram[9]).toBeCloseTo(-0.0007330246913581084, 12);
    expect(histogram[8]).toBeCloseTo(0.14760802469135798, 12);
    expect(Number.isNaN(histogram[4])).toBe(true);
    expect(Number.isNaN(histogram[5])).toBe(false);
  });
});

describe('indicator kernels against technicalindicators on every bundled series', () => {
  const symbols = readdirSync(BUNDLED_DATA_DIR)
    .filter((f) => f.endsWith('.csv'))
    .map((f) => f.slice(0, -4));

  it('covers the 150 bundled symbols', () => {
    expect(symbols).toHaveLength(150);
  });

  it.each(symbols)('%s: MACD, SMA, EMA, Bollinger stdev and true range agree to 1e-9', async (symbol) => {
    const bars = await bundledBars(symbol, '2024-03-08', 400);
    const close = Array.from(bars.close);
    const relative = (a: number, b: number) => Math.abs(a - b) / Math.max(1, Math.abs(b));

    const ours = macdSeries(bars.close, 12, 26, 9);
    const theirs = MACD.calculate({
      values: close,
      fastPeriod: 12,
      slowPeriod: 26,
      signalPeriod: 9,
      SimpleMAOscillator: false,
      SimpleMASignal: false,
    });
    // technicalindicators' output k belongs to bar k + 25.
    theirs.forEach((point, k) => {
      expect(relative(ours.macd[k + 25], point.MACD as number)).toBeLessThan(1e-9);
      if (point.histogram !== undefined) expect(relative(ours.histogram[k + 25], point.histogram)).toBeLessThan(1e-9);
    });
    expect(defined(ours.histogram)).toHaveLength(theirs.filter((p) => p.histogram !== undefined).length);

    const e = EMA.calculate({ period: 26, values: close });
    defined(ema(bars.close, 26)).forEach((v, k) => expect(relative(v, e[k])).toBeLessThan(1e-9));
    const s = SMA.calculate({ period: 20, values: close });
    defined(sma(bars.close, 20)).forEach((v, k) => expect(relative(v, s[k])).toBeLessThan(1e-9));
    const bb = BollingerBands.calculate({ period: 20, stdDev: 2, values: close });
    defined(rollingStdDev(bars.close, 20)).forEach((sd, k) =>
      expect(relative(s[k] + 2 * sd, bb[k].upper)).toBeLessThan(1e-9),
    );
    const tr = TrueRange.calculate({ high: Array.from(bars.high), low: Array.from(bars.low), close });
    defined(trueRange(bars.high, bars.low, bars.close)).forEach((v, k) =>
      expect(relative(v, tr[k])).toBeLessThan(1e-9),
    );
  });
});
