import { describe, expect, it } from 'vitest';
import { returnsFrom } from '../../../functions/core/scorecard/forward-return.js';

describe("an event's forward returns", () => {
  const bars = { day: Int32Array.from([100, 101, 104, 105]), close: Float64Array.from([50, 55, 44, 60]) };

  it('run from its start session’s close to the h-th session after it, null past the last bar', () => {
    expect(returnsFrom(bars, 101, [1, 2, 3])).toEqual({ 1: -20, 2: 9.0909, 3: null });
    expect(returnsFrom(bars, 100, [3])).toEqual({ 3: 20 });
  });

  it('are null for a start session the bars do not hold', () => {
    expect(returnsFrom(bars, 102, [1, 5])).toEqual({ 1: null, 5: null });
  });
});
