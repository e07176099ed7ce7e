import { describe, expect, it } from 'vitest';
import {
  earlyCloseOf,
  isBarClosed,
  lastClosedSession,
  marketStateAt,
  newYorkDayOfMs,
  newYorkMinutes,
  nextSessionDay,
  parseInstant,
  previousSessionDay,
  referenceInstant,
  sessionCoveredAt,
  sessionOn,
  sessionsBetween,
  utcOffsetMinutes,
} from '../../../functions/core/market/market-clock.js';
import { isoDay, parseIsoDay } from '../../../functions/core/market/trading-day.js';

const at = (iso: string) => Date.parse(iso);
const day = parseIsoDay;
const MINUTE = 60_000;

describe('market clock: sessions', () => {
  it('opens at 09:30 and closes at 16:00 New York time, across daylight saving', () => {
    // 2024-03-08 is in standard time (UTC−5), 2024-03-11 after the switch (UTC−4).
    expect(sessionOn(day('2024-03-08'))).toMatchObject({
      openMs: at('2024-03-08T14:30:00Z'),
      closeMs: at('2024-03-08T21:00:00Z'),
      earlyClose: null,
    });
    expect(sessionOn(day('2024-03-11'))).toMatchObject({
      openMs: at('2024-03-11T13:30:00Z'),
      closeMs: at('2024-03-11T20:00:00Z'),
    });
    // November: the Friday before the switch is daylight time, the Monday after standard.
    expect(sessionOn(day('2024-11-01'))?.openMs).toBe(at('2024-11-01T13:30:00Z'));
    expect(sessionOn(day('2024-11-04'))?.openMs).toBe(at('2024-11-04T14:30:00Z'));
  });

  it('has no session on weekends and holidays', () => {
    expect(sessionOn(day('2024-03-09'))).toBeNull(); // Saturday
    expect(sessionOn(day('2024-11-28'))).toBeNull(); // Thanksgiving
    expect(sessionOn(day('2026-07-03'))).toBeNull(); // Independence Day observed
    expect(marketStateAt(at('2024-11-28T15:00:00Z'))).toMatchObject({
      phase: 'closed',
      session: null,
      lastClosedSession: day('2024-11-27'),
    });
  });

  it('closes at 13:00 on the day before Independence Day, the day after Thanksgiving and Christmas Eve, when they trade', () => {
    expect(earlyCloseOf(day('2024-07-03'))).toBe('the day before Independence Day');
    expect(earlyCloseOf(day('2024-11-29'))).toBe('the day after Thanksgiving');
    expect(earlyCloseOf(day('2024-12-24'))).toBe('Christmas Eve');
    expect(sessionOn(day('2024-12-24'))?.closeMs).toBe(at('2024-12-24T18:00:00Z'));
    // July 3 2026 is the observed holiday, Dec 24 2027 the observed Christmas: closed, not early.
    expect(earlyCloseOf(day('2026-07-03'))).toBeNull();
    expect(earlyCloseOf(day('2027-12-24'))).toBeNull();
    expect(earlyCloseOf(day('2024-07-05'))).toBeNull();
    // An early close is closed from 13:00: the 13:30 run sees the bar final.
    expect(isBarClosed(day('2024-11-29'), at('2024-11-29T18:30:00Z'))).toBe(true);
    expect(marketStateAt(at('2024-11-29T18:30:00Z'))).toMatchObject({
      phase: 'post',
      lastClosedSession: day('2024-11-29'),
      sessionElapsed: 1,
    });
  });

  it('counts 16:00:00 exactly as closed, a millisecond before as trading', () => {
    const close = at('2024-03-08T21:00:00Z');
    expect(marketStateAt(close - 1)).toMatchObject({ phase: 'regular', lastClosedSession: day('2024-03-07') });
    expect(marketStateAt(close)).toMatchObject({
      phase: 'post',
      lastClosedSession: day('2024-03-08'),
      sessionElapsed: 1,
    });
    expect(isBarClosed(day('2024-03-08'), close - 1)).toBe(false);
    expect(isBarClosed(day('2024-03-08'), close)).toBe(true);
  });

  it('waits out a provider delay before a bar counts as closed', () => {
    const close = at('2024-03-08T21:00:00Z');
    expect(isBarClosed(day('2024-03-08'), close + 15 * MINUTE, 16 * MINUTE)).toBe(false);
    expect(isBarClosed(day('2024-03-08'), close + 16 * MINUTE, 16 * MINUTE)).toBe(true);
    expect(lastClosedSession(close + 15 * MINUTE, 16 * MINUTE)).toBe(day('2024-03-07'));
    expect(lastClosedSession(close + 16 * MINUTE, 16 * MINUTE)).toBe(day('2024-03-08'));
  });

  it('names the phase: pre-market from 04:00, regular, post until 20:00, closed overnight', () => {
    expect(marketStateAt(at('2024-03-08T08:59:00Z')).phase).toBe('closed'); // 03:59
    expect(marketStateAt(at('2024-03-08T09:00:00Z')).phase).toBe('pre'); // 04:00
    expect(marketStateAt(at('2024-03-08T17:30:00Z'))).toMatchObject({ phase: 'regular', sessionElapsed: 3 / 6.5 }); // 12:30
    expect(marketStateAt(at('2024-03-09T00:59:00Z')).phase).toBe('post'); // 19:59
    expect(marketStateAt(at('2024-03-09T01:00:00Z')).phase).toBe('closed'); // 20:00
  });

  it('steps over weekends and holidays', () => {
    expect(isoDay(previousSessionDay(day('2024-12-02')))).toBe('2024-11-29');
    expect(isoDay(nextSessionDay(day('2024-11-27')))).toBe('2024-11-29');
    expect(sessionsBetween(day('2024-11-26'), day('2024-12-02'))).toBe(3); // 27, 29, 2
    expect(sessionsBetween(day('2024-12-02'), day('2024-12-02'))).toBe(0);
  });

  it('says which session a run covers: the one trading or closed today, else the last closed one', () => {
    expect(isoDay(sessionCoveredAt(at('2024-03-08T14:00:00Z')))).toBe('2024-03-07'); // 09:00, before the open
    expect(isoDay(sessionCoveredAt(at('2024-03-08T14:30:00Z')))).toBe('2024-03-08');
    expect(isoDay(sessionCoveredAt(at('2024-03-09T01:00:00Z')))).toBe('2024-03-08'); // 20:00
    expect(isoDay(sessionCoveredAt(at('2024-03-10T15:00:00Z')))).toBe('2024-03-08'); // Sunday
  });
});

describe('market clock: New York time without the machine’s time zone', () => {
  it('agrees with the IANA database on every day from 2007 to 2030', () => {
    const format = new Intl.DateTimeFormat('en-US', { timeZone: 'America/New_York', timeZoneName: 'shortOffset' });
    const mismatches: string[] = [];
    for (let d = day('2007-01-01'); d <= day('2030-12-31'); d++) {
      const noon = d * 86_400_000 + 16 * 3_600_000; // 12:00 EDT / 11:00 EST
      const name = format.formatToParts(noon).find((p) => p.type === 'timeZoneName')?.value;
      const expected = name === 'GMT-4' ? -240 : -300;
      if (utcOffsetMinutes(d) !== expected) mismatches.push(isoDay(d));
    }
    expect(mismatches).toEqual([]);
  });

  it('gives the New York date and minutes of an instant', () => {
    expect(isoDay(newYorkDayOfMs(at('2024-03-09T04:30:00Z')))).toBe('2024-03-08'); // 23:30 EST
    expect(isoDay(newYorkDayOfMs(at('2024-07-04T03:59:00Z')))).toBe('2024-07-03'); // 23:59 EDT
    expect(isoDay(newYorkDayOfMs(at('2024-07-04T04:00:00Z')))).toBe('2024-07-04');
    expect(newYorkMinutes(at('2024-03-08T15:00:00Z'))).toBe(10 * 60);
    expect(newYorkMinutes(at('2024-07-08T14:00:00Z'))).toBe(10 * 60);
  });

  it('reads an instant only with its zone', () => {
    expect(parseInstant('2024-03-08T12:30:00-05:00')).toBe(at('2024-03-08T17:30:00Z'));
    expect(parseInstant('2024-03-08T17:30Z')).toBe(at('2024-03-08T17:30:00Z'));
    expect(parseInstant('2024-03-08T12:30:00')).toBeNull();
    expect(parseInstant('2024-03-08')).toBeNull();
    expect(parseInstant('2024-02-30T12:00:00Z')).toBeNull();
  });
});

describe('market clock: the reference instant of a run', () => {
  const clock = at('2026-11-25T15:00:00Z');
  it('is an explicit instant when given, with bars after its New York date cut', () => {
    expect(referenceInstant({ clockMs: clock, explicit: true, delayMs: 0 })).toEqual({
      referenceMs: clock,
      delayMs: 0,
      cutDay: day('2026-11-25'),
      lastClosedSession: day('2026-11-24'),
      session: day('2026-11-25'),
    });
  });

  it('is the close of the as-of day plus the delay, so a past as-of has every bar closed', () => {
    const r = referenceInstant({ clockMs: clock, explicit: false, asOf: day('2024-01-19'), delayMs: 10 * MINUTE });
    expect(r).toEqual({
      referenceMs: at('2024-01-19T21:10:00Z'),
      delayMs: 10 * MINUTE,
      cutDay: day('2024-01-19'),
      lastClosedSession: day('2024-01-19'),
      session: day('2024-01-19'),
    });
    // A Saturday as-of stands for Friday's close.
    expect(
      referenceInstant({ clockMs: clock, explicit: false, asOf: day('2024-03-09'), delayMs: 0 }).lastClosedSession,
    ).toBe(day('2024-03-08'));
    // Today's as-of during the session is the clock: the bar is still trading.
    expect(referenceInstant({ clockMs: clock, explicit: false, asOf: day('2026-11-25'), delayMs: 0 }).referenceMs).toBe(
      clock,
    );
  });

  it('takes a fixed history’s newest bar as today, else the clock', () => {
    expect(
      referenceInstant({ clockMs: clock, explicit: false, newestDataDay: day('2024-03-08'), delayMs: 0 }),
    ).toMatchObject({
      referenceMs: at('2024-03-08T21:00:00Z'),
      lastClosedSession: day('2024-03-08'),
      session: day('2024-03-08'),
    });
    expect(referenceInstant({ clockMs: clock, explicit: false, delayMs: 0 }).lastClosedSession).toBe(day('2026-11-24'));
  });
});
