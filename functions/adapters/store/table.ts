import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { backoffMs, batchWriteAll, StoreError } from './batch-write.js';
import { decodeCursor, encodeCursor, type Page } from './cursor.js';
import { type IndexRange, type ItemKey, type KeyRange, TABLE_KEYS } from './table-schema.js';

const DAY_SECONDS = 86_400;
const BATCH_GET_LIMIT = 100;

/**
 * A conditional write: its response, or undefined when its condition failed and nothing was
 * written. Any other error is thrown.
 */
export async function unlessConditionFails<T>(write: Promise<T>): Promise<T | undefined> {
  try {
    return await write;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}

export interface TableOptions {
  readonly tableName: string;
  /** Clock and sleep, replaceable so retry tests need not wait. */
  readonly now?: () => Date;
  readonly sleep?: (ms: number) => Promise<void>;
  /** BatchWriteItem attempts before unprocessed items are an error. */
  readonly maxWriteAttempts?: number;
}

/**
 * The results table as the stores share it: the client, the clock, expiry arithmetic, and the
 * reads every store makes the same way. DynamoDB's TTL deletion lags by up to two days, so every
 * read here leaves out expired items.
 */
export class Table {
  readonly name: string;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  private readonly maxWriteAttempts: number;

  constructor(
    readonly client: DynamoDBDocumentClient,
    options: TableOptions,
  ) {
    this.name = options.tableName;
    this.now = options.now ?? (() => new Date());
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.maxWriteAttempts = options.maxWriteAttempts ?? 8;
  }

  /** The TTL attribute's value for an item kept `days` from now. */
  expiry(days: number): number {
    return Math.floor(this.now().getTime() / 1000) + days * DAY_SECONDS;
  }

  expired(item: Record<string, unknown>): boolean {
    const expiresAt = item[TABLE_KEYS.ttlAttribute];
    return typeof expiresAt === 'number' && expiresAt <= this.now().getTime() / 1000;
  }

  /** One item (consistent read), unless absent or expired. */
  async get(key: ItemKey): Promise<Record<string, unknown> | undefined> {
    const { Item } = await this.client.send(new GetCommand({ TableName: this.name, Key: key, ConsistentRead: true }));
    return Item && !this.expired(Item) ? Item : undefined;
  }

  /** One attribute of an item, read consistently (the tokens and claims of conditional writes). */
  async attribute(key: ItemKey, name: string): Promise<unknown> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.name,
        Key: key,
        ConsistentRead: true,
        ProjectionExpression: '#a',
        ExpressionAttributeNames: { '#a': name },
      }),
    );
    return Item?.[name];
  }

  /**
   * The unexpired items of these keys (consistent reads; BatchGetItem, 100 keys a call, the
   * unprocessed ones retried with backoff), in no particular order.
   */
  async getMany(keys: readonly ItemKey[]): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    for (let i = 0; i < keys.length; i += BATCH_GET_LIMIT) {
      let pending: Record<string, unknown>[] = keys.slice(i, i + BATCH_GET_LIMIT).map((key) => ({ ...key }));
      for (let attempt = 1; pending.length > 0; attempt++) {
        const { Responses, UnprocessedKeys } = await this.client.send(
          new BatchGetCommand({ RequestItems: { [this.name]: { Keys: pending, ConsistentRead: true } } }),
        );
        for (const item of Responses?.[this.name] ?? []) if (!this.expired(item)) items.push(item);
        pending = (UnprocessedKeys?.[this.name]?.Keys ?? []) as Record<string, unknown>[];
        if (pending.length > 0 && attempt >= this.maxWriteAttempts)
          throw new StoreError(`${pending.length} items still unread after ${attempt} BatchGetItem attempts`);
        if (pending.length > 0) await this.sleep(backoffMs(attempt));
      }
    }
    return items;
  }

  async batchWrite(requests: readonly Record<string, unknown>[]): Promise<void> {
    await batchWriteAll(this.client, this.name, requests, { maxAttempts: this.maxWriteAttempts, sleep: this.sleep });
  }

  /**
   * One page of an index partition or a key range: one Query that reads at most `limit` items,
   * so a page costs what it returns. Expired items (TTL deletion lags) are left out, so a page
   * may hold fewer than `limit`; the cursor says whether more follow.
   */
  async page(
    range: IndexRange | KeyRange,
    options: { limit: number; cursor?: string; newestFirst?: boolean },
  ): Promise<Page<Record<string, unknown>>> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    let input: Omit<QueryCommandInput, 'TableName'>;
    if ('index' in range) {
      names['#pk'] = range.attribute;
      values[':pk'] = range.value;
      input = { IndexName: range.index, KeyConditionExpression: '#pk = :pk' };
    } else {
      values[':pk'] = range.pk;
      if (range.skPrefix !== undefined) values[':prefix'] = range.skPrefix;
      input = {
        KeyConditionExpression: range.skPrefix === undefined ? 'pk = :pk' : 'pk = :pk AND begins_with(sk, :prefix)',
      };
    }
    const response = await this.client.send(
      new QueryCommand({
        ...input,
        TableName: this.name,
        FilterExpression: `${TABLE_KEYS.ttlAttribute} > :now`,
        ...(Object.keys(names).length > 0 && { ExpressionAttributeNames: names }),
        ExpressionAttributeValues: { ...values, ':now': Math.floor(this.now().getTime() / 1000) },
        ScanIndexForward: !options.newestFirst,
        Limit: options.limit,
        ExclusiveStartKey: decodeCursor(options.cursor),
      }),
    );
    return {
      items: response.Items ?? [],
      cursor: response.LastEvaluatedKey ? encodeCursor(response.LastEvaluatedKey) : undefined,
    };
  }

  /**
   * Every unexpired item of a key range (consistent reads), up to `limit` (each Query reads at most
   * what is left of it). `kept`: items that never expire (the lists, the subscriptions), read without the TTL filter.
   */
  async all(
    range: KeyRange,
    options: { limit?: number; newestFirst?: boolean; kept?: boolean } = {},
  ): Promise<Record<string, unknown>[]> {
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    const items: Record<string, unknown>[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const response = await this.queryConsistently(range, startKey, limit - items.length, options);
      items.push(...response.items);
      startKey = response.next;
    } while (startKey && items.length < limit);
    return items.slice(0, limit);
  }

  /**
   * The unexpired items of a key range (consistent reads), a Query of at most `pageSize` items at
   * a time: a caller that folds each page before the next holds one page, not the range.
   */
  async *pages(range: KeyRange, pageSize: number): AsyncGenerator<Record<string, unknown>[]> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const response = await this.queryConsistently(range, startKey, pageSize, {});
      yield response.items;
      startKey = response.next;
    } while (startKey);
  }

  private async queryConsistently(
    range: KeyRange,
    startKey: Record<string, unknown> | undefined,
    limit: number,
    { newestFirst = false, kept = false }: { newestFirst?: boolean; kept?: boolean },
  ): Promise<{ items: Record<string, unknown>[]; next?: Record<string, unknown> }> {
    const response = await this.client.send(
      new QueryCommand({
        TableName: this.name,
        KeyConditionExpression: range.skPrefix === undefined ? 'pk = :pk' : 'pk = :pk AND begins_with(sk, :prefix)',
        ...(!kept && { FilterExpression: `${TABLE_KEYS.ttlAttribute} > :now` }),
        ExpressionAttributeValues: {
          ':pk': range.pk,
          ...(!kept && { ':now': Math.floor(this.now().getTime() / 1000) }),
          ...(range.skPrefix !== undefined && { ':prefix': range.skPrefix }),
        },
        ConsistentRead: true,
        ScanIndexForward: !newestFirst,
        ...(Number.isFinite(limit) && { Limit: limit }),
        ExclusiveStartKey: startKey,
      }),
    );
    return { items: response.Items ?? [], next: response.LastEvaluatedKey };
  }
}

const TABLE_ATTRIBUTES = [
  TABLE_KEYS.partitionKey,
  TABLE_KEYS.sortKey,
  TABLE_KEYS.runsIndex.partitionKey,
  TABLE_KEYS.runsIndex.sortKey,
  TABLE_KEYS.symbolIndex.partitionKey,
  TABLE_KEYS.symbolIndex.sortKey,
  TABLE_KEYS.typeAttribute,
];

/** An item without the table's own attributes (keys, index keys, type) and any `more` named. */
export function withoutKeys(item: Record<string, unknown>, ...more: string[]): Record<string, unknown> {
  const rest = { ...item };
  for (const name of [...TABLE_ATTRIBUTES, ...more]) delete rest[name];
  return rest;
}
