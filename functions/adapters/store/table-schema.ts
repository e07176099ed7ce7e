/**
 * The results table's keys, shared by the CDK stack and the local embedded store so that the
 * two can never drift. Single-table design; see "Store" in the README for the access patterns.
 */
export const TABLE_KEYS = {
  partitionKey: 'pk',
  sortKey: 'sk',
  /** Runs, newest first: gsi1pk = "RUNS", gsi1sk = "<startedAt>#<runId>". */
  runsIndex: { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
  /** A symbol's results over time: gsi2pk = "SYMBOL#<symbol>", gsi2sk = "<startedAt>#<runId>#<scanner>". */
  symbolIndex: { name: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
  /** Epoch seconds; DynamoDB TTL deletes the item some time (up to ~48 h) after it. */
  ttlAttribute: 'expiresAt',
} as const;

/** Items expire after these many days unless configured otherwise. */
export const DEFAULT_RETENTION = { resultsDays: 7, runsDays: 30 } as const;

/** Partition-key prefixes of the items that signal events and alert delivery use (IAM conditions name them). */
export const KEY_PREFIXES = { run: 'RUN#', event: 'EVENT#', outbox: 'OUTBOX' } as const;

/**
 * Typed key builders of the event and alert items:
 *   event        pk EVENT#<symbol>  sk E#<start>#<scanner>#<signal>     one per event, claimed once
 *   event state  pk EVENT#<symbol>  sk STATE                             what the symbol's events stand at
 *   alert log    pk RUN#<runId>     sk ALERT#<symbol>#<event key>#<kind> what a run alerts (its outbox)
 *   outbox       pk OUTBOX          sk <runId>                           a run whose alerts are being or failed to be sent
 */
export const EVENT_KEYS = {
  event: (symbol: string, start: string, scanner: string, signal: string) => ({
    pk: `${KEY_PREFIXES.event}${symbol}`,
    sk: `E#${start}#${scanner}#${signal}`,
  }),
  eventsOf: (symbol: string) => ({ pk: `${KEY_PREFIXES.event}${symbol}`, skPrefix: 'E#' }),
  state: (symbol: string) => ({ pk: `${KEY_PREFIXES.event}${symbol}`, sk: 'STATE' }),
  alertLog: (runId: string, symbol: string, eventKey: string, kind: string) => ({
    pk: `${KEY_PREFIXES.run}${runId}`,
    sk: `ALERT#${symbol}#${eventKey}#${kind}`,
  }),
  alertLogOf: (runId: string) => ({ pk: `${KEY_PREFIXES.run}${runId}`, skPrefix: 'ALERT#' }),
  outbox: (runId: string) => ({ pk: KEY_PREFIXES.outbox, sk: runId }),
  outboxAll: () => ({ pk: KEY_PREFIXES.outbox }),
} as const;
