import { describe, expect, it } from 'vitest';
import { epochDayOf, isoDay } from '../../../functions/core/market/trading-day.js';

describe('epochDayOf', () => {
  it('takes every real day, leap days of the Gregorian rule included', () => {
    for (const [y, m, d] of [
      [2024, 2, 29],
      [2000, 2, 29],
      [2023, 12, 31],
      [1970, 1, 1],
    ])
      expect(isoDay(epochDayOf(y, m, d))).toBe(`${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`);
  });

  it('refuses days that do not exist', () => {
    for (const [y, m, d] of [
      [2023, 2, 29],
      [1900, 2, 29],
      [2024, 4, 31],
      [2024, 13, 1],
      [2024, 0, 10],
      [2024, 1, 0],
    ])
      expect(epochDayOf(y, m, d)).toBeNaN();
  });
});
