import { describe, expect, it } from 'vitest';
import { edgeText, signedPct } from '../../../functions/core/scorecard/edge.js';

const figures = (count: number, meanReturnPct: number, hitRatePct: number | null, excessReturnPct: number) => ({
  count,
  meanReturnPct,
  hitRatePct,
  excessReturnPct,
});

describe('a signal’s edge on an alert line', () => {
  it('gives the hit rate in the signal’s direction, n and the excess over all sessions', () => {
    expect(edgeText('fired_long', 10, 'up', figures(412, 1.9, 58.25, 1.06))).toBe(
      'fired_long · 10d: 58% up (n=412), +1.1% vs all',
    );
    expect(edgeText('sell', 20, 'down', figures(754, 3.75, 38.1, 1.44))).toBe(
      'sell · 20d: 38% down (n=754), +1.4% vs all',
    );
  });

  it('gives the mean for a signal without a direction', () => {
    expect(edgeText('squeeze_on', 10, null, figures(8370, 0.97, null, -0.2))).toBe(
      'squeeze_on · 10d: +1.0% mean (n=8370), −0.2% vs all',
    );
  });

  it('says "not enough history" below 30 observations, and before any', () => {
    expect(edgeText('buy', 10, 'up', figures(29, 2, 60, 1))).toBe('buy · 10d: not enough history (n=29)');
    expect(edgeText('buy', 10, 'up', figures(30, 2, 60, 1))).toBe('buy · 10d: 60% up (n=30), +1.0% vs all');
    expect(edgeText('buy', 5, 'up', undefined)).toBe('buy · 5d: not enough history (n=0)');
  });
});

describe('signed percentages', () => {
  it('use a plus, a true minus, and no sign on zero', () => {
    expect([signedPct(27), signedPct(-27, 0), signedPct(0.04), signedPct(-0.04)]).toEqual([
      '+27.0%',
      '−27%',
      '0.0%',
      '0.0%',
    ]);
  });
});
