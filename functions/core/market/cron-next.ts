import { ValidationError } from '../errors.js';

/**
 * The next time an EventBridge cron expression — cron(minutes hours day-of-month month
 * day-of-week year) — fires in a time zone. Supports *, ?, lists, ranges and steps, and
 * named days and months: what scanfleet's schedules use.
 */
export function nextCronTime(expression: string, timeZone: string, after: Date): Date | null {
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
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    weekday: 'short',
  });
  // Step a minute at a time over at most 8 days, skipping whole hours that cannot match.
  const start = Math.floor(after.getTime() / 60_000) * 60_000 + 60_000;
  for (let t = start; t < start + 8 * 86_400_000;) {
    const p = Object.fromEntries(format.formatToParts(new Date(t)).map((x) => [x.type, x.value]));
    const hourOk =
      hours.has(Number(p.hour)) &&
      months.has(Number(p.month)) &&
      days.has(Number(p.day)) &&
      weekdays.has(WEEKDAYS[p.weekday.toUpperCase()]);
    if (!hourOk) {
      t += (60 - Number(p.minute)) * 60_000;
      continue;
    }
    if (minutes.has(Number(p.minute))) return new Date(t);
    t += 60_000;
  }
  return null;
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
