import '../adapters/zod-messages.js';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { addIssueCounts, type Bars, type RowIssueCounts, sliceBars } from '../core/scan/bars.js';
import { RunSummaryBuilder } from '../core/run/run-summary.js';
import { parseScanMessage } from '../core/run/scan-message.js';
import { referenceInstant } from '../core/market/market-clock.js';
import { failedSymbol, scanSymbol, type SymbolScan } from '../core/scan/scan-symbol.js';
import { planScan } from '../core/scan/scanners.js';
import { MAX_GAP_FILL_SESSIONS } from '../core/run/signal-events.js';
import { isoDay, parseIsoDay } from '../core/market/trading-day.js';
import { DiscordClient } from '../adapters/discord/discord-client.js';
import { discordSettings } from '../adapters/discord/discord-settings.js';
import { alertRun, type AlertOutbox, type AlertRuns } from '../core/run/run-alert.js';
import { createMarketData } from '../adapters/market-data/create-market-data.js';
import type { MarketData } from '../adapters/market-data/market-data.js';
import { coldStartTracker, createTelemetry, invocationFigures } from '../adapters/observability.js';
import { createDocumentClient } from '../adapters/store/dynamodb-client.js';
import { openStores, type Stores } from '../adapters/store/stores.js';
import { environmentSettings, required, type Settings } from '../adapters/settings.js';
import type { RunRecord } from '../core/run/run-record.js';
import { type EventRecorder, recordEvents, type ScannedSymbol } from './record-events.js';

export interface AlertSettings {
  /** Alert partial-bar signals as forming, then confirm or retract each at the close. */
  readonly intraday: boolean;
  /** Sessions a cross or breakout is held back after an alerted one of the same symbol and signal. */
  readonly cooldownSessions: number;
}

/** The store calls the worker makes: it counts batches into runs, writes results and events, and alerts. */
export interface WorkerStores {
  readonly runs: Pick<Stores['runs'], 'getRun' | 'recordBatch' | 'recordBatchFailure' | 'completeRun'> & AlertRuns;
  readonly results: Pick<Stores['results'], 'writeOutcomes'>;
  readonly events: EventRecorder['events'];
  readonly alerts: EventRecorder['alerts'] & AlertOutbox;
}

export interface ScanBatchDeps {
  readonly stores: WorkerStores;
  readonly alertSettings: AlertSettings;
  /** Where the completed run's alert goes; absent or resolving to undefined: no alerts. */
  readonly alerts?: { readonly discord: DiscordClient; readonly webhookUrl: () => Promise<string | undefined> };
  readonly marketData: MarketData;
  readonly lookbackBars: number;
  /** Deliveries before SQS moves a message to the DLQ (the queue's maxReceiveCount). */
  readonly maxReceives: number;
  /** The worker's clock; a message's explicit instant (`--now`, a replay) stands in for it. */
  readonly now: () => Date;
}

const { logger, metrics } = createTelemetry('scan-batch');
const isColdStart = coldStartTracker();

/**
 * One queue message = one batch of a run: fetch its bars, run the scanners, write one item per
 * symbol and scanner, then count the batch on the run (once) and complete the run if it was the
 * last. A failed message is reported in batchItemFailures; SQS redelivers it and, after
 * maxReceives, moves it to the DLQ.
 */
export function createScanBatchHandler(deps: () => ScanBatchDeps) {
  const processRecord = async (record: SQSRecord): Promise<void> => {
    const started = performance.now();
    const cold = isColdStart();
    const receives = Number(record.attributes.ApproximateReceiveCount ?? '1');
    let message;
    try {
      message = parseScanMessage(record.body);
    } catch (error) {
      logger.error('malformed scan message', {
        messageId: record.messageId,
        receives,
        reason: (error as Error).message,
        bodyPreview: record.body.slice(0, 200),
        ...invocationFigures(metrics, started, cold),
      });
      metrics.addMetric('MalformedMessages', MetricUnit.Count, 1);
      throw error;
    }
    const { stores, alertSettings, marketData, lookbackBars, maxReceives, now } = deps();
    const { runs, results } = stores;
    const context = { runId: message.runId, batch: message.batch, messageId: record.messageId, receives };
    try {
      const run = await runs.getRun(message.runId);
      if (!run) throw new Error(`run ${message.runId} not found (never created, or expired)`);
      if (run.doneBatches.includes(message.batch)) {
        // An earlier delivery counted it and may have stopped before completing the run.
        const finish = await finishRun(run, deps());
        logger.info('batch already counted; nothing to scan', {
          ...context,
          runComplete: finish.completed,
          ...finish.log,
          ...invocationFigures(metrics, started, cold),
        });
        return;
      }
      const plan = planScan(message.scanners, message.params, lookbackBars);
      const asOf = message.asOf === undefined ? undefined : parseIsoDay(message.asOf);
      const explicit = message.now !== undefined;
      const newestDataDay = explicit || asOf !== undefined ? undefined : await marketData.newestDay?.();
      const reference = referenceInstant({
        clockMs: explicit ? Date.parse(message.now as string) : now().getTime(),
        explicit,
        asOf,
        delayMs: marketData.delayMs,
        newestDataDay,
      });
      // A provider failing the whole batch throws here: the batch is retried, not half-written.
      // The extra bars let events of the last sessions be derived from full windows (gap-fill).
      const fetched = await marketData.fetchDailyBars({
        symbols: message.symbols,
        asOf: reference.cutDay,
        lookback: plan.lookback + MAX_GAP_FILL_SESSIONS + 1,
        now: reference.referenceMs,
      });
      const dataIssues: RowIssueCounts = {};
      const scanned: ScannedSymbol[] = [];
      const scans: SymbolScan[] = fetched.map((entry) => {
        if (!entry.ok) return failedSymbol(entry.symbol, plan, entry.reason);
        addIssueCounts(dataIssues, entry.issues);
        const window = lastBars(entry.bars, plan.lookback);
        const scan = scanSymbol(window, plan, reference);
        if (!scan.outcomes.every((o) => o.status === 'error')) scanned.push({ bars: entry.bars, window, scan });
        return scan;
      });
      const summary = new RunSummaryBuilder(message.scanners);
      for (const scan of scans) summary.add(scan);
      const tally = summary.build();

      await results.writeOutcomes(
        run,
        scans.flatMap((s) => s.outcomes),
      );
      const { logged } = await recordEvents(stores, plan, scanned, {
        runId: run.runId,
        at: new Date(reference.referenceMs).toISOString(),
        newestClosed: reference.lastClosedSession,
        refetch: message.refetch === true,
        ...alertSettings,
      });
      const symbolsPartial = scans.filter((s) => s.outcomes.some((o) => o.partial === true)).length;
      const barDates = [
        ...new Set(scans.flatMap((s) => s.outcomes.map((o) => o.barDate).filter((d): d is string => d !== undefined))),
      ];
      const updated = await runs.recordBatch(message.runId, message.batch, {
        summary: tally,
        dataIssues,
        barDates,
        symbolsPartial,
        session: isoDay(reference.session),
      });
      // Undefined: counted already, by a concurrent copy or by this very update whose response was
      // lost and retried. The run as it stands decides whether it is complete.
      const current = updated ?? (await runs.getRun(message.runId));
      const { completed, log: alertLog } = current ? await finishRun(current, deps()) : { completed: false, log: {} };
      const signals = Object.values(tally.signals).reduce(
        (sum, counts) => sum + Object.values(counts ?? {}).reduce((a, b) => a + b, 0),
        0,
      );
      metrics.addMetric('SignalsFound', MetricUnit.Count, signals);
      metrics.addMetric('SymbolsFailed', MetricUnit.Count, tally.symbolsWithErrors);
      logger.info('batch finished', {
        ...context,
        symbols: message.symbols.length,
        signals,
        errors: tally.symbolsWithErrors,
        insufficientData: tally.symbolsInsufficient,
        partial: symbolsPartial,
        eventsLogged: logged,
        counted: updated !== undefined,
        runComplete: completed,
        ...alertLog,
        ...invocationFigures(metrics, started, cold),
      });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      metrics.addMetric('BatchesFailed', MetricUnit.Count, 1);
      logger.error('batch failed', {
        ...context,
        reason,
        lastDelivery: receives >= maxReceives,
        ...invocationFigures(metrics, started, cold),
      });
      if (receives >= maxReceives) {
        await runs.recordBatchFailure(message.runId, message.batch, reason).catch((recordError: Error) => {
          logger.error('could not record the batch failure on the run', { ...context, reason: recordError.message });
        });
      }
      throw error;
    }
  };

  /**
   * Completes the run once all its batches are counted (a conditional update: exactly one caller
   * does it), and that one invocation sends the run's alert (failures are recorded, not thrown).
   */
  const finishRun = async (
    run: RunRecord,
    { stores, alerts }: ScanBatchDeps,
  ): Promise<{ completed: boolean; log: Record<string, unknown> }> => {
    const completed =
      run.status === 'running' && run.batchesDone >= run.batchesExpected && (await stores.runs.completeRun(run.runId));
    if (completed) metrics.addMetric('RunsCompleted', MetricUnit.Count, 1);
    const webhookUrl = completed && alerts ? await alerts.webhookUrl() : undefined;
    const finished = webhookUrl ? await stores.runs.getRun(run.runId) : undefined;
    if (!alerts || !webhookUrl || !finished) return { completed, log: {} };
    const alert = await alertRun(finished, {
      ...stores,
      post: (message) => alerts.discord.send(webhookUrl, 'POST', message, 'alert webhook'),
    });
    if (alert.status === 'sent') metrics.addMetric('AlertsSent', MetricUnit.Count, 1);
    if (alert.status === 'failed') metrics.addMetric('AlertsFailed', MetricUnit.Count, 1);
    return {
      completed,
      log: { alert: alert.status, newSignals: alert.newSignals, ...(alert.error && { alertError: alert.error }) },
    };
  };

  const scanBatch = (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
    // A failed record is reported, not thrown, so the function does not count as errored. A
    // processor holds one event's successes and failures: one per invocation, or invocations
    // running side by side in one process (the local runtime) would report each other's.
    processPartialResponse(event, processRecord, new BatchProcessor(EventType.SQS), {
      context,
      throwOnFullBatchFailure: false,
    });

  return middy(scanBatch).use(injectLambdaContext(logger)).use(logMetrics(metrics));
}

/** Dependencies from the settings, created once per container. */
export function scanBatchDeps(settings: Settings, overrides: Partial<ScanBatchDeps> = {}): ScanBatchDeps {
  const client = createDocumentClient(settings.dynamodbEndpoint);
  return {
    stores: openStores(client, {
      tableName: required(settings, 'tableName'),
      retention: { resultsDays: settings.resultsTtlDays, runsDays: settings.runsTtlDays },
    }),
    alertSettings: { intraday: settings.alertsIntraday, cooldownSessions: settings.alertCooldownSessions },
    now: () => new Date(),
    marketData: overrides.marketData ?? createMarketData(settings),
    lookbackBars: settings.lookbackBars,
    maxReceives: settings.maxReceives,
    alerts: { discord: new DiscordClient(), webhookUrl: discordSettings(settings).webhookUrl },
    ...overrides,
  };
}

/** The newest `count` bars (a view, no copy). */
function lastBars(bars: Bars, count: number): Bars {
  return sliceBars(bars, Math.max(0, bars.length - count), bars.length);
}

let deps: ScanBatchDeps | undefined;
export const handler = createScanBatchHandler(() => (deps ??= scanBatchDeps(environmentSettings())));
