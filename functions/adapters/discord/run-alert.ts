import { alertMessages } from '../../core/discord/alert-messages.js';
import type { EventStore } from '../store/event-store.js';
import type { ResultStore } from '../store/result-store.js';
import { type RunRecord, runAsOf } from '../../core/run/run-record.js';
import type { DiscordClient } from './discord-client.js';

export interface AlertOutcome {
  readonly status: 'sent' | 'nothing_new' | 'failed';
  readonly newSignals: number;
  readonly error?: string;
}

/** A sender that started this long ago and never finished has died (longer than any function's timeout). */
export const STALE_OUTBOX_MS = 15 * 60_000;

/**
 * Sends a completed run's alert log to the webhook: its new events, forming events and the
 * confirmation or retraction of earlier forming ones (held-back events are logged, not sent).
 * First, runs whose alerts failed or whose sender died are sent again. While a run's alerts are
 * being sent, its outbox entry stays; a failure is recorded on the run, never thrown, and the
 * next completed run sends them (at least once: a crash between Discord's answer and the
 * record may repeat one message).
 */
export async function alertRun(
  run: RunRecord,
  store: ResultStore,
  events: EventStore,
  discord: DiscordClient,
  webhookUrl: string,
): Promise<AlertOutcome> {
  for (const earlier of await events.undelivered(STALE_OUTBOX_MS).catch(() => [])) {
    if (earlier.runId === run.runId) continue;
    const previous = await store.getRun(earlier.runId);
    if (previous) await deliver(previous, store, events, discord, webhookUrl);
  }
  return deliver(run, store, events, discord, webhookUrl);
}

async function deliver(
  run: RunRecord,
  store: ResultStore,
  events: EventStore,
  discord: DiscordClient,
  webhookUrl: string,
): Promise<AlertOutcome> {
  let outcome: AlertOutcome;
  let sending = 0;
  try {
    const lines = (await events.alertLog(run.runId)).filter((entry) => entry.suppressedBy === undefined);
    sending = lines.length;
    if (lines.length === 0) {
      outcome = { status: 'nothing_new', newSignals: 0 };
    } else {
      await events.openOutbox(run.runId);
      const footer = `run ${run.runId} · as of ${runAsOf(run) ?? '–'} · ${run.symbolsDone} symbols · ${run.symbolsWithErrors} with errors`;
      for (const message of alertMessages(lines, footer))
        await discord.send(webhookUrl, 'POST', message, 'alert webhook');
      await events.closeOutbox(run.runId);
      outcome = { status: 'sent', newSignals: lines.length };
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    await events.failOutbox(run.runId, message).catch(() => undefined);
    outcome = { status: 'failed', newSignals: sending, error: message };
  }
  await store.recordAlert(run.runId, outcome).catch(() => undefined);
  return outcome;
}
