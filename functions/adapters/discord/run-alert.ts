import { type SignalLine, signalDetail, signalEmbeds } from '../../core/discord-embeds.js';
import type { ResultStore } from '../store/result-store.js';
import { type RunRecord, runAsOf } from '../store/run-record.js';
import type { DiscordClient } from './discord-client.js';

export interface AlertOutcome {
  readonly status: 'sent' | 'nothing_new' | 'failed';
  readonly newSignals: number;
  readonly error?: string;
}

/**
 * The summary of a completed run to the alert webhook: its new signals only, grouped by
 * scanner. Each signal is claimed first (symbol, scanner, bar date, signal) so it is sent once
 * across runs and retries; if the post fails, the claims are given back and the failure is
 * recorded on the run — never thrown, so the run stays complete.
 */
export async function alertRun(run: RunRecord, store: ResultStore, discord: DiscordClient, webhookUrl: string): Promise<AlertOutcome> {
  const claimed: { scanner: SignalLine['scanner']; symbol: string; barDate: string; signal: string; detail: string }[] = [];
  let outcome: AlertOutcome;
  try {
    for await (const result of store.allRunResults(run.runId)) {
      if (result.signal === null || !result.barDate) continue;
      if (await store.claimAlert(run.runId, result.scanner, result.symbol, result.barDate, result.signal)) {
        claimed.push({ scanner: result.scanner, symbol: result.symbol, barDate: result.barDate, signal: result.signal, detail: signalDetail(result.scanner, result.values) });
      }
    }
    if (claimed.length === 0) {
      outcome = { status: 'nothing_new', newSignals: 0 };
    } else {
      const embeds = signalEmbeds(`New signals as of ${runAsOf(run) ?? '–'}`, claimed, `run ${run.runId} · ${run.symbolsDone} symbols · ${run.symbolsWithErrors} with errors`);
      await discord.send(webhookUrl, 'POST', { content: `scanfleet: ${claimed.length} new signal${claimed.length === 1 ? '' : 's'}`, embeds }, 'alert webhook');
      outcome = { status: 'sent', newSignals: claimed.length };
    }
  } catch (error) {
    await Promise.all(claimed.map((c) => store.releaseAlert(run.runId, c.scanner, c.symbol, c.barDate, c.signal).catch(() => undefined)));
    outcome = { status: 'failed', newSignals: claimed.length, error: error instanceof Error ? error.message : String(error) };
  }
  await store.recordAlert(run.runId, outcome).catch(() => undefined);
  return outcome;
}
