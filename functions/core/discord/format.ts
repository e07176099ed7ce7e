/**
 * How figures read in Discord's messages, written once: a sign on every change (`+27%`, `−27%`
 * with a true minus sign, `0%`), a dash for a figure that is missing, singular and plural. No
 * `null`, `undefined` or `NaN` can reach a message through these.
 */

const MINUS = '\u2212';
const MISSING = '–';

const finite = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** A figure to `digits` places; a dash when there is none. */
export function fixed(value: unknown, digits = 2): string {
  if (!finite(value)) return MISSING;
  const text = Math.abs(value).toFixed(digits);
  return `${value < 0 && Number(text) !== 0 ? MINUS : ''}${text}`;
}

/** A change with its sign: `+9.06%`, `−7.64%`, `0.00%` (a figure that rounds to zero has none). */
export function signed(value: unknown, digits = 2, unit = ''): string {
  if (!finite(value)) return MISSING;
  const text = Math.abs(value).toFixed(digits);
  const zero = Number(text) === 0;
  return `${zero ? '' : value > 0 ? '+' : MINUS}${text}${unit}`;
}

/** A word from the data (a trend, a pattern): as it is, or a dash when there is none. */
export function word(value: unknown): string {
  return typeof value === 'string' && value.length > 0 ? value : MISSING;
}

/**
 * `1 bar`, `12 bars`. A count is whole (`2.6` reads `3 bars`); a dash and the plural when there is
 * none or it is below zero.
 */
export function counted(value: unknown, one: string, many = `${one}s`): string {
  const count = finite(value) ? Math.round(value) : -1;
  if (count < 0) return `${MISSING} ${many}`;
  return `${count} ${count === 1 ? one : many}`;
}

/** Made on first use: a formatter with a time zone loads ICU's zone data (~7 MB), which the worker never needs. */
let newYork: Intl.DateTimeFormat | undefined;

/** An instant as a trader on the US market reads it: New York's date and time with the zone, `2024-03-08 16:30 EST`. */
export function newYorkTime(instant: string | Date): string {
  const date = typeof instant === 'string' ? new Date(instant) : instant;
  if (Number.isNaN(date.getTime())) return MISSING;
  newYork ??= new Intl.DateTimeFormat('en-US', {
    timeZone: 'America/New_York',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  });
  const part = Object.fromEntries(newYork.formatToParts(date).map((p) => [p.type, p.value]));
  return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute} ${part.timeZoneName}`;
}
