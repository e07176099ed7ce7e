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
