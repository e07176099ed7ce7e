import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { newYorkDayOfMs } from '../core/market/market-clock.js';
import { isoDay } from '../core/market/trading-day.js';
import { type Notice, NOTICE_CAUSES, type NoticeDeps, recover, tell } from '../core/run/notices.js';
import { type FinishDeps, type FinishOutcome, finishRun, needsFinishing } from '../core/run/run-finish.js';
import { deriveRunId, isWatchlistName } from '../core/run/run-id.js';
import { ALL_LISTS } from '../core/lists/watchlist-rules.js';
import { isShownRun, type RunRecord } from '../core/run/run-record.js';
import { parseQueueMessage } from '../core/run/scan-message.js';
import { DiscordClient } from '../adapters/discord/discord-client.js';
import { discordSettings } from '../adapters/discord/discord-settings.js';
import { drainToDiscord } from '../adapters/discord/outbox-sender.js';
import { type AlertRoutes, alertRoutes } from '../adapters/discord/alert-routing.js';
import { settingsCipher, type WebhookCipher } from '../adapters/webhook-cipher.js';
import { coldStartTracker, createTelemetry, invocationFigures } from '../adapters/observability.js';
import { injectLambdaContext } from '../adapters/telemetry/logger.js';
import { logMetrics, MetricUnit } from '../adapters/telemetry/metrics.js';
import { type DrainQueue, SqsScanQueue } from '../adapters/queue/scan-queue.js';
import { createDocumentClient } from '../adapters/store/dynamodb-client.js';
import { openControlStore, openStores, type Stores } from '../adapters/store/stores.js';
import { DEFAULT_SCORE_HORIZON } from '../core/scorecard/horizons.js';
import type { ControlStore } from '../adapters/store/control-changes.js';
import { checkBundledProvider } from '../adapters/bundled.js';
import { providerDelayMs } from '../adapters/market-data/providers.js';
import { schwabTokenIssue, type TokenIssue } from '../adapters/market-data/schwab-token.js';
import {
  describeDaysLeft,
  refreshTokenDaysLeft,
  refreshTokenExpiresAt,
  tokenWarningDue,
} from '../core/market/refresh-token.js';
import { type WatchdogSchedule, watchdogRunsSince, watchdogVerdict } from '../core/run/watchdog.js';
import { SCHEDULE_PURPOSES } from '../core/market/schedules.js';
import { environmentSettings, required, type Settings } from '../adapters/settings.js';

/** What the watchdog needs to know of the deployment: its schedules and its provider. */
export interface WatchdogSettings {
  readonly schedules: readonly WatchdogSchedule[];
  readonly timeZone: string;
  /** Config `schedules.enabled`. */
  readonly enabled: boolean;
  readonly providerDelayMs: number;
  /** The csv provider: fixed history, never stale. */
  readonly fixedHistory: boolean;
}

export interface SweeperDeps {
  /**
   * The stores it reads and ends runs in, and the controls: once-per-cause notices (a cause is
   * told when it opens, and once when it recovers), the pause, the token's status.
   */
  readonly stores: Pick<Stores, 'runs' | 'alerts' | 'outbox'> & {
    /** Where alerts go besides the configured webhook; absent, every alert goes there. */
    readonly subscriptions?: Pick<Stores['subscriptions'], 'routes' | 'sealedWebhook'>;
    readonly control: Pick<ControlStore, 'raiseNotice' | 'resolveNotice' | 'paused' | 'recordTokenStatus'>;
    /** Read for the edges the alert lines of the runs it ends quote. */
    readonly scorecard: Pick<Stores['scorecard'], 'scorecard' | 'refresh'>;
  };
  /** The horizon each alert line quotes its signal's edge at (default 10 sessions). */
  readonly edgeHorizon?: number;
  /** The dashboard each alert line's symbol links to; absent, lines carry no link. */
  readonly dashboardUrl?: string;
  readonly watchdog: WatchdogSettings;
  /** When the Schwab refresh token was issued (Schwab deployments only). */
  readonly schwabToken?: () => Promise<TokenIssue | undefined>;
  /** Alerts and operator messages: absent or resolving to undefined, nothing is queued or sent. */
  readonly webhooks: {
    readonly discord: DiscordClient;
    readonly webhookUrl: () => Promise<string | undefined>;
    readonly operatorWebhookUrl: () => Promise<string | undefined>;
    /** Unseals the subscriptions' webhooks; without it their messages wait in the outbox. */
    readonly cipher?: WebhookCipher;
  };
  readonly drainQueue?: DrainQueue;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
}

/** Scheduler's input every 15 minutes. */
export interface SweepEvent {
  readonly sweep: true;
}

/** What Lambda sends an asynchronous invocation's on-failure destination: here, a dispatch that failed every attempt. */
export interface DispatchFailureEvent {
  readonly requestContext: { readonly condition?: string; readonly approximateInvokeCount?: number };
  readonly requestPayload: unknown;
  readonly responsePayload?: { readonly errorMessage?: string; readonly errorType?: string } | null;
}

/** The newest runs the sweeper looks at: more than a day of schedules (9 a session) and manual runs. */
const RECENT_RUNS = 50;
/** The sweeper keeps this much of its invocation for the posts it starts. */
const MARGIN_MS = 15_000;

const { logger, metrics } = createTelemetry('sweeper');
const isColdStart = coldStartTracker();

/**
 * The operations watchdog, three ways in:
 * - every 15 minutes (Scheduler): runs past their deadline end `partial` or `failed` naming the
 *   missing batches, runs whose batches are all counted are completed, ended runs' alert logs
 *   not yet queued are queued, failures are told to the operator once per cause, and the outbox
 *   is drained;
 * - the scan queue's dead-letter queue: a dead-lettered batch is noted failed on its run at once,
 *   which ends when no batch is outstanding;
 * - dispatch's on-failure destination: a dispatch that failed every attempt is recorded as a
 *   `failed` run and told.
 */
export function createSweeperHandler(deps: () => SweeperDeps) {
  const sweeper = async (
    event: SweepEvent | SQSEvent | DispatchFailureEvent,
    context: Context,
  ): Promise<SQSBatchResponse | Record<string, unknown>> => {
    const started = performance.now();
    const cold = isColdStart();
    const current = deps();
    const deadlineMs = current.now().getTime() + context.getRemainingTimeInMillis() - MARGIN_MS;
    if ('Records' in event) {
      const response = await deadLetters(event, current, deadlineMs);
      logger.info('dead letters handled', {
        records: event.Records.length,
        failed: response.batchItemFailures.length,
        ...invocationFigures(metrics, started, cold),
      });
      return response;
    }
    if ('requestPayload' in event) {
      const outcome = await dispatchFailed(event, current, deadlineMs);
      logger.info('failed dispatch recorded', { ...outcome, ...invocationFigures(metrics, started, cold) });
      return outcome;
    }
    const outcome = await sweep(current, deadlineMs);
    logger.info('sweep finished', { ...outcome, ...invocationFigures(metrics, started, cold) });
    return outcome;
  };
  return middy(sweeper).use(injectLambdaContext(logger)).use(logMetrics(metrics));
}

function noticeDeps(deps: SweeperDeps): NoticeDeps {
  return {
    control: deps.stores.control,
    outbox: deps.stores.outbox,
    operatorReachable: async () =>
      (await deps.webhooks.operatorWebhookUrl()) !== undefined || (await deps.webhooks.webhookUrl()) !== undefined,
    now: deps.now,
  };
}

/** The alerts' routes when the sweeper has the subscriptions: else every alert goes to the configured webhook. */
function routesOf({ stores, webhooks }: SweeperDeps): AlertRoutes | undefined {
  if (!stores.subscriptions) return undefined;
  return alertRoutes({
    subscriptions: stores.subscriptions,
    runs: stores.runs,
    webhookUrl: webhooks.webhookUrl,
    cipher: webhooks.cipher,
  });
}

function finishDeps(deps: SweeperDeps): FinishDeps {
  const { runs, alerts, outbox } = deps.stores;
  const routes = routesOf(deps);
  return {
    runs,
    alerts,
    enqueue: (messages) => outbox.enqueue(messages),
    alertsOn: routes ? routes.alertsOn : async () => (await deps.webhooks.webhookUrl()) !== undefined,
    ...(routes && { routing: routes.routing }),
    edges: {
      horizon: deps.edgeHorizon ?? DEFAULT_SCORE_HORIZON,
      scorecard: (filter) => deps.stores.scorecard.scorecard(filter),
    },
    dashboardUrl: deps.dashboardUrl,
    refreshScorecard: () => deps.stores.scorecard.refresh(),
    now: deps.now,
  };
}

/** One sweep: end, complete and queue what the runs' records allow; point the shown run; tell failures; drain. */
async function sweep(deps: SweeperDeps, deadlineMs: number): Promise<Record<string, unknown>> {
  const now = deps.now();
  const since = watchdogRunsSince(now, deps.watchdog.providerDelayMs).toISOString();
  const items = await recentRuns(deps, since);
  const outcomes: FinishOutcome[] = [];
  for (const run of items)
    if (needsFinishing(run)) outcomes.push(await finishRun(run, finishDeps(deps), { overdueAtMs: now.getTime() }));
  for (const outcome of outcomes) if (outcome.ended) await tell(noticeDeps(deps), endedNotice(outcome.run));
  const finished = new Map(outcomes.map((o) => [o.run.runId, o.run]));
  const runs = items.map((run) => finished.get(run.runId) ?? run);
  const shown = runs.find(isShownRun);
  if (shown) await deps.stores.runs.showRun(shown);
  const verdict = await watch(
    deps,
    now,
    runs.filter((r) => r.scheduledAt >= since),
  );
  const token = await checkToken(deps, now);
  await recovered(deps, runs);
  const drained = await drain(deps, deadlineMs);
  const ended = outcomes.filter((o) => o.ended).map((o) => `${o.run.runId}: ${o.run.status}`);
  metrics.addMetric('RunsEnded', MetricUnit.Count, ended.length);
  return {
    fullRunOverdue: verdict.fullRunOverdue,
    resultsStale: verdict.resultsStale,
    watchdog: verdict.reasons,
    ...token,
    runsLookedAt: items.length,
    ended,
    completed: outcomes.filter((o) => o.completed).map((o) => o.run.runId),
    alertsQueued: outcomes.filter((o) => o.alert?.status === 'queued').map((o) => o.run.runId),
    ...drained,
  };
}

/**
 * The newest runs, newest first: at least the newest RECENT_RUNS (a run can end days after it
 * started), and every run scheduled since `since` (what the watchdog judges by).
 */
async function recentRuns(deps: SweeperDeps, since: string): Promise<RunRecord[]> {
  const runs: RunRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.stores.runs.listRuns(RECENT_RUNS, cursor);
    runs.push(...page.items);
    cursor = runs.length >= RECENT_RUNS && runs.some((r) => r.scheduledAt < since) ? undefined : page.cursor;
  } while (cursor);
  return runs;
}

/**
 * The watchdog's two verdicts as metrics (0 or 1, every sweep: the alarms treat a missing
 * FullRunOverdue as breaching, so a dead sweeper alarms too), over the runs it needs.
 */
async function watch(deps: SweeperDeps, now: Date, runs: readonly RunRecord[]) {
  const verdict = watchdogVerdict({
    now,
    ...deps.watchdog,
    paused: (await deps.stores.control.paused()) !== undefined,
    runs,
  });
  metrics.addMetric('FullRunOverdue', MetricUnit.Count, verdict.fullRunOverdue);
  metrics.addMetric('ResultsStale', MetricUnit.Count, verdict.resultsStale);
  return verdict;
}

/**
 * Schwab's refresh token lives 7 days: its age is recorded for /status, and from 2 days before
 * its expiry the operator is told (once, until a new token is stored).
 */
async function checkToken(deps: SweeperDeps, now: Date): Promise<Record<string, unknown>> {
  if (!deps.schwabToken) return {};
  let issue: TokenIssue | undefined;
  try {
    issue = await deps.schwabToken();
  } catch (error) {
    return { tokenError: error instanceof Error ? error.message : String(error) };
  }
  if (!issue) return {};
  await deps.stores.control.recordTokenStatus({
    provider: 'schwab',
    issuedAt: issue.issuedAt.toISOString(),
    source: issue.source,
    checkedAt: now.toISOString(),
  });
  const daysLeft = refreshTokenDaysLeft(issue.issuedAt, now);
  if (tokenWarningDue(issue.issuedAt, now)) {
    await tell(noticeDeps(deps), {
      cause: NOTICE_CAUSES.schwabToken,
      title: `Schwab refresh token: ${describeDaysLeft(daysLeft)}`,
      text: `It was issued ${issue.issuedAt.toISOString()} and Schwab refuses it 7 days later (${refreshTokenExpiresAt(issue.issuedAt).toISOString()}); every scan fails from then on.\nWhat to do: sign in to your Schwab app's OAuth flow again for a new refresh token and store it in the secret (\`aws secretsmanager put-secret-value\`, see docs/providers.md).`,
    });
  } else {
    await recover(
      noticeDeps(deps),
      NOTICE_CAUSES.schwabToken,
      'the Schwab refresh token was renewed',
      `The new token has ${describeDaysLeft(daysLeft)}.`,
    );
  }
  return { schwabTokenDaysLeft: Math.round(daysLeft * 10) / 10 };
}

/** A run that ended partial or failed: the operator hears once, until a run completes again. */
function endedNotice(run: RunRecord): Notice {
  return {
    cause: NOTICE_CAUSES.runs,
    title: `run ${run.runId} ended ${run.status}`,
    text: `${run.endReason ?? 'no reason recorded'}.\nWhat to do: look at the scan-batch function's logs for the batches named (\`batch failed\` lines with this run id); a provider error that repeats on every batch (credentials, quota) needs fixing at the provider. The next scheduled run tries again; /status shows its progress.`,
  };
}

/** The newest run that ended (not skipped) completed: open `runs` and credentials causes have recovered. */
async function recovered(deps: SweeperDeps, runs: readonly RunRecord[]): Promise<void> {
  const newest = runs.find((r) => r.status === 'complete' || r.status === 'partial' || r.status === 'failed');
  if (newest?.status !== 'complete') return;
  await recover(
    noticeDeps(deps),
    NOTICE_CAUSES.runs,
    `runs complete again (${newest.runId})`,
    `Run ${newest.runId} completed.`,
  );
  // A complete run fetched every batch: the provider takes the credentials (if the worker that
  // saw them refused has not said so already).
  await recover(
    noticeDeps(deps),
    NOTICE_CAUSES.credentials,
    'the provider takes the credentials again',
    `Run ${newest.runId} completed.`,
  );
}

/** Batches the scan queue gave up on (the worker timed out or crashed on every delivery). */
async function deadLetters(event: SQSEvent, deps: SweeperDeps, deadlineMs: number): Promise<SQSBatchResponse> {
  const failures: { itemIdentifier: string }[] = [];
  for (const record of event.Records) {
    try {
      const message = parseQueueMessage(record.body);
      if ('drain' in message) continue; // the drain below covers it
      const run = await deps.stores.runs.getRun(message.runId);
      if (!run || run.doneBatches.includes(message.batch)) continue;
      if (!run.failedBatches.includes(message.batch))
        await deps.stores.runs.recordBatchFailure(
          message.runId,
          message.batch,
          'dead-lettered: every delivery failed or timed out (see the scan-batch logs for this batch)',
        );
      const updated = (await deps.stores.runs.getRun(message.runId)) ?? run;
      const outcome = await finishRun(updated, finishDeps(deps));
      if (outcome.ended) await tell(noticeDeps(deps), endedNotice(outcome.run));
      metrics.addMetric('BatchesDeadLettered', MetricUnit.Count, 1);
    } catch (error) {
      // A malformed body can never be handled: logged and dropped, not kept failing.
      const reason = error instanceof Error ? error.message : String(error);
      if (error instanceof Error && error.name === 'MalformedMessageError') {
        logger.error('dead letter dropped: not a queue message', { messageId: record.messageId, reason });
        continue;
      }
      logger.error('dead letter not handled; kept for another try', { messageId: record.messageId, reason });
      failures.push({ itemIdentifier: record.messageId });
    }
  }
  await drain(deps, deadlineMs);
  return { batchItemFailures: failures };
}

/** A dispatch that failed every attempt: a `failed` run, told to the operator. */
async function dispatchFailed(
  event: DispatchFailureEvent,
  deps: SweeperDeps,
  deadlineMs: number,
): Promise<Record<string, unknown>> {
  const payload = (event.requestPayload ?? {}) as Record<string, unknown>;
  const error = event.responsePayload?.errorMessage ?? event.requestContext.condition ?? 'unknown error';
  const scheduledAt = new Date(typeof payload.scheduledAt === 'string' ? payload.scheduledAt : deps.now());
  const watchlist = typeof payload.watchlist === 'string' ? payload.watchlist : ALL_LISTS;
  const asOf = typeof payload.asOf === 'string' ? payload.asOf : undefined;
  let runId: string;
  try {
    runId = deriveRunId(Number.isNaN(scheduledAt.getTime()) ? deps.now() : scheduledAt, watchlist, asOf);
  } catch {
    runId = deriveRunId(deps.now(), 'unknown');
  }
  const at = Number.isNaN(scheduledAt.getTime()) ? deps.now() : scheduledAt;
  const sessionDate = isoDay(newYorkDayOfMs(at.getTime()));
  const purpose = payload.purpose;
  const recorded = await deps.stores.runs.recordFailedDispatch(
    {
      runId,
      watchlist: isWatchlistName(watchlist) ? watchlist : 'unknown',
      kind: purpose ? 'scheduled' : 'manual',
      ...((purpose === 'market-hours' || purpose === 'after-close' || purpose === 'refetch') && { purpose }),
      session: sessionDate,
      scheduledAt: at.toISOString(),
      startedAt: deps.now().toISOString(),
      sessionDate,
      symbols: [],
      scanners: [],
      batchSize: 0,
      batchesExpected: 0,
    },
    error,
  );
  // A run dispatch had created goes on: its batches may still complete it, else its deadline ends it.
  if (recorded)
    await tell(noticeDeps(deps), {
      cause: NOTICE_CAUSES.dispatch,
      title: `dispatch of run ${runId} failed`,
      text: `${error}\nWhat to do: read the dispatch function's logs for this run id; a bad watchlist or settings needs a fix and a redeploy. The next schedule tries again.`,
    });
  await drain(deps, deadlineMs);
  return { runId, recorded, error };
}

async function drain(deps: SweeperDeps, deadlineMs: number): Promise<Record<string, unknown>> {
  const outcome = await drainToDiscord(
    {
      outbox: deps.stores.outbox,
      discord: deps.webhooks.discord,
      webhooks: deps.webhooks,
      subscriptions: routesOf(deps)?.webhooks,
      queue: deps.drainQueue,
      now: deps.now,
      sleep: deps.sleep,
    },
    deadlineMs,
  );
  if (outcome.sent > 0) metrics.addMetric('AlertsSent', MetricUnit.Count, outcome.sent);
  if (outcome.failed > 0) metrics.addMetric('AlertsFailed', MetricUnit.Count, outcome.failed);
  return {
    messagesSent: outcome.sent,
    messagesLeft: outcome.left,
    ...(outcome.discarded > 0 && { messagesDiscarded: outcome.discarded }),
    ...(outcome.errors.length > 0 && { alertError: outcome.errors.join('; ') }),
  };
}

/** Dependencies from the settings, created once per container. */
export function sweeperDeps(settings: Settings, overrides: Partial<SweeperDeps> = {}): SweeperDeps {
  checkBundledProvider(settings.provider, process.env.SCANFLEET_BUNDLED_PROVIDER);
  const client = createDocumentClient(settings.dynamodbEndpoint);
  const options = {
    tableName: required(settings, 'tableName'),
    retention: { resultsDays: settings.resultsTtlDays, runsDays: settings.runsTtlDays },
  };
  const { webhookUrl, operatorWebhookUrl } = discordSettings(settings);
  return {
    // The sweeper reads the pause and records the token's age besides the notices.
    stores: { ...openStores(client, options), control: openControlStore(client, options) },
    edgeHorizon: settings.alertEdgeHorizon,
    dashboardUrl: settings.dashboardUrl,
    watchdog: {
      schedules: settings.schedules.map((cron, i) => ({ cron, purpose: SCHEDULE_PURPOSES[i] ?? 'market-hours' })),
      timeZone: settings.scheduleTimeZone,
      enabled: settings.schedulesEnabled,
      providerDelayMs: providerDelayMs(settings.provider, settings.alpacaFeed, settings.providerDelayMinutes),
      fixedHistory: settings.provider === 'csv',
    },
    // Folded where bundled: the Schwab token check (and its Secrets Manager client) is in Schwab's bundle alone.
    ...((process.env.SCANFLEET_BUNDLED_PROVIDER ?? settings.provider) === 'schwab' && {
      schwabToken: () => schwabTokenIssue(settings),
    }),
    webhooks: { discord: new DiscordClient(), webhookUrl, operatorWebhookUrl, cipher: settingsCipher(settings) },
    // Only Discord's messages fill the outbox: a stack without its secret has no drains to ask for,
    // and its bundle no SQS client (folded where bundled).
    ...(process.env.SCANFLEET_BUNDLED_DISCORD !== 'none' &&
      settings.queueUrl && { drainQueue: new SqsScanQueue(settings.queueUrl) }),
    now: () => new Date(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    ...overrides,
  };
}

let deps: SweeperDeps | undefined;
export const handler = createSweeperHandler(() => (deps ??= sweeperDeps(environmentSettings())));
