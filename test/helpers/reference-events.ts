import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Bar, macdScale, naiveMacd, naiveTtm, naiveVpb, RELATIVE } from './naive-scanners.js';

// The test oracle of `scanfleet replay`: the closed-bar signal events of each session, derived
// straight from the bundled Yahoo CSV files with the naive scanners of naive-scanners.ts. It
// imports nothing from functions/ (no core, no adapters), so it shares no code with what it checks.
//
// Rules (docs/scanners.md, and the replay's event rules):
// - Every scan runs on a window of the last LOOKBACK (150) bars ending at the session's bar, as the
//   project's scan does: the MACD's EMAs depend on where the window starts. A symbol with no bar
//   dated S has no events at S; a window shorter than a scanner's bar count gives no signal.
// - An event is (symbol, scanner, signal, start). start = the signal's own bar date, except
//   squeeze_on: the date of the bar (duration − 1) bars before the bar it is seen on. The events of
//   session S are every signal of the window ending at S except squeeze_on, plus squeeze_on only
//   when its start is S (a squeeze is one event, seen first on its start bar).
// - Cooldown: crosses and breakouts (macd bullish_cross / bearish_cross, vpb buy / sell; never the
//   ttm signals) are suppressed when 1 ≤ (sessions after S' up to and including S) ≤ N, where S' is
//   the session of the last unsuppressed event of the same (symbol, scanner, signal); then
//   suppressedBy = S'. Only unsuppressed events become the reference. The chain starts at `from`.

/** The project's lookback: each scan sees the last 150 bars up to its session. */
const LOOKBACK = 150;
const DEFAULT_COOLDOWN_SESSIONS = 3;
const DEFAULT_DATA_DIR = fileURLToPath(new URL('../../data/daily/', import.meta.url));

const REFERENCE_SCANNERS = ['macd', 'ttm-squeeze', 'vpb'] as const;
type ReferenceScanner = (typeof REFERENCE_SCANNERS)[number];

/** Bars each scanner needs (docs/scanners.md): fewer and the scanner reports insufficient_data. */
const MIN_BARS: Readonly<Record<ReferenceScanner, number>> = { macd: 35, 'ttm-squeeze': 40, vpb: 21 };

/** The signals the cooldown applies to: crosses and breakouts, never the squeeze's. */
const SUPPRESSIBLE = new Set(['macd:bullish_cross', 'macd:bearish_cross', 'vpb:buy', 'vpb:sell']);

export interface ReferenceEvent {
  symbol: string;
  scanner: 'macd' | 'ttm-squeeze' | 'vpb';
  signal: string;
  session: string;
  start: string;
  suppressedBy?: string;
}

/** One scanner's verdict on one symbol's window ending at one session. */
export interface ReferenceSignal {
  symbol: string;
  scanner: ReferenceScanner;
  session: string;
  /** insufficient_data: the window is shorter than the scanner's bar count (signal null). */
  status: 'ok' | 'insufficient_data';
  signal: string | null;
  /** ttm-squeeze only: consecutive bars on up to the last bar (still on) or up to the fire; else 0. */
  duration: number;
  /**
   * The decision lies within RELATIVE (1e-9) of the price scale of its threshold: a MACD histogram
   * (last or prior bar) that close to zero, or a squeeze state / firing momentum sign / duration
   * state that close. Another correct implementation may decide it either way.
   */
  tie: boolean;
}

/** One symbol's CSV: dates and bars, oldest first. */
interface ReferenceSeries {
  symbol: string;
  dates: string[];
  bars: Bar[];
  /** date → index into dates / bars. */
  index: Map<string, number>;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const MS_PER_DAY = 86_400_000;

/** Parses one Yahoo CSV (`Date,Open,High,Low,Close,Adj Close,Volume`, oldest first); Adj Close is ignored. */
function parseYahooCsv(symbol: string, text: string): ReferenceSeries {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '');
  const header = lines.shift();
  if (header?.trim() !== 'Date,Open,High,Low,Close,Adj Close,Volume')
    throw new Error(`${symbol}: unexpected CSV header ${JSON.stringify(header)}`);
  const dates: string[] = [];
  const bars: Bar[] = [];
  const index = new Map<string, number>();
  for (const line of lines) {
    const fields = line.split(',');
    if (fields.length !== 7) throw new Error(`${symbol}: expected 7 fields in ${JSON.stringify(line)}`);
    const [date, open, high, low, close, , volume] = fields;
    if (!DATE.test(date)) throw new Error(`${symbol}: bad date ${JSON.stringify(date)}`);
    if (dates.length > 0 && date <= dates[dates.length - 1])
      throw new Error(`${symbol}: ${date} is not after ${dates[dates.length - 1]}`);
    const bar: Bar = {
      day: Date.parse(`${date}T00:00:00Z`) / MS_PER_DAY,
      open: Number(open),
      high: Number(high),
      low: Number(low),
      close: Number(close),
      volume: Number(volume),
    };
    for (const [key, value] of Object.entries(bar))
      if (!Number.isFinite(value)) throw new Error(`${symbol} ${date}: ${key} is not a number`);
    index.set(date, dates.length);
    dates.push(date);
    bars.push(bar);
  }
  return { symbol, dates, bars, index };
}

function readReferenceSeries(symbol: string, dataDir: string = DEFAULT_DATA_DIR): ReferenceSeries {
  return parseYahooCsv(symbol, readFileSync(join(dataDir, `${symbol}.csv`), 'utf8'));
}

/** The watchlist of a data dir: watchlist.txt, one symbol a line. */
function referenceWatchlist(dataDir: string = DEFAULT_DATA_DIR): string[] {
  return readFileSync(join(dataDir, 'watchlist.txt'), 'utf8')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** Every CSV of a data dir, each parsed once, by symbol (the file name without .csv). */
function readReferenceDir(dataDir: string = DEFAULT_DATA_DIR): Map<string, ReferenceSeries> {
  const series = new Map<string, ReferenceSeries>();
  for (const file of readdirSync(dataDir).sort()) {
    if (file.endsWith('.csv')) series.set(file.slice(0, -4), readReferenceSeries(file.slice(0, -4), dataDir));
  }
  return series;
}

function sessionsOf(series: Iterable<ReferenceSeries>): string[] {
  const dates = new Set<string>();
  for (const one of series) for (const date of one.dates) dates.add(date);
  return [...dates].sort();
}

/** The sessions of a data dir: every date of any of its CSV files, sorted. */
export function referenceSessions(dataDir: string = DEFAULT_DATA_DIR): string[] {
  return sessionsOf(readReferenceDir(dataDir).values());
}

/** The window a scan on `session` sees: the last LOOKBACK bars ending at that session's bar; null without a bar that day. */
function referenceWindow(series: ReferenceSeries, session: string): Bar[] | null {
  const end = series.index.get(session);
  if (end === undefined) return null;
  return series.bars.slice(Math.max(0, end - LOOKBACK + 1), end + 1);
}

/** The three scanners on one window (its last bar is the session's bar). */
function scanWindow(symbol: string, session: string, window: Bar[]): ReferenceSignal[] {
  return REFERENCE_SCANNERS.map((scanner): ReferenceSignal => {
    const base = { symbol, scanner, session };
    if (window.length < MIN_BARS[scanner])
      return { ...base, status: 'insufficient_data', signal: null, duration: 0, tie: false };
    switch (scanner) {
      case 'macd': {
        const closes = window.map((bar) => bar.close);
        const reference = naiveMacd(closes);
        const slack = RELATIVE * macdScale(closes);
        const tie = Math.abs(reference.histogram) <= slack || Math.abs(reference.priorHistogram) <= slack;
        return { ...base, status: 'ok', signal: reference.signal, duration: 0, tie };
      }
      case 'ttm-squeeze': {
        const reference = naiveTtm(window);
        return {
          ...base,
          status: 'ok',
          signal: reference.signal,
          duration: reference.duration,
          tie: reference.signalAmbiguous || reference.durationAmbiguous,
        };
      }
      case 'vpb':
        // Prices are compared as parsed and volumes are whole numbers: no decision can be a tie.
        return { ...base, status: 'ok', signal: naiveVpb(window).signal, duration: 0, tie: false };
    }
  });
}

export interface ReferenceOptions {
  dataDir?: string;
  symbols?: string[];
  /** First session (inclusive, YYYY-MM-DD); the cooldown chain starts here. */
  from: string;
  /** Last session (inclusive, YYYY-MM-DD). */
  to: string;
}

interface Loaded {
  sessions: string[];
  /** Index into sessions of the first and last session in [from, to]; last < first when none. */
  first: number;
  last: number;
  series: ReferenceSeries[];
}

function load(options: ReferenceOptions): Loaded {
  const { dataDir = DEFAULT_DATA_DIR, from, to } = options;
  if (!DATE.test(from) || !DATE.test(to)) throw new Error(`from and to must be YYYY-MM-DD, got ${from} and ${to}`);
  const symbols = options.symbols ?? referenceWatchlist(dataDir);
  const all = readReferenceDir(dataDir);
  const series = symbols.map((symbol) => {
    const one = all.get(symbol);
    if (!one) throw new Error(`${symbol}: no ${symbol}.csv in ${dataDir}`);
    return one;
  });
  // The calendar is every CSV date of the data dir, not only the requested symbols' dates.
  const sessions = sessionsOf(all.values());
  const first = sessions.findIndex((session) => session >= from);
  const last = sessions.findLastIndex((session) => session <= to);
  return { sessions, first: first === -1 ? sessions.length : first, last, series };
}

/** Every scanner's verdict on every symbol for each session in [from, to] that the symbol has a bar for. */
export function referenceSignals(options: ReferenceOptions): ReferenceSignal[] {
  const { sessions, first, last, series } = load(options);
  const out: ReferenceSignal[] = [];
  for (let s = first; s <= last; s++) {
    for (const one of series) {
      const window = referenceWindow(one, sessions[s]);
      if (window) out.push(...scanWindow(one.symbol, sessions[s], window));
    }
  }
  return out;
}

/**
 * Events of each session in [from, to] (CSV dates, inclusive), cooldown chain starting at from.
 * Ordered by session, then symbol (in the order given, default the watchlist's), then scanner.
 */
export function referenceEvents(options: ReferenceOptions & { cooldownSessions?: number }): ReferenceEvent[] {
  const cooldown = options.cooldownSessions ?? DEFAULT_COOLDOWN_SESSIONS;
  if (!Number.isInteger(cooldown) || cooldown < 0)
    throw new Error(`cooldownSessions must be a whole number ≥ 0, got ${cooldown}`);
  const { sessions, first, last, series } = load(options);
  /** symbol:scanner:signal → index (into sessions) of its last unsuppressed event. */
  const reference = new Map<string, number>();
  const events: ReferenceEvent[] = [];
  for (let s = first; s <= last; s++) {
    const session = sessions[s];
    for (const one of series) {
      const window = referenceWindow(one, session);
      if (!window) continue;
      for (const verdict of scanWindow(one.symbol, session, window)) {
        const { symbol, scanner, signal } = verdict;
        if (signal === null) continue;
        let start = session;
        if (signal === 'squeeze_on') {
          const startIndex = one.index.get(session)! - (verdict.duration - 1);
          start = one.dates[startIndex];
          if (start !== session) continue;
        }
        const event: ReferenceEvent = { symbol, scanner, signal, session, start };
        if (SUPPRESSIBLE.has(`${scanner}:${signal}`)) {
          const key = `${symbol}:${scanner}:${signal}`;
          const previous = reference.get(key);
          const after = previous === undefined ? Number.POSITIVE_INFINITY : s - previous;
          if (after >= 1 && after <= cooldown) event.suppressedBy = sessions[previous!];
          else reference.set(key, s);
        }
        events.push(event);
      }
    }
  }
  return events;
}
