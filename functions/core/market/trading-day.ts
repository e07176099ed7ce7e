import { ValidationError } from '../errors.js';

/** Days since 1970-01-01 (UTC): a calendar date as one small integer. */
export type EpochDay = number;

const MS_PER_DAY = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Parses YYYY-MM-DD; returns NaN for anything that is not a real calendar date. */
export function parseIsoDay(text: string): EpochDay {
  const match = ISO_DATE.exec(text);
  if (!match) return Number.NaN;
  return epochDayOf(Number(match[1]), Number(match[2]), Number(match[3]));
}

/** The epoch day of a calendar date; NaN unless year/month/day name a real date. */
export function epochDayOf(year: number, month: number, day: number): EpochDay {
  if (year < 1900 || year > 9999 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month))
    return Number.NaN;
  return Date.UTC(year, month - 1, day) / MS_PER_DAY;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days in a month of the Gregorian calendar (no Date made: this runs for every bar parsed). */
function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return DAYS_IN_MONTH[month - 1] + (month === 2 && leap ? 1 : 0);
}

/** Like parseIsoDay, but a bad date is a ValidationError naming the parameter. */
export function requireIsoDay(text: string, parameter: string): EpochDay {
  const day = parseIsoDay(text);
  if (Number.isNaN(day)) {
    throw new ValidationError(parameter, `${parameter} must be a real date as YYYY-MM-DD, got "${text}"`);
  }
  return day;
}

export function isoDay(day: EpochDay): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

export function epochDayOfMs(ms: number): EpochDay {
  return Math.floor(ms / MS_PER_DAY);
}

/** 1970-01-01 was a Thursday, so (day + 4) mod 7 gives 0 = Sunday … 6 = Saturday. */
export function isWeekend(day: EpochDay): boolean {
  const weekday = (((day + 4) % 7) + 7) % 7;
  return weekday === 0 || weekday === 6;
}
