import { describe, expect, it } from 'vitest';
import { parseHorizons } from '../../../functions/core/scorecard/horizons.js';

describe('parseHorizons', () => {
  it('reads whole numbers of sessions, ascending, without duplicates', () => {
    expect(parseHorizons('1,5,10,20')).toEqual([1, 5, 10, 20]);
    expect(parseHorizons(' 20, 5,5 ,250')).toEqual([5, 20, 250]);
  });

  it('refuses another format, naming what it got', () => {
    for (const text of ['5d', '1,,5', '', '1.5', '-1', '1;5'])
      expect(() => parseHorizons(text, '--horizons')).toThrow(
        `--horizons must be comma-separated whole numbers of sessions (e.g. 1,5,10,20), got "${text}"`,
      );
  });

  it('refuses horizons outside 1–250 sessions', () => {
    expect(() => parseHorizons('0,5', '--horizons')).toThrow('--horizons: 0 is outside 1–250 sessions');
    expect(() => parseHorizons('5,251', '--horizons')).toThrow('--horizons: 251 is outside 1–250 sessions');
  });
});
