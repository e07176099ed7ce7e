import type { StoredEvent } from '../adapters/store/event-store.js';
import type { StoredOutcome } from '../adapters/store/result-store.js';
import type { Subscription } from '../core/lists/subscription-rules.js';
import { lastClosedSession, previousSessionDay } from '../core/market/market-clock.js';
import { parseIsoDay } from '../core/market/trading-day.js';
import { type RunRecord, runAsOf, runSummaryOf } from '../core/run/run-record.js';

/** The API's JSON shapes of runs, results and events. */
export function runView(run: RunRecord, now: Date) {
  return {
    runId: run.runId,
    watchlist: run.watchlist,
    status: run.status,
    kind: run.kind,
    ...(run.purpose && { purpose: run.purpose }),
    session: run.session,
    ...(run.now && { now: run.now }),
    scheduledAt: run.scheduledAt,
    startedAt: run.startedAt,
    ...(run.finishedAt && { finishedAt: run.finishedAt }),
    ageSeconds: ageSeconds(run, now),
    asOf: runAsOf(run),
    /** Sessions closed after the data's last bar (0: the data is current), up to 99. */
    sessionsBehind: sessionsBehind(runAsOf(run), now),
    progress: {
      batchesDone: run.batchesDone,
      batchesExpected: run.batchesExpected,
      symbolsDone: run.symbolsDone,
      symbols: run.symbolCount,
    },
    /** Symbols whose bar was still trading at the run's instant: their results are provisional ("forming"). */
    symbolsPartial: run.symbolsPartial,
    ...runSummaryOf(run),
    ...(run.skippedReason && { skippedReason: run.skippedReason }),
    /** Why it ended partial or failed (the batches missing, the dispatch error). */
    ...(run.endReason && { endReason: run.endReason }),
  };
}

export function resultView(o: StoredOutcome) {
  return {
    symbol: o.symbol,
    scanner: o.scanner,
    status: o.status,
    signal: o.signal,
    values: o.values,
    barDate: o.barDate,
    ...(o.barDate !== undefined && { partial: o.partial === true }),
    ...(o.reason && { reason: o.reason }),
  };
}

export function eventView(e: StoredEvent) {
  return {
    scanner: e.scanner,
    signal: e.signal,
    barDate: e.barDate,
    start: e.start,
    status: e.status,
    firstSeenAt: e.firstSeenAt,
    ...(e.confirmedAt && { confirmedAt: e.confirmedAt }),
    ...(e.late && { late: true }),
    ...(e.suppressedBy && { suppressedBy: e.suppressedBy }),
  };
}

/**
 * A subscription field by field: what it routes, its channel and who made it. Named one by one so
 * that nothing else the store keeps (the sealed webhook) can reach an answer.
 */
export function subscriptionView(s: Subscription) {
  return {
    id: s.id,
    scanner: s.scanner,
    ...(s.signal !== undefined && { signal: s.signal }),
    ...(s.list !== undefined && { list: s.list }),
    channelId: s.channelId,
    ...(s.guildId !== undefined && { guildId: s.guildId }),
    webhookLast4: s.webhookLast4,
    createdBy: s.createdBy,
    createdAt: s.createdAt,
  };
}

export function ageSeconds(run: RunRecord, now: Date): number {
  return Math.max(0, Math.round((now.getTime() - Date.parse(run.finishedAt ?? run.startedAt)) / 1000));
}

/** The sessions that closed after `asOf` by `now`, counted up to `cap` (null with no as-of). */
export function sessionsBehind(asOf: string | null, now: Date, cap = 99): number | null {
  if (asOf === null) return null;
  const last = parseIsoDay(asOf);
  let behind = 0;
  for (let day = lastClosedSession(now.getTime()); day > last && behind < cap; day = previousSessionDay(day)) behind++;
  return behind;
}
