import { describe, expect, it } from 'vitest';
import { nyseHoliday, nyseHolidays } from '../../../functions/core/market/market-calendar.js';
import { newYorkDayOfMs } from '../../../functions/core/market/market-clock.js';
import { isoDay, parseIsoDay } from '../../../functions/core/market/trading-day.js';

// The exchange's published holiday calendars.
const PUBLISHED: Record<number, string[]> = {
  2025: [
    '2025-01-01',
    '2025-01-09',
    '2025-01-20',
    '2025-02-17',
    '2025-04-18',
    '2025-05-26',
    '2025-06-19',
    '2025-07-04',
    '2025-09-01',
    '2025-11-27',
    '2025-12-25',
  ],
  2026: [
    '2026-01-01',
    '2026-01-19',
    '2026-02-16',
    '2026-04-03',
    '2026-05-25',
    '2026-06-19',
    '2026-07-03',
    '2026-09-07',
    '2026-11-26',
    '2026-12-25',
  ],
  2027: [
    '2027-01-01',
    '2027-01-18',
    '2027-02-15',
    '2027-03-26',
    '2027-05-31',
    '2027-06-18',
    '2027-07-05',
    '2027-09-06',
    '2027-11-25',
    '2027-12-24',
  ],
};

describe('NYSE holiday calendar', () => {
  it.each(Object.keys(PUBLISHED).map(Number))('lists the published full-day closures of %i', (year) => {
    expect(nyseHolidays(year).map((h) => h.date)).toEqual(PUBLISHED[year]);
  });

  it('names the holiday on its day and nothing on trading days', () => {
    expect(nyseHoliday(parseIsoDay('2026-11-26'))).toBe('Thanksgiving Day');
    expect(nyseHoliday(parseIsoDay('2026-07-03'))).toBe('Independence Day'); // July 4 is a Saturday
    expect(nyseHoliday(parseIsoDay('2027-12-24'))).toBe('Christmas Day'); // Dec 25 is a Saturday
    expect(nyseHoliday(parseIsoDay('2026-11-27'))).toBeNull(); // the day after: an early close, still trading
    expect(nyseHoliday(parseIsoDay('2026-11-25'))).toBeNull();
  });

  it('does not make up New Year’s Day on a Saturday, and moves it to Monday from a Sunday', () => {
    expect(nyseHolidays(2028).map((h) => h.date)).not.toContain('2027-12-31');
    expect(nyseHoliday(parseIsoDay('2027-12-31'))).toBeNull();
    expect(nyseHoliday(parseIsoDay('2023-01-02'))).toBe("New Year's Day");
  });

  it('knows Good Friday from Easter across years', () => {
    expect(['2024-03-29', '2028-04-14', '2030-04-19'].map((d) => nyseHoliday(parseIsoDay(d)))).toEqual([
      'Good Friday',
      'Good Friday',
      'Good Friday',
    ]);
  });

  it('takes the New York date of an instant, across midnight UTC and daylight saving', () => {
    expect(isoDay(newYorkDayOfMs(Date.parse('2026-11-26T03:30:00Z')))).toBe('2026-11-25'); // 22:30 EST
    expect(isoDay(newYorkDayOfMs(Date.parse('2026-11-26T05:00:00Z')))).toBe('2026-11-26'); // 00:00 EST
    expect(isoDay(newYorkDayOfMs(Date.parse('2026-07-04T03:59:00Z')))).toBe('2026-07-03'); // 23:59 EDT
  });
});
