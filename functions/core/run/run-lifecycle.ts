import type { RunRecord } from './run-record.js';

/** No run's deadline is nearer than this after its start. */
export const MIN_RUN_DEADLINE_MS = 15 * 60_000;

/**
 * When a run should have ended: its batches × the provider's time per batch ÷ the batches the
 * worker runs at once, × 1.5 for retries and cold starts, at least 15 minutes.
 */
export function runDeadlineMs(batches: number, perBatchMs: number, concurrency: number): number {
  return Math.max(MIN_RUN_DEADLINE_MS, Math.ceil(((batches * perBatchMs) / Math.max(1, concurrency)) * 1.5));
}

/** A run's deadline (epoch ms); a run stored before runs had one gets the minimum. */
export function deadlineOf(run: Pick<RunRecord, 'deadlineAt' | 'startedAt'>): number {
  return run.deadlineAt ? Date.parse(run.deadlineAt) : Date.parse(run.startedAt) + MIN_RUN_DEADLINE_MS;
}

/** How a run that did not complete ends: `partial` with some batches done, `failed` with none. */
export interface RunEnding {
  readonly status: 'partial' | 'failed';
  readonly reason: string;
  /** Batches neither counted nor failed yet: they are noted failed with the ending. */
  readonly missing: number[];
}

function batchList(batches: readonly number[]): string {
  const shown = batches.slice(0, 20).join(', ');
  return batches.length > 20 ? `${shown} and ${batches.length - 20} more` : shown;
}

function ending(run: RunRecord, missing: number[], why: string): RunEnding {
  const failed = [...new Set([...run.failedBatches, ...missing])].sort((a, b) => a - b);
  const status = run.batchesDone > 0 ? 'partial' : 'failed';
  const lastError = run.lastBatchError ? ` (last error: ${run.lastBatchError})` : '';
  return {
    status,
    reason: `${failed.length} of ${run.batchesExpected} batches ${why}: batch ${batchList(failed)}${lastError}`,
    missing,
  };
}

/** A running run whose every batch is counted or dead-lettered, some dead-lettered: how it ends. */
export function settledEnding(run: RunRecord): RunEnding | undefined {
  if (run.status !== 'running' || run.failedBatches.length === 0) return undefined;
  const accounted = new Set([...run.doneBatches, ...run.failedBatches]);
  if (accounted.size < run.batchesExpected) return undefined;
  return ending(run, [], 'failed every delivery');
}

/** A running run past its deadline with batches missing: how it ends, naming them. */
export function overdueEnding(run: RunRecord, nowMs: number): RunEnding | undefined {
  if (run.status !== 'running' || nowMs <= deadlineOf(run) || run.batchesDone >= run.batchesExpected) return undefined;
  const accounted = new Set([...run.doneBatches, ...run.failedBatches]);
  const missing = Array.from({ length: run.batchesExpected }, (_, b) => b).filter((b) => !accounted.has(b));
  return ending(run, missing, `missing at the deadline ${new Date(deadlineOf(run)).toISOString()}`);
}
