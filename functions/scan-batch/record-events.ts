import { type Bars, sliceBars } from '../core/scan/bars.js';
import { scanSymbol, type SymbolScan } from '../core/scan/scan-symbol.js';
import type { ScanPlan } from '../core/scan/scanners.js';
import { type EpochDay, isoDay, parseIsoDay } from '../core/market/trading-day.js';
import { eventsOfScan, planEvents, sameEventState, sessionsToDerive } from '../core/run/signal-events.js';
import { mapWithConcurrency } from '../adapters/market-data/http-client.js';
import type { AlertLogEntry } from '../core/run/alert-log.js';
import type { AlertStore } from '../adapters/store/alert-store.js';
import type { BarsStore } from '../adapters/store/bars-store.js';
import type { EventStore } from '../adapters/store/event-store.js';
import type { ScorecardStore } from '../adapters/store/scorecard-store.js';
import { signalKey, type SymbolSessions } from '../core/scorecard/live-scorecard.js';

/** The store calls recording events makes. */
export interface EventRecorder {
  readonly events: Pick<EventStore, 'readStates' | 'writeState' | 'claimEvent' | 'resolveForming'>;
  readonly alerts: Pick<AlertStore, 'writeAlertLog'>;
  readonly bars: Pick<BarsStore, 'writeBars'>;
  readonly scorecard: Pick<ScorecardStore, 'record'>;
}

export interface EventRun {
  readonly runId: string;
  /** The run's reference instant, ISO: when its events were seen. */
  readonly at: string;
  readonly newestClosed: EpochDay;
  /** Intraday alerts: partial-bar signals are alerted as forming. */
  readonly intraday: boolean;
  readonly cooldownSessions: number;
  /** The evening re-fetch: the newest closed session is derived again. */
  readonly refetch: boolean;
  /** The live scorecard's horizons, in sessions. */
  readonly horizons: readonly number[];
}

/** One symbol as the batch fetched and scanned it: all its bars, the window scanned, the scan. */
export interface ScannedSymbol {
  readonly bars: Bars;
  readonly window: Bars;
  readonly scan: SymbolScan;
}

/**
 * Derives and records each symbol's signal events for this run: the closed sessions since its
 * recorded one (gap-fill, at most 5), forming events of a partial bar when intraday alerts are
 * on, and confirmations or retractions. What this run alerts goes to its alert log; the symbol's
 * state moves on last, so a redelivered batch derives the same claims and finds them its own.
 *
 * The same closed sessions feed the live scorecard, before any state moves: each counted one is
 * recorded with its observations, and the forward returns they close are added (a partial bar
 * is never one of them; a missed session is, through the gap-fill).
 *
 * The symbols' closed bars are cached (for the chart) when their last closed bar is newer than
 * the one the state records as cached: the state read tells, so a batch whose bars did not move
 * reads and writes nothing more.
 */
export async function recordEvents(
  { events, alerts, bars: barsCache, scorecard }: EventRecorder,
  plan: ScanPlan,
  symbols: readonly ScannedSymbol[],
  run: EventRun,
): Promise<{ logged: number; barsCached: number; scorecardSessions: number }> {
  const states = await events.readStates(symbols.map((s) => s.bars.symbol));
  const newBars = new Map<string, Bars>();
  for (const { bars } of symbols) {
    const stored = states.get(bars.symbol);
    if (stored && run.newestClosed < parseIsoDay(stored.state.session)) continue;
    const closed = closedBars(bars, run.newestClosed);
    if (closed.length === 0) continue;
    if (stored?.barsDate === undefined || closed.day[closed.length - 1] > parseIsoDay(stored.barsDate))
      newBars.set(bars.symbol, closed);
  }
  await barsCache.writeBars([...newBars.values()]);
  const derived = symbols.flatMap(({ bars, window, scan }) => {
    const stored = states.get(bars.symbol);
    if (stored && run.newestClosed < parseIsoDay(stored.state.session)) return [];
    const days = sessionsToDerive(stored?.state ?? null, run.newestClosed, bars.day, run.refetch);
    const closed = days.map((day) => {
      const end = indexOf(bars, day) + 1;
      const closedWindow = sliceBars(bars, Math.max(0, end - plan.lookback), end);
      return { day, index: end - 1, scan: scanSymbol(closedWindow, plan), window: closedWindow };
    });
    return [{ bars, window, scan, stored, closed }];
  });
  const recorded = await scorecard.record(
    derived.map(({ bars, closed }) => scorecardSessions(bars, closed, plan, run.newestClosed)),
    run.horizons,
  );
  let logged = 0;
  await mapWithConcurrency(derived, 8, async ({ bars, window, scan, stored, closed: derivedSessions }) => {
    const symbol = bars.symbol;
    const closed = derivedSessions.map(({ day, scan: closedScan, window: closedWindow }) => ({
      day,
      events: eventsOfScan(closedScan, closedWindow),
    }));
    const partial = scan.outcomes.some((o) => o.partial === true);
    const forming = run.intraday && partial ? eventsOfScan(scan, window) : undefined;
    const { records, state } = planEvents({
      state: stored?.state ?? null,
      closed,
      newestClosed: run.newestClosed,
      forming,
      cooldownSessions: run.cooldownSessions,
    });
    const log: AlertLogEntry[] = [];
    for (const record of records) {
      const ours =
        record.kind === 'confirmed' || record.kind === 'retracted'
          ? await events.resolveForming(run.runId, symbol, record, run.at)
          : await events.claimEvent(run.runId, symbol, record, run.at);
      if (!ours || record.kind === 'seen') continue;
      log.push({
        runId: run.runId,
        symbol,
        scanner: record.scanner,
        signal: record.signal,
        kind: record.kind,
        barDate: record.barDate,
        start: record.start,
        at: run.at,
        ...(record.late && { late: true }),
        ...(record.suppressedBy && { suppressedBy: record.suppressedBy }),
        values: record.values,
      });
    }
    if (log.length > 0) await alerts.writeAlertLog(log);
    logged += log.length;
    const cached = newBars.get(symbol);
    const barsDate = cached ? isoDay(cached.day[cached.length - 1]) : stored?.barsDate;
    if (!stored || !sameEventState(stored.state, state) || barsDate !== stored.barsDate)
      await events.writeState(symbol, state, stored?.version, barsDate);
  });
  return { logged, barsCached: newBars.size, scorecardSessions: recorded.sessions };
}

/**
 * A symbol's part of the live scorecard: its closed bars, the sessions derived now, and the
 * counted ones among them (every planned scanner has enough bars: the CLI's rule) with the
 * signals their scans gave.
 */
function scorecardSessions(
  bars: Bars,
  derived: readonly { index: number; scan: SymbolScan }[],
  plan: ScanPlan,
  newestClosed: EpochDay,
): SymbolSessions {
  const firstCounted = Math.max(0, ...plan.scanners.map((s) => s.minBars - 1));
  return {
    bars: closedBars(bars, newestClosed),
    closed: derived.map((d) => d.index),
    observed: derived
      .filter((d) => d.index >= firstCounted)
      .map((d) => ({
        index: d.index,
        signals: d.scan.outcomes
          .filter((o) => o.status === 'ok' && o.signal !== null)
          .map((o) => signalKey(o.scanner, o.signal as string)),
      })),
  };
}

/** The bars dated on or before the newest closed session: a partial last bar left out. */
function closedBars(bars: Bars, newestClosed: EpochDay): Bars {
  let end = bars.length;
  while (end > 0 && bars.day[end - 1] > newestClosed) end--;
  return sliceBars(bars, 0, end);
}

function indexOf(bars: Bars, day: EpochDay): number {
  for (let i = bars.length - 1; i >= 0; i--) if (bars.day[i] === day) return i;
  return -1;
}
