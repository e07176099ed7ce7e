import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Scorecard } from '../../core/scorecard/scorecard.js';
import { BUCKET_UNITS, ReturnTally } from '../../core/scorecard/return-tally.js';
import {
  type AggregateDelta,
  aggregateDirection,
  type Contribution,
  filterScorecard,
  planSymbolRecord,
  RECORDED,
  type SessionWrite,
  type SignalKey,
  sessionsToRead,
  ScorecardFold,
  type ScorecardFilter,
  type StoredAggregate,
  type SymbolSessions,
} from '../../core/scorecard/live-scorecard.js';
import { mapWithConcurrency } from '../market-data/http-client.js';
import { StoreError } from './batch-write.js';
import { type Table, unlessConditionFails } from './table.js';
import { type ItemKey, ITEM_TYPES, KEYS } from './table-schema.js';

/**
 * An update's share of one aggregate: at most a batch's symbols and this many histogram buckets,
 * so its update expression stays under DynamoDB's 4 KB (~3.3 KB at most).
 */
const SYMBOLS_PER_UPDATE = 30;
const BUCKETS_PER_UPDATE = 120;
/** A symbol's sessions an update carries at most (a backfill's are split over several): ≤ BUCKETS_PER_UPDATE. */
const SESSIONS_PER_PIECE = 50;
/** Failed conditional updates of one symbol's pieces before its range is deemed contended beyond reason. */
const MAX_UPDATE_ATTEMPTS = 8;
/**
 * Aggregate items a fold reads a Query at a time: a shard carries ~32 bytes a symbol of its
 * sixteenth, so 100 of them at 5,000 symbols are ~1.2 MB — DynamoDB's 1 MB page is reached first.
 */
const AGGREGATES_PER_PAGE = 100;

/** The aggregate item's attributes: one per histogram bucket, and each symbol's first and last session added. */
const bucketAttribute = (bucket: number) => `b${bucket}`;
const firstAttribute = (symbol: string) => `f#${symbol}`;
const lastAttribute = (symbol: string) => `l#${symbol}`;

/** What a record wrote and added. */
export interface RecordCounts {
  /** Session items written (new, or again with returns that came due). */
  readonly sessions: number;
  /** Observation items written (new sessions' signals). */
  readonly observations: number;
  /** Returns and observations added to the aggregates (a repeat adds nothing). */
  readonly added: number;
}

/** A symbol's first and last session added to an aggregate. */
interface Range {
  readonly first: string;
  readonly last: string;
}

/** A symbol's contributions to one aggregate, as one update carries them. */
interface Share {
  readonly symbol: string;
  readonly contributions: readonly Contribution[];
}

/**
 * The live scorecard: sessions and observations (one item each, kept `retentionDays`), and an
 * aggregate per (scanner, signal, horizon) with count, sum, sum of squares, hits and a 0.1 %
 * histogram of the returns added. Each aggregate holds, per symbol, the first and last session
 * it added: an update adds a symbol's sessions only outside that range (a condition on the same
 * item, so no transaction is needed), which makes a repeated record — a re-delivered batch, a
 * run after a crash between the writes, a backfill run again — add nothing twice.
 */
export class ScorecardStore {
  constructor(
    private readonly table: Table,
    private readonly retentionDays: number,
  ) {}

  /**
   * Records the symbols' newly closed sessions: reads the sessions they touch (BatchGetItem),
   * writes new sessions with their observations and sessions whose returns came due
   * (BatchWriteItem: their content follows from the bars and the stored signals), then adds to
   * each aggregate touched (one conditional UpdateItem per aggregate and 30 symbols).
   */
  async record(symbols: readonly SymbolSessions[], horizons: readonly number[]): Promise<RecordCounts> {
    const keys = symbols.flatMap((s) =>
      sessionsToRead(s, horizons).map((session) => KEYS.session(s.bars.symbol, session)),
    );
    const stored = new Map<string, Map<string, SignalKey[]>>();
    for (const item of await this.table.getMany(keys)) {
      const symbol = item.symbol as string;
      if (!stored.has(symbol)) stored.set(symbol, new Map());
      stored.get(symbol)?.set(item.session as string, item.signals as SignalKey[]);
    }
    const deltas = new Map<string, AggregateDelta>();
    const writes: SessionWrite[] = symbols.flatMap((s) =>
      planSymbolRecord(s, stored.get(s.bars.symbol) ?? new Map(), horizons, deltas),
    );
    const expiresAt = this.table.expiry(this.retentionDays);
    const observations = writes.flatMap((w) =>
      w.created
        ? w.signals.map((key) => {
            const [scanner, signal] = key.split('#');
            return {
              PutRequest: {
                Item: {
                  ...KEYS.observation(w.symbol, w.session, scanner, signal),
                  type: ITEM_TYPES.observation,
                  symbol: w.symbol,
                  session: w.session,
                  scanner,
                  signal,
                  expiresAt,
                },
              },
            };
          })
        : [],
    );
    const sessions = writes.map((w) => ({
      PutRequest: {
        Item: {
          ...KEYS.session(w.symbol, w.session),
          type: ITEM_TYPES.session,
          symbol: w.symbol,
          session: w.session,
          signals: w.signals,
          returns: w.returns,
          expiresAt,
        },
      },
    }));
    // Items first: a crash before the aggregates leaves them to the next record of these sessions.
    await this.table.batchWrite([...sessions, ...observations]);
    let added = 0;
    await mapWithConcurrency([...deltas.values()], 4, async (delta) => {
      added += await this.addToAggregate(delta, horizons, expiresAt);
    });
    return { sessions: sessions.length, observations: observations.length, added };
  }

  /**
   * The scorecard document as the last run to end (or a backfill) left it: one GetItem of a
   * few KB, whatever the number of symbols; folded from the aggregates when no run has yet
   * written it. Null when nothing is recorded.
   */
  async scorecard(filter: ScorecardFilter = {}): Promise<Scorecard | null> {
    const item = await this.table.get(KEYS.scorecardDocument());
    const card = typeof item?.document === 'string' ? (JSON.parse(item.document) as Scorecard) : await this.fold();
    return card && filterScorecard(card, filter);
  }

  /**
   * Folds the aggregates into the document and writes it for readers (one UpdateItem); the
   * document written. Called once a run has ended, and at the end of a backfill.
   */
  async refresh(): Promise<Scorecard | null> {
    const card = await this.fold();
    if (!card) return null;
    await this.table.client.send(
      new UpdateCommand({
        TableName: this.table.name,
        Key: KEYS.scorecardDocument(),
        UpdateExpression: 'SET #type = :type, #document = :document, #expiresAt = :expiresAt',
        ExpressionAttributeNames: { '#type': 'type', '#document': 'document', '#expiresAt': 'expiresAt' },
        ExpressionAttributeValues: {
          ':type': ITEM_TYPES.scorecardDocument,
          ':document': JSON.stringify(card),
          ':expiresAt': this.table.expiry(this.retentionDays),
        },
      }),
    );
    return card;
  }

  /**
   * The whole document from the aggregates, read a few at a time (each page folded before the
   * next). Aggregates of the layout before shards (no `shard`) are left out: their guard ranges
   * do not guard the shards, so a stack upgraded from it backfills again (docs/scorecard.md).
   */
  async fold(): Promise<Scorecard | null> {
    const fold = new ScorecardFold();
    for await (const page of this.table.pages(KEYS.aggregates(), AGGREGATES_PER_PAGE))
      for (const item of page) if (typeof item.shard === 'number') fold.add(toAggregate(item));
    return fold.document();
  }

  /**
   * Adds a delta's contributions, in updates of at most SYMBOLS_PER_UPDATE symbols, a piece of
   * at most SESSIONS_PER_PIECE sessions of each; the count added. Each symbol's range of sessions
   * added only grows by sessions next to it, so it never spans a session not added: until its
   * range is read (an update's condition failed), a symbol's pieces go oldest first and rest on
   * the optimistic condition (all after its last session, the live case); once read, the pieces
   * below its first session go newest first, then those after its last oldest first.
   */
  private async addToAggregate(delta: AggregateDelta, horizons: readonly number[], expiresAt: number): Promise<number> {
    const key = KEYS.aggregate(delta.horizon, delta.scanner, delta.signal, delta.shard);
    /** Each symbol's contributions not yet added, ascending. */
    const remaining = new Map(delta.bySymbol);
    /** The ranges read (null: none added), kept current as updates land; a symbol absent is not read. */
    const ranges = new Map<string, Range | null>();
    const conflicts = new Map<string, number>();
    let added = 0;
    while (remaining.size > 0) {
      const pieces = [...remaining].map(([symbol, contributions]) =>
        nextPiece(symbol, contributions, ranges.get(symbol)),
      );
      for (const update of updatesOf(pieces, delta.horizon)) {
        if (await this.addPieces(key, delta, update, ranges, horizons, expiresAt)) {
          for (const piece of update) {
            const range = ranges.get(piece.symbol);
            if (range !== undefined) ranges.set(piece.symbol, widened(range, piece.contributions));
            const sessions = new Set(piece.contributions.map((c) => c.session));
            const left = (remaining.get(piece.symbol) ?? []).filter((c) => !sessions.has(c.session));
            if (left.length > 0) remaining.set(piece.symbol, left);
            else remaining.delete(piece.symbol);
            added += piece.contributions.length;
          }
          continue;
        }
        const symbols = update.map((piece) => piece.symbol);
        for (const symbol of symbols) {
          const count = (conflicts.get(symbol) ?? 0) + 1;
          if (count >= MAX_UPDATE_ATTEMPTS)
            throw new StoreError(
              `the scorecard aggregate ${key.sk} stayed contended over ${MAX_UPDATE_ATTEMPTS} conditional updates`,
            );
          conflicts.set(symbol, count);
        }
        for (const [symbol, range] of await this.readRanges(key, symbols)) {
          ranges.set(symbol, range);
          const outside = (remaining.get(symbol) ?? []).filter(
            (c) => range === null || c.session < range.first || c.session > range.last,
          );
          if (outside.length > 0) remaining.set(symbol, outside);
          else remaining.delete(symbol);
        }
      }
    }
    return added;
  }

  /**
   * One conditional update adding the pieces: for a symbol whose range is not read, on the
   * optimistic condition (its sessions all after its last one added, or none added yet); for one
   * read, on the condition that its range is still the one read. False when the condition failed.
   */
  private async addPieces(
    key: ItemKey,
    delta: AggregateDelta,
    pieces: readonly Share[],
    ranges: ReadonlyMap<string, Range | null>,
    horizons: readonly number[],
    expiresAt: number,
  ): Promise<boolean> {
    const names: Record<string, string> = {
      '#type': 'type',
      '#scanner': 'scanner',
      '#signal': 'signal',
      '#horizon': 'horizon',
      '#shard': 'shard',
      '#expiresAt': 'expiresAt',
      '#count': 'count',
    };
    const values: Record<string, unknown> = {
      ':type': ITEM_TYPES.aggregate,
      ':scanner': delta.scanner,
      ':signal': delta.signal,
      ':horizon': delta.horizon,
      ':shard': delta.shard,
      ':expiresAt': expiresAt,
    };
    const sets = [
      '#type = :type',
      '#scanner = :scanner',
      '#signal = :signal',
      '#horizon = :horizon',
      '#shard = :shard',
      '#expiresAt = :expiresAt',
    ];
    const conditions: string[] = [];
    const tally = new ReturnTally(aggregateDirection(delta.scanner, delta.signal));
    pieces.forEach(({ symbol, contributions }, j) => {
      for (const c of contributions) tally.add(c.units);
      names[`#f${j}`] = firstAttribute(symbol);
      names[`#l${j}`] = lastAttribute(symbol);
      const range = ranges.get(symbol);
      if (range === undefined) {
        // Optimistic: the symbol's sessions all come after those it added (the live case).
        values[`:first${j}`] = contributions[0].session;
        values[`:last${j}`] = contributions[contributions.length - 1].session;
        conditions.push(`(attribute_not_exists(#l${j}) OR #l${j} < :first${j})`);
        sets.push(`#f${j} = if_not_exists(#f${j}, :first${j})`, `#l${j} = :last${j}`);
        return;
      }
      const { first, last } = widened(range, contributions);
      values[`:first${j}`] = first;
      values[`:last${j}`] = last;
      if (range) {
        values[`:was${j}f`] = range.first;
        values[`:was${j}l`] = range.last;
        conditions.push(`(#f${j} = :was${j}f AND #l${j} = :was${j}l)`);
      } else conditions.push(`attribute_not_exists(#l${j})`);
      sets.push(`#f${j} = :first${j}`, `#l${j} = :last${j}`);
    });
    const adds = ['#count :count'];
    values[':count'] = tally.count;
    if (delta.horizon === RECORDED) {
      // The horizons the recorder fills: the document shows them before any of their returns is in.
      names['#horizons'] = 'horizons';
      values[':horizons'] = [...horizons];
      sets.push('#horizons = :horizons');
    } else {
      Object.assign(names, { '#sum': 'sum', '#sumSq': 'sumSq', '#hits': 'hits' });
      Object.assign(values, { ':sum': tally.sum, ':sumSq': tally.sumSq, ':hits': tally.hits });
      adds.push('#sum :sum', '#sumSq :sumSq', '#hits :hits');
      [...tally.buckets].forEach(([bucket, n], b) => {
        names[`#b${b}`] = bucketAttribute(bucket);
        values[`:b${b}`] = n;
        adds.push(`#b${b} :b${b}`);
      });
    }
    const updated = await unlessConditionFails(
      this.table.client.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: key,
          UpdateExpression: `SET ${sets.join(', ')} ADD ${adds.join(', ')}`,
          ConditionExpression: conditions.join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      ),
    );
    return updated !== undefined;
  }

  /**
   * Each symbol's first and last session in an aggregate (null: none added yet), read
   * consistently and whether or not the item has expired (the condition sees it until TTL deletes it).
   */
  private async readRanges(key: ItemKey, symbols: readonly string[]): Promise<Map<string, Range | null>> {
    const { Item: item } = await this.table.client.send(
      new GetCommand({ TableName: this.table.name, Key: key, ConsistentRead: true }),
    );
    return new Map(
      symbols.map((symbol) => {
        const first = item?.[firstAttribute(symbol)];
        const last = item?.[lastAttribute(symbol)];
        return [symbol, typeof first === 'string' && typeof last === 'string' ? { first, last } : null];
      }),
    );
  }
}

/**
 * A symbol's next piece: with its range not read (or none added), its oldest remaining sessions;
 * with a range read, the newest of those below its first session, or else the oldest after its
 * last (remaining holds only sessions outside the range). Either way the range it leaves is
 * contiguous: no session of the symbol's lies inside it unadded.
 */
function nextPiece(symbol: string, remaining: readonly Contribution[], range: Range | null | undefined): Share {
  const below = range ? remaining.filter((c) => c.session < range.first) : [];
  const contributions = below.length > 0 ? below.slice(-SESSIONS_PER_PIECE) : remaining.slice(0, SESSIONS_PER_PIECE);
  return { symbol, contributions };
}

/** A range widened by the sessions added (ascending); the sessions' own when none were added. */
function widened(range: Range | null, contributions: readonly Contribution[]): Range {
  const first = contributions[0].session;
  const last = contributions[contributions.length - 1].session;
  return {
    first: range && range.first < first ? range.first : first,
    last: range && range.last > last ? range.last : last,
  };
}

/**
 * Pieces (one per symbol) grouped in updates of at most SYMBOLS_PER_UPDATE symbols and
 * BUCKETS_PER_UPDATE distinct histogram buckets (none at horizon 0).
 */
function updatesOf(pieces: readonly Share[], horizon: number): Share[][] {
  const bucketsOf = (share: Share) =>
    horizon === RECORDED ? [] : share.contributions.map((c) => Math.floor(c.units / BUCKET_UNITS));
  const updates: Share[][] = [];
  let current: Share[] = [];
  let buckets = new Set<number>();
  for (const piece of pieces) {
    const more = bucketsOf(piece).filter((b) => !buckets.has(b));
    if (current.length === SYMBOLS_PER_UPDATE || buckets.size + new Set(more).size > BUCKETS_PER_UPDATE) {
      updates.push(current);
      current = [];
      buckets = new Set();
    }
    current.push(piece);
    for (const b of bucketsOf(piece)) buckets.add(b);
  }
  if (current.length > 0) updates.push(current);
  return updates;
}

function toAggregate(item: Record<string, unknown>): StoredAggregate {
  const scanner = item.scanner as string;
  const signal = item.signal as string;
  const tally = new ReturnTally(aggregateDirection(scanner, signal));
  tally.count = Number(item.count ?? 0);
  tally.sum = Number(item.sum ?? 0);
  tally.sumSq = Number(item.sumSq ?? 0);
  tally.hits = Number(item.hits ?? 0);
  const sessions = new Map<string, { first: string; last: string }>();
  for (const [name, value] of Object.entries(item)) {
    if (/^b-?\d+$/.test(name)) tally.buckets.set(Number(name.slice(1)), Number(value));
    else if (name.startsWith('f#')) {
      const symbol = name.slice(2);
      sessions.set(symbol, { first: value as string, last: item[lastAttribute(symbol)] as string });
    }
  }
  return {
    scanner,
    signal,
    horizon: Number(item.horizon),
    tally,
    sessions,
    ...(Array.isArray(item.horizons) && { horizons: (item.horizons as unknown[]).map(Number) }),
  };
}
