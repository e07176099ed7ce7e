import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { readFileSync } from 'node:fs';
import * as v from 'valibot';
import { type DispatchPlan, planDispatch } from '../core/run/dispatch-plan.js';
import { pausedReason } from '../core/run/pause.js';
import { deadlineOf, runDeadlineMs } from '../core/run/run-lifecycle.js';
import { batchTimeMs } from '../adapters/market-data/providers.js';
import { ValidationError } from '../core/errors.js';
import { checkSchema, finiteNumber, isoDateTime, nonArray, record } from '../core/schemas.js';
import { requireWatchlistName } from '../core/run/run-id.js';
import { parseScannerNames, SCANNER_NAMES } from '../core/scan/scanners.js';
import { parseWatchlist } from '../core/scan/symbols.js';
import { requireIsoDay } from '../core/market/trading-day.js';
import { coldStartTracker, createTelemetry, invocationFigures } from '../adapters/observability.js';
import { injectLambdaContext } from '../adapters/telemetry/logger.js';
import { logMetrics, MetricUnit } from '../adapters/telemetry/metrics.js';
import { type ScanQueue, SqsScanQueue } from '../adapters/queue/scan-queue.js';
import { createDocumentClient } from '../adapters/store/dynamodb-client.js';
import { openStoresWithLists, type Stores, type StoresWithLists } from '../adapters/store/stores.js';
import { type ListStore, unionOf } from '../adapters/store/list-store.js';
import { ALL_LISTS, DEFAULT_LIST, requireListName } from '../core/lists/watchlist-rules.js';
import { environmentSettings, required, type Settings } from '../adapters/settings.js';

/** Scheduler input: { watchlist, scheduledAt: "<aws.scheduler.scheduled-time>" }; the rest for manual runs. */
const dispatchEventSchema = nonArray(
  v.strictObject({
    watchlist: v.string(),
    /** Inline symbols instead of a named watchlist (local runs, /scan-now with a list). */
    symbols: v.optional(v.array(v.string())),
    scanners: v.optional(v.array(v.string())),
    scheduledAt: v.optional(v.string()),
    /** Who starts it: "scheduled" when a schedule's purpose is given, else "manual" unless said. */
    kind: v.optional(v.picklist(['scheduled', 'manual', 'replay'])),
    purpose: v.optional(v.picklist(['market-hours', 'after-close', 'refetch'])),
    /** An explicit instant (ISO 8601 with a zone) the run stands at, instead of the clock. */
    now: v.optional(isoDateTime({ offset: true })),
    asOf: v.optional(v.string()),
    params: v.optional(record(record(finiteNumber()))),
    /** The request that starts it (a Discord interaction id), stored on the run. */
    requestId: v.optional(v.string()),
  }),
);
export type DispatchEvent = v.InferInput<typeof dispatchEventSchema>;

export interface DispatchResult {
  readonly runId: string;
  readonly status: 'dispatched' | 'already_complete' | 'skipped';
  readonly symbols: number;
  readonly batches: number;
  readonly reason?: string;
}

interface NamedList {
  readonly name: string;
  readonly symbols: readonly string[];
}

/**
 * A watchlist's symbols as the store gave them, with the lists read to find them (one Query of the
 * lists' partition): the run keeps which of its symbols each list holds, as subscriptions to a
 * list route by it.
 */
export interface WatchlistRead {
  readonly symbols: readonly string[];
  readonly lists: readonly NamedList[];
}

export interface DispatchDeps {
  /**
   * Dispatch creates runs, reads the recent ones (a scheduled run does not overlap one still
   * running), and a run's frozen symbol list (a re-dispatch plans from it).
   */
  readonly runs: Pick<Stores['runs'], 'createRun' | 'listRuns' | 'runSymbols'>;
  /** How long a run of this many batches may take before the sweeper ends it (ms). */
  readonly runDeadlineMs: (batches: number) => number;
  readonly queue: ScanQueue;
  /** Symbols of a named list, or of every list (ALL_LISTS: their union, each symbol once). */
  readonly watchlist: (name: string) => Promise<WatchlistRead> | readonly string[];
  /** The lists as they stand, for a run of inline symbols (a local store's lists): which of its symbols each holds. */
  readonly lists?: () => Promise<readonly NamedList[]>;
  readonly batchSize: number;
  readonly now: () => Date;
  /** The runtime pause: a scheduled run while paused is recorded skipped. */
  readonly control: Pick<StoresWithLists['control'], 'paused'>;
}

const { logger, metrics } = createTelemetry('dispatch');
const isColdStart = coldStartTracker();

/**
 * Creates the run record and sends its batches. A re-invoked schedule derives the same run id:
 * a complete run is left alone, an unfinished one has its batches sent again (scan-batch
 * counts each batch once).
 */
export function createDispatchHandler(deps: () => DispatchDeps) {
  const dispatch = async (event: DispatchEvent, _context: Context): Promise<DispatchResult> => {
    const started = performance.now();
    const { runs, queue, watchlist, lists, batchSize, now, runDeadlineMs, control } = deps();
    const input = parseEvent(event);
    const scheduledAt = input.scheduledAt ? new Date(input.scheduledAt) : now();
    if (Number.isNaN(scheduledAt.getTime()))
      throw new ValidationError('scheduledAt', `scheduledAt is not a time: "${input.scheduledAt}"`);
    const name = requireWatchlistName(input.watchlist);
    const read = input.symbols ? undefined : await watchlist(name);
    const symbols = input.symbols
      ? parseWatchlist(input.symbols.join('\n'), 'symbols')
      : read && 'symbols' in read
        ? read.symbols
        : (read as readonly string[]);
    const onLists = read && 'lists' in read ? read.lists : await lists?.();
    const scanners = input.scanners ? parseScannerNames(input.scanners.join(','), 'scanners') : SCANNER_NAMES;
    const asOf = input.asOf;
    if (asOf !== undefined) requireIsoDay(asOf, 'asOf');
    const kind = input.kind ?? (input.purpose ? 'scheduled' : 'manual');
    const explicitNow = input.now ? new Date(input.now) : undefined;
    const request = {
      watchlist: name,
      symbols,
      scanners,
      scheduledAt,
      kind,
      purpose: input.purpose,
      now: explicitNow,
      asOf,
      params: input.params,
      batchSize,
    };
    const plan = await unlessPaused(control, kind, planDispatch(request));

    const startedAt = now();
    const skippedReason =
      plan.skippedReason ??
      (kind === 'scheduled'
        ? await stillRunning(runs, { runId: plan.runId, scheduledAt: scheduledAt.toISOString() }, startedAt)
        : undefined);
    const { created, run } = await runs.createRun({
      runId: plan.runId,
      watchlist: name,
      kind,
      ...(input.purpose && { purpose: input.purpose }),
      session: plan.session,
      ...(explicitNow && { now: explicitNow.toISOString() }),
      scheduledAt: scheduledAt.toISOString(),
      startedAt: startedAt.toISOString(),
      sessionDate: plan.sessionDate,
      ...(asOf && { asOf }),
      symbols,
      ...(onLists && { lists: membership(symbols, onLists) }),
      scanners,
      batchSize,
      batchesExpected: plan.messages.length,
      deadlineAt: new Date(startedAt.getTime() + runDeadlineMs(plan.messages.length)).toISOString(),
      ...(skippedReason && { skippedReason }),
      ...(input.requestId && { requestId: input.requestId }),
    });

    let result: DispatchResult;
    if (run.status === 'skipped') {
      result = {
        runId: plan.runId,
        status: 'skipped',
        symbols: symbols.length,
        batches: 0,
        reason: run.skippedReason,
      };
    } else if (!created && run.status === 'complete') {
      result = { runId: plan.runId, status: 'already_complete', symbols: symbols.length, batches: 0 };
    } else {
      // A run created before plans from the symbols it froze then: a list changed since neither
      // adds a symbol to it nor drops one from it.
      const frozen = created ? symbols : await runs.runSymbols(plan.runId);
      const messages = created ? plan.messages : planDispatch({ ...request, symbols: frozen }).messages;
      const pending = messages.filter((m) => !run.doneBatches.includes(m.batch));
      await queue.send(pending);
      result = { runId: plan.runId, status: 'dispatched', symbols: frozen.length, batches: pending.length };
      metrics.addMetric('BatchesDispatched', MetricUnit.Count, pending.length);
    }
    logger.info('dispatch finished', {
      ...result,
      watchlist: name,
      rerun: !created,
      ...invocationFigures(metrics, started, isColdStart()),
    });
    return result;
  };
  return middy(dispatch).use(injectLambdaContext(logger)).use(logMetrics(metrics));
}

/** Each list's symbols that the run scans (a list with none of them is left out). */
function membership(symbols: readonly string[], lists: readonly NamedList[]): Record<string, string[]> {
  const scanned = new Set(symbols);
  return Object.fromEntries(
    lists.map((l) => [l.name, l.symbols.filter((s) => scanned.has(s))] as const).filter(([, on]) => on.length > 0),
  );
}

/**
 * Why a scheduled run should not start: a run scheduled before it still running inside its deadline (the
 * newest 20 runs are looked at; an older one is past its deadline, and the sweeper ends it).
 */
async function stillRunning(
  runs: DispatchDeps['runs'],
  run: { runId: string; scheduledAt: string },
  now: Date,
): Promise<string | undefined> {
  const { items } = await runs.listRuns(20);
  const previous = items.find(
    (r) =>
      r.status === 'running' &&
      r.runId !== run.runId &&
      r.scheduledAt < run.scheduledAt &&
      deadlineOf(r) > now.getTime(),
  );
  return previous
    ? `previous run still running (${previous.runId}: ${previous.batchesDone}/${previous.batchesExpected} batches, deadline ${new Date(deadlineOf(previous)).toISOString()})`
    : undefined;
}

/** A scheduled run while the schedules are paused is skipped, naming the pause; manual runs still run. */
async function unlessPaused(control: DispatchDeps['control'], kind: string, plan: DispatchPlan): Promise<DispatchPlan> {
  if (kind !== 'scheduled' || plan.skippedReason) return plan;
  const pause = await control.paused();
  return pause ? { ...plan, skippedReason: pausedReason(pause), messages: [] } : plan;
}

function parseEvent(event: unknown) {
  const parsed = checkSchema(dispatchEventSchema, event);
  if (!parsed.success) {
    const [issue] = parsed.issues;
    throw new ValidationError(issue.path || 'event', `bad dispatch event: ${issue.path || 'event'}: ${issue.message}`);
  }
  return parsed.output;
}

/** Dependencies from the settings, created once per container. */
export function dispatchDeps(settings: Settings, overrides: Partial<DispatchDeps> = {}): DispatchDeps {
  const stores = openStoresWithLists(createDocumentClient(settings.dynamodbEndpoint), {
    tableName: required(settings, 'tableName'),
    retention: { resultsDays: settings.resultsTtlDays, runsDays: settings.runsTtlDays },
  });
  return {
    runs: stores.runs,
    control: stores.control,
    queue: overrides.queue ?? new SqsScanQueue(required(settings, 'queueUrl')),
    watchlist: (name) => listSymbols(stores.lists, name, settings.seedWatchlistFile),
    lists: () => stores.lists.lists(),
    batchSize: settings.batchSize,
    runDeadlineMs: (batches) =>
      runDeadlineMs(
        batches,
        batchTimeMs(settings.provider, settings.batchSize, settings.providerRequestsPerMinute),
        settings.workerConcurrency,
      ),
    now: () => new Date(),
    ...overrides,
  };
}

/**
 * A list's symbols, or every list's (ALL_LISTS). A deployed table that has never had a list gets
 * `default` from the stack's watchlist file first, so an upgraded stack keeps scanning its list.
 */
async function listSymbols(lists: ListStore, name: string, seedFile: string | undefined): Promise<WatchlistRead> {
  if (name !== ALL_LISTS) requireListName(name, 'watchlist');
  const read = await lists.lists();
  if (name === ALL_LISTS) {
    const union = unionOf(read);
    if (union.length > 0 || seedFile === undefined) return { symbols: union, lists: read };
    const seed = parseWatchlist((JSON.parse(readFileSync(seedFile, 'utf8')) as string[]).join('\n'), 'watchlistFile');
    if (!(await lists.seed(DEFAULT_LIST, seed, 'watchlistFile'))) return { symbols: union, lists: read };
    const seeded = await lists.lists();
    return { symbols: unionOf(seeded), lists: seeded };
  }
  const list = read.find((l) => l.name === name);
  if (!list)
    throw new ValidationError(
      'watchlist',
      `no list named ${name}; ${read.length > 0 ? `lists: ${read.map((l) => l.name).join(', ')}` : 'there is no list yet'}`,
    );
  return { symbols: list.symbols, lists: read };
}

let deps: DispatchDeps | undefined;
export const handler = createDispatchHandler(() => (deps ??= dispatchDeps(environmentSettings())));
