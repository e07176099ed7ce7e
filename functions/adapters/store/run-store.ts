import { randomUUID } from 'node:crypto';
import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ROW_ISSUES } from '../../core/scan/bars.js';
import {
  type BatchTally,
  initialRunRecord,
  type NewRun,
  type RunAlert,
  type RunRecord,
  type RunRef,
  isShownRun,
} from '../../core/run/run-record.js';
import type { RunEnding } from '../../core/run/run-lifecycle.js';
import { StoreError } from './batch-write.js';
import type { Page } from './cursor.js';
import { type Table, unlessConditionFails, withoutKeys } from './table.js';
import { ITEM_TYPES, KEYS, runOrder } from './table-schema.js';

/**
 * A run's progress: what the worker reads and writes — its record, its symbols and lists, the
 * batches counted in, its alerts, its end. Each read is consistent. Apart from RunStore so that
 * the worker's bundle carries none of creating and listing runs.
 */
export class RunProgress {
  constructor(
    protected readonly table: Table,
    protected readonly retentionDays: number,
  ) {}

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const item = await this.table.get(KEYS.run(runId));
    return item && toRunRecord(item);
  }

  /**
   * The run's symbol list, in watchlist order: one consistent GetItem of its own item. A run
   * written before the list had an item of its own holds it on the run item; a run with neither
   * (its dispatch failed before it had a list) has none.
   */
  async runSymbols(runId: string): Promise<string[]> {
    const item = await this.table.get(KEYS.runSymbols(runId));
    if (item) return item.symbols as string[];
    const onRun = await this.table.attribute(KEYS.run(runId), 'symbols');
    return Array.isArray(onRun) ? (onRun as string[]) : [];
  }

  /**
   * The lists the run's symbols were on when it was created (list → symbols): what routes its
   * alerts to a subscription of one list. A run made before lists, or of inline symbols, has none.
   */
  async runLists(runId: string): Promise<Map<string, Set<string>>> {
    const item = await this.table.get(KEYS.runSymbols(runId));
    const symbols = (item?.symbols ?? []) as string[];
    const lists = (item?.lists ?? {}) as Record<string, number[]>;
    return new Map(Object.entries(lists).map(([name, at]) => [name, new Set(at.map((i) => symbols[i]))]));
  }

  /**
   * Adds a finished batch to its run exactly once (conditional on the batch not being counted
   * yet). Returns the run after the update, or undefined when the batch was counted before.
   */
  async recordBatch(runId: string, batch: number, tally: BatchTally): Promise<RunRecord | undefined> {
    const { expression, names, values } = batchUpdate(batch, tally);
    const counted = await unlessConditionFails(
      this.table.client.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: KEYS.run(runId),
          UpdateExpression: expression,
          ConditionExpression: 'attribute_exists(pk) AND NOT contains(doneBatches, :batch)',
          ...(Object.keys(names).length > 0 && { ExpressionAttributeNames: names }),
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    return counted && toRunRecord(counted.Attributes ?? {});
  }

  /**
   * Notes on the run that a batch failed on its last delivery (it goes to the DLQ next), so the
   * run record shows why it will not complete.
   */
  async recordBatchFailure(runId: string, batch: number, reason: string): Promise<void> {
    await this.table.client.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: KEYS.run(runId),
        UpdateExpression: 'ADD failedBatches :batchSet SET lastBatchError = :reason',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: {
          ':batchSet': new Set([batch]),
          ':reason': `batch ${batch}: ${reason.slice(0, 500)}`,
        },
      }),
    );
  }

  /**
   * Notes on the run what became of its alert, unless a concurrent finisher already noted more
   * signals queued (its count is cumulative: a caller that read the run before that finisher
   * queued would otherwise overwrite "queued" with "nothing_new").
   */
  async recordAlert(runId: string, alert: Omit<RunAlert, 'at'>): Promise<void> {
    await unlessConditionFails(
      this.table.client.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: KEYS.run(runId),
          UpdateExpression: 'SET alert = :alert',
          ConditionExpression:
            'attribute_exists(pk) AND (attribute_not_exists(alert) OR alert.newSignals <= :newSignals)',
          ExpressionAttributeValues: {
            ':alert': { ...alert, at: this.table.now().toISOString() },
            ':newSignals': alert.newSignals,
          },
        }),
      ),
    );
  }

  /**
   * Marks a run complete once every batch is counted: a running one, or one that ended partial or
   * failed and whose late batches arrived since. True for the one caller that did it. The update
   * carries a token of this call: when its response is lost and the SDK's retry fails the
   * condition, the stored token tells whether it was this call that completed the run. The caller
   * that completed it points the shown run at it.
   */
  async completeRun(run: RunRef): Promise<boolean> {
    const { runId } = run;
    const token = randomUUID();
    const completed = await unlessConditionFails(
      this.table.client.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: KEYS.run(runId),
          UpdateExpression: 'SET #status = :complete, finishedAt = :now, completedBy = :token REMOVE endReason',
          ConditionExpression: '#status IN (:running, :partial, :failed) AND batchesDone >= batchesExpected',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':complete': 'complete',
            ':running': 'running',
            ':partial': 'partial',
            ':failed': 'failed',
            ':now': this.table.now().toISOString(),
            ':token': token,
          },
        }),
      ),
    );
    const byThisCall =
      completed !== undefined || (await this.table.attribute(KEYS.run(runId), 'completedBy')) === token;
    if (byThisCall) await this.showRun(run);
    return byThisCall;
  }

  /**
   * Ends a running run `partial` or `failed`, noting its missing batches failed and why; true
   * when this call ended it (false: it had ended already). A run ended `partial` is shown.
   */
  async endRun(run: RunRef, ending: RunEnding): Promise<boolean> {
    const ended =
      (await unlessConditionFails(
        this.table.client.send(
          new UpdateCommand({
            TableName: this.table.name,
            Key: KEYS.run(run.runId),
            UpdateExpression: `SET #status = :status, finishedAt = :now, endReason = :reason${ending.missing.length > 0 ? ' ADD failedBatches :missing' : ''}`,
            ConditionExpression: '#status = :running',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: {
              ':status': ending.status,
              ':running': 'running',
              ':now': this.table.now().toISOString(),
              ':reason': ending.reason.slice(0, 1000),
              ...(ending.missing.length > 0 && { ':missing': new Set(ending.missing) }),
            },
          }),
        ),
      )) !== undefined;
    if (ended && ending.status === 'partial') await this.showRun(run);
    return ended;
  }

  /**
   * Points the shown run at this one unless the pointer holds a newer run (by the runs index's
   * order), so runs finishing out of order never move it back; the same run refreshes its expiry.
   * The calls that complete a run or end it partial call it; the sweeper again, for the newest
   * shown run it lists (a writer that died before it, a table from before the pointer).
   */
  async showRun(run: RunRef): Promise<void> {
    await unlessConditionFails(
      this.table.client.send(
        new PutCommand({
          TableName: this.table.name,
          Item: {
            ...KEYS.shownRun(),
            type: ITEM_TYPES.shownRun,
            runId: run.runId,
            scheduledAt: run.scheduledAt,
            order: runOrder(run.scheduledAt, run.runId),
            expiresAt: this.table.expiry(this.retentionDays),
          },
          ConditionExpression: 'attribute_not_exists(pk) OR #order <= :order OR expiresAt <= :now',
          ExpressionAttributeNames: { '#order': 'order' },
          ExpressionAttributeValues: {
            ':order': runOrder(run.scheduledAt, run.runId),
            ':now': Math.floor(this.table.now().getTime() / 1000),
          },
        }),
      ),
    );
  }
}

/** Runs that dispatch creates, batches count into and the last batch completes; listed newest first. */
export class RunStore extends RunProgress {
  /**
   * Creates the run unless it exists; either way returns the stored record. Its symbol list goes
   * first, to an item of its own, then the run; each is written only if absent. So a run is never
   * without its list, a retry after a crash between the two writes the run, and a run created
   * again keeps the list it was created with.
   */
  async createRun(run: NewRun): Promise<{ created: boolean; run: RunRecord }> {
    const record = initialRunRecord(run, this.table.expiry(this.retentionDays));
    await unlessConditionFails(
      this.table.client.send(
        new PutCommand({
          TableName: this.table.name,
          Item: {
            ...KEYS.runSymbols(run.runId),
            type: ITEM_TYPES.runSymbols,
            runId: run.runId,
            symbols: [...run.symbols],
            ...(run.lists && { lists: listIndexes(run.symbols, run.lists) }),
            expiresAt: record.expiresAt,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    if (await this.putNew(record)) return { created: true, run: record };
    const existing = await this.getRun(run.runId);
    if (!existing) throw new StoreError(`run ${run.runId} exists but has expired; use a new schedule time`);
    return { created: false, run: existing };
  }

  /** Writes a run record unless its run exists; true when written. Sets are written by the batches (ADD). */
  private async putNew(record: RunRecord): Promise<boolean> {
    return (
      (await unlessConditionFails(
        this.table.client.send(
          new PutCommand({
            TableName: this.table.name,
            Item: {
              ...KEYS.run(record.runId),
              ...KEYS.runIndex(record.scheduledAt, record.runId),
              type: ITEM_TYPES.run,
              ...record,
              doneBatches: undefined,
              failedBatches: undefined,
              barDates: undefined,
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      )) !== undefined
    );
  }

  /** Records a run whose dispatch failed before creating it: `failed`, with the error (once). */
  async recordFailedDispatch(run: NewRun, reason: string): Promise<boolean> {
    return this.putNew({
      ...initialRunRecord(run, this.table.expiry(this.retentionDays)),
      status: 'failed',
      finishedAt: this.table.now().toISOString(),
      endReason: `dispatch failed: ${reason}`.slice(0, 1000),
    });
  }

  /** Runs, newest first. */
  async listRuns(limit: number, cursor?: string): Promise<Page<RunRecord>> {
    const page = await this.table.page(KEYS.runs(), { limit, cursor, newestFirst: true });
    return { items: page.items.map(toRunRecord), cursor: page.cursor };
  }

  /**
   * The run the dashboard shows: the newest that completed or ended partial. Two GetItems: the
   * pointer the run's completion wrote, then the run. Without a pointer (a table from before it)
   * or its run (expired), the newest page of the runs index, if a shown run is on it.
   */
  async shownRun(): Promise<RunRecord | undefined> {
    const pointer = await this.table.get(KEYS.shownRun());
    const pointed = typeof pointer?.runId === 'string' ? await this.getRun(pointer.runId) : undefined;
    if (pointed && isShownRun(pointed)) return pointed;
    const page = await this.listRuns(SHOWN_RUN_FALLBACK_PAGE);
    return page.items.find(isShownRun);
  }
}

/** Runs read to find the shown run when its pointer is missing. */
const SHOWN_RUN_FALLBACK_PAGE = 20;

/** The update expression that adds a batch's tally to its run's counters. */
function batchUpdate(batch: number, tally: BatchTally) {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':one': 1, ':batchSet': new Set([batch]), ':batch': batch };
  const adds = ['batchesDone :one', 'doneBatches :batchSet'];
  // A late batch of a run that ended without it: no longer failed.
  const deletes = ' DELETE failedBatches :batchSet';
  if (tally.barDates && tally.barDates.length > 0) {
    adds.push('barDates :barDates');
    values[':barDates'] = new Set(tally.barDates);
  }
  const { summary } = tally;
  const totals: Record<string, number> = {
    symbolsDone: summary.symbols,
    symbolsPartial: tally.symbolsPartial ?? 0,
    scorecardSessions: tally.scorecardSessions ?? 0,
    symbolsWithErrors: summary.symbolsWithErrors,
    symbolsInsufficient: summary.symbolsInsufficient,
    aboveSma50: summary.breadth.aboveSma50,
    measured: summary.breadth.measured,
    bullishSignals: summary.breadth.bullishSignals,
    bearishSignals: summary.breadth.bearishSignals,
  };
  for (const [attribute, n] of Object.entries(totals)) {
    adds.push(`${attribute} :${attribute}`);
    values[`:${attribute}`] = n;
  }
  const sets: string[] = [];
  if (tally.session !== undefined) {
    names['#session'] = 'session';
    values[':session'] = tally.session;
    sets.push('#session = :session');
  }
  let k = 0;
  for (const [scanner, counts] of Object.entries(summary.signals)) {
    for (const [signal, n] of Object.entries(counts ?? {})) {
      names[`#s${k}`] = scanner;
      names[`#g${k}`] = signal;
      values[`:c${k}`] = n;
      sets.push(`signalCounts.#s${k}.#g${k} = signalCounts.#s${k}.#g${k} + :c${k}`);
      k++;
    }
  }
  for (const issue of ROW_ISSUES) {
    const n = tally.dataIssues[issue];
    if (!n) continue;
    names[`#d${k}`] = issue;
    values[`:d${k}`] = n;
    sets.push(`dataIssues.#d${k} = dataIssues.#d${k} + :d${k}`);
    k++;
  }
  return {
    expression: `ADD ${adds.join(', ')}${deletes}${sets.length > 0 ? ` SET ${sets.join(', ')}` : ''}`,
    names,
    values,
  };
}

/**
 * Each list as the positions of its symbols in the run's list: a symbol on many lists is written
 * once (50 lists of 1,000 symbols stay well inside an item's 400 KB).
 */
function listIndexes(
  symbols: readonly string[],
  lists: Readonly<Record<string, readonly string[]>>,
): Record<string, number[]> {
  const at = new Map(symbols.map((s, i) => [s, i]));
  return Object.fromEntries(
    Object.entries(lists).map(([name, members]) => [
      name,
      members.flatMap((s) => (at.has(s) ? [at.get(s) as number] : [])),
    ]),
  );
}

function toRunRecord(item: Record<string, unknown>): RunRecord {
  const { doneBatches, failedBatches, barDates, symbols, ...rest } = withoutKeys(item);
  const dates = barDates instanceof Set ? [...(barDates as Set<string>)].sort() : [];
  const run = rest as unknown as RunRecord;
  // Runs written before runs knew their kind and session read as scheduled runs of their date;
  // those written before the symbol list had an item of its own carry the list: counted, not kept.
  return {
    ...run,
    kind: run.kind ?? 'scheduled',
    session: run.session ?? run.sessionDate,
    symbolCount: run.symbolCount ?? (Array.isArray(symbols) ? symbols.length : 0),
    symbolsPartial: run.symbolsPartial ?? 0,
    scorecardSessions: run.scorecardSessions ?? 0,
    doneBatches: sortedNumbers(doneBatches),
    failedBatches: sortedNumbers(failedBatches),
    barDates: dates,
  };
}

function sortedNumbers(set: unknown): number[] {
  return set instanceof Set ? [...(set as Set<number>)].map(Number).sort((a, b) => a - b) : [];
}
