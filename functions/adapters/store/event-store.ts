import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import type { ScanValues } from '../../core/scan/scanner.js';
import type { ScannerName } from '../../core/scan/scanners.js';
import type { EventKind, EventRecord, EventState } from '../../core/run/signal-events.js';
import { backoffMs, batchWriteAll, StoreError } from './batch-write.js';
import { DEFAULT_RETENTION, EVENT_KEYS } from './table-schema.js';

const DAY_SECONDS = 86_400;
const BATCH_GET_LIMIT = 100;

/** What an event is now, as its history shows it. */
export type EventStatus = 'alerted' | 'seen' | 'suppressed' | 'forming' | 'confirmed' | 'retracted';

/** One event, as stored once per (symbol, scanner, signal, start session). */
export interface StoredEvent {
  readonly symbol: string;
  readonly scanner: ScannerName;
  readonly signal: string;
  readonly start: string;
  readonly barDate: string;
  readonly status: EventStatus;
  /** The run instant that first recorded it, and the one that saw its bar closed (forming events). */
  readonly firstSeenAt: string;
  readonly confirmedAt?: string;
  readonly late?: boolean;
  readonly suppressedBy?: string;
  readonly runId: string;
  readonly values: ScanValues | null;
}

/** One line of a run's alert log: what the run alerts (or held back), with the figures to show. */
export interface AlertLogEntry {
  readonly runId: string;
  readonly symbol: string;
  readonly scanner: ScannerName;
  readonly signal: string;
  readonly kind: Exclude<EventKind, 'seen'>;
  readonly barDate: string;
  readonly start: string;
  /** The run's instant. */
  readonly at: string;
  readonly late?: boolean;
  readonly suppressedBy?: string;
  readonly values: ScanValues | null;
}

export interface StoredState {
  readonly state: EventState;
  readonly version: number;
}

export interface OutboxEntry {
  readonly runId: string;
  readonly status: 'sending' | 'failed';
  readonly at: string;
  readonly error?: string;
}

export interface EventStoreOptions {
  readonly tableName: string;
  /** Event and state retention; long enough for a squeeze to last (default: the runs' 30 days). */
  readonly retentionDays?: number;
  readonly now?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * Signal events, each symbol's event state, each run's alert log and the outbox of runs whose
 * alerts are being sent (keys in table-schema.ts). An event is claimed by a conditional put that
 * carries the claiming run: a retried or redelivered batch of the same run finds its own claim.
 */
export class EventStore {
  private readonly tableName: string;
  private readonly retentionDays: number;
  private readonly now: () => Date;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly client: DynamoDBDocumentClient,
    options: EventStoreOptions,
  ) {
    this.tableName = options.tableName;
    this.retentionDays = options.retentionDays ?? DEFAULT_RETENTION.runsDays;
    this.now = options.now ?? (() => new Date());
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** The event state of each symbol (consistent reads, 100 a call); absent when none is recorded. */
  async readStates(symbols: readonly string[]): Promise<Map<string, StoredState>> {
    const states = new Map<string, StoredState>();
    for (let i = 0; i < symbols.length; i += BATCH_GET_LIMIT) {
      let keys: Record<string, unknown>[] = symbols.slice(i, i + BATCH_GET_LIMIT).map((s) => EVENT_KEYS.state(s));
      for (let attempt = 1; keys.length > 0; attempt++) {
        const { Responses, UnprocessedKeys } = await this.client.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const item of Responses?.[this.tableName] ?? []) {
          if (!this.expired(item))
            states.set(item.symbol as string, { state: item.state as EventState, version: item.version as number });
        }
        keys = (UnprocessedKeys?.[this.tableName]?.Keys ?? []) as Record<string, unknown>[];
        if (keys.length > 0 && attempt >= 8)
          throw new StoreError(`${keys.length} event states still unread after ${attempt} BatchGetItem attempts`);
        if (keys.length > 0) await this.sleep(backoffMs(attempt));
      }
    }
    return states;
  }

  /**
   * Writes a symbol's state if nobody moved it since `version` was read. A concurrent run that
   * got there first with the same or a newer session wins; an older one is overwritten.
   */
  async writeState(symbol: string, state: EventState, version: number | undefined): Promise<void> {
    for (let expected = version; ;) {
      try {
        await this.client.send(
          new PutCommand({
            TableName: this.tableName,
            Item: {
              ...EVENT_KEYS.state(symbol),
              type: 'event-state',
              symbol,
              state,
              version: (expected ?? 0) + 1,
              expiresAt: this.expiry(),
            },
            ConditionExpression: expected === undefined ? 'attribute_not_exists(pk)' : 'version = :version',
            ...(expected !== undefined && { ExpressionAttributeValues: { ':version': expected } }),
          }),
        );
        return;
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        const stored = (await this.readStates([symbol])).get(symbol);
        if (stored && stored.state.session >= state.session) return;
        expected = stored?.version;
      }
    }
  }

  /**
   * Records a new event (alert, seen or forming) for `runId`: true when this run holds it (its
   * first claim, or its own earlier claim found on a retry), false when another run recorded it.
   */
  async claimEvent(runId: string, symbol: string, record: EventRecord, at: string): Promise<boolean> {
    const key = EVENT_KEYS.event(symbol, record.start, record.scanner, record.signal);
    const status: EventStatus =
      record.kind === 'seen'
        ? 'seen'
        : record.kind === 'forming'
          ? 'forming'
          : record.suppressedBy
            ? 'suppressed'
            : 'alerted';
    const item: Record<string, unknown> = {
      ...key,
      type: 'event',
      symbol,
      scanner: record.scanner,
      signal: record.signal,
      start: record.start,
      barDate: record.barDate,
      status,
      firstSeenAt: at,
      ...(record.kind !== 'forming' && { confirmedAt: at }),
      ...(record.late && { late: true }),
      ...(record.suppressedBy && { suppressedBy: record.suppressedBy }),
      runId,
      values: record.values,
      expiresAt: this.expiry(),
    };
    try {
      await this.client.send(
        new PutCommand({ TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
      );
      return true;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return (await this.attribute(key, 'runId')) === runId;
    }
  }

  /** Confirms or retracts a forming event once its session closed; true for the run that did it. */
  async resolveForming(runId: string, symbol: string, record: EventRecord, at: string): Promise<boolean> {
    const key = EVENT_KEYS.event(symbol, record.start, record.scanner, record.signal);
    const confirmed = record.kind === 'confirmed';
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: `SET #status = :status, resolvedBy = :runId, expiresAt = :expiresAt${confirmed ? ', confirmedAt = :at, #values = :values' : ', retractedAt = :at'}`,
          ConditionExpression: '#status = :forming',
          ExpressionAttributeNames: { '#status': 'status', ...(confirmed && { '#values': 'values' }) },
          ExpressionAttributeValues: {
            ':status': record.kind,
            ':forming': 'forming',
            ':runId': runId,
            ':at': at,
            ':expiresAt': this.expiry(),
            ...(confirmed && { ':values': record.values }),
          },
        }),
      );
      return true;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      return (await this.attribute(key, 'resolvedBy')) === runId;
    }
  }

  /** Adds entries to runs' alert logs (idempotent: an entry's key names its run, event and kind). */
  async writeAlertLog(entries: readonly AlertLogEntry[]): Promise<void> {
    const expiresAt = this.expiry();
    const requests = entries.map((e) => ({
      PutRequest: {
        Item: {
          ...EVENT_KEYS.alertLog(e.runId, e.symbol, `${e.scanner}#${e.signal}#${e.start}`, e.kind),
          type: 'alert',
          ...e,
          expiresAt,
        },
      },
    }));
    await batchWriteAll(this.client, this.tableName, requests, { maxAttempts: 8, sleep: this.sleep });
  }

  /** A run's alert log, in key order (symbol, then event). */
  async alertLog(runId: string): Promise<AlertLogEntry[]> {
    const { pk, skPrefix } = EVENT_KEYS.alertLogOf(runId);
    return (await this.queryAll(pk, skPrefix)).map((item) => {
      const { pk: _pk, sk: _sk, type: _type, expiresAt: _e, ...entry } = item;
      return entry as unknown as AlertLogEntry;
    });
  }

  /** A symbol's events, newest start first. */
  async eventsOf(symbol: string, limit: number): Promise<StoredEvent[]> {
    const { pk, skPrefix } = EVENT_KEYS.eventsOf(symbol);
    return (await this.queryAll(pk, skPrefix, limit, false)).map((item) => {
      const { pk: _pk, sk: _sk, type: _type, expiresAt: _e, resolvedBy: _r, retractedAt: _ra, ...event } = item;
      return event as unknown as StoredEvent;
    });
  }

  /** Notes that a run's alerts are being sent: until closed, a later run may send them. */
  async openOutbox(runId: string): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...EVENT_KEYS.outbox(runId),
          type: 'outbox',
          runId,
          status: 'sending',
          at: this.now().toISOString(),
          expiresAt: this.expiry(),
        },
      }),
    );
  }

  async failOutbox(runId: string, error: string): Promise<void> {
    const item = {
      ...EVENT_KEYS.outbox(runId),
      type: 'outbox',
      runId,
      status: 'failed',
      at: this.now().toISOString(),
      error: error.slice(0, 500),
      expiresAt: this.expiry(),
    };
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: item }));
  }

  async closeOutbox(runId: string): Promise<void> {
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: EVENT_KEYS.outbox(runId) }));
  }

  /** Runs whose alerts failed, or whose sending started `staleMs` ago and never ended (the sender died). */
  async undelivered(staleMs: number): Promise<OutboxEntry[]> {
    const cutoff = new Date(this.now().getTime() - staleMs).toISOString();
    const entries = (await this.queryAll(EVENT_KEYS.outboxAll().pk)) as unknown as OutboxEntry[];
    return entries.filter((e) => e.status === 'failed' || e.at < cutoff);
  }

  private async queryAll(
    pk: string,
    skPrefix?: string,
    limit = Number.POSITIVE_INFINITY,
    forward = true,
  ): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const response = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: skPrefix === undefined ? 'pk = :pk' : 'pk = :pk AND begins_with(sk, :prefix)',
          FilterExpression: 'expiresAt > :now',
          ExpressionAttributeValues: {
            ':pk': pk,
            ':now': Math.floor(this.now().getTime() / 1000),
            ...(skPrefix !== undefined && { ':prefix': skPrefix }),
          },
          ConsistentRead: true,
          ScanIndexForward: forward,
          ExclusiveStartKey: startKey,
        }),
      );
      items.push(...(response.Items ?? []));
      startKey = response.LastEvaluatedKey;
    } while (startKey && items.length < limit);
    return items.slice(0, limit);
  }

  private async attribute(key: Record<string, string>, name: string): Promise<unknown> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: key,
        ConsistentRead: true,
        ProjectionExpression: '#a',
        ExpressionAttributeNames: { '#a': name },
      }),
    );
    return Item?.[name];
  }

  private expiry(): number {
    return Math.floor(this.now().getTime() / 1000) + this.retentionDays * DAY_SECONDS;
  }

  private expired(item: Record<string, unknown>): boolean {
    return typeof item.expiresAt === 'number' && item.expiresAt <= this.now().getTime() / 1000;
  }
}
