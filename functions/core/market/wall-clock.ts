/** An instant as a time zone's wall clock shows it. */
export interface WallClock {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  /** "Mon" … "Sun". */
  readonly weekday: string;
}

/**
 * A zone's wall-clock formatter, built once per zone (building one costs more than the
 * formatting): bounded by the zones a process uses, one or two.
 */
const FORMATS = new Map<string, Intl.DateTimeFormat>();

function formatIn(timeZone: string): Intl.DateTimeFormat {
  let format = FORMATS.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      weekday: 'short',
    });
    FORMATS.set(timeZone, format);
  }
  return format;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;

/** Epoch milliseconds of 00:00 UTC on the nth Sunday of a month (0 = January). */
function nthSundayMs(year: number, month: number, n: number): number {
  const first = Date.UTC(year, month, 1);
  return first + (((7 - new Date(first).getUTCDay()) % 7) + (n - 1) * 7) * DAY_MS;
}

/**
 * New York's wall clock by the US rule in force since 2007 (daylight saving time from 02:00 on
 * the second Sunday of March to 02:00 on the first Sunday of November), or undefined before 2007.
 * The default schedule zone takes no Intl formatter: building one maps ICU's zone and locale data,
 * about 10 MB of a 128 MB function's memory (measured on Node 24).
 */
function newYorkWallClock(ms: number): WallClock | undefined {
  const year = new Date(ms).getUTCFullYear();
  if (year < 2007) return undefined;
  const daylight = ms >= nthSundayMs(year, 2, 2) + 7 * HOUR_MS && ms < nthSundayMs(year, 10, 1) + 6 * HOUR_MS;
  const local = new Date(ms - (daylight ? 4 : 5) * HOUR_MS);
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    weekday: WEEKDAYS[local.getUTCDay()],
  };
}

/** An instant as a zone's wall clock shows it: New York's by its rule, other zones (and years) by ICU. */
export function wallClock(ms: number, timeZone: string): WallClock {
  return (timeZone === 'America/New_York' ? newYorkWallClock(ms) : undefined) ?? icuWallClock(ms, timeZone);
}

/** An instant as ICU's zone data has a zone's wall clock (what `wallClock` does without a rule). */
export function icuWallClock(ms: number, timeZone: string): WallClock {
  const p = Object.fromEntries(
    formatIn(timeZone)
      .formatToParts(new Date(ms))
      .map((x) => [x.type, x.value]),
  );
  return {
    year: Number(p.year),
    month: Number(p.month),
    day: Number(p.day),
    hour: Number(p.hour),
    minute: Number(p.minute),
    weekday: p.weekday,
  };
}
