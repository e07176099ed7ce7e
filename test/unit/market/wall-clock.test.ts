import { describe, expect, it } from 'vitest';
import { icuWallClock, wallClock } from '../../../functions/core/market/wall-clock.js';

const HOUR_MS = 3_600_000;
/** New York's wall clock as ICU's zone data has it: the reference for the rule-based one. */
const icuNewYork = (ms: number) => icuWallClock(ms, 'America/New_York');

describe('New York wall clock by the US rule', () => {
  it("equals ICU's zone data at every hour from 2007 through 2040", () => {
    const mismatches: string[] = [];
    for (let ms = Date.UTC(2007, 0, 1); ms < Date.UTC(2041, 0, 1); ms += HOUR_MS) {
      const got = wallClock(ms, 'America/New_York');
      const want = icuNewYork(ms);
      if (JSON.stringify(got) !== JSON.stringify(want)) mismatches.push(new Date(ms).toISOString());
    }
    expect(mismatches).toEqual([]);
  });

  it('switches at 02:00 local on the second Sunday of March and the first Sunday of November, to the minute', () => {
    // 2026-03-08 06:59 UTC is 01:59 EST; a minute later it is 03:00 EDT.
    expect(wallClock(Date.UTC(2026, 2, 8, 6, 59), 'America/New_York')).toMatchObject({ hour: 1, minute: 59 });
    expect(wallClock(Date.UTC(2026, 2, 8, 7, 0), 'America/New_York')).toMatchObject({ hour: 3, minute: 0 });
    // 2026-11-01 05:59 UTC is 01:59 EDT; a minute later it is 01:00 EST (01:00–01:59 happens twice).
    expect(wallClock(Date.UTC(2026, 10, 1, 5, 59), 'America/New_York')).toMatchObject({ hour: 1, minute: 59 });
    expect(wallClock(Date.UTC(2026, 10, 1, 6, 0), 'America/New_York')).toMatchObject({ hour: 1, minute: 0 });
    for (const day of [Date.UTC(2026, 2, 8), Date.UTC(2026, 10, 1), Date.UTC(2031, 2, 9), Date.UTC(2031, 10, 2)])
      for (let ms = day; ms < day + 24 * HOUR_MS; ms += 60_000)
        expect(wallClock(ms, 'America/New_York'), new Date(ms).toISOString()).toEqual(icuNewYork(ms));
  });

  it('leaves earlier years and other zones to ICU', () => {
    // 2006: DST began on the first Sunday of April (04-02), not the second of March (03-12).
    const march2006 = Date.UTC(2006, 2, 20, 17);
    expect(wallClock(march2006, 'America/New_York')).toEqual(icuNewYork(march2006));
    expect(wallClock(march2006, 'America/New_York').hour).toBe(12);
    expect(wallClock(Date.UTC(2026, 6, 1, 12), 'Europe/Berlin')).toMatchObject({ hour: 14, weekday: 'Wed' });
  });
});
