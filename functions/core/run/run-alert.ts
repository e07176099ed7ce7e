import { type AlertMessage, alertMessages } from '../discord/alert-messages.js';
import type { AlertLogEntry, OutboxEntry } from './alert-log.js';
import { type RunAlert, type RunRecord, runAsOf } from './run-record.js';

export type AlertOutcome = Omit<RunAlert, 'at'>;

/** A sender that started this long ago and never finished has died (longer than any function's timeout). */
export const STALE_OUTBOX_MS = 15 * 60_000;

/** What alerting reads and writes of runs. */
export interface AlertRuns {
  getRun(runId: string): Promise<RunRecord | undefined>;
  recordAlert(runId: string, alert: AlertOutcome): Promise<void>;
}

/** Runs' alert logs, and the outbox of runs whose alerts are being or failed to be sent. */
export interface AlertOutbox {
  alertLog(runId: string): Promise<AlertLogEntry[]>;
  openOutbox(runId: string): Promise<void>;
  failOutbox(runId: string, error: string): Promise<void>;
  closeOutbox(runId: string): Promise<void>;
  undelivered(staleMs: number): Promise<OutboxEntry[]>;
}

export interface AlertDeps {
  readonly runs: AlertRuns;
  readonly alerts: AlertOutbox;
  /** Posts one message to the alert channel; throws when it was not delivered. */
  readonly post: (message: AlertMessage) => Promise<unknown>;
}

/**
 * Sends a completed run's alert log: its new events, forming events and the confirmation or
 * retraction of earlier forming ones (held-back events are logged, not sent). First, runs whose
 * alerts failed or whose sender died are sent again. While a run's alerts are being sent, its
 * outbox entry stays; a failure is recorded on the run, never thrown, and the next completed run
 * sends them (at least once: a crash between Discord's answer and the record may repeat one
 * message).
 */
export async function alertRun(run: RunRecord, deps: AlertDeps): Promise<AlertOutcome> {
  for (const earlier of await deps.alerts.undelivered(STALE_OUTBOX_MS).catch(() => [])) {
    if (earlier.runId === run.runId) continue;
    const previous = await deps.runs.getRun(earlier.runId);
    if (previous) await deliver(previous, deps);
  }
  return deliver(run, deps);
}

async function deliver(run: RunRecord, { runs, alerts, post }: AlertDeps): Promise<AlertOutcome> {
  let outcome: AlertOutcome;
  let sending = 0;
  try {
    const lines = (await alerts.alertLog(run.runId)).filter((entry) => entry.suppressedBy === undefined);
    sending = lines.length;
    if (lines.length === 0) {
      outcome = { status: 'nothing_new', newSignals: 0 };
    } else {
      await alerts.openOutbox(run.runId);
      const footer = `run ${run.runId} · as of ${runAsOf(run) ?? '–'} · ${run.symbolsDone} symbols · ${run.symbolsWithErrors} with errors`;
      for (const message of alertMessages(lines, footer)) await post(message);
      await alerts.closeOutbox(run.runId);
      outcome = { status: 'sent', newSignals: lines.length };
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await alerts.failOutbox(run.runId, message).catch(() => undefined);
    outcome = { status: 'failed', newSignals: sending, error: message };
  }
  await runs.recordAlert(run.runId, outcome).catch(() => undefined);
  return outcome;
}
