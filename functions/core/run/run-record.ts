import { ROW_ISSUES, type RowIssueCounts } from '../scan/bars.js';
import type { RunSummary } from './run-summary.js';
import type { RunKind, RunPurpose } from './dispatch-plan.js';
import { SCANNERS, type ScannerName } from '../scan/scanners.js';

/**
 * `partial`: ended with some batches missing (past its deadline, or dead-lettered); its results
 * are what it has. `failed`: ended with no batch done, or dispatch itself failed. A late batch may
 * still promote either to `complete`. Not to be confused with a result's `partial` flag (its bar
 * was still trading).
 */
export type RunStatus = 'running' | 'complete' | 'partial' | 'failed' | 'skipped';

/** The statuses a run ends in. */
export const ENDED_STATUSES: readonly RunStatus[] = ['complete', 'partial', 'failed', 'skipped'];

/**
 * What became of a run's alert, and when: `queued` once its alert messages are in the outbox
 * (they are sent from there, at least once), `nothing_new` when it had none.
 */
export interface RunAlert {
  readonly status: 'queued' | 'sent' | 'nothing_new' | 'failed';
  readonly newSignals: number;
  /** The run's batches counted when its alert log was queued: a late batch queues its own. */
  readonly batchesDone?: number;
  readonly error?: string;
  readonly at: string;
}

/** A run as stored: what was asked, its progress, and its running totals. */
export interface RunRecord {
  readonly runId: string;
  readonly watchlist: string;
  readonly status: RunStatus;
  readonly kind: RunKind;
  /** The schedule a scheduled (or replayed) run comes from. */
  readonly purpose?: RunPurpose;
  /**
   * The session the run covers (YYYY-MM-DD): the one trading or closed at its instant, else the
   * last closed one; set by dispatch from the clock, then by the batches from the data (a fixed
   * history's newest day, an as-of).
   */
  readonly session: string;
  /** The explicit instant it stands at (`--now`, a replay). */
  readonly now?: string;
  readonly scheduledAt: string;
  readonly startedAt: string;
  readonly finishedAt?: string;
  /** The exchange's calendar date (New York) of the scheduled time. */
  readonly sessionDate: string;
  readonly asOf?: string;
  /** How many symbols the run covers; the list itself is an item of its own (`RunStore.runSymbols`). */
  readonly symbolCount: number;
  readonly scanners: ScannerName[];
  readonly batchSize: number;
  readonly batchesExpected: number;
  readonly batchesDone: number;
  /** Batch numbers already counted; a re-delivered batch is not counted twice. */
  readonly doneBatches: number[];
  /** Batches that failed on their last delivery and went to the dead-letter queue. */
  readonly failedBatches: number[];
  readonly lastBatchError?: string;
  readonly symbolsDone: number;
  /** Symbols whose last bar was still trading at the run's instant (their results are provisional). */
  readonly symbolsPartial: number;
  /** Session items its batches wrote for the live scorecard: none, and its end need not fold the document. */
  readonly scorecardSessions: number;
  readonly signalCounts: Record<string, Record<string, number>>;
  readonly symbolsWithErrors: number;
  readonly symbolsInsufficient: number;
  readonly aboveSma50: number;
  readonly measured: number;
  readonly bullishSignals: number;
  readonly bearishSignals: number;
  readonly dataIssues: RowIssueCounts;
  /** Last-bar dates seen across the run's symbols; the newest is the run's as-of date. */
  readonly barDates: string[];
  readonly skippedReason?: string;
  /** When the run should have ended: past it, the sweeper ends it `partial` or `failed`. */
  readonly deadlineAt?: string;
  /** Why a run ended `partial` or `failed` (the batches missing, the dispatch error). */
  readonly endReason?: string;
  /** The request that started it (a Discord interaction id): the same request starts it once. */
  readonly requestId?: string;
  /** What became of the run's Discord alert, once it completed. */
  readonly alert?: RunAlert;
  readonly expiresAt: number;
}

/** A run by its id and its scheduled time: what orders runs (newest first). */
export type RunRef = Pick<RunRecord, 'runId' | 'scheduledAt'>;

/** Whether the dashboard shows a run: it completed, or ended partial (some batches missing). */
export function isShownRun(run: RunRecord): boolean {
  return run.status === 'complete' || run.status === 'partial';
}

/**
 * What dispatch knows when it creates a run, with its symbol list and the lists its symbols were on
 * (list → symbols, what a subscription to a list routes by); the counters start at zero.
 */
export type NewRun = {
  readonly symbols: readonly string[];
  readonly lists?: Readonly<Record<string, readonly string[]>>;
} & Pick<
  RunRecord,
  | 'runId'
  | 'watchlist'
  | 'kind'
  | 'purpose'
  | 'session'
  | 'now'
  | 'scheduledAt'
  | 'startedAt'
  | 'sessionDate'
  | 'asOf'
  | 'scanners'
  | 'batchSize'
  | 'batchesExpected'
  | 'skippedReason'
  | 'deadlineAt'
  | 'requestId'
>;

/** A fresh record: every counter the batches add to starts at zero (nested maps must exist). */
export function initialRunRecord(run: NewRun, expiresAt: number): RunRecord {
  const signalCounts: Record<string, Record<string, number>> = {};
  for (const name of run.scanners) {
    signalCounts[name] = Object.fromEntries((SCANNERS[name].signals as readonly string[]).map((s) => [s, 0]));
  }
  const { symbols, lists: _lists, ...rest } = run;
  return {
    ...rest,
    symbolCount: symbols.length,
    status: run.skippedReason ? 'skipped' : 'running',
    ...(run.skippedReason && { finishedAt: run.startedAt }),
    batchesDone: 0,
    doneBatches: [],
    failedBatches: [],
    barDates: [],
    symbolsDone: 0,
    symbolsPartial: 0,
    scorecardSessions: 0,
    signalCounts,
    symbolsWithErrors: 0,
    symbolsInsufficient: 0,
    aboveSma50: 0,
    measured: 0,
    bullishSignals: 0,
    bearishSignals: 0,
    dataIssues: Object.fromEntries(ROW_ISSUES.map((issue) => [issue, 0])),
    expiresAt,
  };
}

/** What one batch adds to its run. */
export interface BatchTally {
  readonly summary: RunSummary;
  readonly dataIssues: RowIssueCounts;
  readonly barDates?: readonly string[];
  readonly symbolsPartial?: number;
  /** Session items the batch wrote for the live scorecard. */
  readonly scorecardSessions?: number;
  /** The session the data showed (the same for every batch of a run): it replaces dispatch's reading of the clock. */
  readonly session?: string;
}

/** The run's as-of date: the one asked for, else the newest bar date its symbols had. */
export function runAsOf(run: RunRecord): string | null {
  if (run.asOf) return run.asOf;
  return run.barDates.reduce<string | null>((newest, d) => (newest === null || d > newest ? d : newest), null);
}

/** The run's totals in the shape the reports use. */
export function runSummaryOf(run: RunRecord): RunSummary {
  return {
    symbols: run.symbolsDone,
    signals: Object.fromEntries(
      run.scanners.map((name) => [
        name,
        Object.fromEntries(Object.entries(run.signalCounts[name] ?? {}).filter(([, n]) => n > 0)),
      ]),
    ),
    symbolsInsufficient: run.symbolsInsufficient,
    symbolsWithErrors: run.symbolsWithErrors,
    breadth: {
      aboveSma50: run.aboveSma50,
      measured: run.measured,
      bullishSignals: run.bullishSignals,
      bearishSignals: run.bearishSignals,
    },
  };
}
