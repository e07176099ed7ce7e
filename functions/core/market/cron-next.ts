import { wallClock } from './wall-clock.js';
import { ValidationError } from '../errors.js';

/**
 * The next time an EventBridge cron expression — cron(minutes hours day-of-month month
 * day-of-week year) — fires in a time zone, strictly after `after`. Supports *, ?, lists, ranges
 * and steps, and named days and months: what scanfleet's schedules use.
 */
export function nextCronTime(expression: string, timeZone: string, after: Date): Date | null {
  const cron = parseCron(expression, timeZone);
  // Over at most 8 days, skip whole hours that cannot match, then jump to a matching minute.
  const start = Math.floor(after.getTime() / 60_000) * 60_000 + 60_000;
  for (let t = start; t < start + 8 * 86_400_000;) {
    const local = cron.local(t);
    if (!cron.hourMatches(local)) {
      t += (60 - local.minute) * 60_000;
      continue;
    }
    if (cron.minutes.has(local.minute)) return new Date(t);
    // Jump to the hour's next matching minute (then check it again), else to the next hour.
    const minute = cron.minuteList.find((m) => m > local.minute);
    t += ((minute ?? 60) - local.minute) * 60_000;
  }
  return null;
}

/**
 * The latest time the expression fired strictly before `before` (the mirror of nextCronTime),
 * looking back at most 8 days: null when it did not fire in them.
 */
export function previousCronTime(expression: string, timeZone: string, before: Date): Date | null {
  const cron = parseCron(expression, timeZone);
  // The newest whole minute strictly before `before`, then backwards: to the end of the previous
  // hour when this one cannot match, else to the hour's previous matching minute.
  const start = Math.ceil(before.getTime() / 60_000) * 60_000 - 60_000;
  for (let t = start; t > start - 8 * 86_400_000;) {
    const local = cron.local(t);
    if (!cron.hourMatches(local)) {
      t -= (local.minute + 1) * 60_000;
      continue;
    }
    if (cron.minutes.has(local.minute)) return new Date(t);
    const minute = cron.minuteList.findLast((m) => m < local.minute);
    t -= (local.minute - (minute ?? -1)) * 60_000;
  }
  return null;
}

interface LocalTime {
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly weekday: number;
}

/** An expression's fields as sets of the values they match, and the zone's wall clock. */
function parseCron(expression: string, timeZone: string) {
  const match = /^cron\((.+)\)$/.exec(expression.trim());
  const parts = match?.[1].trim().split(/\s+/);
  if (!parts || parts.length !== 6)
    throw new ValidationError('schedule', `not a cron(…) expression with six fields: ${expression}`);
  const [minutes, hours, days, months, weekdays] = [
    field(parts[0], 0, 59),
    field(parts[1], 0, 23),
    field(parts[2], 1, 31),
    field(parts[3], 1, 12, MONTHS),
    field(parts[4], 1, 7, WEEKDAYS),
  ];
  return {
    minutes,
    minuteList: [...minutes].sort((a, b) => a - b),
    local(t: number): LocalTime {
      const w = wallClock(t, timeZone);
      return { month: w.month, day: w.day, hour: w.hour, minute: w.minute, weekday: WEEKDAYS[w.weekday.toUpperCase()] };
    },
    /** Whether the hour of `local` can hold a firing (every field but the minute matches). */
    hourMatches(local: LocalTime): boolean {
      return hours.has(local.hour) && months.has(local.month) && days.has(local.day) && weekdays.has(local.weekday);
    },
  };
}

const MONTHS: Record<string, number> = {
  JAN: 1,
  FEB: 2,
  MAR: 3,
  APR: 4,
  MAY: 5,
  JUN: 6,
  JUL: 7,
  AUG: 8,
  SEP: 9,
  OCT: 10,
  NOV: 11,
  DEC: 12,
};
const WEEKDAYS: Record<string, number> = { SUN: 1, MON: 2, TUE: 3, WED: 4, THU: 5, FRI: 6, SAT: 7 };

function field(text: string, min: number, max: number, names: Record<string, number> = {}): Set<number> {
  const values = new Set<number>();
  const value = (token: string) => {
    const n = names[token.toUpperCase()] ?? Number(token);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new ValidationError('schedule', `cron field value "${token}" is outside ${min}-${max}`);
    return n;
  };
  for (const part of text.split(',')) {
    const [range, stepText] = part.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    let from = min;
    let to = max;
    if (range !== '*' && range !== '?') {
      const [a, b] = range.split('-');
      from = value(a);
      to = b === undefined ? (stepText === undefined ? from : max) : value(b);
    }
    // A range may wrap around (FRI-MON): from..max, then min..to.
    const span = from <= to ? to - from : max - from + 1 + to - min;
    for (let k = 0; k <= span; k += step) values.add(from + k <= max ? from + k : min + (from + k - max - 1));
  }
  return values;
}
