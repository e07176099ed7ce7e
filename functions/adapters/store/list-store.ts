import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { type ListLimits, ListError } from '../../core/lists/watchlist-rules.js';
import { StoreError } from './batch-write.js';
import { type Table, unlessConditionFails } from './table.js';
import { ITEM_TYPES, KEYS } from './table-schema.js';

/** A named watchlist as stored. */
export interface Watchlist {
  readonly name: string;
  /** In alphabetical order (a set has none). */
  readonly symbols: string[];
  /** Counts every change: a whole-list replace must name the version it read. */
  readonly version: number;
  readonly updatedBy: string;
  readonly updatedAt: string;
  readonly createdAt: string;
}

/** What an add did: the symbols it added, those already on the list, and the list after it. */
export interface AddOutcome {
  readonly added: string[];
  readonly already: string[];
  readonly list: Watchlist;
}

export interface RemoveOutcome {
  readonly removed: string[];
  /** Named but not on the list. */
  readonly absent: string[];
  readonly list: Watchlist;
}

/** Attempts of an add or replace whose condition failed because another change landed first. */
const MAX_ATTEMPTS = 6;

/**
 * The watchlists (partition LISTS): one item per list, its symbols a string set. Adds and removes
 * are atomic set updates (ADD/DELETE) whose condition holds the list's size under its limit, so
 * two members adding at once both land; only a whole-list replace carries the version it read.
 * The count of lists and the total over lists are checked on a consistent read of the partition
 * just before the write: two changes to different lists at the same instant can together pass
 * them by at most one request's symbols (docs/watchlists.md).
 */
export class ListStore {
  constructor(private readonly table: Table) {}

  /** Every list, by name. Lists do not expire: the partition is read without the TTL filter. */
  async lists(): Promise<Watchlist[]> {
    return (await this.table.all(KEYS.watchlists(), { kept: true })).map(watchlistOf);
  }

  async list(name: string): Promise<Watchlist | undefined> {
    const item = await this.table.get(KEYS.watchlist(name));
    return item && watchlistOf(item);
  }

  /** Every symbol of every list, each once, in alphabetical order: what a run of all lists scans. */
  async union(): Promise<string[]> {
    return unionOf(await this.lists());
  }

  /**
   * Adds symbols to a list, creating it if needed. Symbols already on it are reported, not
   * refused. A limit (lists, symbols a list, the total) is a ListError naming it; nothing changes then.
   */
  async add(name: string, symbols: readonly string[], by: string, limits: ListLimits): Promise<AddOutcome> {
    for (let attempt = 1; ; attempt++) {
      const lists = await this.lists();
      const existing = lists.find((l) => l.name === name);
      const onList = new Set(existing?.symbols ?? []);
      const added = symbols.filter((s) => !onList.has(s));
      const already = symbols.filter((s) => onList.has(s));
      if (added.length === 0 && existing) return { added, already, list: existing };
      checkLimits(lists, name, [...onList, ...added], limits, existing === undefined);
      const now = this.table.now().toISOString();
      const written = await unlessConditionFails(
        this.table.client.send(
          new UpdateCommand({
            TableName: this.table.name,
            Key: KEYS.watchlist(name),
            UpdateExpression: `SET #type = :type, listName = :name, updatedBy = :by, updatedAt = :now, createdAt = if_not_exists(createdAt, :now)${added.length > 0 ? ' ADD symbols :symbols, version :one' : ' ADD version :one'}`,
            // A list another change created or grew since the read: read again and re-check the limits.
            ConditionExpression: existing
              ? 'attribute_exists(pk) AND (attribute_not_exists(symbols) OR size(symbols) <= :room)'
              : 'attribute_not_exists(pk)',
            ExpressionAttributeNames: { '#type': 'type' },
            ExpressionAttributeValues: {
              ':type': ITEM_TYPES.watchlist,
              ':name': name,
              ':by': by,
              ':now': now,
              ':one': 1,
              ...(added.length > 0 && { ':symbols': new Set(added) }),
              ...(existing && { ':room': limits.symbolsPerList - added.length }),
            },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      );
      if (written) return { added, already, list: watchlistOf(written.Attributes ?? {}) };
      if (attempt >= MAX_ATTEMPTS)
        throw new StoreError(`list ${name}: ${attempt} concurrent changes in a row; try again`);
    }
  }

  /** Removes symbols from a list; a list that does not exist is a ListError (not_found). */
  async remove(name: string, symbols: readonly string[], by: string): Promise<RemoveOutcome> {
    const written = await unlessConditionFails(
      this.table.client.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: KEYS.watchlist(name),
          UpdateExpression: 'SET updatedBy = :by, updatedAt = :now DELETE symbols :symbols ADD version :one',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: {
            ':by': by,
            ':now': this.table.now().toISOString(),
            ':symbols': new Set(symbols),
            ':one': 1,
          },
          ReturnValues: 'ALL_OLD',
        }),
      ),
    );
    if (!written) throw notFound(name);
    const before = new Set(setOf(written.Attributes?.symbols));
    const list = await this.list(name);
    if (!list) throw notFound(name);
    return { removed: symbols.filter((s) => before.has(s)), absent: symbols.filter((s) => !before.has(s)), list };
  }

  /**
   * Replaces a list's symbols. With `version`, the list must be at it (else a ListError
   * `conflict`); without, the list must not exist yet.
   */
  async replace(
    name: string,
    symbols: readonly string[],
    by: string,
    limits: ListLimits,
    version?: number,
  ): Promise<Watchlist> {
    const lists = await this.lists();
    const existing = lists.find((l) => l.name === name);
    if (version === undefined && existing)
      throw new ListError(
        'conflict',
        'version',
        `list ${name} exists (version ${existing.version}): give its version to replace it`,
      );
    if (version !== undefined && !existing) throw notFound(name);
    checkLimits(lists, name, symbols, limits, existing === undefined);
    const now = this.table.now().toISOString();
    const item = {
      ...KEYS.watchlist(name),
      type: ITEM_TYPES.watchlist,
      listName: name,
      ...(symbols.length > 0 && { symbols: new Set(symbols) }),
      version: (version ?? 0) + 1,
      updatedBy: by,
      updatedAt: now,
      createdAt: existing?.createdAt ?? now,
    };
    const written = await unlessConditionFails(
      this.table.client.send(
        new PutCommand({
          TableName: this.table.name,
          Item: item,
          ConditionExpression: version === undefined ? 'attribute_not_exists(pk)' : 'version = :version',
          ...(version !== undefined && { ExpressionAttributeValues: { ':version': version } }),
        }),
      ),
    );
    if (written) return watchlistOf(item);
    const current = await this.list(name);
    throw new ListError(
      'conflict',
      'version',
      current
        ? `list ${name} is at version ${current.version}, not ${version ?? 'new'}: it changed since it was read; reload it and try again`
        : `list ${name} was deleted since it was read`,
    );
  }

  /** Deletes a list; one that does not exist is a ListError (not_found). */
  async delete(name: string): Promise<Watchlist> {
    const deleted = await unlessConditionFails(
      this.table.client.send(
        new DeleteCommand({
          TableName: this.table.name,
          Key: KEYS.watchlist(name),
          ConditionExpression: 'attribute_exists(pk)',
          ReturnValues: 'ALL_OLD',
        }),
      ),
    );
    if (!deleted) throw notFound(name);
    return watchlistOf(deleted.Attributes ?? {});
  }

  /**
   * Seeds a list from the stack's watchlist file once in the table's life: when it has never been
   * seeded and holds no list. True when this call seeded it.
   */
  async seed(name: string, symbols: readonly string[], by: string): Promise<boolean> {
    if (await this.table.get(KEYS.listsSeeded())) return false;
    const seeded =
      (await this.lists()).length === 0 &&
      (await unlessConditionFails(
        this.table.client.send(
          new PutCommand({
            TableName: this.table.name,
            Item: {
              ...KEYS.watchlist(name),
              type: ITEM_TYPES.watchlist,
              listName: name,
              symbols: new Set(symbols),
              version: 1,
              updatedBy: by,
              updatedAt: this.table.now().toISOString(),
              createdAt: this.table.now().toISOString(),
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      )) !== undefined;
    await this.table.client.send(
      new PutCommand({
        TableName: this.table.name,
        Item: { ...KEYS.listsSeeded(), type: ITEM_TYPES.listsSeeded, at: this.table.now().toISOString() },
      }),
    );
    return seeded;
  }
}

/** Every symbol of these lists, each once, in alphabetical order. */
export function unionOf(lists: readonly Watchlist[]): string[] {
  return [...new Set(lists.flatMap((l) => l.symbols))].sort();
}

function checkLimits(
  lists: readonly Watchlist[],
  name: string,
  symbols: readonly string[],
  limits: ListLimits,
  creating: boolean,
): void {
  if (creating && lists.length >= limits.lists)
    throw new ListError(
      'limit',
      'list',
      `cannot create list ${name}: there are ${lists.length} lists, the limit is ${limits.lists} (limits.lists)`,
    );
  if (symbols.length > limits.symbolsPerList)
    throw new ListError(
      'limit',
      'symbols',
      `list ${name} would have ${symbols.length} symbols; the limit is ${limits.symbolsPerList} a list (limits.symbolsPerList)`,
    );
  const total = new Set([...lists.filter((l) => l.name !== name).flatMap((l) => l.symbols), ...symbols]).size;
  if (total > limits.totalSymbols)
    throw new ListError(
      'limit',
      'symbols',
      `the lists would hold ${total} distinct symbols; the limit is ${limits.totalSymbols} (limits.totalSymbols: what the provider fetches in 45 minutes, at most 5,000)`,
    );
}

function notFound(name: string): ListError {
  return new ListError('not_found', 'list', `no list named ${name}`);
}

function setOf(value: unknown): string[] {
  if (value instanceof Set) return [...(value as Set<string>)];
  return Array.isArray(value) ? (value as string[]) : [];
}

function watchlistOf(item: Record<string, unknown>): Watchlist {
  return {
    name: item.listName as string,
    symbols: setOf(item.symbols).sort(),
    version: item.version as number,
    updatedBy: item.updatedBy as string,
    updatedAt: item.updatedAt as string,
    createdAt: item.createdAt as string,
  };
}
