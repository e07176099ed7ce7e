import type { Bars } from '../scan/bars.js';
import { sessionsBetween } from '../market/market-clock.js';
import type { SymbolScan } from '../scan/scan-symbol.js';
import type { ScanValues } from '../scan/scanner.js';
import type { ScannerName } from '../scan/scanners.js';
import { type EpochDay, isoDay, parseIsoDay } from '../market/trading-day.js';
import { byCodeUnit } from '../text-order.js';

/**
 * An alert is an event, not a run's observation: (symbol, scanner, signal, start session). A
 * squeeze starts on its first bar on, so every run during one squeeze names the same event; a
 * fire, a cross and a breakout start on their own bar.
 */
export interface SignalEvent {
  readonly scanner: ScannerName;
  readonly signal: string;
  readonly start: EpochDay;
  /** The bar it was seen on. */
  readonly barDay: EpochDay;
  readonly values: ScanValues | null;
}

/** Signals held back for a cooldown after an alerted one: crosses and breakouts (a fire never is). */
export const COOLDOWN_SIGNALS: Readonly<Record<ScannerName, readonly string[]>> = {
  macd: ['bullish_cross', 'bearish_cross'],
  vpb: ['buy', 'sell'],
  'ttm-squeeze': [],
};

/** Sessions derived at most, going back from the newest closed one (gap-fill and a store's first run). */
export const MAX_GAP_FILL_SESSIONS = 5;

/** Default cooldown, in sessions after the last alerted event of the same symbol, scanner and signal. */
export const DEFAULT_COOLDOWN_SESSIONS = 3;

export function eventKey(event: { scanner: string; signal: string; start: EpochDay | string }): string {
  return `${event.scanner}#${event.signal}#${typeof event.start === 'string' ? event.start : isoDay(event.start)}`;
}

/** The events a scan of a bar shows; `bars` are the series the scan ran on (the bar is its last). */
export function eventsOfScan(scan: SymbolScan, bars: Bars): SignalEvent[] {
  const last = bars.length - 1;
  const events: SignalEvent[] = [];
  for (const outcome of scan.outcomes) {
    if (outcome.status !== 'ok' || outcome.signal === null) continue;
    let start = bars.day[last];
    if (outcome.signal === 'squeeze_on') {
      const duration = Number(outcome.values?.duration ?? 1);
      start = bars.day[Math.max(0, last - (duration - 1))];
    }
    events.push({
      scanner: outcome.scanner,
      signal: outcome.signal,
      start,
      barDay: bars.day[last],
      values: outcome.values,
    });
  }
  return events;
}

/** What a symbol's events stand at, between runs. */
export interface EventState {
  /** The newest closed session whose events are recorded. */
  readonly session: string;
  /** Per "scanner#signal" of the cooldown's signals: the session of the last event not held back. */
  readonly lastEvent: Readonly<Record<string, string>>;
  /** Keys of the squeezes on at `session`: recorded, never claimed again while they last. */
  readonly ongoing: readonly string[];
  /** Events alerted as forming on a partial bar, waiting for their session to close. */
  readonly forming: readonly FormingEntry[];
}

export interface FormingEntry {
  readonly key: string;
  readonly scanner: ScannerName;
  readonly signal: string;
  /** The session of the partial bar it formed on. */
  readonly session: string;
  readonly start: string;
}

/**
 * What becomes of an event in this run: `alert` (new, on a closed bar), `seen` (recorded
 * without an alert: a store's first run), `forming` (on a partial bar, intraday alerts),
 * `confirmed` / `retracted` (a forming event once its session closed).
 */
export type EventKind = 'alert' | 'seen' | 'forming' | 'confirmed' | 'retracted';

export interface EventRecord {
  readonly key: string;
  readonly scanner: ScannerName;
  readonly signal: string;
  readonly start: string;
  /** The session of the bar it is about. */
  readonly barDate: string;
  readonly kind: EventKind;
  /** Alerted after a newer session had already closed (gap-fill). */
  readonly late?: boolean;
  /** Held back by the cooldown: the session of the alerted event of the same symbol, scanner and signal. */
  readonly suppressedBy?: string;
  readonly values: ScanValues | null;
}

/** Which closed sessions a run derives events for: since the recorded one (at most 5), or the last 5 on a first run. */
export function sessionsToDerive(
  state: EventState | null,
  newestClosed: EpochDay,
  barDays: ArrayLike<number>,
  refetch = false,
): EpochDay[] {
  const recorded = state ? parseIsoDay(state.session) : Number.NEGATIVE_INFINITY;
  if (newestClosed < recorded) return []; // an older as-of: never move a symbol's events backwards
  const days: EpochDay[] = [];
  for (let i = 0; i < barDays.length; i++) {
    const day = barDays[i];
    if (day > newestClosed) break;
    if (day > recorded || (refetch && day === recorded)) days.push(day);
  }
  return days.slice(-MAX_GAP_FILL_SESSIONS);
}

export interface EventPlanInput {
  /** The symbol's state; null when nothing is recorded yet (the run only records what it sees). */
  readonly state: EventState | null;
  /** Closed sessions to derive, oldest first, with the events of each session's bar. */
  readonly closed: readonly { readonly day: EpochDay; readonly events: readonly SignalEvent[] }[];
  /** The newest closed session at the run's instant. */
  readonly newestClosed: EpochDay;
  /** Events of the partial bar, when intraday alerts are on and the last bar is still trading. */
  readonly forming?: readonly SignalEvent[];
  readonly cooldownSessions: number;
}

/**
 * Decides, without I/O, what a run records for one symbol: each closed event once (held back by
 * the cooldown where it applies), forming events, and the confirmation or retraction of each
 * forming event once its session has closed. Claims are still made one by one in the store: an
 * event recorded by another run is dropped there.
 */
export function planEvents(input: EventPlanInput): { records: EventRecord[]; state: EventState } {
  const { state, newestClosed, cooldownSessions } = input;
  const firstRun = state === null;
  const lastEvent: Record<string, string> = { ...state?.lastEvent };
  let ongoing = new Set(state?.ongoing ?? []);
  let forming = [...(state?.forming ?? [])];
  const records: EventRecord[] = [];
  const cooled = (event: SignalEvent) => COOLDOWN_SIGNALS[event.scanner].includes(event.signal);
  const heldBackBy = (event: SignalEvent, day: EpochDay): string | undefined => {
    if (!cooled(event)) return undefined;
    const previous = lastEvent[`${event.scanner}#${event.signal}`];
    if (previous === undefined) return undefined;
    const gap = sessionsBetween(parseIsoDay(previous), day);
    return gap >= 1 && gap <= cooldownSessions ? previous : undefined;
  };

  for (const { day, events } of input.closed) {
    const barDate = isoDay(day);
    const onNow = new Set<string>();
    for (const event of events) {
      const key = eventKey(event);
      const base = {
        key,
        scanner: event.scanner,
        signal: event.signal,
        start: isoDay(event.start),
        barDate,
        values: event.values,
      };
      if (event.signal === 'squeeze_on') {
        onNow.add(key);
        if (ongoing.has(key)) continue;
      }
      const formed = forming.find((f) => f.key === key && f.session === barDate);
      if (formed) {
        forming = forming.filter((f) => f !== formed);
        records.push({ ...base, kind: 'confirmed' });
        if (cooled(event)) lastEvent[`${event.scanner}#${event.signal}`] = barDate;
        continue;
      }
      const suppressedBy = heldBackBy(event, day);
      if (cooled(event) && suppressedBy === undefined) lastEvent[`${event.scanner}#${event.signal}`] = barDate;
      records.push({
        ...base,
        kind: firstRun ? 'seen' : 'alert',
        ...(!firstRun && day < newestClosed && { late: true }),
        ...(suppressedBy && { suppressedBy }),
      });
    }
    ongoing = onNow;
    for (const f of forming.filter((f) => f.session === barDate)) records.push(retraction(f));
    forming = forming.filter((f) => f.session !== barDate);
  }
  // Forming events of sessions closed but not derived (too far back) cannot be confirmed.
  for (const f of forming.filter((f) => parseIsoDay(f.session) <= newestClosed)) records.push(retraction(f));
  forming = forming.filter((f) => parseIsoDay(f.session) > newestClosed);

  if (!firstRun) {
    for (const event of input.forming ?? []) {
      const key = eventKey(event);
      if (ongoing.has(key) || forming.some((f) => f.key === key) || heldBackBy(event, event.barDay) !== undefined)
        continue;
      const entry: FormingEntry = {
        key,
        scanner: event.scanner,
        signal: event.signal,
        session: isoDay(event.barDay),
        start: isoDay(event.start),
      };
      forming.push(entry);
      records.push({
        key,
        scanner: event.scanner,
        signal: event.signal,
        start: entry.start,
        barDate: entry.session,
        kind: 'forming',
        values: event.values,
      });
    }
  }
  const recorded = state ? parseIsoDay(state.session) : Number.NEGATIVE_INFINITY;
  const session = isoDay(Math.max(recorded, newestClosed));
  return { records, state: { session, lastEvent, ongoing: [...ongoing], forming } };
}

function retraction(f: FormingEntry): EventRecord {
  return {
    key: f.key,
    scanner: f.scanner,
    signal: f.signal,
    start: f.start,
    barDate: f.session,
    kind: 'retracted',
    values: null,
  };
}

/** Whether two states say the same (a stored state's maps come back in any key order). */
export function sameEventState(a: EventState, b: EventState): boolean {
  const entries = (r: Readonly<Record<string, string>>) =>
    JSON.stringify(Object.entries(r).sort(([x], [y]) => byCodeUnit(x, y)));
  const keys = (list: readonly FormingEntry[]) => JSON.stringify(list.map((f) => `${f.key}@${f.session}`).sort());
  return (
    a.session === b.session &&
    entries(a.lastEvent) === entries(b.lastEvent) &&
    JSON.stringify([...a.ongoing].sort()) === JSON.stringify([...b.ongoing].sort()) &&
    keys(a.forming) === keys(b.forming)
  );
}
