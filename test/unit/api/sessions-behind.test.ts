import { describe, expect, it } from 'vitest';
import { sessionsBehind } from '../../../functions/api/views.js';

describe('how many sessions the data is behind the market', () => {
  it.each([
    ['after the close of its own session', '2024-03-08', '2024-03-08T21:30:00Z', 0],
    ['while its session still trades (a forming bar)', '2024-03-08', '2024-03-08T18:00:00Z', 0],
    ['on the weekend after', '2024-03-08', '2024-03-10T15:00:00Z', 0],
    ['once the next session has closed', '2024-03-08', '2024-03-11T21:00:00Z', 1],
    ['before the next session has closed', '2024-03-08', '2024-03-11T19:59:00Z', 0],
    ['across Good Friday (no session)', '2024-03-28', '2024-04-01T20:30:00Z', 1],
    ['a week of sessions', '2024-03-01', '2024-03-08T21:30:00Z', 5],
  ])('%s: %s at %s is %i behind', (_, asOf, now, behind) => {
    expect(sessionsBehind(asOf, new Date(now))).toBe(behind);
  });

  it('counts up to 99, and is null without an as-of', () => {
    expect(sessionsBehind('2024-03-08', new Date('2026-11-30T12:00:00Z'))).toBe(99);
    expect(sessionsBehind('2024-03-08', new Date('2024-03-22T21:00:00Z'), 3)).toBe(3);
    expect(sessionsBehind(null, new Date('2024-03-08T21:30:00Z'))).toBeNull();
  });
});
