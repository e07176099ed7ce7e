import { splitIntoBatches } from './batching.js';
import { ValidationError } from './errors.js';
import { nyseHoliday } from './market-calendar.js';
import { deriveRunId } from './run-id.js';
import type { ScanMessage } from './scan-message.js';
import { type ParamOverrides, planScan, type ScannerName } from './scanners.js';
import { isoDay, newYorkDay } from './trading-day.js';

export interface DispatchRequest {
  readonly watchlist: string;
  readonly symbols: readonly string[];
  readonly scanners: readonly ScannerName[];
  readonly scheduledAt: Date;
  readonly asOf?: string;
  readonly params?: ParamOverrides;
  readonly batchSize: number;
}

export interface DispatchPlan {
  readonly runId: string;
  readonly sessionDate: string;
  /** Set when the exchange is closed all day: no batches are sent. */
  readonly holiday: string | null;
  readonly messages: ScanMessage[];
}

/** What dispatch does, decided without I/O: the run id, the holiday check, the batches. */
export function planDispatch(request: DispatchRequest): DispatchPlan {
  if (request.symbols.length === 0) throw new ValidationError('symbols', `watchlist "${request.watchlist}" has no symbols`);
  planScan(request.scanners, request.params); // rejects bad parameters before anything is written
  const runId = deriveRunId(request.scheduledAt, request.watchlist, request.asOf);
  const sessionDay = newYorkDay(request.scheduledAt);
  const holiday = nyseHoliday(sessionDay);
  const scheduledAt = request.scheduledAt.toISOString();
  const messages = holiday
    ? []
    : splitIntoBatches(request.symbols, request.batchSize).map(
        (symbols, batch): ScanMessage => ({
          runId,
          batch,
          symbols,
          scanners: [...request.scanners],
          scheduledAt,
          ...(request.asOf && { asOf: request.asOf }),
          ...(request.params && { params: request.params }),
        }),
      );
  return { runId, sessionDate: isoDay(sessionDay), holiday, messages };
}
