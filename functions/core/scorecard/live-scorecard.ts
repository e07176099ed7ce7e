import type { Bars } from '../scan/bars.js';
import { SCANNER_NAMES, SCANNERS, type ScannerName } from '../scan/scanners.js';
import { fnv1a32 } from '../fnv1a.js';
import { type EpochDay, isoDay } from '../market/trading-day.js';
import { forwardReturnUnits, returnUnits } from './forward-return.js';
import type { ReturnTally } from './return-tally.js';
import { type BaselineRow, excessPct, type Scorecard, type ScorecardRow, signalDirection } from './scorecard.js';

/**
 * The live scorecard's pure part: what a run (or a backfill) records for each symbol — its
 * sessions and observations, and the forward returns that came due — and the scorecard document
 * read back from the aggregates. The store (adapters/store/scorecard-store.ts) writes and reads.
 */

/** The baseline's aggregate: every counted session, whatever the signals. */
export const BASELINE = { scanner: 'all', signal: 'baseline' } as const;

/** The aggregates at horizon 0 count the observations recorded (no return): `missing` is that count less the filled. */
export const RECORDED = 0;

/**
 * Each aggregate is kept in this many items, a symbol always in the same one (its shard): an
 * item carries its symbols' guard ranges (~32 bytes each), so at 5,000 symbols ~10 KB, not
 * ~160 KB, and an update (its write units are the item's size) costs as much less.
 */
export const SCORECARD_SHARDS = 16;

/** The aggregate item a symbol's contributions go to, of SCORECARD_SHARDS. */
export function scorecardShard(symbol: string): number {
  return fnv1a32(symbol) % SCORECARD_SHARDS;
}

/**
 * The symbols in shard order (a stable sort: the given order within a shard), so that batches cut
 * from them each touch one or two shards of every aggregate: one update per aggregate and shard.
 */
export function inShardOrder<T extends string>(symbols: readonly T[]): T[] {
  return symbols
    .map((symbol, i) => ({ symbol, i, shard: scorecardShard(symbol) }))
    .sort((a, b) => a.shard - b.shard || a.i - b.i)
    .map(({ symbol }) => symbol);
}

/** An observation's signal, as `scanner#signal`. */
export type SignalKey = string;

export function signalKey(scanner: string, signal: string): SignalKey {
  return `${scanner}#${signal}`;
}

/** One symbol's part of a record: its closed bars as fetched, the sessions that closed, what they showed. */
export interface SymbolSessions {
  /** Closed bars only, oldest first: the forward returns come from these closes. */
  readonly bars: Pick<Bars, 'symbol' | 'day' | 'close' | 'length'>;
  /**
   * Indexes of the sessions newly closed for this record, ascending (a run's derived sessions,
   * gap-fill included; a backfill's every session from the first counted): the return h
   * sessions before each comes due.
   */
  readonly closed: readonly number[];
  /** The counted sessions among them, each with its observations' signals (possibly none). */
  readonly observed: readonly { readonly index: number; readonly signals: readonly SignalKey[] }[];
}

/** A session item as written: its signals (the stored ones if it was stored) and every forward return the bars hold. */
export interface SessionWrite {
  readonly symbol: string;
  readonly session: string;
  readonly signals: readonly SignalKey[];
  /** Horizon → return in units of 0.0001 %. */
  readonly returns: Readonly<Record<string, number>>;
  /** Not stored before: its observation items are written with it. */
  readonly created: boolean;
}

/** A return (or, at horizon 0, an observation) added to an aggregate, for one symbol's session. */
export interface Contribution {
  readonly session: string;
  readonly units: number;
}

/** What one aggregate (scanner, signal, horizon) receives from a record in one shard, per symbol, sessions ascending. */
export interface AggregateDelta {
  readonly scanner: string;
  readonly signal: string;
  readonly horizon: number;
  readonly shard: number;
  readonly bySymbol: Map<string, Contribution[]>;
}

/** Sessions (YYYY-MM-DD) whose stored items a record of these symbols reads: those a return or an observation falls on. */
export function sessionsToRead(symbol: SymbolSessions, horizons: readonly number[]): string[] {
  const days = new Set<EpochDay>();
  for (const i of symbol.closed)
    for (const h of [RECORDED, ...horizons]) if (i - h >= 0) days.add(symbol.bars.day[i - h]);
  return [...days].sort((a, b) => a - b).map(isoDay);
}

/**
 * What a record writes for one symbol: each session observed now and not stored before, each
 * stored session a return came due on (again, with every return the bars hold), and the
 * contributions to the aggregates — at horizon 0 each observed session, at horizon h the return
 * from session t to t + h for each newly closed t + h whose t is a session (stored or observed
 * now). A stored session keeps its signals: an observation is stored once, whichever run saw it.
 */
export function planSymbolRecord(
  input: SymbolSessions,
  stored: ReadonlyMap<string, readonly SignalKey[]>,
  horizons: readonly number[],
  deltas: Map<string, AggregateDelta>,
): SessionWrite[] {
  const { bars } = input;
  const known = new Map<number, { signals: readonly SignalKey[]; created: boolean }>();
  for (const { index, signals } of input.observed) {
    const previous = stored.get(isoDay(bars.day[index]));
    known.set(index, previous ? { signals: previous, created: false } : { signals, created: true });
  }
  const touched = new Set<number>(known.keys());
  for (const i of input.closed) {
    for (const h of [RECORDED, ...horizons]) {
      const t = i - h;
      if (t < 0) continue;
      let session = known.get(t);
      const storedSignals = session ? undefined : stored.get(isoDay(bars.day[t]));
      if (storedSignals) known.set(t, (session = { signals: storedSignals, created: false }));
      if (!session) continue;
      touched.add(t);
      const units = h === RECORDED ? 0 : returnUnits(bars.close[t], bars.close[i]);
      const contribution = { session: isoDay(bars.day[t]), units };
      contribute(deltas, BASELINE.scanner, BASELINE.signal, h, bars.symbol, contribution);
      for (const key of session.signals) {
        const [scanner, signal] = key.split('#');
        contribute(deltas, scanner, signal, h, bars.symbol, contribution);
      }
    }
  }
  return [...touched]
    .sort((a, b) => a - b)
    .map((t) => {
      const { signals, created } = known.get(t) as { signals: readonly SignalKey[]; created: boolean };
      const returns: Record<string, number> = {};
      for (const h of horizons) {
        const units = forwardReturnUnits(bars.close, t, h);
        if (units !== undefined) returns[h] = units;
      }
      return { symbol: bars.symbol, session: isoDay(bars.day[t]), signals, returns, created };
    });
}

/** Adds a contribution to its aggregate's shard; for one aggregate they come in ascending sessions (`closed` ascends), each once. */
function contribute(
  deltas: Map<string, AggregateDelta>,
  scanner: string,
  signal: string,
  horizon: number,
  symbol: string,
  contribution: Contribution,
): void {
  const shard = scorecardShard(symbol);
  const key = `${horizon}#${scanner}#${signal}#${shard}`;
  let delta = deltas.get(key);
  if (!delta) deltas.set(key, (delta = { scanner, signal, horizon, shard, bySymbol: new Map() }));
  const list = delta.bySymbol.get(symbol);
  if (list) list.push(contribution);
  else delta.bySymbol.set(symbol, [contribution]);
}

/** A stored aggregate (one shard of it): its tally, and each of its symbols' first and last session in it. */
export interface StoredAggregate {
  readonly scanner: string;
  readonly signal: string;
  readonly horizon: number;
  readonly tally: ReturnTally;
  readonly sessions: ReadonlyMap<string, { readonly first: string; readonly last: string }>;
  /** On the observations' aggregates (horizon 0): the horizons the recorder fills. */
  readonly horizons?: readonly number[];
}

/** The tally direction of an aggregate: the baseline counts returns above zero. */
export function aggregateDirection(scanner: string, signal: string) {
  if (scanner === BASELINE.scanner) return 'up' as const;
  const entry = SCANNERS[scanner as ScannerName];
  return entry ? signalDirection(entry, signal) : null;
}

/** Which rows of a scorecard a reader wants: one scanner's, one horizon's. */
export interface ScorecardFilter {
  readonly scanner?: ScannerName;
  readonly horizon?: number;
}

/**
 * The scorecard document (as `scanfleet scorecard --json` prints it) folded from the stored
 * aggregates, one at a time: what it holds is one tally per (scanner, signal, horizon) and each
 * symbol's name, whatever the number of aggregates or of pages they come in. `from` and `to`
 * are the first and last session recorded, `symbols` those with a session recorded, `horizons`
 * those the recorder fills (and any other an earlier configuration filled).
 */
export class ScorecardFold {
  private readonly tallies = new Map<string, ReturnTally>();
  private readonly symbols = new Set<string>();
  private readonly configured = new Set<number>();
  private from: string | undefined;
  private to: string | undefined;

  add(aggregate: StoredAggregate): void {
    const key = tallyKey(aggregate.scanner, aggregate.signal, aggregate.horizon);
    const tally = this.tallies.get(key);
    if (tally) tally.merge(aggregate.tally);
    else this.tallies.set(key, aggregate.tally);
    if (aggregate.scanner !== BASELINE.scanner || aggregate.horizon !== RECORDED) return;
    for (const h of aggregate.horizons ?? []) this.configured.add(h);
    for (const [symbol, { first, last }] of aggregate.sessions) {
      this.symbols.add(symbol);
      if (this.from === undefined || first < this.from) this.from = first;
      if (this.to === undefined || last > this.to) this.to = last;
    }
  }

  /** The whole document: every scanner, every horizon; null when no session is recorded. */
  document(): Scorecard | null {
    if (this.from === undefined || this.to === undefined) return null;
    const stats = (scanner: string, signal: string, horizon: number) =>
      this.tallies.get(tallyKey(scanner, signal, horizon))?.stats() ?? null;
    const horizons = [...new Set([...this.configured, ...[...this.tallies.keys()].map((k) => Number(k.split('#')[0]))])]
      .filter((h) => h !== RECORDED)
      .sort((a, b) => a - b);
    const baseline = horizons.map((horizon): BaselineRow => {
      const base = stats(BASELINE.scanner, BASELINE.signal, horizon);
      return {
        horizon,
        count: base?.count ?? 0,
        meanReturnPct: base?.meanReturnPct ?? null,
        upRatePct: base?.hitRatePct ?? null,
      };
    });
    const rows: ScorecardRow[] = [];
    for (const name of SCANNER_NAMES)
      for (const signal of SCANNERS[name].signals) {
        const observed = this.tallies.get(tallyKey(name, signal, RECORDED))?.count ?? 0;
        horizons.forEach((horizon, k) =>
          rows.push(rowOf(name, signal, horizon, observed, stats(name, signal, horizon), baseline[k])),
        );
      }
    const symbols = [...this.symbols].sort();
    return { from: this.from, to: this.to, horizons, symbols, rows, baseline };
  }
}

/**
 * A whole scorecard's rows for one scanner and one horizon, as a fold filtered so would give
 * them: a horizon the document lacks has rows of no return (each signal's observations missing).
 */
export function filterScorecard(card: Scorecard, filter: ScorecardFilter = {}): Scorecard {
  const { scanner, horizon } = filter;
  const ofScanner = (row: ScorecardRow) => scanner === undefined || row.scanner === scanner;
  if (horizon === undefined) return { ...card, rows: card.rows.filter(ofScanner) };
  if (card.horizons.includes(horizon))
    return {
      ...card,
      horizons: [horizon],
      rows: card.rows.filter((row) => ofScanner(row) && row.horizon === horizon),
      baseline: card.baseline.filter((row) => row.horizon === horizon),
    };
  const baseline: BaselineRow = { horizon, count: 0, meanReturnPct: null, upRatePct: null };
  const rows: ScorecardRow[] = [];
  for (const name of SCANNER_NAMES)
    for (const signal of SCANNERS[name].signals) {
      if (scanner !== undefined && name !== scanner) continue;
      const any = card.rows.find((row) => row.scanner === name && row.signal === signal);
      rows.push(rowOf(name, signal, horizon, any ? any.count + any.missing : 0, null, baseline));
    }
  return { ...card, horizons: [horizon], rows, baseline: [baseline] };
}

function tallyKey(scanner: string, signal: string, horizon: number): string {
  return `${horizon}#${scanner}#${signal}`;
}

function rowOf(
  scanner: ScannerName,
  signal: string,
  horizon: number,
  observed: number,
  stats: ReturnType<ReturnTally['stats']>,
  baseline: BaselineRow,
): ScorecardRow {
  return {
    scanner,
    signal,
    horizon,
    count: stats?.count ?? 0,
    missing: observed - (stats?.count ?? 0),
    meanReturnPct: stats?.meanReturnPct ?? null,
    medianReturnPct: stats?.medianReturnPct ?? null,
    hitRatePct: stats?.hitRatePct ?? null,
    excessReturnPct:
      stats && baseline.meanReturnPct !== null ? excessPct(stats.meanReturnPct, baseline.meanReturnPct) : null,
  };
}
