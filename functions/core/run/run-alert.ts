import { type AlertLine, alertMessages } from '../discord/alert-messages.js';
import { fnv1a32 } from '../fnv1a.js';
import { SCANNERS } from '../scan/scanners.js';
import { edgeFigures } from '../scorecard/edge.js';
import { type Scorecard, signalDirection } from '../scorecard/scorecard.js';
import { type Subscription, subscriptionTakes } from '../lists/subscription-rules.js';
import type { AlertLogEntry } from './alert-log.js';
import { type OutboxMessage, type OutboxTarget, subscriptionTarget } from './outbox.js';
import { type RunAlert, type RunRecord, runAsOf } from './run-record.js';

export type AlertOutcome = Omit<RunAlert, 'at'>;

/** What queueing a run's alerts reads and writes of runs. */
export interface AlertRuns {
  recordAlert(runId: string, alert: AlertOutcome): Promise<void>;
}

/** A run's alert log, and which of its lines are in the outbox already. */
export interface AlertLogPort {
  alertLog(runId: string): Promise<AlertLogEntry[]>;
  /** Notes lines as queued: a later queueing of the run (a late batch) leaves them out. */
  markQueued(entries: readonly AlertLogEntry[]): Promise<void>;
}

/** The live scorecard, as alert lines quote it: each signal's figures at a horizon. */
export interface EdgeSource {
  readonly horizon: number;
  readonly scorecard: (filter: { horizon: number }) => Promise<Pick<Scorecard, 'rows'> | null>;
}

/** Where a run's alert lines go. */
export interface AlertRouting {
  /** The configured alert webhook takes every line: one is configured and its implicit subscription stands. */
  readonly configured: boolean;
  /** Each takes the lines of its scanner, signal and list. */
  readonly subscriptions: readonly Subscription[];
  /** The run's lists as dispatch froze them (list → its symbols): a subscription to a list takes its symbols' lines. */
  readonly lists: ReadonlyMap<string, ReadonlySet<string>>;
}

export interface QueueDeps {
  readonly runs: AlertRuns;
  /** Where the lines go; absent, every line goes to the configured webhook ('alerts'). */
  readonly routing?: (runId: string) => Promise<AlertRouting>;
  readonly alerts: AlertLogPort;
  /** Where each line's edge comes from; without it (or a scorecard) lines carry none. */
  readonly edges?: EdgeSource;
  /** The dashboard each line's symbol links to; without it lines carry no link. */
  readonly dashboardUrl?: string;
  /** Adds messages to the outbox; a message already there (same source and seq) is left as it is. */
  readonly enqueue: (messages: readonly Omit<OutboxMessage, 'status' | 'attempts'>[]) => Promise<void>;
  readonly now: () => Date;
}

/** Whether a run's alert log has lines the outbox does not have yet: it ended, and not queued since its last batch. */
export function alertsToQueue(run: RunRecord): boolean {
  if (run.status === 'running' || run.status === 'skipped') return false;
  return run.alert === undefined || run.alert.status === 'failed' || (run.alert.batchesDone ?? 0) < run.batchesDone;
}

/**
 * Puts an ended run's alert log in the outbox: the lines not queued yet (held-back events are
 * logged, not sent), for each target that takes them (the configured webhook every line, a
 * subscription those of its scanner, signal and list), as many messages as Discord's limits need.
 * A part's source is the run and a digest of its lines (and the subscription's id), so queueing
 * the same lines again (a retried invocation, the sweeper after a crash) writes nothing new; the
 * lines are then marked queued and the run notes it.
 */
export async function queueRunAlerts(run: RunRecord, deps: QueueDeps): Promise<AlertOutcome> {
  const lines = (await deps.alerts.alertLog(run.runId)).filter((e) => e.suppressedBy === undefined && !e.queued);
  const before = run.alert?.status === 'queued' || run.alert?.status === 'sent' ? run.alert.newSignals : 0;
  let outcome: AlertOutcome;
  if (lines.length === 0) {
    outcome = { status: before > 0 ? 'queued' : 'nothing_new', newSignals: before, batchesDone: run.batchesDone };
  } else {
    const footer = `run ${run.runId} · as of ${runAsOf(run) ?? '–'} · ${run.symbolsDone} symbols · ${run.symbolsWithErrors} with errors${run.status === 'complete' ? '' : ` · the run ended ${run.status}`}`;
    const part = `${run.runId}#${digest(lines.map(lineKey).sort().join('\n'))}`;
    const createdAt = deps.now().toISOString();
    const edgeOf = await edgesFor(deps.edges);
    for (const { target, taken } of routed(lines, await deps.routing?.(run.runId))) {
      const source = target === 'alerts' ? part : `${part}@${target}`;
      await deps.enqueue(
        alertMessages(taken, footer, { edgeOf, dashboardUrl: deps.dashboardUrl }).map((message, seq) => ({
          source,
          seq,
          target,
          message,
          createdAt,
        })),
      );
    }
    await deps.alerts.markQueued(lines);
    outcome = { status: 'queued', newSignals: before + lines.length, batchesDone: run.batchesDone };
  }
  await deps.runs.recordAlert(run.runId, outcome);
  return outcome;
}

/** Each target and the lines it takes (a target that takes none is left out). */
function routed(
  lines: readonly AlertLogEntry[],
  routing: AlertRouting | undefined,
): { target: OutboxTarget; taken: AlertLogEntry[] }[] {
  if (!routing) return [{ target: 'alerts', taken: [...lines] }];
  return [
    ...(routing.configured ? [{ target: 'alerts' as const, taken: [...lines] }] : []),
    ...routing.subscriptions.map((s) => ({
      target: subscriptionTarget(s.id),
      taken: lines.filter((line) => subscriptionTakes(s, line, routing.lists)),
    })),
  ].filter((r) => r.taken.length > 0);
}

function lineKey(e: AlertLogEntry): string {
  return `${e.symbol}#${e.scanner}#${e.signal}#${e.start}#${e.kind}`;
}

/** FNV-1a, 32 bits, as 8 hex digits: a short stable name for a set of lines. */
function digest(text: string): string {
  return fnv1a32(text).toString(16).padStart(8, '0');
}

/** Each line's edge at the source's horizon: `10d: 58% up (n=412), +1.1% vs all`. */
async function edgesFor(source: EdgeSource | undefined): Promise<(line: AlertLine) => string | undefined> {
  const card = source ? await source.scorecard({ horizon: source.horizon }) : null;
  if (!source || !card) return () => undefined;
  const rows = new Map(
    card.rows.filter((r) => r.horizon === source.horizon).map((r) => [`${r.scanner}/${r.signal}`, r]),
  );
  return (line) =>
    edgeFigures(
      source.horizon,
      signalDirection(SCANNERS[line.scanner], line.signal),
      rows.get(`${line.scanner}/${line.signal}`),
    );
}
