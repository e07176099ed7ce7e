import { nyseHoliday } from './market-calendar.js';
import { type EpochDay, epochDayOf, isoDay, isWeekend } from './trading-day.js';

/**
 * The market clock: for an instant, where the NYSE stands. Every decision that depends on the
 * time of day (is this bar closed, how much of the session has traded, which session does a run
 * cover) asks this module; the instant itself comes from whoever calls (an injected clock).
 * Pure: New York time is computed from the US daylight-saving rule, not read from the machine.
 */

export type MarketPhase = 'pre' | 'regular' | 'post' | 'closed';

export interface Session {
  readonly day: EpochDay;
  /** YYYY-MM-DD, the exchange's date. */
  readonly date: string;
  /** Epoch milliseconds of the 09:30 open and of the close (16:00, or 13:00 on an early close). */
  readonly openMs: number;
  readonly closeMs: number;
  /** Why the session closes at 13:00, when it does. */
  readonly earlyClose: string | null;
}

export interface MarketState {
  readonly phase: MarketPhase;
  /** The session of the instant's New York date, when that date is a trading day. */
  readonly session: Session | null;
  /** The newest session whose regular close is at or before the instant. */
  readonly lastClosedSession: EpochDay;
  /** Share of the regular session elapsed: 0 before the open, 1 from the close on. */
  readonly sessionElapsed: number;
}

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const OPEN_MINUTES = 9 * 60 + 30;
const CLOSE_MINUTES = 16 * 60;
const EARLY_CLOSE_MINUTES = 13 * 60;
/** Extended hours as the providers report them: pre-market from 04:00, after-hours until 20:00. */
const PRE_MARKET_MINUTES = 4 * 60;
const POST_MARKET_END_MINUTES = 20 * 60;

/** A day the exchange trades: a weekday that is not a full-day closure. */
export function isSessionDay(day: EpochDay): boolean {
  return !isWeekend(day) && nyseHoliday(day) === null;
}

/**
 * The NYSE's 13:00 closes: the day before Independence Day, the day after Thanksgiving and
 * Christmas Eve, each only when it is itself a trading day.
 */
export function earlyCloseOf(day: EpochDay): string | null {
  if (!isSessionDay(day)) return null;
  const date = isoDay(day);
  const monthDay = date.slice(5);
  if (monthDay === '07-03') return 'the day before Independence Day';
  if (monthDay === '12-24') return 'Christmas Eve';
  if (nyseHoliday(day - 1) === 'Thanksgiving Day') return 'the day after Thanksgiving';
  return null;
}

export function sessionOn(day: EpochDay): Session | null {
  if (!isSessionDay(day)) return null;
  const earlyClose = earlyCloseOf(day);
  return {
    day,
    date: isoDay(day),
    openMs: newYorkTimeMs(day, OPEN_MINUTES),
    closeMs: newYorkTimeMs(day, earlyClose ? EARLY_CLOSE_MINUTES : CLOSE_MINUTES),
    earlyClose,
  };
}

/** The closest trading day strictly before `day`. */
export function previousSessionDay(day: EpochDay): EpochDay {
  let d = day - 1;
  while (!isSessionDay(d)) d--;
  return d;
}

/** The closest trading day strictly after `day`. */
export function nextSessionDay(day: EpochDay): EpochDay {
  let d = day + 1;
  while (!isSessionDay(d)) d++;
  return d;
}

/** The newest trading day on or before `day`. */
export function sessionOnOrBefore(day: EpochDay): EpochDay {
  return isSessionDay(day) ? day : previousSessionDay(day);
}

/** Trading days after `from` up to and including `to` (0 when to ≤ from). */
export function sessionsBetween(from: EpochDay, to: EpochDay): number {
  let count = 0;
  for (let d = from + 1; d <= to; d++) if (isSessionDay(d)) count++;
  return count;
}

/** The newest session whose close plus `delayMs` is at or before `instantMs`. */
export function lastClosedSession(instantMs: number, delayMs = 0): EpochDay {
  let day = newYorkDayOfMs(instantMs);
  for (;;) {
    const session = sessionOn(day);
    if (session && session.closeMs + delayMs <= instantMs) return day;
    day--;
  }
}

/** Whether the daily bar of `day` is final at `instantMs` for data delayed by `delayMs`. */
export function isBarClosed(day: EpochDay, instantMs: number, delayMs = 0): boolean {
  const session = sessionOn(day);
  // A bar dated on a non-trading day cannot grow any more.
  return session === null || session.closeMs + delayMs <= instantMs;
}

export function marketStateAt(instantMs: number): MarketState {
  const day = newYorkDayOfMs(instantMs);
  const session = sessionOn(day);
  const lastClosed = lastClosedSession(instantMs);
  if (!session) return { phase: 'closed', session: null, lastClosedSession: lastClosed, sessionElapsed: 0 };
  let phase: MarketPhase;
  if (instantMs < newYorkTimeMs(day, PRE_MARKET_MINUTES)) phase = 'closed';
  else if (instantMs < session.openMs) phase = 'pre';
  else if (instantMs < session.closeMs) phase = 'regular';
  else if (instantMs < newYorkTimeMs(day, POST_MARKET_END_MINUTES)) phase = 'post';
  else phase = 'closed';
  return { phase, session, lastClosedSession: lastClosed, sessionElapsed: sessionElapsed(session, instantMs) };
}

/** Share of a session's regular hours elapsed at an instant, clamped to [0, 1]. */
export function sessionElapsed(session: Session, instantMs: number): number {
  return Math.min(1, Math.max(0, (instantMs - session.openMs) / (session.closeMs - session.openMs)));
}

/**
 * The session a run at this instant covers: the instant's trading day from its open on (its
 * bar is forming or closed), else the last closed session.
 */
export function sessionCoveredAt(instantMs: number): EpochDay {
  const day = newYorkDayOfMs(instantMs);
  const session = sessionOn(day);
  return session && instantMs >= session.openMs ? day : lastClosedSession(instantMs);
}

/** Minutes after New York midnight of an instant. */
export function newYorkMinutes(instantMs: number): number {
  const day = newYorkDayOfMs(instantMs);
  return Math.floor((instantMs - newYorkTimeMs(day, 0)) / MINUTE_MS);
}

/** The New York calendar date of an instant. */
export function newYorkDayOfMs(instantMs: number): EpochDay {
  // Guess with standard time, then correct with the offset that holds on that date.
  const guess = Math.floor((instantMs - 5 * 3_600_000) / DAY_MS);
  for (const day of [guess + 1, guess, guess - 1]) {
    if (instantMs >= newYorkTimeMs(day, 0)) return day;
  }
  return guess - 1;
}

/** Epoch milliseconds of a New York wall-clock time on a date (times from 03:00 on are exact). */
export function newYorkTimeMs(day: EpochDay, minutes: number): number {
  return day * DAY_MS + minutes * MINUTE_MS - utcOffsetMinutes(day) * MINUTE_MS;
}

/**
 * New York's UTC offset on a date, in minutes (−240 in daylight saving time, −300 otherwise),
 * as it stands from 03:00 local time. US rule since 2007: from the second Sunday of March to the
 * first Sunday of November; 1987–2006: first Sunday of April to last Sunday of October.
 */
export function utcOffsetMinutes(day: EpochDay): number {
  const year = new Date(day * DAY_MS).getUTCFullYear();
  const [start, end] =
    year >= 2007 ? [nthSunday(year, 3, 2), nthSunday(year, 11, 1)] : [nthSunday(year, 4, 1), lastSunday(year, 10)];
  return day >= start && day < end ? -240 : -300;
}

function nthSunday(year: number, month: number, n: number): EpochDay {
  const first = epochDayOf(year, month, 1);
  const weekday = (((first + 4) % 7) + 7) % 7;
  return first + ((7 - weekday) % 7) + (n - 1) * 7;
}

function lastSunday(year: number, month: number): EpochDay {
  const last = Date.UTC(year, month, 0) / DAY_MS;
  return last - ((((last + 4) % 7) + 7) % 7);
}

/** "2024-03-08T12:30:00-05:00" or "…Z": an instant with its zone; anything else is null. */
export function parseInstant(text: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.exec(
    text,
  );
  if (!match || Number.isNaN(epochDayOf(Number(match[1]), Number(match[2]), Number(match[3])))) return null;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? null : ms;
}

/** The instant a run's data stands for, and what follows from it. */
export interface ReferenceInstant {
  /** Epoch ms the bars are judged at: closed or still trading, stale or current. */
  readonly referenceMs: number;
  readonly delayMs: number;
  /** Bars dated after this New York date are ignored. */
  readonly cutDay: EpochDay;
  /** The newest session whose bar is closed at the reference instant (data delay included). */
  readonly lastClosedSession: EpochDay;
  /** The session the data stands for: the one trading or closed at the reference instant, within the cut. */
  readonly session: EpochDay;
}

/**
 * The reference instant, by the first rule that applies: an explicit instant (`--now`, a
 * replay); else the close of the as-of day plus the provider's delay (never after the clock);
 * else, for a provider of fixed history, the close of its newest bar's day (the data's "today");
 * else the clock.
 */
export function referenceInstant(input: {
  clockMs: number;
  explicit: boolean;
  asOf?: EpochDay;
  delayMs: number;
  newestDataDay?: EpochDay;
}): ReferenceInstant {
  const { clockMs, explicit, asOf, delayMs, newestDataDay } = input;
  const closeOf = (day: EpochDay) => (sessionOn(sessionOnOrBefore(day)) as Session).closeMs + delayMs;
  let referenceMs = clockMs;
  if (!explicit && asOf !== undefined) referenceMs = Math.min(clockMs, closeOf(asOf));
  else if (!explicit && newestDataDay !== undefined) referenceMs = closeOf(newestDataDay);
  const referenceDay = newYorkDayOfMs(referenceMs);
  const cutDay = asOf === undefined ? referenceDay : Math.min(asOf, referenceDay);
  const lastClosed = Math.min(lastClosedSession(referenceMs, delayMs), sessionOnOrBefore(cutDay));
  const session = Math.min(sessionCoveredAt(referenceMs), sessionOnOrBefore(cutDay));
  return { referenceMs, delayMs, cutDay, lastClosedSession: lastClosed, session };
}
