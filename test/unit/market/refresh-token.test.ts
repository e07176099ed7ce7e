import { describe, expect, it } from 'vitest';
import {
  describeDaysLeft,
  refreshTokenDaysLeft,
  refreshTokenExpiresAt,
  tokenWarningDue,
} from '../../../functions/core/market/refresh-token.js';

const ISSUED = new Date('2026-11-20T09:00:00Z');

describe('the Schwab refresh token’s 7 days', () => {
  it('expires 7 days after its issue', () => {
    expect(refreshTokenExpiresAt(ISSUED).toISOString()).toBe('2026-11-27T09:00:00.000Z');
  });

  it.each([
    ['at issue', '2026-11-20T09:00:00Z', 7, false],
    ['a day and a half later', '2026-11-21T21:00:00Z', 5.5, false],
    ['one second before the warning', '2026-11-25T08:59:59Z', 2 + 1 / 86_400, false],
    ['2 days before expiry', '2026-11-25T09:00:00Z', 2, true],
    ['12 hours before expiry', '2026-11-26T21:00:00Z', 0.5, true],
    ['at expiry', '2026-11-27T09:00:00Z', 0, true],
    ['a day after expiry', '2026-11-28T09:00:00Z', -1, true],
  ])('%s: %s leaves %d days, warning %s', (_, now, days, warn) => {
    expect(refreshTokenDaysLeft(ISSUED, new Date(now))).toBeCloseTo(days, 9);
    expect(tokenWarningDue(ISSUED, new Date(now))).toBe(warn);
  });

  it.each([
    [7, '7 days left'],
    [4.56, '4.5 days left'],
    [2, '2 days left'],
    [0.5, '12 h left'],
    [-0.125, 'expired 3 h ago'],
    [-3, 'expired 3 days ago'],
  ])('describes %d days as "%s"', (days, text) => {
    expect(describeDaysLeft(days)).toBe(text);
  });
});
