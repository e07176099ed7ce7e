import * as v from 'valibot';
import { isSymbol } from '../scan/symbols.js';
import { isScannerName, type ParamOverrides, type ScannerName } from '../scan/scanners.js';
import { parseIsoDay } from '../market/trading-day.js';
import { ScanfleetError } from '../errors.js';
import { checkSchema, finiteNumber, isoDateTime, nonArray, record } from '../schemas.js';

/** One queue message: a batch of symbols of one run. */
export interface ScanMessage {
  readonly runId: string;
  /** 0-based batch number; the run's progress counts each batch once. */
  readonly batch: number;
  readonly symbols: string[];
  readonly scanners: ScannerName[];
  /** The run's scheduled time (ISO); results sort by it. */
  readonly scheduledAt: string;
  /** Scan bars dated on or before this day; the latest when absent. */
  readonly asOf?: string;
  /** An explicit instant the run stands at (`--now`, a replay); the worker's clock when absent. */
  readonly now?: string;
  /** The evening run that re-fetches the closed session: its events are derived again. */
  readonly refetch?: boolean;
  readonly params?: ParamOverrides;
}

const scanMessageSchema = nonArray(
  v.strictObject({
    runId: v.pipe(v.string(), v.regex(/^\d{8}T\d{6}Z-[a-z0-9][a-z0-9_-]*$/, 'not a run id')),
    batch: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(10_000)),
    symbols: v.pipe(
      v.array(v.pipe(v.string(), v.check(isSymbol, 'not a ticker symbol'))),
      v.minLength(1),
      v.maxLength(100),
    ),
    scanners: v.pipe(v.array(v.pipe(v.string(), v.check(isScannerName, 'unknown scanner'))), v.minLength(1)),
    scheduledAt: isoDateTime(),
    asOf: v.optional(
      v.pipe(
        v.string(),
        v.check((d) => !Number.isNaN(parseIsoDay(d)), 'not a YYYY-MM-DD date'),
      ),
    ),
    now: v.optional(isoDateTime({ offset: true })),
    refetch: v.optional(v.boolean()),
    params: v.optional(record(record(finiteNumber()))),
  }),
);

/** A queue message that asks the worker to drain the alert outbox (sent delayed, for what a drainer left). */
export interface DrainMessage {
  readonly drain: 'outbox';
}

export const DRAIN_MESSAGE: DrainMessage = { drain: 'outbox' };

export class MalformedMessageError extends ScanfleetError {
  override readonly name = 'MalformedMessageError';
  override readonly code = 'malformed_message';
}

/** Parses a queue message body; anything off is a MalformedMessageError saying what. */
export function parseScanMessage(body: string): ScanMessage {
  const message = parseQueueMessage(body);
  if ('drain' in message) throw new MalformedMessageError('a drain message is not a scan message');
  return message;
}

/** A scan batch or a drain request. */
export function parseQueueMessage(body: string): ScanMessage | DrainMessage {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new MalformedMessageError(`message body is not JSON (${body.length} bytes)`);
  }
  if (
    typeof json === 'object' &&
    json !== null &&
    Object.keys(json).length === 1 &&
    (json as DrainMessage).drain === 'outbox'
  )
    return DRAIN_MESSAGE;
  const parsed = checkSchema(scanMessageSchema, json);
  if (!parsed.success) {
    const issues = parsed.issues.slice(0, 3).map((i) => `${i.path || 'body'}: ${i.message}`);
    throw new MalformedMessageError(`malformed scan message: ${issues.join('; ')}`);
  }
  return parsed.output as ScanMessage;
}
