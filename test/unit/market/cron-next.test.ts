import { describe, expect, it } from 'vitest';
import { nextCronTime, previousCronTime } from '../../../functions/core/market/cron-next.js';
import { DEFAULT_SCHEDULES } from '../../../functions/core/market/schedules.js';

const NY = 'America/New_York';
const prev = (cron: string, before: string, tz = NY) => previousCronTime(cron, tz, new Date(before))?.toISOString();
const next = (cron: string, after: string, tz = NY) => nextCronTime(cron, tz, new Date(after))?.toISOString();

describe('previous scheduled firing', () => {
  it('finds the latest market-hours firing before an instant, in New York time', () => {
    // Tue 2026-11-24 15:40 EST = 20:40 UTC → 15:30 EST = 20:30 UTC.
    expect(prev(DEFAULT_SCHEDULES.marketHours, '2026-11-24T20:40:00Z')).toBe('2026-11-24T20:30:00.000Z');
    // Strictly before: at 15:30:00.000 the firing of 15:30 is not yet "before"; a millisecond later it is.
    expect(prev(DEFAULT_SCHEDULES.marketHours, '2026-11-24T20:30:00Z')).toBe('2026-11-24T19:30:00.000Z');
    expect(prev(DEFAULT_SCHEDULES.marketHours, '2026-11-24T20:30:00.001Z')).toBe('2026-11-24T20:30:00.000Z');
    // Before the first of the day (09:30) → 15:30 the weekday before.
    expect(prev(DEFAULT_SCHEDULES.marketHours, '2026-11-24T14:00:00Z')).toBe('2026-11-23T20:30:00.000Z');
    // Monday morning → Friday's last firing.
    expect(prev(DEFAULT_SCHEDULES.marketHours, '2026-11-30T14:00:00Z')).toBe('2026-11-27T20:30:00.000Z');
    expect(prev(DEFAULT_SCHEDULES.refetch, '2026-11-29T12:00:00Z')).toBe('2026-11-28T01:00:00.000Z'); // Fri 20:00 EST
  });

  it('follows daylight saving: the Monday after each switch fires at the new offset', () => {
    // 2026-11-01 (Sunday) New York falls back to UTC−5: Monday 11-02 16:45 EST = 21:45 UTC.
    expect(prev(DEFAULT_SCHEDULES.afterClose, '2026-11-02T23:00:00Z')).toBe('2026-11-02T21:45:00.000Z');
    // Monday morning looks back to Friday 10-30, still daylight time: 16:45 EDT = 20:45 UTC.
    expect(prev(DEFAULT_SCHEDULES.afterClose, '2026-11-02T12:00:00Z')).toBe('2026-10-30T20:45:00.000Z');
    expect(prev(DEFAULT_SCHEDULES.marketHours, '2026-11-02T15:00:00Z')).toBe('2026-11-02T14:30:00.000Z'); // 09:30 EST
    // 2026-03-08 (Sunday) springs forward to UTC−4: Monday 03-09 16:45 EDT = 20:45 UTC.
    expect(prev(DEFAULT_SCHEDULES.afterClose, '2026-03-09T23:00:00Z')).toBe('2026-03-09T20:45:00.000Z');
    expect(prev(DEFAULT_SCHEDULES.afterClose, '2026-03-09T12:00:00Z')).toBe('2026-03-06T21:45:00.000Z');
  });

  it('handles steps, lists, wrapping ranges, other zones, and an expression that did not fire', () => {
    expect(prev('cron(0 0/4 ? * SAT,SUN *)', '2026-11-28T10:00:00Z')).toBe('2026-11-28T09:00:00.000Z'); // 04:00 EST
    expect(prev('cron(0 0/4 ? * SAT,SUN *)', '2026-11-28T08:59:00Z')).toBe('2026-11-28T05:00:00.000Z'); // 00:00 EST
    expect(prev('cron(0 12 ? * FRI-MON *)', '2026-11-27T11:00:00Z', 'UTC')).toBe('2026-11-23T12:00:00.000Z');
    expect(prev('cron(15,45 9 ? * MON-FRI *)', '2026-11-24T09:40:00Z', 'Europe/London')).toBe(
      '2026-11-24T09:15:00.000Z',
    );
    // Once a year: nothing in the 8 days looked at.
    expect(previousCronTime('cron(0 12 1 JAN ? *)', NY, new Date('2026-06-01T00:00:00Z'))).toBeNull();
    expect(() => previousCronTime('every hour', NY, new Date())).toThrow('not a cron(…) expression');
    expect(() => previousCronTime('cron(61 * ? * * *)', NY, new Date())).toThrow('outside 0-59');
  });

  it('mirrors nextCronTime: no firing lies between the previous firing and the instant', () => {
    const crons = [...Object.values(DEFAULT_SCHEDULES), 'cron(0/20 * ? * * *)', 'cron(30 1 ? * * *)'];
    // Every 197 minutes over three weeks around the November switch (a repeated 01:00–02:00 hour).
    for (let t = Date.parse('2026-10-20T00:00:00Z'); t < Date.parse('2026-11-10T00:00:00Z'); t += 197 * 60_000) {
      for (const cron of crons) {
        const before = new Date(t);
        const p = previousCronTime(cron, NY, before);
        expect(p, `${cron} before ${before.toISOString()}`).not.toBeNull();
        expect(p!.getTime()).toBeLessThan(t);
        expect(nextCronTime(cron, NY, p!)!.getTime()).toBeGreaterThanOrEqual(t);
        expect(previousCronTime(cron, NY, nextCronTime(cron, NY, p!)!)?.getTime()).toBe(p!.getTime());
      }
    }
  });

  it('agrees with nextCronTime on the repeated hour of the fall-back night', () => {
    // 01:30 happens twice on 2026-11-01: 05:30 UTC (EDT) and 06:30 UTC (EST).
    expect(next('cron(30 1 ? * * *)', '2026-11-01T05:00:00Z')).toBe('2026-11-01T05:30:00.000Z');
    expect(next('cron(30 1 ? * * *)', '2026-11-01T05:30:00Z')).toBe('2026-11-01T06:30:00.000Z');
    expect(prev('cron(30 1 ? * * *)', '2026-11-01T07:00:00Z')).toBe('2026-11-01T06:30:00.000Z');
    expect(prev('cron(30 1 ? * * *)', '2026-11-01T06:30:00Z')).toBe('2026-11-01T05:30:00.000Z');
  });
});
