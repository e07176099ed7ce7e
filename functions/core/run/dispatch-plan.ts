import { inShardOrder } from '../scorecard/live-scorecard.js';
import { splitIntoBatches } from './batching.js';
import { ValidationError } from '../errors.js';
import { nyseHoliday } from '../market/market-calendar.js';
import {
  isSessionDay,
  newYorkDayOfMs,
  sessionCoveredAt,
  sessionOn,
  sessionOnOrBefore,
} from '../market/market-clock.js';
import { deriveRunId } from './run-id.js';
import type { ScanMessage } from './scan-message.js';
import { type ParamOverrides, planScan, type ScannerName } from '../scan/scanners.js';
import { isoDay, parseIsoDay } from '../market/trading-day.js';

/** Who started a run: the schedule, a person (CLI, /scan-now, a direct invocation), or a replay of the schedule. */
export type RunKind = 'scheduled' | 'manual' | 'replay';

/** Which schedule a scheduled run comes from. */
export type RunPurpose = 'market-hours' | 'after-close' | 'refetch';

export interface DispatchRequest {
  readonly watchlist: string;
  readonly symbols: readonly string[];
  readonly scanners: readonly ScannerName[];
  readonly scheduledAt: Date;
  readonly kind: RunKind;
  readonly purpose?: RunPurpose;
  /** An explicit instant the run stands at (`--now`, a replay). */
  readonly now?: Date;
  readonly asOf?: string;
  readonly params?: ParamOverrides;
  readonly batchSize: number;
}

export interface DispatchPlan {
  readonly runId: string;
  /** The New York date of the scheduled time. */
  readonly sessionDate: string;
  /** The session the run covers: the one trading (or closed) at its instant, else the last closed one. */
  readonly session: string;
  /** Set when the run is recorded as skipped and no batches are sent. */
  readonly skippedReason: string | null;
  readonly messages: ScanMessage[];
}

/**
 * Why a run of the schedule at this instant has nothing new to scan, by the market clock alone
 * (daily bars cannot change outside a session): a day the exchange is closed, or a time before
 * the open or after 20:00. The evening re-fetch is never skipped on a trading day.
 */
export function unchangedReason(instantMs: number, purpose?: RunPurpose): string | null {
  const day = newYorkDayOfMs(instantMs);
  if (!isSessionDay(day)) return `unchanged: NYSE closed (${nyseHoliday(day) ?? 'weekend'})`;
  if (purpose === 'refetch') return null;
  const session = sessionOn(day);
  if (session && instantMs < session.openMs) return 'unchanged: before the open, the last session is already scanned';
  if (session && instantMs >= session.closeMs + 4 * 3_600_000)
    return 'unchanged: the session closed hours ago and was scanned';
  return null;
}

/**
 * What dispatch does, decided without I/O: the run id, the session, whether to skip, the batches
 * (the symbols in the live scorecard's shard order, so that a batch's updates of each aggregate
 * go to one or two of its items).
 */
export function planDispatch(request: DispatchRequest): DispatchPlan {
  // A person asked for a scan of nothing: an error. A schedule whose lists are all empty: a skipped run.
  if (request.symbols.length === 0 && request.kind === 'manual')
    throw new ValidationError('symbols', `watchlist "${request.watchlist}" has no symbols`);
  planScan(request.scanners, request.params); // rejects bad parameters before anything is written
  const runId = deriveRunId(request.scheduledAt, request.watchlist, request.asOf);
  const instantMs = (request.now ?? request.scheduledAt).getTime();
  const session = request.asOf ? sessionOnOrBefore(parseIsoDay(request.asOf)) : sessionCoveredAt(instantMs);
  const skippedReason =
    request.kind === 'manual'
      ? null
      : request.symbols.length === 0
        ? `nothing to scan: watchlist "${request.watchlist}" has no symbols (add some: docs/watchlists.md)`
        : unchangedReason(instantMs, request.purpose);
  const scheduledAt = request.scheduledAt.toISOString();
  const messages = skippedReason
    ? []
    : splitIntoBatches(inShardOrder(request.symbols), request.batchSize).map((symbols, batch): ScanMessage => ({
        runId,
        batch,
        symbols,
        scanners: [...request.scanners],
        scheduledAt,
        ...(request.asOf && { asOf: request.asOf }),
        ...(request.now && { now: request.now.toISOString() }),
        ...(request.purpose === 'refetch' && { refetch: true }),
        ...(request.params && { params: request.params }),
      }));
  return {
    runId,
    sessionDate: isoDay(newYorkDayOfMs(request.scheduledAt.getTime())),
    session: isoDay(session),
    skippedReason,
    messages,
  };
}
