import { type AlertOutcome, alertsToQueue, type QueueDeps, queueRunAlerts } from './run-alert.js';
import { overdueEnding, type RunEnding, settledEnding } from './run-lifecycle.js';
import type { RunRecord, RunRef } from './run-record.js';

/** What finishing a run reads and writes of runs. */
export interface FinishRuns {
  getRun(runId: string): Promise<RunRecord | undefined>;
  /** True for the one caller that completed it. */
  completeRun(run: RunRef): Promise<boolean>;
  /** True for the one caller that ended it. */
  endRun(run: RunRef, ending: RunEnding): Promise<boolean>;
}

export interface FinishDeps extends Omit<QueueDeps, 'runs'> {
  readonly runs: FinishRuns & QueueDeps['runs'];
  /** Whether alerts are on (an alert webhook is configured): without, nothing is queued. */
  readonly alertsOn: () => Promise<boolean>;
  /** Folds the live scorecard's document for its readers, once a run that recorded sessions has ended (before its alert lines quote it). */
  readonly refreshScorecard?: () => Promise<unknown>;
}

export interface FinishOutcome {
  readonly run: RunRecord;
  /** This call completed the run. */
  readonly completed: boolean;
  /** This call ended it partial or failed, and why. */
  readonly ended?: RunEnding;
  /** Its alert log was queued by this call. */
  readonly alert?: AlertOutcome;
}

/**
 * Whether finishing a run could change anything: it runs (it may complete, or be past its
 * deadline), it ended without a batch that has arrived since (a late batch may complete it), or
 * its alert log has lines not queued.
 */
export function needsFinishing(run: RunRecord): boolean {
  if (run.status === 'running') return true;
  if ((run.status === 'partial' || run.status === 'failed') && run.batchesDone >= run.batchesExpected) return true;
  return alertsToQueue(run);
}

/**
 * Brings a run as far as its record allows, idempotently: complete once every batch is counted
 * (a late batch may complete one that ended partial), ended partial or failed once every batch is
 * counted or dead-lettered, or — given `overdueAtMs` (the sweeper) — once its deadline has
 * passed; then the one caller that ended it folds the live scorecard's document if the run's
 * batches recorded sessions, and once it has ended, its alert lines not yet queued go to the
 * outbox. Any caller may call it at any time: the batch that counted last, a redelivered one,
 * the sweeper.
 */
export async function finishRun(
  start: RunRecord,
  deps: FinishDeps,
  options: { overdueAtMs?: number } = {},
): Promise<FinishOutcome> {
  let run = start;
  let completed = false;
  let ended: RunEnding | undefined;
  const reread = async () => (await deps.runs.getRun(run.runId)) ?? run;
  if (run.status !== 'complete' && run.status !== 'skipped' && run.batchesDone >= run.batchesExpected) {
    completed = await deps.runs.completeRun(run);
    run = await reread();
  } else {
    const ending =
      settledEnding(run) ?? (options.overdueAtMs === undefined ? undefined : overdueEnding(run, options.overdueAtMs));
    if (ending && (await deps.runs.endRun(run, ending))) ended = ending;
    if (ending) run = await reread();
  }
  if ((completed || ended) && run.scorecardSessions > 0) await deps.refreshScorecard?.();
  let alert: AlertOutcome | undefined;
  if (alertsToQueue(run) && (await deps.alertsOn())) alert = await queueRunAlerts(run, deps);
  return { run, completed, ...(ended && { ended }), ...(alert && { alert }) };
}
