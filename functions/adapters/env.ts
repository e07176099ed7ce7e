/**
 * Environment variables the handlers read. The stack sets them; the local runtime sets the
 * same ones (plus DYNAMODB_ENDPOINT for the loopback store).
 */
export const ENV = {
  tableName: 'TABLE_NAME',
  queueUrl: 'QUEUE_URL',
  /** Loopback DynamoDB-compatible endpoint; unset on AWS. */
  dynamodbEndpoint: 'DYNAMODB_ENDPOINT',
  resultsTtlDays: 'RESULTS_TTL_DAYS',
  runsTtlDays: 'RUNS_TTL_DAYS',
  batchSize: 'BATCH_SIZE',
  lookbackBars: 'LOOKBACK_BARS',
  /** The scan queue's maxReceiveCount: on the last delivery a failing batch is noted on its run. */
  maxReceives: 'MAX_RECEIVES',
  /** Market-data provider: "csv" (bundled data set) for now. */
  provider: 'PROVIDER',
  /** Directory of the CSV provider's files. */
  dataDir: 'DATA_DIR',
  /** JSON file { "<watchlist name>": ["AAPL", …] } that dispatch resolves names from. */
  watchlistsFile: 'WATCHLISTS_FILE',
} as const;

export function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`environment variable ${name} is not set`);
  return value;
}

export function numberEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`environment variable ${name} must be a positive number, got "${raw}"`);
  return value;
}
