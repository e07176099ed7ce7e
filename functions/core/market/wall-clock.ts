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

export function wallClock(ms: number, timeZone: string): WallClock {
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
