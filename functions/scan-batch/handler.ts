import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { addIssueCounts, type Bar, barAt, type Bars, type RowIssueCounts, sliceBars } from '../core/scan/bars.js';
import { RunSummaryBuilder } from '../core/run/run-summary.js';
import { parseQueueMessage, type ScanMessage } from '../core/run/scan-message.js';
import { referenceInstant } from '../core/market/market-clock.js';
import { failedSymbol, scanSymbol, type SymbolScan } from '../core/scan/scan-symbol.js';
import { planScan } from '../core/scan/scanners.js';
import { MAX_GAP_FILL_SESSIONS } from '../core/run/signal-events.js';
import { DEFAULT_HORIZONS, DEFAULT_SCORE_HORIZON } from '../core/scorecard/horizons.js';
import { isoDay, parseIsoDay } from '../core/market/trading-day.js';
import { DiscordClient } from '../adapters/discord/discord-client.js';
import { discordSettings } from '../adapters/discord/discord-settings.js';
import type { AlertLogPort } from '../core/run/run-alert.js';
import { CredentialsError } from '../core/errors.js';
import { NOTICE_CAUSES, type NoticeDeps, recover, tell } from '../core/run/notices.js';
import { type FinishDeps, finishRun as finishRunRecord, type FinishRuns } from '../core/run/run-finish.js';
import { drainToDiscord } from '../adapters/discord/outbox-sender.js';
import { type AlertRoutes, alertRoutes } from '../adapters/discord/alert-routing.js';
import { settingsCipher, type WebhookCipher } from '../adapters/webhook-cipher.js';
import type { PostLimits } from '../core/run/outbox.js';
import { partialBatchResponse } from '../adapters/queue/partial-batch.js';
import { type DrainQueue, SqsScanQueue } from '../adapters/queue/scan-queue.js';
import { createMarketData } from '../adapters/market-data/create-market-data.js';
import type { MarketData } from '../adapters/market-data/market-data.js';
import { coldStartTracker, createTelemetry, invocationFigures } from '../adapters/observability.js';
import { injectLambdaContext } from '../adapters/telemetry/logger.js';
import { logMetrics, MetricUnit } from '../adapters/telemetry/metrics.js';
import { createDocumentClient } from '../adapters/store/dynamodb-client.js';
import { openWorkerStores, type Stores } from '../adapters/store/stores.js';
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
  readonly runs: Pick<Stores['runs'], 'recordBatch' | 'recordBatchFailure' | 'runLists'> &
    FinishRuns &
    FinishDeps['runs'];
  readonly results: Pick<Stores['results'], 'writeOutcomes'>;
  readonly bars: EventRecorder['bars'];
  readonly events: EventRecorder['events'];
  readonly alerts: EventRecorder['alerts'] & AlertLogPort;
  readonly outbox: Stores['outbox'];
  /** Where alerts go besides the configured webhook (each run's frozen lists route them with `runs.runLists`). */
  readonly subscriptions?: Pick<Stores['subscriptions'], 'routes' | 'sealedWebhook'>;
  /** Operator notices: the provider refusing the credentials is told once, and its recovery. */
  readonly control: Pick<Stores['control'], 'raiseNotice' | 'resolveNotice'>;
  /** It records the scorecard's sessions, and reads its figures for the alert lines' edges. */
  readonly scorecard: EventRecorder['scorecard'] & Pick<Stores['scorecard'], 'scorecard' | 'refresh'>;
}

export interface ScanBatchDeps {
  readonly stores: WorkerStores;
  readonly alertSettings: AlertSettings;
  /**
   * Where an ended run's alerts go (through the outbox); absent or resolving to undefined: no
   * alerts. Failures go to the operator's webhook, else the alert webhook.
   */
  readonly alerts?: {
    readonly discord: DiscordClient;
    readonly webhookUrl: () => Promise<string | undefined>;
    readonly operatorWebhookUrl?: () => Promise<string | undefined>;
    /** Unseals the subscriptions' webhooks; without it their messages wait in the outbox. */
    readonly cipher?: WebhookCipher;
  };
  /** Where a drainer that could not send everything asks for a later drain (the scan queue, delayed). */
  readonly drainQueue?: DrainQueue;
  readonly sleep?: (ms: number) => Promise<void>;
  /** The webhooks' rate limits: Discord's unless said (the replay posts to a loopback stand-in). */
  readonly postLimits?: PostLimits;
  readonly marketData: MarketData;
  readonly lookbackBars: number;
  /** The live scorecard's forward-return horizons, in sessions, ascending (default 1, 5, 10, 20). */
  readonly scorecardHorizons?: readonly number[];
  /** The horizon each alert line quotes its signal's edge at (default 10 sessions). */
  readonly edgeHorizon?: number;
  /** The dashboard each alert line's symbol links to; absent, lines carry no link. */
  readonly dashboardUrl?: string;
  /** Deliveries before SQS moves a message to the DLQ (the queue's maxReceiveCount). */
  readonly maxReceives: number;
  /** The worker's clock; a message's explicit instant (`--now`, a replay) stands in for it. */
  readonly now: () => Date;
}

/**
 * The worker takes no new work with less than this left of its invocation (a batch fetches,
 * scans, writes and may drain alerts): the message is left for redelivery.
 */
export const SAFETY_MARGIN_MS = 20_000;

const { logger, metrics } = createTelemetry('scan-batch');
const isColdStart = coldStartTracker();

/**
 * One queue message = one batch of a run: fetch its bars, run the scanners, write one item per
 * symbol and scanner, then count the batch on the run (once) and complete the run if it was the
 * last. A failed message is reported in batchItemFailures; SQS redelivers it and, after
 * maxReceives, moves it to the DLQ.
 */
export function createScanBatchHandler(deps: () => ScanBatchDeps) {
  const processRecord = async (record: SQSRecord, lambda?: Context): Promise<void> => {
    const started = performance.now();
    const cold = isColdStart();
    const receives = Number(record.attributes.ApproximateReceiveCount ?? '1');
    const remaining = lambda?.getRemainingTimeInMillis() ?? Number.POSITIVE_INFINITY;
    if (remaining < SAFETY_MARGIN_MS) {
      logger.warn('too little time left to take the message; left for redelivery', {
        messageId: record.messageId,
        remainingMs: remaining,
      });
      throw new Error(`only ${remaining} ms left of the invocation: left for redelivery`);
    }
    const deadlineMs = deps().now().getTime() + remaining - SAFETY_MARGIN_MS / 2;
    let parsed;
    try {
      parsed = parseQueueMessage(record.body);
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
    if ('drain' in parsed) {
      const drained = await drain(deps(), deadlineMs);
      logger.info('outbox drained', {
        messageId: record.messageId,
        ...drained,
        ...invocationFigures(metrics, started, cold),
      });
      return;
    }
    const message: ScanMessage = parsed;
    const { stores, alertSettings, marketData, lookbackBars, maxReceives, now } = deps();
    const scorecardHorizons = deps().scorecardHorizons ?? DEFAULT_HORIZONS;
    const { runs, results } = stores;
    const context = { runId: message.runId, batch: message.batch, messageId: record.messageId, receives };
    try {
      const run = await runs.getRun(message.runId);
      if (!run) throw new Error(`run ${message.runId} not found (never created, or expired)`);
      if (run.doneBatches.includes(message.batch)) {
        // An earlier delivery counted it and may have stopped before completing the run.
        const finish = await finishRun(run, deps(), deadlineMs);
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
      // The extra bars let events of the last sessions be derived from full windows (gap-fill),
      // and reach back to the sessions whose forward returns those sessions close.
      const fetched = await marketData.fetchDailyBars({
        symbols: message.symbols,
        asOf: reference.cutDay,
        lookback: Math.max(plan.lookback, scorecardHorizons.at(-1) ?? 0) + MAX_GAP_FILL_SESSIONS + 1,
        now: reference.referenceMs,
      });
      if (credentialsRefusedHere) {
        // This container saw them refused: it tells the recovery (else the sweeper does, when a run completes).
        credentialsRefusedHere = false;
        await recover(
          noticeDeps(deps()),
          NOTICE_CAUSES.credentials,
          `${marketData.name} takes the credentials again`,
          `Batch ${message.batch} of run ${message.runId} fetched its bars.`,
        );
      }
      const dataIssues: RowIssueCounts = {};
      const scanned: ScannedSymbol[] = [];
      // The partial (forming) last bars stay with this run's results: the cache keeps closed bars only.
      const formingBars = new Map<string, Bar>();
      const scans: SymbolScan[] = fetched.map((entry) => {
        if (!entry.ok) return failedSymbol(entry.symbol, plan, entry.reason);
        addIssueCounts(dataIssues, entry.issues);
        const window = lastBars(entry.bars, plan.lookback);
        const scan = scanSymbol(window, plan, reference);
        if (!scan.outcomes.every((o) => o.status === 'error')) scanned.push({ bars: entry.bars, window, scan });
        if (scan.outcomes.some((o) => o.partial === true))
          formingBars.set(entry.symbol, barAt(window, window.length - 1));
        return scan;
      });
      const summary = new RunSummaryBuilder(message.scanners);
      for (const scan of scans) summary.add(scan);
      const tally = summary.build();

      await results.writeOutcomes(
        run,
        scans.flatMap((s) => s.outcomes),
        formingBars,
      );
      const { logged, barsCached, scorecardSessions } = await recordEvents(stores, plan, scanned, {
        runId: run.runId,
        at: new Date(reference.referenceMs).toISOString(),
        newestClosed: reference.lastClosedSession,
        refetch: message.refetch === true,
        horizons: scorecardHorizons,
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
        scorecardSessions,
        session: isoDay(reference.session),
      });
      // Undefined: counted already, by a concurrent copy or by this very update whose response was
      // lost and retried. The run as it stands decides whether it is complete.
      const current = updated ?? (await runs.getRun(message.runId));
      const { completed, log: alertLog } = current
        ? await finishRun(current, deps(), deadlineMs)
        : { completed: false, log: {} };
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
        barsCached,
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
      if (credentialsRefused(error)) {
        credentialsRefusedHere = true;
        await tell(noticeDeps(deps()), {
          cause: NOTICE_CAUSES.credentials,
          title: `${marketData.name} refused the credentials`,
          text: `${reason}\nEvery batch fails until this is fixed; the runs end partial or failed. What to do: the message says which credentials and where they live; fix them there (no redeploy needed for a secret).`,
        }).catch((noticeError: Error) =>
          logger.error('could not tell the operator', { ...context, reason: noticeError.message }),
        );
      }
      if (receives >= maxReceives) {
        // The batch goes to the dead-letter queue next: noted on the run at once, which ends
        // (partial or failed) if it was the last batch outstanding.
        await runs
          .recordBatchFailure(message.runId, message.batch, reason)
          .then(() => runs.getRun(message.runId))
          .then((run) => run && finishRun(run, deps(), deadlineMs))
          .catch((recordError: Error) => {
            logger.error('could not record the batch failure on the run', { ...context, reason: recordError.message });
          });
      }
      throw error;
    }
  };

  /**
   * Completes (or ends) the run as far as its record allows and queues its alerts once it has
   * ended; then drains the outbox — this run's alerts, and any an earlier drainer left.
   */
  const finishRun = async (
    run: RunRecord,
    current: ScanBatchDeps,
    deadlineMs: number,
  ): Promise<{ completed: boolean; log: Record<string, unknown> }> => {
    const { stores, alerts } = current;
    const routes = routesOf(current);
    const finish = await finishRunRecord(run, {
      runs: stores.runs,
      alerts: stores.alerts,
      enqueue: (messages) => stores.outbox.enqueue(messages),
      alertsOn: routes ? routes.alertsOn : async () => (await alerts?.webhookUrl()) !== undefined,
      ...(routes && { routing: routes.routing }),
      edges: {
        horizon: current.edgeHorizon ?? DEFAULT_SCORE_HORIZON,
        scorecard: (filter) => stores.scorecard.scorecard(filter),
      },
      dashboardUrl: current.dashboardUrl,
      refreshScorecard: () => stores.scorecard.refresh(),
      now: current.now,
    });
    if (finish.completed) metrics.addMetric('RunsCompleted', MetricUnit.Count, 1);
    if (!finish.alert && !finish.completed) return { completed: false, log: {} };
    const drained = await drain(current, deadlineMs);
    return {
      completed: finish.completed,
      log: {
        ...(finish.alert && { alert: finish.alert.status, newSignals: finish.alert.newSignals }),
        ...drained,
      },
    };
  };

  /** Sends what the outbox holds, within the rate limits and the invocation's time. */
  const drain = async (current: ScanBatchDeps, deadlineMs: number): Promise<Record<string, unknown>> => {
    const { alerts } = current;
    if (!alerts) return {};
    const outcome = await drainToDiscord(
      {
        outbox: current.stores.outbox,
        discord: alerts.discord,
        webhooks: {
          webhookUrl: alerts.webhookUrl,
          operatorWebhookUrl: alerts.operatorWebhookUrl ?? (async () => undefined),
        },
        subscriptions: routesOf(current)?.webhooks,
        queue: current.drainQueue,
        now: current.now,
        sleep: current.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
        ...(current.postLimits && { limits: current.postLimits }),
      },
      deadlineMs,
    );
    if (outcome.sent > 0) metrics.addMetric('AlertsSent', MetricUnit.Count, outcome.sent);
    if (outcome.failed > 0) metrics.addMetric('AlertsFailed', MetricUnit.Count, outcome.failed);
    return {
      messagesSent: outcome.sent,
      ...(outcome.left > 0 && { messagesLeft: outcome.left }),
      ...(outcome.discarded > 0 && { messagesDiscarded: outcome.discarded }),
      ...(outcome.laterSeconds !== undefined && { drainLaterSeconds: outcome.laterSeconds }),
      ...(outcome.errors.length > 0 && { alertError: outcome.errors.join('; ') }),
    };
  };

  // A failed record is reported, not thrown, so the function does not count as errored.
  const scanBatch = (event: SQSEvent, context: Context): Promise<SQSBatchResponse> =>
    partialBatchResponse(event, processRecord, context);

  return middy(scanBatch).use(injectLambdaContext(logger)).use(logMetrics(metrics));
}

/** The provider refused the credentials in this container (a Lambda container, a local process) since they last worked. */
let credentialsRefusedHere = false;

/** A CredentialsError anywhere in the error's chain of causes. */
function credentialsRefused(error: unknown): boolean {
  for (let e = error; e instanceof Error; e = e.cause) if (e instanceof CredentialsError) return true;
  return false;
}

function noticeDeps(current: ScanBatchDeps): NoticeDeps {
  const { alerts } = current;
  return {
    control: current.stores.control,
    outbox: current.stores.outbox,
    operatorReachable: async () =>
      alerts !== undefined &&
      ((await alerts.operatorWebhookUrl?.()) !== undefined || (await alerts.webhookUrl()) !== undefined),
    now: current.now,
  };
}

/** Dependencies from the settings, created once per container. */
export function scanBatchDeps(settings: Settings, overrides: Partial<ScanBatchDeps> = {}): ScanBatchDeps {
  const client = createDocumentClient(settings.dynamodbEndpoint);
  const { webhookUrl, operatorWebhookUrl } = discordSettings(settings);
  const webhooks = { webhookUrl, operatorWebhookUrl };
  return {
    stores: openWorkerStores(client, {
      tableName: required(settings, 'tableName'),
      retention: {
        resultsDays: settings.resultsTtlDays,
        runsDays: settings.runsTtlDays,
        scorecardDays: settings.scorecardTtlDays,
      },
    }),
    alertSettings: { intraday: settings.alertsIntraday, cooldownSessions: settings.alertCooldownSessions },
    now: () => new Date(),
    marketData: overrides.marketData ?? createMarketData(settings),
    lookbackBars: settings.lookbackBars,
    scorecardHorizons: settings.scorecardHorizons,
    edgeHorizon: settings.alertEdgeHorizon,
    dashboardUrl: settings.dashboardUrl,
    maxReceives: settings.maxReceives,
    alerts: { discord: new DiscordClient(), ...webhooks, cipher: settingsCipher(settings) },
    // Only Discord's messages fill the outbox: a stack without its secret has no drains to ask for,
    // and its bundle no SQS client (folded where bundled).
    ...(process.env.SCANFLEET_BUNDLED_DISCORD !== 'none' &&
      settings.queueUrl && { drainQueue: new SqsScanQueue(settings.queueUrl) }),
    ...overrides,
  };
}

/** The alerts' routes when the worker has the subscriptions (and Discord): else every alert goes to the configured webhook. */
function routesOf({ stores, alerts }: ScanBatchDeps): AlertRoutes | undefined {
  if (!alerts || !stores.subscriptions) return undefined;
  return alertRoutes({
    subscriptions: stores.subscriptions,
    runs: stores.runs,
    webhookUrl: alerts.webhookUrl,
    cipher: alerts.cipher,
  });
}

/** The newest `count` bars (a view, no copy). */
function lastBars(bars: Bars, count: number): Bars {
  return sliceBars(bars, Math.max(0, bars.length - count), bars.length);
}

let deps: ScanBatchDeps | undefined;
export const handler = createScanBatchHandler(() => (deps ??= scanBatchDeps(environmentSettings())));
