import { BatchGetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ScanValues } from '../../core/scan/scanner.js';
import type { ScannerName } from '../../core/scan/scanners.js';
import type { EventRecord, EventState } from '../../core/run/signal-events.js';
import { backoffMs, StoreError } from './batch-write.js';
import { type Table, unlessConditionFails, withoutKeys } from './table.js';
import { ITEM_TYPES, KEYS } from './table-schema.js';

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

export interface StoredState {
  readonly state: EventState;
  readonly version: number;
  /** The last bar date of the symbol's newest cached bars (BarsStore): they are written again only past it. */
  readonly barsDate?: string;
}

/**
 * Signal events and each symbol's event state. An event is claimed by a conditional put that
 * carries the claiming run: a retried or redelivered batch of the same run finds its own claim.
 * Events and states are kept as long as runs, so that a squeeze can last.
 */
export class EventStore {
  constructor(
    private readonly table: Table,
    private readonly retentionDays: number,
  ) {}

  /** The event state of each symbol (consistent reads, 100 a call); absent when none is recorded. */
  async readStates(symbols: readonly string[]): Promise<Map<string, StoredState>> {
    const states = new Map<string, StoredState>();
    for (let i = 0; i < symbols.length; i += BATCH_GET_LIMIT) {
      let keys: Record<string, unknown>[] = symbols.slice(i, i + BATCH_GET_LIMIT).map((s) => ({ ...KEYS.state(s) }));
      for (let attempt = 1; keys.length > 0; attempt++) {
        const { Responses, UnprocessedKeys } = await this.table.client.send(
          new BatchGetCommand({ RequestItems: { [this.table.name]: { Keys: keys, ConsistentRead: true } } }),
        );
        for (const item of Responses?.[this.table.name] ?? []) {
          if (!this.table.expired(item))
            states.set(item.symbol as string, {
              state: item.state as EventState,
              version: item.version as number,
              ...(item.barsDate !== undefined && { barsDate: item.barsDate as string }),
            });
        }
        keys = (UnprocessedKeys?.[this.table.name]?.Keys ?? []) as Record<string, unknown>[];
        if (keys.length > 0 && attempt >= 8)
          throw new StoreError(`${keys.length} event states still unread after ${attempt} BatchGetItem attempts`);
        if (keys.length > 0) await this.table.sleep(backoffMs(attempt));
      }
    }
    return states;
  }

  /**
   * Writes a symbol's state (and the date of its cached bars) if nobody moved it since `version`
   * was read. A concurrent run that got there first with the same or a newer session wins; an
   * older one is overwritten.
   */
  async writeState(
    symbol: string,
    state: EventState,
    version: number | undefined,
    barsDate: string | undefined,
  ): Promise<void> {
    for (let expected = version; ;) {
      const written = await unlessConditionFails(
        this.table.client.send(
          new PutCommand({
            TableName: this.table.name,
            Item: {
              ...KEYS.state(symbol),
              type: ITEM_TYPES.eventState,
              symbol,
              state,
              version: (expected ?? 0) + 1,
              barsDate,
              expiresAt: this.table.expiry(this.retentionDays),
            },
            ConditionExpression: expected === undefined ? 'attribute_not_exists(pk)' : 'version = :version',
            ...(expected !== undefined && { ExpressionAttributeValues: { ':version': expected } }),
          }),
        ),
      );
      if (written) return;
      const stored = (await this.readStates([symbol])).get(symbol);
      if (stored && stored.state.session >= state.session) return;
      expected = stored?.version;
    }
  }

  /**
   * Records a new event (alert, seen or forming) for `runId`: true when this run holds it (its
   * first claim, or its own earlier claim found on a retry), false when another run recorded it.
   */
  async claimEvent(runId: string, symbol: string, record: EventRecord, at: string): Promise<boolean> {
    const key = KEYS.event(symbol, record.start, record.scanner, record.signal);
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
      type: ITEM_TYPES.event,
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
      expiresAt: this.table.expiry(this.retentionDays),
    };
    const claimed = await unlessConditionFails(
      this.table.client.send(
        new PutCommand({ TableName: this.table.name, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }),
      ),
    );
    // Held by another run, or by this one on an earlier try whose answer was lost.
    return claimed !== undefined || (await this.table.attribute(key, 'runId')) === runId;
  }

  /** Confirms or retracts a forming event once its session closed; true for the run that did it. */
  async resolveForming(runId: string, symbol: string, record: EventRecord, at: string): Promise<boolean> {
    const key = KEYS.event(symbol, record.start, record.scanner, record.signal);
    const confirmed = record.kind === 'confirmed';
    const resolved = await unlessConditionFails(
      this.table.client.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: key,
          UpdateExpression: `SET #status = :status, resolvedBy = :runId, expiresAt = :expiresAt${confirmed ? ', confirmedAt = :at, #values = :values' : ', retractedAt = :at'}`,
          ConditionExpression: '#status = :forming',
          ExpressionAttributeNames: { '#status': 'status', ...(confirmed && { '#values': 'values' }) },
          ExpressionAttributeValues: {
            ':status': record.kind,
            ':forming': 'forming',
            ':runId': runId,
            ':at': at,
            ':expiresAt': this.table.expiry(this.retentionDays),
            ...(confirmed && { ':values': record.values }),
          },
        }),
      ),
    );
    return resolved !== undefined || (await this.table.attribute(key, 'resolvedBy')) === runId;
  }

  /** A symbol's events, newest start first. */
  async eventsOf(symbol: string, limit: number): Promise<StoredEvent[]> {
    const items = await this.table.all(KEYS.eventsOf(symbol), { limit, newestFirst: true });
    return items.map((item) => withoutKeys(item, 'expiresAt', 'resolvedBy', 'retractedAt') as unknown as StoredEvent);
  }
}
