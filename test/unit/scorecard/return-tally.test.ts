import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { forwardReturnUnits, returnUnits } from '../../../functions/core/scorecard/forward-return.js';
import { BUCKET_UNITS, exactMedianPct, ReturnTally } from '../../../functions/core/scorecard/return-tally.js';

const tallyOf = (units: readonly number[], direction: 'up' | 'down' | null = 'up') => {
  const tally = new ReturnTally(direction);
  for (const u of units) tally.add(u);
  return tally;
};

const fields = (t: ReturnTally) => ({
  count: t.count,
  sum: t.sum,
  sumSq: t.sumSq,
  hits: t.hits,
  buckets: [...t.buckets].sort((a, b) => a[0] - b[0]),
});

describe('forward returns in units of 0.0001 %', () => {
  it('rounds 100 × (to / from − 1) half up to the unit', () => {
    expect(returnUnits(100, 110)).toBe(100_000);
    expect(returnUnits(80, 72)).toBe(-100_000);
    expect(returnUnits(102, 99)).toBe(-29_412); // −2.941176… %
    expect(returnUnits(104, 106)).toBe(19_231); // +1.923077 %
  });

  it('takes the close h bars later, and nothing when the series ends first', () => {
    const close = Float64Array.from([100, 110, 121]);
    expect(forwardReturnUnits(close, 0, 1)).toBe(100_000);
    expect(forwardReturnUnits(close, 0, 2)).toBe(210_000);
    expect(forwardReturnUnits(close, 1, 2)).toBeUndefined();
  });
});

describe('ReturnTally', () => {
  it('keeps count, sum, sum of squares, hits and 0.1 % buckets, and reports them', () => {
    const tally = tallyOf([-15_000, 500, 2_500, 100_000]);
    expect(fields(tally)).toEqual({
      count: 4,
      sum: 88_000,
      sumSq: 15_000 ** 2 + 500 ** 2 + 2_500 ** 2 + 100_000 ** 2,
      hits: 3,
      buckets: [
        [-15, 1],
        [0, 1],
        [2, 1],
        [100, 1],
      ],
    });
    const stats = tally.stats();
    expect(stats).toMatchObject({ count: 4, meanReturnPct: 2.2, medianReturnPct: 0.15, hitRatePct: 75 });
    expect(stats?.stdDevReturnPct).toBeCloseTo(Math.sqrt(2.073875e9) / 10_000, 12);
  });

  it('counts falls as hits for a bearish signal, and no hit rate without a direction', () => {
    expect(tallyOf([-1, 0, 1, -20], 'down').stats()?.hitRatePct).toBe(50);
    expect(tallyOf([-1, 0, 1, -20], null).stats()?.hitRatePct).toBeNull();
    expect(tallyOf([0, 0, 1], 'up').stats()?.hitRatePct).toBe(33.33);
  });

  it('rounds the mean half up to the unit', () => {
    expect(tallyOf([1, 2]).stats()?.meanReturnPct).toBe(0.0002);
    expect(tallyOf([-1, -2]).stats()?.meanReturnPct).toBe(-0.0001);
    expect(tallyOf([1, 1, 2]).stats()?.meanReturnPct).toBe(0.0001);
  });

  it('has no stats when empty', () => {
    expect(new ReturnTally('up').stats()).toBeNull();
  });

  it('refuses to merge tallies of different directions', () => {
    expect(() => tallyOf([1], 'up').merge(tallyOf([1], null))).toThrow(/direction/);
  });

  it('gives the same fields however the returns are split, ordered and merged', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -2_000_000, max: 2_000_000 }), { maxLength: 200 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (units, cuts) => {
          const whole = tallyOf(units);
          const bounds = [...new Set(cuts.map((c) => c % (units.length + 1)))].sort((a, b) => a - b);
          const parts = [0, ...bounds, units.length]
            .slice(1)
            .map((end, i, all) => units.slice(i === 0 ? 0 : all[i - 1], end));
          const merged = new ReturnTally('up');
          for (const part of parts.reverse()) merged.merge(tallyOf([...part].reverse()));
          expect(fields(merged)).toEqual(fields(whole));
          expect(merged.stats()).toEqual(whole.stats());
        },
      ),
    );
  });

  it('places the histogram median within one bucket (0.1 %) of the exact median', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -500_000, max: 500_000 }), { minLength: 1, maxLength: 300 }), (units) => {
        const approximate = tallyOf(units).stats()?.medianReturnPct ?? Number.NaN;
        expect(Math.abs(approximate - exactMedianPct(units))).toBeLessThanOrEqual(BUCKET_UNITS / 10_000);
      }),
    );
  });

  it('takes the exact median from the middle value, or the mean of the middle two', () => {
    expect(exactMedianPct([30_000, -10_000, 20_000])).toBe(2);
    expect(exactMedianPct([30_000, -10_000, 20_000, 5])).toBe(1.00025);
    expect(exactMedianPct([-25_000_000, 1])).toBe(-1249.99995);
  });
});
