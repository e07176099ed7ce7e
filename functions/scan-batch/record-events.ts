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

/** The store calls recording events makes. */
export interface EventRecorder {
  readonly events: Pick<EventStore, 'readStates' | 'writeState' | 'claimEvent' | 'resolveForming'>;
  readonly alerts: Pick<AlertStore, 'writeAlertLog'>;
  readonly bars: Pick<BarsStore, 'writeBars'>;
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
 * The symbols' closed bars are cached (for the chart) when their last closed bar is newer than
 * the one the state records as cached: the state read tells, so a batch whose bars did not move
 * reads and writes nothing more.
 */
export async function recordEvents(
  { events, alerts, bars: barsCache }: EventRecorder,
  plan: ScanPlan,
  symbols: readonly ScannedSymbol[],
  run: EventRun,
): Promise<{ logged: number; barsCached: number }> {
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
  let logged = 0;
  await mapWithConcurrency(symbols, 8, async ({ bars, window, scan }) => {
    const symbol = bars.symbol;
    const stored = states.get(symbol);
    if (stored && run.newestClosed < parseIsoDay(stored.state.session)) return;
    const days = sessionsToDerive(stored?.state ?? null, run.newestClosed, bars.day, run.refetch);
    const closed = days.map((day) => {
      const end = indexOf(bars, day) + 1;
      const closedWindow = sliceBars(bars, Math.max(0, end - plan.lookback), end);
      return { day, events: eventsOfScan(scanSymbol(closedWindow, plan), closedWindow) };
    });
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
  return { logged, barsCached: newBars.size };
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
