import { randomUUID } from 'node:crypto';
import type { SQSEvent } from 'aws-lambda';
import type { RunKind, RunPurpose } from '../core/run/dispatch-plan.js';
import type { ScanMessage } from '../core/run/scan-message.js';
import type { PostLimits } from '../core/run/outbox.js';
import type { ParamOverrides, ScannerName } from '../core/scan/scanners.js';
import { ENV, type Settings, settingsFrom } from '../adapters/settings.js';
import type { MarketData } from '../adapters/market-data/market-data.js';
import { createDocumentClient } from '../adapters/store/dynamodb-client.js';
import type { StoredOutcome } from '../adapters/store/result-store.js';
import { openStores } from '../adapters/store/stores.js';
import type { RunRecord } from '../core/run/run-record.js';
import type { WorkerStores } from '../scan-batch/handler.js';
import { type EmbeddedStore, startEmbeddedStore } from './embedded-store.js';
import { InProcessQueue } from './in-process-queue.js';
import { localLambdaContext } from './lambda-context.js';

export interface LocalPipelineOptions {
  readonly watchlist: string;
  readonly symbols: readonly string[];
  readonly scanners: readonly ScannerName[];
  /** csv (default: the files in dataDir), schwab, alpaca or yahoo (credentials from `env`). */
  readonly provider?: string;
  /**
   * Variables named as in ENV that the handlers' settings take besides the run's own: provider
   * credentials and endpoints, Discord, the API token. The CLI passes its environment; none when absent.
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly dataDir: string;
  readonly lookback: number;
  readonly asOf?: string;
  readonly params?: ParamOverrides;
  /** Persist the store under this directory (dynalite + LevelDB); in memory when absent. */
  readonly dbPath?: string;
  /** A store already running (the dev server keeps it after the scan); started and closed here otherwise. */
  readonly store?: EmbeddedStore;
  readonly batchSize?: number;
  /** Batches in flight at once, like the event source's maxConcurrency. */
  readonly concurrency?: number;
  readonly maxReceives?: number;
  /** The run's scheduled time (its id derives from it); `now`, else the clock, when absent. */
  readonly scheduledAt?: Date;
  /** An explicit instant the run stands at (`--now`, a replay's instant): the market clock reads it. */
  readonly now?: Date;
  readonly kind?: RunKind;
  readonly purpose?: RunPurpose;
  /** The request that starts the run (a Discord interaction id), stored on it. */
  readonly requestId?: string;
  /** Market data to use instead of the configured provider (the replay's synthetic intraday bars). */
  readonly marketData?: MarketData;
  /** Alert partial-bar signals as forming (config alerts.intraday). */
  readonly intraday?: boolean;
  readonly onProgress?: (symbolsDone: number, symbolsTotal: number) => void;
  /** The alert webhooks' rate limits: Discord's unless said (the replay's stand-in has none). */
  readonly postLimits?: PostLimits;
  /** Read every outcome of the run back (default); a replay reads only its alert log. */
  readonly collectOutcomes?: boolean;
  /**
   * The dashboard alert lines link each symbol to: `scanfleet dev`'s own address. Only this sets
   * it (a DASHBOARD_URL in `env` is ignored): `scan` and `replay` have no dashboard.
   */
  readonly dashboardUrl?: string;
}

export interface LocalPipelineResult {
  readonly run: RunRecord;
  /** The run's symbols, in watchlist order. */
  readonly symbols: string[];
  /** Every stored outcome of the run, in watchlist order then scanner order. */
  readonly outcomes: StoredOutcome[];
  /** Messages that failed every delivery (what SQS would move to the DLQ), with the reason. */
  readonly deadLetters: { message: ScanMessage; reason: string }[];
}

/**
 * The pipeline in one process: a DynamoDB-compatible server on loopback, the dispatch handler
 * with an in-process queue, the scan-batch handler for every message (bounded concurrency,
 * redelivered up to maxReceives like SQS), then the run read back from the store.
 */
export async function runLocalPipeline(options: LocalPipelineOptions): Promise<LocalPipelineResult> {
  configureLocalEnvironment();
  const store = options.store ?? (await startEmbeddedStore({ path: options.dbPath }));
  const client = createDocumentClient(store.endpoint);
  try {
    const settings = localSettings(options, store);
    // Imported here, after configureLocalEnvironment: the handlers' loggers read its variables on loading.
    const { createDispatchHandler, dispatchDeps } = await import('../dispatch/handler.js');
    const { createScanBatchHandler, scanBatchDeps } = await import('../scan-batch/handler.js');
    const queue = new InProcessQueue();
    const dispatch = createDispatchHandler(() => dispatchDeps(settings, { queue }));
    const { runId } = await dispatch(
      {
        watchlist: options.watchlist,
        symbols: [...options.symbols],
        scanners: [...options.scanners],
        scheduledAt: (options.scheduledAt ?? options.now ?? new Date()).toISOString(),
        kind: options.kind ?? 'manual',
        ...(options.purpose && { purpose: options.purpose }),
        ...(options.now && { now: options.now.toISOString() }),
        ...(options.asOf && { asOf: options.asOf }),
        ...(options.params && { params: options.params }),
        ...(options.requestId && { requestId: options.requestId }),
      },
      localLambdaContext('dispatch'),
    );

    const workerDeps = scanBatchDeps(settings, {
      ...(options.marketData && { marketData: options.marketData }),
      ...(options.postLimits && { postLimits: options.postLimits }),
    });
    // The run keeps only the last failed batch's error: each batch's own is noted here for the report.
    const batchErrors = new Map<number, string>();
    const scanDeps = {
      ...workerDeps,
      stores: { ...workerDeps.stores, runs: notingBatchFailures(workerDeps.stores.runs, batchErrors) },
    };
    const scanBatch = createScanBatchHandler(() => scanDeps);
    let symbolsDone = 0;
    const dead = await deliverMessages(
      scanBatch,
      queue.messages.map((message) => JSON.stringify(message)),
      {
        maxReceives: settings.maxReceives,
        concurrency: options.concurrency ?? 2,
        onDelivered: (body) => {
          symbolsDone += (JSON.parse(body) as ScanMessage).symbols.length;
          options.onProgress?.(symbolsDone, options.symbols.length);
        },
      },
    );
    const deadLetters = dead.map(({ body }) => {
      const message = JSON.parse(body) as ScanMessage;
      return { message, reason: batchErrors.get(message.batch) ?? 'failed every delivery' };
    });

    const { runs, results } = openStores(client, { tableName: store.tableName });
    const run = await runs.getRun(runId);
    if (!run) throw new Error(`run ${runId} vanished from the local store`);
    const symbols = await runs.runSymbols(runId);
    const outcomes: StoredOutcome[] = [];
    if (options.collectOutcomes !== false)
      for await (const outcome of results.allRunResults(runId)) outcomes.push(outcome);
    const order = new Map(symbols.map((symbol, i) => [symbol, i]));
    const scannerOrder = new Map(run.scanners.map((name, i) => [name, i]));
    outcomes.sort(
      (a, b) =>
        (order.get(a.symbol) ?? 0) - (order.get(b.symbol) ?? 0) ||
        (scannerOrder.get(a.scanner) ?? 0) - (scannerOrder.get(b.scanner) ?? 0),
    );
    return { run, symbols, outcomes, deadLetters };
  } finally {
    client.destroy();
    if (!options.store) await store.close();
  }
}

/**
 * The worker's run store, noting each batch's error as the worker records its last delivery's
 * failure on the run (every other call goes to the store itself, through the prototype).
 */
function notingBatchFailures(runs: WorkerStores['runs'], errors: Map<number, string>): WorkerStores['runs'] {
  const noting = Object.create(runs) as WorkerStores['runs'];
  return Object.assign(noting, {
    recordBatchFailure: (runId: string, batch: number, reason: string) => {
      errors.set(batch, reason);
      return runs.recordBatchFailure(runId, batch, reason);
    },
  });
}

/** The handlers' settings for a local run: the run's own over `env`, on the given store. */
export function localSettings(
  options: Pick<
    LocalPipelineOptions,
    'env' | 'provider' | 'dataDir' | 'lookback' | 'maxReceives' | 'intraday' | 'batchSize' | 'dashboardUrl'
  >,
  store: Pick<EmbeddedStore, 'endpoint' | 'tableName'> & Partial<Pick<EmbeddedStore, 'subscriptionKey'>>,
): Settings {
  return settingsFrom({
    ...(store.subscriptionKey && { [ENV.subscriptionKey]: store.subscriptionKey }),
    ...options.env,
    [ENV.tableName]: store.tableName,
    [ENV.dynamodbEndpoint]: store.endpoint,
    [ENV.provider]: options.provider ?? 'csv',
    [ENV.dataDir]: options.dataDir,
    [ENV.lookbackBars]: String(options.lookback),
    [ENV.maxReceives]: String(options.maxReceives ?? 3),
    [ENV.alertsIntraday]: String(options.intraday === true),
    [ENV.dashboardUrl]: options.dashboardUrl,
    ...(options.batchSize && { [ENV.batchSize]: String(options.batchSize) }),
  });
}

/**
 * Locally: handler logs at WARN (INFO when verbose; none when quiet, for a command that reports
 * each failure itself in one line), no EMF metrics, and no warning that the AWS
 * SDK will want Node 22 (the deployed runtime is newer). The handlers' telemetry and the AWS SDK
 * read these from the process's environment themselves: the only variables the local runtime
 * writes (the handlers' own settings are passed as a record).
 */
export function configureLocalEnvironment(options: { verbose?: boolean; quiet?: boolean } = {}): void {
  if (options.verbose) process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  process.env.POWERTOOLS_LOG_LEVEL ??= options.quiet ? 'SILENT' : 'WARN';
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

type ScanBatchHandler = (
  event: SQSEvent,
  context: ReturnType<typeof localLambdaContext>,
) => Promise<{ batchItemFailures: unknown[] }>;

/**
 * SQS as the worker sees it, in one process: every body is delivered (one record an event, at
 * most `concurrency` at once) until the handler accepts it or it has been received
 * `maxReceives` times; what never succeeds is returned, as SQS would move it to the DLQ.
 */
export async function deliverMessages(
  scanBatch: ScanBatchHandler,
  bodies: readonly string[],
  options: { maxReceives: number; concurrency: number; onDelivered?: (body: string) => void },
): Promise<{ body: string; receives: number }[]> {
  const dead: { body: string; receives: number }[] = [];
  const pending = bodies.map((body) => ({ body, receives: 0 }));
  const worker = async () => {
    for (let next = pending.shift(); next; next = pending.shift()) {
      next.receives++;
      const response = await scanBatch(sqsEvent(next.body, next.receives), localLambdaContext('scan-batch'));
      if (response.batchItemFailures.length === 0) options.onDelivered?.(next.body);
      else if (next.receives < options.maxReceives) pending.push(next);
      else dead.push(next);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
  return dead;
}

/** The SQS event Lambda would pass for one message on its nth delivery. */
function sqsEvent(body: string, receives: number): SQSEvent {
  return {
    Records: [
      {
        messageId: randomUUID(),
        receiptHandle: 'local',
        body,
        attributes: {
          ApproximateReceiveCount: String(receives),
          SentTimestamp: String(Date.now()),
          SenderId: 'local',
          ApproximateFirstReceiveTimestamp: String(Date.now()),
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:local:000000000000:scan-queue',
        awsRegion: 'local',
      },
    ],
  };
}
