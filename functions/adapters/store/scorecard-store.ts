import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ScannerName } from '../../core/scan/scanners.js';
import type { Scorecard } from '../../core/scorecard/scorecard.js';
import { BUCKET_UNITS, ReturnTally } from '../../core/scorecard/return-tally.js';
import {
  type AggregateDelta,
  aggregateDirection,
  type Contribution,
  planSymbolRecord,
  RECORDED,
  type SessionWrite,
  type SignalKey,
  sessionsToRead,
  type StoredAggregate,
  scorecardFromAggregates,
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
/** A symbol's sessions an update carries at most (a backfill's are split, in order, over several): ≤ BUCKETS_PER_UPDATE. */
const SESSIONS_PER_PIECE = 50;
/** Conditional updates of one share before its symbols' ranges are deemed contended beyond reason. */
const MAX_UPDATE_ATTEMPTS = 8;

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

  /** The scorecard document from the aggregates (one Query); null when nothing is recorded. */
  async scorecard(filter: { scanner?: ScannerName; horizon?: number } = {}): Promise<Scorecard | null> {
    const items = await this.table.all(KEYS.aggregates());
    return scorecardFromAggregates(items.map(toAggregate), filter);
  }

  /** Adds a delta's contributions, a share at a time (a symbol's sessions in order); the count added. */
  private async addToAggregate(delta: AggregateDelta, horizons: readonly number[], expiresAt: number): Promise<number> {
    let added = 0;
    for (const round of shares(delta))
      for (const share of round) added += await this.addShare(delta, share, horizons, expiresAt);
    return added;
  }

  /**
   * One conditional update: first optimistic (each symbol's sessions all after its last one
   * added, or none added yet); when that fails, the symbols' ranges are read and only the
   * sessions outside them are added, on the condition that the ranges are still the ones read.
   */
  private async addShare(
    delta: AggregateDelta,
    shares: readonly Share[],
    horizons: readonly number[],
    expiresAt: number,
  ): Promise<number> {
    const key = KEYS.aggregate(delta.horizon, delta.scanner, delta.signal);
    let ranges: Map<string, { first: string; last: string } | null> | undefined;
    for (let attempt = 1; attempt <= MAX_UPDATE_ATTEMPTS; attempt++) {
      const pending = shares
        .map((share) => {
          const range = ranges?.get(share.symbol);
          const contributions = range
            ? share.contributions.filter((c) => c.session < range.first || c.session > range.last)
            : share.contributions;
          return { symbol: share.symbol, contributions, range };
        })
        .filter((share) => share.contributions.length > 0);
      if (pending.length === 0) return 0;
      const names: Record<string, string> = {
        '#type': 'type',
        '#scanner': 'scanner',
        '#signal': 'signal',
        '#horizon': 'horizon',
        '#expiresAt': 'expiresAt',
        '#count': 'count',
      };
      const values: Record<string, unknown> = {
        ':type': ITEM_TYPES.aggregate,
        ':scanner': delta.scanner,
        ':signal': delta.signal,
        ':horizon': delta.horizon,
        ':expiresAt': expiresAt,
      };
      const sets = [
        '#type = :type',
        '#scanner = :scanner',
        '#signal = :signal',
        '#horizon = :horizon',
        '#expiresAt = :expiresAt',
      ];
      const conditions: string[] = [];
      const tally = new ReturnTally(aggregateDirection(delta.scanner, delta.signal));
      pending.forEach(({ symbol, contributions, range }, j) => {
        for (const c of contributions) tally.add(c.units);
        names[`#f${j}`] = firstAttribute(symbol);
        names[`#l${j}`] = lastAttribute(symbol);
        const first = contributions[0].session;
        const last = contributions[contributions.length - 1].session;
        values[`:first${j}`] = range && range.first < first ? range.first : first;
        values[`:last${j}`] = range && range.last > last ? range.last : last;
        if (ranges === undefined) {
          // Optimistic: the symbol's sessions all come after those it added (the live case).
          conditions.push(`(attribute_not_exists(#l${j}) OR #l${j} < :first${j})`);
          sets.push(`#f${j} = if_not_exists(#f${j}, :first${j})`, `#l${j} = :last${j}`);
        } else {
          if (range) {
            values[`:was${j}f`] = range.first;
            values[`:was${j}l`] = range.last;
            conditions.push(`(#f${j} = :was${j}f AND #l${j} = :was${j}l)`);
          } else conditions.push(`attribute_not_exists(#l${j})`);
          sets.push(`#f${j} = :first${j}`, `#l${j} = :last${j}`);
        }
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
      if (updated !== undefined) return tally.count;
      ranges = await this.readRanges(
        key,
        shares.map((s) => s.symbol),
      );
    }
    throw new StoreError(
      `the scorecard aggregate ${key.sk} stayed contended over ${MAX_UPDATE_ATTEMPTS} conditional updates`,
    );
  }

  /**
   * Each symbol's first and last session in an aggregate (null: none added yet), read
   * consistently and whether or not the item has expired (the condition sees it until TTL deletes it).
   */
  private async readRanges(
    key: ItemKey,
    symbols: readonly string[],
  ): Promise<Map<string, { first: string; last: string } | null>> {
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
 * A delta's shares in rounds: each symbol's sessions split, in order, into pieces of at most
 * SESSIONS_PER_PIECE; round r holds the r-th piece of each symbol, in updates of at most
 * SYMBOLS_PER_UPDATE symbols and BUCKETS_PER_UPDATE distinct histogram buckets (none at horizon
 * 0). Rounds go one after another, so a symbol's sessions are added in order.
 */
function shares(delta: AggregateDelta): Share[][][] {
  const pieces = [...delta.bySymbol].map(([symbol, contributions]) => {
    const list: Share[] = [];
    for (let i = 0; i < contributions.length; i += SESSIONS_PER_PIECE)
      list.push({ symbol, contributions: contributions.slice(i, i + SESSIONS_PER_PIECE) });
    return list;
  });
  const bucketsOf = (share: Share) =>
    delta.horizon === RECORDED ? [] : share.contributions.map((c) => Math.floor(c.units / BUCKET_UNITS));
  const rounds: Share[][][] = [];
  for (let r = 0; pieces.some((p) => p.length > r); r++) {
    const updates: Share[][] = [];
    let current: Share[] = [];
    let buckets = new Set<number>();
    for (const piece of pieces) {
      const share = piece[r];
      if (!share) continue;
      const more = bucketsOf(share).filter((b) => !buckets.has(b));
      if (current.length === SYMBOLS_PER_UPDATE || buckets.size + new Set(more).size > BUCKETS_PER_UPDATE) {
        updates.push(current);
        current = [];
        buckets = new Set();
      }
      current.push(share);
      for (const b of bucketsOf(share)) buckets.add(b);
    }
    if (current.length > 0) updates.push(current);
    rounds.push(updates);
  }
  return rounds;
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
