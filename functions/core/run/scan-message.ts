import * as z from 'zod/mini';
import { isSymbol } from '../scan/symbols.js';
import { isScannerName, type ParamOverrides, type ScannerName } from '../scan/scanners.js';
import { parseIsoDay } from '../market/trading-day.js';
import { ScanfleetError } from '../errors.js';

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

const scanMessageSchema = z.strictObject({
  runId: z.string().check(z.regex(/^\d{8}T\d{6}Z-[a-z0-9-]+$/, 'not a run id')),
  batch: z.int().check(z.minimum(0), z.maximum(10_000)),
  symbols: z.array(z.string().check(z.refine(isSymbol, 'not a ticker symbol'))).check(z.minLength(1), z.maxLength(100)),
  scanners: z.array(z.string().check(z.refine(isScannerName, 'unknown scanner'))).check(z.minLength(1)),
  scheduledAt: z.iso.datetime(),
  asOf: z.optional(z.string().check(z.refine((d) => !Number.isNaN(parseIsoDay(d)), 'not a YYYY-MM-DD date'))),
  now: z.optional(z.iso.datetime({ offset: true })),
  refetch: z.optional(z.boolean()),
  params: z.optional(z.record(z.string(), z.record(z.string(), z.number()))),
});

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
  const parsed = scanMessageSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || 'body'}: ${i.message}`);
    throw new MalformedMessageError(`malformed scan message: ${issues.join('; ')}`);
  }
  return parsed.data as ScanMessage;
}
