import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { ROW_ISSUES } from '../../core/scan/bars.js';
import { ValidationError } from '../../core/errors.js';
import type { OutcomeStatus, ScanOutcome } from '../../core/scan/scan-symbol.js';
import type { ScanValues } from '../../core/scan/scanner.js';
import type { ScannerName } from '../../core/scan/scanners.js';
import { batchWriteAll, StoreError } from './batch-write.js';
import { type BatchTally, initialRunRecord, type NewRun, type RunRecord } from '../../core/run/run-record.js';
import { DEFAULT_RETENTION, TABLE_KEYS } from './table-schema.js';

const { runsIndex, symbolIndex } = TABLE_KEYS;
const DAY_SECONDS = 86_400;

export { StoreError };

export interface StoreOptions {
  readonly tableName: string;
  readonly retention?: { resultsDays: number; runsDays: number };
  /** Clock and sleep, replaceable so retry tests need not wait. */
  readonly now?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
  /** BatchWriteItem attempts before unprocessed items are an error. */
  readonly maxWriteAttempts?: number;
}

export interface Page<T> {
  readonly items: T[];
  /** Opaque; pass back to get the next page. Absent on the last page. */
  readonly cursor?: string;
}

/** A stored scan outcome, with the run it belongs to. */
export interface StoredOutcome extends ScanOutcome {
  readonly runId: string;
  readonly scheduledAt: string;
  readonly asOf?: string;
}

/**
 * The results table (single-table design, keys in table-schema.ts):
 *   run            pk RUN#<runId>  sk RUN                          gsi1 RUNS / <scheduledAt>#<runId>
 *   result         pk RUN#<runId>  sk RESULT#<scanner>#<symbol>     gsi2 SYMBOL#<symbol> / <scheduledAt>#<runId>#<scanner>
 * Every item carries expiresAt; DynamoDB's TTL deletion lags, so every read filters expired items.
 * Only single-item conditional writes and BatchWriteItem: no transactions, no TTL API.
 */
export class ResultStore {
  private readonly tableName: string;
  private readonly retention: { resultsDays: number; runsDays: number };
  private readonly now: () => Date;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly maxWriteAttempts: number;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    options: StoreOptions,
  ) {
    this.tableName = options.tableName;
    this.retention = options.retention ?? DEFAULT_RETENTION;
    this.now = options.now ?? (() => new Date());
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.maxWriteAttempts = options.maxWriteAttempts ?? 8;
  }

  /** Creates the run unless it exists; either way returns the stored record. */
  async createRun(run: NewRun): Promise<{ created: boolean; run: RunRecord }> {
    const record = initialRunRecord(run, this.expiry(this.retention.runsDays));
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...runKey(run.runId),
            ...runIndexKey(run.scheduledAt, run.runId),
            type: 'run',
            ...record,
            doneBatches: undefined,
            failedBatches: undefined,
            barDates: undefined,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { created: true, run: record };
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const existing = await this.getRun(run.runId);
      if (!existing) throw new StoreError(`run ${run.runId} exists but has expired; use a new schedule time`);
      return { created: false, run: existing };
    }
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: runKey(runId), ConsistentRead: true }),
    );
    if (!Item || this.expired(Item)) return undefined;
    return toRunRecord(Item);
  }

  /** Writes one item per outcome (BatchWriteItem, 25 a call, unprocessed items retried with backoff). */
  async writeOutcomes(
    run: Pick<RunRecord, 'runId' | 'scheduledAt' | 'asOf'>,
    outcomes: readonly ScanOutcome[],
  ): Promise<void> {
    const expiresAt = this.expiry(this.retention.resultsDays);
    const items = outcomes.map((o) => ({
      PutRequest: {
        Item: {
          pk: `RUN#${run.runId}`,
          sk: `RESULT#${o.scanner}#${o.symbol}`,
          [symbolIndex.partitionKey]: `SYMBOL#${o.symbol}`,
          [symbolIndex.sortKey]: `${run.scheduledAt}#${run.runId}#${o.scanner}`,
          type: 'result',
          runId: run.runId,
          scheduledAt: run.scheduledAt,
          asOf: run.asOf,
          symbol: o.symbol,
          scanner: o.scanner,
          status: o.status,
          signal: o.signal,
          values: o.values,
          barDate: o.barDate,
          partial: o.partial,
          reason: o.reason,
          expiresAt,
        },
      },
    }));
    await batchWriteAll(this.client, this.tableName, items, { maxAttempts: this.maxWriteAttempts, sleep: this.sleep });
  }

  /**
   * Adds a finished batch to its run exactly once (conditional on the batch not being counted
   * yet). Returns the run after the update, or undefined when the batch was counted before.
   */
  async recordBatch(runId: string, batch: number, tally: BatchTally): Promise<RunRecord | undefined> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':one': 1, ':batchSet': new Set([batch]), ':batch': batch };
    const adds = ['batchesDone :one', 'doneBatches :batchSet'];
    if (tally.barDates && tally.barDates.length > 0) {
      adds.push('barDates :barDates');
      values[':barDates'] = new Set(tally.barDates);
    }
    const { summary } = tally;
    const totals: Record<string, number> = {
      symbolsDone: summary.symbols,
      symbolsPartial: tally.symbolsPartial ?? 0,
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
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: runKey(runId),
          UpdateExpression: `ADD ${adds.join(', ')}${sets.length > 0 ? ` SET ${sets.join(', ')}` : ''}`,
          ConditionExpression: 'attribute_exists(pk) AND NOT contains(doneBatches, :batch)',
          ...(Object.keys(names).length > 0 && { ExpressionAttributeNames: names }),
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toRunRecord(Attributes ?? {});
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return undefined;
      throw error;
    }
  }

  /**
   * Notes on the run that a batch failed on its last delivery (it goes to the DLQ next), so the
   * run record shows why it will not complete.
   */
  async recordBatchFailure(runId: string, batch: number, reason: string): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: runKey(runId),
        UpdateExpression: 'ADD failedBatches :batchSet SET lastBatchError = :reason',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: {
          ':batchSet': new Set([batch]),
          ':reason': `batch ${batch}: ${reason.slice(0, 500)}`,
        },
      }),
    );
  }

  /** Notes on the run what became of its alert. */
  async recordAlert(
    runId: string,
    alert: { status: 'sent' | 'nothing_new' | 'failed'; newSignals: number; error?: string },
  ): Promise<void> {
    await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: runKey(runId),
        UpdateExpression: 'SET alert = :alert',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':alert': { ...alert, at: this.now().toISOString() } },
      }),
    );
  }

  /**
   * Marks a running run complete; true for the one caller that did it. The update carries a
   * token of this call: when its response is lost and the SDK's retry fails the condition, the
   * stored token tells whether it was this call that completed the run.
   */
  async completeRun(runId: string): Promise<boolean> {
    const token = randomUUID();
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: runKey(runId),
          UpdateExpression: 'SET #status = :complete, finishedAt = :now, completedBy = :token',
          ConditionExpression: '#status = :running AND batchesDone >= batchesExpected',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':complete': 'complete',
            ':running': 'running',
            ':now': this.now().toISOString(),
            ':token': token,
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException)
        return (await this.tokenOf(runKey(runId), 'completedBy')) === token;
      throw error;
    }
  }

  /** A token attribute of an item, read consistently. */
  private async tokenOf(key: Record<string, string>, attribute: string): Promise<unknown> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: key,
        ConsistentRead: true,
        ProjectionExpression: '#t',
        ExpressionAttributeNames: { '#t': attribute },
      }),
    );
    return Item?.[attribute];
  }

  /** Runs, newest first. */
  async listRuns(limit: number, cursor?: string): Promise<Page<RunRecord>> {
    const page = await this.queryPage(
      {
        IndexName: runsIndex.name,
        KeyConditionExpression: '#pk = :runs',
        ExpressionAttributeNames: { '#pk': runsIndex.partitionKey },
        ExpressionAttributeValues: { ':runs': 'RUNS' },
        ScanIndexForward: false,
      },
      limit,
      cursor,
    );
    return { items: page.items.map(toRunRecord), cursor: page.cursor };
  }

  /** The newest run with one of the given statuses (complete by default). */
  async latestRun(...statuses: RunRecord['status'][]): Promise<RunRecord | undefined> {
    const wanted = statuses.length > 0 ? statuses : ['complete'];
    let cursor: string | undefined;
    do {
      const page = await this.listRuns(20, cursor);
      const found = page.items.find((run) => wanted.includes(run.status));
      if (found) return found;
      cursor = page.cursor;
    } while (cursor);
    return undefined;
  }

  /** One page of a run's results, optionally of one scanner, signal or status. */
  async runResults(
    runId: string,
    filter: { scanner?: ScannerName; signal?: string; status?: OutcomeStatus } = {},
    limit = 500,
    cursor?: string,
  ): Promise<Page<StoredOutcome>> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {
      ':pk': `RUN#${runId}`,
      ':prefix': filter.scanner ? `RESULT#${filter.scanner}#` : 'RESULT#',
    };
    const conditions: string[] = [];
    if (filter.signal !== undefined) {
      names['#signal'] = 'signal';
      values[':signal'] = filter.signal;
      conditions.push('#signal = :signal');
    }
    if (filter.status !== undefined) {
      names['#status'] = 'status';
      values[':status'] = filter.status;
      conditions.push('#status = :status');
    }
    const page = await this.queryPage(
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ...(Object.keys(names).length > 0 && { ExpressionAttributeNames: names }),
        ExpressionAttributeValues: values,
      },
      limit,
      cursor,
      conditions,
    );
    return { items: page.items.map(toStoredOutcome), cursor: page.cursor };
  }

  /** Every result of a run, page by page. */
  async *allRunResults(runId: string): AsyncGenerator<StoredOutcome> {
    let cursor: string | undefined;
    do {
      const page = await this.runResults(runId, {}, 1000, cursor);
      yield* page.items;
      cursor = page.cursor;
    } while (cursor);
  }

  /** A symbol's results, newest run first (each run has one item per scanner). */
  async symbolHistory(symbol: string, limit: number, cursor?: string): Promise<Page<StoredOutcome>> {
    const page = await this.queryPage(
      {
        IndexName: symbolIndex.name,
        KeyConditionExpression: '#pk = :symbol',
        ExpressionAttributeNames: { '#pk': symbolIndex.partitionKey },
        ExpressionAttributeValues: { ':symbol': `SYMBOL#${symbol}` },
        ScanIndexForward: false,
      },
      limit,
      cursor,
    );
    return { items: page.items.map(toStoredOutcome), cursor: page.cursor };
  }

  /**
   * Queries until `limit` unexpired items are collected or the key range ends. Expired items
   * are filtered by the query itself (TTL deletion lags by up to two days).
   */
  private async queryPage(
    input: Omit<QueryCommandInput, 'TableName'>,
    limit: number,
    cursor?: string,
    conditions: string[] = [],
  ): Promise<{ items: Record<string, unknown>[]; cursor?: string }> {
    const filter = ['expiresAt > :now', ...conditions].join(' AND ');
    const items: Record<string, unknown>[] = [];
    let startKey = decodeCursor(cursor);
    do {
      const response = await this.client.send(
        new QueryCommand({
          ...input,
          TableName: this.tableName,
          FilterExpression: filter,
          ExpressionAttributeValues: {
            ...input.ExpressionAttributeValues,
            ':now': Math.floor(this.now().getTime() / 1000),
          },
          Limit: limit - items.length,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(response.Items ?? []));
      startKey = response.LastEvaluatedKey;
    } while (startKey && items.length < limit);
    return { items, cursor: startKey ? encodeCursor(startKey) : undefined };
  }

  private expiry(days: number): number {
    return Math.floor(this.now().getTime() / 1000) + days * DAY_SECONDS;
  }

  private expired(item: Record<string, unknown>): boolean {
    return typeof item.expiresAt === 'number' && item.expiresAt <= this.now().getTime() / 1000;
  }
}

function runKey(runId: string) {
  return { pk: `RUN#${runId}`, sk: 'RUN' };
}

function runIndexKey(scheduledAt: string, runId: string) {
  return { [runsIndex.partitionKey]: 'RUNS', [runsIndex.sortKey]: `${scheduledAt}#${runId}` };
}

function toRunRecord(item: Record<string, unknown>): RunRecord {
  const {
    pk: _pk,
    sk: _sk,
    type: _type,
    gsi1pk: _g1,
    gsi1sk: _g1s,
    doneBatches,
    failedBatches,
    barDates,
    ...rest
  } = item;
  const dates = barDates instanceof Set ? [...(barDates as Set<string>)].sort() : [];
  const run = rest as unknown as RunRecord;
  // Runs written before runs knew their kind and session read as scheduled runs of their date.
  return {
    ...run,
    kind: run.kind ?? 'scheduled',
    session: run.session ?? run.sessionDate,
    symbolsPartial: run.symbolsPartial ?? 0,
    doneBatches: sortedNumbers(doneBatches),
    failedBatches: sortedNumbers(failedBatches),
    barDates: dates,
  };
}

function sortedNumbers(set: unknown): number[] {
  return set instanceof Set ? [...(set as Set<number>)].map(Number).sort((a, b) => a - b) : [];
}

function toStoredOutcome(item: Record<string, unknown>): StoredOutcome {
  return {
    runId: item.runId as string,
    scheduledAt: item.scheduledAt as string,
    ...(item.asOf !== undefined && { asOf: item.asOf as string }),
    symbol: item.symbol as string,
    scanner: item.scanner as ScannerName,
    status: item.status as OutcomeStatus,
    signal: (item.signal as string | null) ?? null,
    values: (item.values as ScanValues | null) ?? null,
    ...(item.barDate !== undefined && { barDate: item.barDate as string }),
    ...(item.barDate !== undefined && { partial: item.partial === true }),
    ...(item.reason !== undefined && { reason: item.reason as string }),
  };
}

export function encodeCursor(key: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/** A cursor that is not one of ours is a ValidationError naming "cursor". */
export function decodeCursor(cursor: string | undefined): Record<string, unknown> | undefined {
  if (cursor === undefined) return undefined;
  try {
    const key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (key && typeof key === 'object' && !Array.isArray(key) && 'pk' in key && 'sk' in key)
      return key as Record<string, unknown>;
  } catch {
    // fall through to the error below
  }
  throw new ValidationError('cursor', 'cursor is not valid: pass back the cursor of a previous page unchanged');
}
