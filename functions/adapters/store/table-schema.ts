/**
 * The results table's one contract: its key attributes, indexes, item types and every key format,
 * as typed builders. The stores, the CDK stack (table, indexes, IAM conditions), the local
 * embedded store and the tests all use these, so a key format is written once. Single-table
 * design; docs/store.md lists the access patterns.
 *
 *   run          pk RUN#<runId>     sk RUN                                gsi1 RUNS / <scheduledAt>#<runId>
 *   run symbols  pk RUN#<runId>     sk SYMBOLS                            the run's symbol list (kept off the run item)
 *   shown run    pk RUN#LATEST      sk SHOWN                              the newest complete or partial run (a pointer)
 *   result       pk RUN#<runId>     sk RESULT#<scanner>#<symbol>          gsi2 SYMBOL#<symbol> / <scheduledAt>#<runId>#<scanner>
 *   problem      pk RUN#<runId>     sk PROBLEM#<scanner>#<symbol>         a result with status error or insufficient_data (a copy)
 *   signal       pk RUN#<runId>     sk SIGNAL#<scanner>#<signal>#<symbol> a result with a signal (a copy)
 *   alert log    pk RUN#<runId>     sk ALERT#<symbol>#<event key>#<kind>  what a run alerts (its outbox)
 *   bars         pk BARS#<symbol>   sk <last closed bar date>             a symbol's closed bars as a run fetched them
 *   event        pk EVENT#<symbol>  sk E#<start>#<scanner>#<signal>       one per event, claimed once
 *   event state  pk EVENT#<symbol>  sk STATE                              what the symbol's events stand at
 *   session      pk OBS#<symbol>    sk S#<session>                        a counted session: its signals and forward returns (the baseline's observation)
 *   observation  pk OBS#<symbol>    sk O#<session>#<scanner>#<signal>     one per (symbol, session, scanner, signal), stored once
 *   aggregate    pk SCORECARD       sk AGG#<horizon>#<scanner>#<signal>#<shard>   the live scorecard's tally of one signal (or all#baseline) at one horizon, for one shard of the symbols
 *   scorecard    pk SCORECARD#DOC   sk DOC                                the scorecard document folded from the aggregates when a run ended (what readers read)
 *   outbox msg   pk OUTBOX          sk MSG#<source>#<seq>                 a Discord message to send (pending, then sent)
 *   outbox lease pk OUTBOX          sk LEASE#<target>                     who drains a webhook, and its recent posts
 *   control      pk CONTROL         sk PAUSE | SCANNOW#<guild> | NOTICE#<cause> | TOKEN   runtime switches, once-per-cause notices, the provider token's age
 *   lookup claim pk CONTROL         sk LOOKUP#<guild>#<user> | LOOKUPS#<guild>   a member's last on-demand /symbol lookup, a server's lookups this minute (expire)
 *   watchlist    pk LISTS           sk L#<name>                           a named list: its symbols (a string set), version, who changed it and when (kept until deleted)
 *   lists seeded pk LISTS           sk SEEDED                             the table had `default` seeded from the stack's watchlist file (once)
 *   subscription pk SUBS            sk S#<id>                             what it routes (scanner, signal, list), its channel, its webhook URL encrypted (kept until removed)
 *   configured   pk SUBS            sk CONFIGURED                         the configured webhook's implicit subscription was removed (a tombstone)
 */
export const TABLE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Runs, newest first. */
  runsIndex: { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  /** A symbol's results over time. */
  symbolIndex: { name: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
  /** Epoch seconds; DynamoDB TTL deletes the item some time (up to ~48 h) after it. */
  ttlAttribute: 'expiresAt',
  /** Every item's kind, one of ITEM_TYPES. */
  typeAttribute: 'type',
} as const;

export const ITEM_TYPES = {
  run: 'run',
  shownRun: 'shown-run',
  runSymbols: 'run-symbols',
  result: 'result',
  problem: 'problem',
  signal: 'signal',
  alert: 'alert',
  bars: 'bars',
  event: 'event',
  eventState: 'event-state',
  session: 'session',
  observation: 'observation',
  aggregate: 'aggregate',
  scorecardDocument: 'scorecard-document',
  outboxMessage: 'outbox-message',
  outboxLease: 'outbox-lease',
  control: 'control',
  watchlist: 'watchlist',
  listsSeeded: 'lists-seeded',
  subscription: 'subscription',
  configuredRemoved: 'configured-removed',
} as const;

/** Items expire after these many days unless configured otherwise. */
export const DEFAULT_RETENTION = { resultsDays: 7, runsDays: 30, scorecardDays: 400 } as const;

const PREFIX = {
  run: 'RUN#',
  runSort: 'RUN',
  runSymbols: 'SYMBOLS',
  runsPartition: 'RUNS',
  latest: 'LATEST',
  shown: 'SHOWN',
  result: 'RESULT#',
  problem: 'PROBLEM#',
  signal: 'SIGNAL#',
  bars: 'BARS#',
  symbol: 'SYMBOL#',
  alert: 'ALERT#',
  event: 'EVENT#',
  eventSort: 'E#',
  state: 'STATE',
  observations: 'OBS#',
  session: 'S#',
  observation: 'O#',
  scorecard: 'SCORECARD',
  aggregate: 'AGG#',
  scorecardDocument: 'SCORECARD#DOC',
  document: 'DOC',
  outbox: 'OUTBOX',
  message: 'MSG#',
  lease: 'LEASE#',
  control: 'CONTROL',
  pause: 'PAUSE',
  scanNow: 'SCANNOW#',
  lookup: 'LOOKUP#',
  lookups: 'LOOKUPS#',
  notice: 'NOTICE#',
  token: 'TOKEN',
  lists: 'LISTS',
  list: 'L#',
  seeded: 'SEEDED',
  subscriptions: 'SUBS',
  subscription: 'S#',
  configured: 'CONFIGURED',
} as const;

export interface ItemKey {
  readonly pk: string;
  readonly sk: string;
}

/** A partition, optionally narrowed to the sort keys that begin with a prefix. */
export interface KeyRange {
  readonly pk: string;
  readonly skPrefix?: string;
}

/** An index partition, with the index's name and key attribute. */
export interface IndexRange {
  readonly index: string;
  readonly attribute: string;
  readonly value: string;
}

const { runsIndex, symbolIndex } = TABLE_KEYS;

/** Runs in the runs index's order: by scheduled time, then run id (also the shown run pointer's). */
export function runOrder(scheduledAt: string, runId: string): string {
  return `${scheduledAt}#${runId}`;
}

export const KEYS = {
  run: (runId: string): ItemKey => ({ pk: `${PREFIX.run}${runId}`, sk: PREFIX.runSort }),
  /** The run's symbol list, an item of its own so that reading a run stays small. */
  runSymbols: (runId: string): ItemKey => ({ pk: `${PREFIX.run}${runId}`, sk: PREFIX.runSymbols }),
  /** The run's entry in the runs index (newest first by scheduled time). */
  runIndex: (scheduledAt: string, runId: string) => ({
    [runsIndex.partitionKey]: PREFIX.runsPartition,
    [runsIndex.sortKey]: runOrder(scheduledAt, runId),
  }),
  runs: (): IndexRange => ({
    index: runsIndex.name,
    attribute: runsIndex.partitionKey,
    value: PREFIX.runsPartition,
  }),
  /**
   * The pointer to the run the dashboard shows. In the runs' partition family (their writers'
   * IAM condition); its sort key is no run item's (`RUN`, `RESULT#`, …), so no run id collides.
   */
  shownRun: (): ItemKey => ({ pk: `${PREFIX.run}${PREFIX.latest}`, sk: PREFIX.shown }),
  result: (runId: string, scanner: string, symbol: string): ItemKey => ({
    pk: `${PREFIX.run}${runId}`,
    sk: `${PREFIX.result}${scanner}#${symbol}`,
  }),
  /** A run's results, or one scanner's. */
  resultsOf: (runId: string, scanner?: string): KeyRange => ({
    pk: `${PREFIX.run}${runId}`,
    skPrefix: scanner === undefined ? PREFIX.result : `${PREFIX.result}${scanner}#`,
  }),
  /** A copy of a result whose status is error or insufficient_data: a run's problems, read without a filter. */
  problem: (runId: string, scanner: string, symbol: string): ItemKey => ({
    pk: `${PREFIX.run}${runId}`,
    sk: `${PREFIX.problem}${scanner}#${symbol}`,
  }),
  problemsOf: (runId: string): KeyRange => ({ pk: `${PREFIX.run}${runId}`, skPrefix: PREFIX.problem }),
  /** A copy of a result that has a signal: one scanner's signals (or one signal's), read without a filter. */
  signalResult: (runId: string, scanner: string, signal: string, symbol: string): ItemKey => ({
    pk: `${PREFIX.run}${runId}`,
    sk: `${PREFIX.signal}${scanner}#${signal}#${symbol}`,
  }),
  signalsOf: (runId: string, scanner: string, signal?: string): KeyRange => ({
    pk: `${PREFIX.run}${runId}`,
    skPrefix: `${PREFIX.signal}${scanner}#${signal === undefined ? '' : `${signal}#`}`,
  }),
  /** A symbol's closed bars, as fetched when `lastBarDate` (YYYY-MM-DD) was its newest closed bar. */
  bars: (symbol: string, lastBarDate: string): ItemKey => ({ pk: `${PREFIX.bars}${symbol}`, sk: lastBarDate }),
  barsOf: (symbol: string): KeyRange => ({ pk: `${PREFIX.bars}${symbol}` }),
  /** A result's entry in the symbol index. */
  symbolIndex: (symbol: string, scheduledAt: string, runId: string, scanner: string) => ({
    [symbolIndex.partitionKey]: `${PREFIX.symbol}${symbol}`,
    [symbolIndex.sortKey]: `${scheduledAt}#${runId}#${scanner}`,
  }),
  symbolResults: (symbol: string): IndexRange => ({
    index: symbolIndex.name,
    attribute: symbolIndex.partitionKey,
    value: `${PREFIX.symbol}${symbol}`,
  }),
  alertLog: (runId: string, symbol: string, eventKey: string, kind: string): ItemKey => ({
    pk: `${PREFIX.run}${runId}`,
    sk: `${PREFIX.alert}${symbol}#${eventKey}#${kind}`,
  }),
  alertLogOf: (runId: string): KeyRange => ({ pk: `${PREFIX.run}${runId}`, skPrefix: PREFIX.alert }),
  event: (symbol: string, start: string, scanner: string, signal: string): ItemKey => ({
    pk: `${PREFIX.event}${symbol}`,
    sk: `${PREFIX.eventSort}${start}#${scanner}#${signal}`,
  }),
  eventsOf: (symbol: string): KeyRange => ({ pk: `${PREFIX.event}${symbol}`, skPrefix: PREFIX.eventSort }),
  state: (symbol: string): ItemKey => ({ pk: `${PREFIX.event}${symbol}`, sk: PREFIX.state }),
  /** A counted session of a symbol (YYYY-MM-DD): the signals observed at it and its forward returns. */
  session: (symbol: string, session: string): ItemKey => ({
    pk: `${PREFIX.observations}${symbol}`,
    sk: `${PREFIX.session}${session}`,
  }),
  observation: (symbol: string, session: string, scanner: string, signal: string): ItemKey => ({
    pk: `${PREFIX.observations}${symbol}`,
    sk: `${PREFIX.observation}${session}#${scanner}#${signal}`,
  }),
  /** The live scorecard's tally of one scanner and signal at one horizon (0: the observations recorded), for one shard of the symbols. */
  aggregate: (horizon: number, scanner: string, signal: string, shard: number): ItemKey => ({
    pk: PREFIX.scorecard,
    sk: `${PREFIX.aggregate}${String(horizon).padStart(3, '0')}#${scanner}#${signal}#${String(shard).padStart(2, '0')}`,
  }),
  aggregates: (): KeyRange => ({ pk: PREFIX.scorecard, skPrefix: PREFIX.aggregate }),
  /** The scorecard document as the last run to end (or a backfill) folded it from the aggregates. */
  scorecardDocument: (): ItemKey => ({ pk: PREFIX.scorecardDocument, sk: PREFIX.document }),
  /** One message of the outbox: `source` sorts by time (a run id, or a notice's stamped cause). */
  outboxMessage: (source: string, seq: number): ItemKey => ({
    pk: PREFIX.outbox,
    sk: `${PREFIX.message}${source}#${String(seq).padStart(3, '0')}`,
  }),
  outboxMessages: (): KeyRange => ({ pk: PREFIX.outbox, skPrefix: PREFIX.message }),
  outboxLease: (target: string): ItemKey => ({ pk: PREFIX.outbox, sk: `${PREFIX.lease}${target}` }),
  /** The runtime pause of the schedules. */
  pause: (): ItemKey => ({ pk: PREFIX.control, sk: PREFIX.pause }),
  /** The last /scan-now of a Discord server (its cooldown). */
  scanNow: (guild: string): ItemKey => ({ pk: PREFIX.control, sk: `${PREFIX.scanNow}${guild}` }),
  /** A member's last on-demand /symbol lookup in a server (a DM's guild is `dm`). */
  lookup: (guild: string, user: string): ItemKey => ({ pk: PREFIX.control, sk: `${PREFIX.lookup}${guild}#${user}` }),
  /** A server's on-demand /symbol lookups in the current minute. */
  lookups: (guild: string): ItemKey => ({ pk: PREFIX.control, sk: `${PREFIX.lookups}${guild}` }),
  /** An operator notice's cause: open (told once) until it recovers. */
  notice: (cause: string): ItemKey => ({ pk: PREFIX.control, sk: `${PREFIX.notice}${cause}` }),
  notices: (): KeyRange => ({ pk: PREFIX.control, skPrefix: PREFIX.notice }),
  /** When the provider's refresh token was issued, as last checked (Schwab's lasts 7 days). */
  tokenStatus: (): ItemKey => ({ pk: PREFIX.control, sk: PREFIX.token }),
  /** A named watchlist. */
  watchlist: (name: string): ItemKey => ({ pk: PREFIX.lists, sk: `${PREFIX.list}${name}` }),
  watchlists: (): KeyRange => ({ pk: PREFIX.lists, skPrefix: PREFIX.list }),
  /** Written once `default` has been seeded from the watchlist file: a table whose lists were all deleted is not seeded again. */
  listsSeeded: (): ItemKey => ({ pk: PREFIX.lists, sk: PREFIX.seeded }),
  /** An alert subscription. */
  subscription: (id: string): ItemKey => ({ pk: PREFIX.subscriptions, sk: `${PREFIX.subscription}${id}` }),
  subscriptions: (): KeyRange => ({ pk: PREFIX.subscriptions, skPrefix: PREFIX.subscription }),
  /** Present when the configured webhook's implicit subscription has been removed. */
  configuredRemoved: (): ItemKey => ({ pk: PREFIX.subscriptions, sk: PREFIX.configured }),
} as const;

/**
 * Leading-key patterns for IAM's `dynamodb:LeadingKeys` condition, one per partition family: the
 * runs (with their results and alert logs), the signal events (with their states), the alert
 * outbox, the runtime controls, the cached bars, the scorecard's observations (with their
 * sessions), its aggregates and its document, the watchlists, the alert subscriptions. A role writes only the families it owns.
 */
export const LEADING_KEYS = {
  runs: `${PREFIX.run}*`,
  events: `${PREFIX.event}*`,
  outbox: PREFIX.outbox,
  control: PREFIX.control,
  bars: `${PREFIX.bars}*`,
  observations: `${PREFIX.observations}*`,
  scorecard: PREFIX.scorecard,
  scorecardDocument: PREFIX.scorecardDocument,
  lists: PREFIX.lists,
  subscriptions: PREFIX.subscriptions,
} as const;
