import { type EpochDay, epochDayOf, isoDay, parseIsoDay } from './trading-day.js';
import { byCodeUnit } from '../text-order.js';

/**
 * NYSE full-day closures, by the exchange's rules (NYSE Rule 7.2): a holiday on a Saturday
 * closes the Friday before, one on a Sunday the Monday after — except New Year's Day on a
 * Saturday, which is not made up (Dec 31 closes a yearly accounting period). Early closes
 * (1 p.m.) are trading days and not listed.
 */
export function nyseHoliday(day: EpochDay): string | null {
  const year = new Date(day * 86_400_000).getUTCFullYear();
  let holidays = BY_YEAR.get(year);
  if (!holidays) {
    holidays = new Map(holidaysOf(year).map(([name, d]) => [d, name]));
    for (const [date, name] of SPECIAL_CLOSURES) if (date.startsWith(`${year}-`)) holidays.set(parseIsoDay(date), name);
    BY_YEAR.set(year, holidays);
  }
  return holidays.get(day) ?? null;
}

/**
 * Each year's closures, built on first use: the market clock asks for every day it steps over.
 * Bounded by the years a process looks at (a handful), not by its invocations.
 */
const BY_YEAR = new Map<number, Map<EpochDay, string>>();

/** Every NYSE full-day holiday of a year, in date order (rule-based; special closures aside). */
export function nyseHolidays(year: number): { date: string; name: string }[] {
  const all = holidaysOf(year).map(([name, day]) => ({ date: isoDay(day), name }));
  for (const [date, name] of SPECIAL_CLOSURES) if (date.startsWith(`${year}-`)) all.push({ date, name });
  return all.sort((a, b) => byCodeUnit(a.date, b.date));
}

/** Closures outside the rules: national days of mourning, Hurricane Sandy. */
const SPECIAL_CLOSURES = new Map<string, string>([
  ['2012-10-29', 'Hurricane Sandy'],
  ['2012-10-30', 'Hurricane Sandy'],
  ['2018-12-05', 'National Day of Mourning for President George H. W. Bush'],
  ['2025-01-09', 'National Day of Mourning for President Jimmy Carter'],
]);

function holidaysOf(year: number): [string, EpochDay][] {
  const list: [string, EpochDay][] = [];
  const newYear = epochDayOf(year, 1, 1);
  if (weekday(newYear) === 0) list.push(["New Year's Day", newYear + 1]);
  else if (weekday(newYear) !== 6) list.push(["New Year's Day", newYear]);
  if (year >= 1998) list.push(['Martin Luther King Jr. Day', nthWeekday(year, 1, 1, 3)]);
  list.push(["Washington's Birthday", nthWeekday(year, 2, 1, 3)]);
  list.push(['Good Friday', easterSunday(year) - 2]);
  list.push(['Memorial Day', lastWeekday(year, 5, 1)]);
  if (year >= 2022) list.push(['Juneteenth National Independence Day', observed(epochDayOf(year, 6, 19))]);
  list.push(['Independence Day', observed(epochDayOf(year, 7, 4))]);
  list.push(['Labor Day', nthWeekday(year, 9, 1, 1)]);
  list.push(['Thanksgiving Day', nthWeekday(year, 11, 4, 4)]);
  list.push(['Christmas Day', observed(epochDayOf(year, 12, 25))]);
  return list;
}

/** 0 = Sunday … 6 = Saturday. */
function weekday(day: EpochDay): number {
  return (((day + 4) % 7) + 7) % 7;
}

function observed(day: EpochDay): EpochDay {
  if (weekday(day) === 6) return day - 1;
  if (weekday(day) === 0) return day + 1;
  return day;
}

/** The nth given weekday (0 = Sunday) of a month. */
function nthWeekday(year: number, month: number, dayOfWeek: number, n: number): EpochDay {
  const first = epochDayOf(year, month, 1);
  return first + ((dayOfWeek - weekday(first) + 7) % 7) + (n - 1) * 7;
}

function lastWeekday(year: number, month: number, dayOfWeek: number): EpochDay {
  const last = Date.UTC(year, month, 0) / 86_400_000; // day 0 of the next month
  return last - ((weekday(last) - dayOfWeek + 7) % 7);
}

/** Gregorian Easter Sunday (the anonymous Gregorian algorithm, Meeus/Jones/Butcher). */
function easterSunday(year: number): EpochDay {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const dayOfMonth = ((h + l - 7 * m + 114) % 31) + 1;
  return epochDayOf(year, month, dayOfMonth);
}
