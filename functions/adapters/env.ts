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
  /** Market-data provider: csv (bundled data set), schwab, alpaca or yahoo. */
  provider: 'PROVIDER',
  /** Symbols a per-symbol provider (Schwab, Yahoo) fetches at once. */
  providerConcurrency: 'PROVIDER_CONCURRENCY',
  /** Requests a minute a per-symbol provider makes from one container (Schwab 50, Yahoo 100). */
  providerRequestsPerMinute: 'PROVIDER_REQUESTS_PER_MINUTE',
  /** A provider request's timeout, each attempt (default 10,000 ms). */
  providerTimeoutMs: 'PROVIDER_TIMEOUT_MS',
  /**
   * How many minutes Yahoo's and Schwab's data lag the market (default 10): a session's bar is
   * taken as final this long after the close. A non-negative number. Alpaca's follows its feed.
   */
  providerDelayMinutes: 'PROVIDER_DELAY_MINUTES',
  /** Secrets Manager secret ids (AWS): JSON { appKey, appSecret, refreshToken } / { keyId, secretKey }. */
  schwabSecretId: 'SCHWAB_SECRET_ID',
  alpacaSecretId: 'ALPACA_SECRET_ID',
  /** Credentials from the environment (local runs). */
  schwabAppKey: 'SCHWAB_APP_KEY',
  schwabAppSecret: 'SCHWAB_APP_SECRET',
  schwabRefreshToken: 'SCHWAB_REFRESH_TOKEN',
  alpacaKeyId: 'ALPACA_KEY_ID',
  alpacaSecretKey: 'ALPACA_SECRET_KEY',
  alpacaFeed: 'ALPACA_FEED',
  /** Provider endpoints, overridable (tests point them at loopback servers). */
  schwabBaseUrl: 'SCHWAB_BASE_URL',
  alpacaDataUrl: 'ALPACA_DATA_URL',
  yahooBaseUrl: 'YAHOO_BASE_URL',
  /** Where Yahoo's session cookie is fetched for the crumb handshake (default https://fc.yahoo.com). */
  yahooCookieUrl: 'YAHOO_COOKIE_URL',
  /** The dashboard's files, and the chart library's standalone build. */
  dashboardDir: 'DASHBOARD_DIR',
  chartsFile: 'CHARTS_FILE',
  /** "true" turns on GET /api/debug/memory. */
  debugMemory: 'DEBUG_MEMORY',
  /** Optional bearer token for the API: a Secrets Manager secret id (AWS) or the token (local). */
  apiTokenSecretId: 'API_TOKEN_SECRET_ID',
  apiToken: 'API_TOKEN',
  corsOrigin: 'CORS_ORIGIN',
  /** Discord: a Secrets Manager secret {"publicKey", "webhookUrl"} (AWS), or these two (local). */
  discordSecretId: 'DISCORD_SECRET_ID',
  discordPublicKey: 'DISCORD_PUBLIC_KEY',
  discordWebhookUrl: 'DISCORD_WEBHOOK_URL',
  /** Discord's REST API base, overridable for tests. */
  discordApiUrl: 'DISCORD_API_URL',
  /** The dispatch function /scan-now starts (AWS). */
  dispatchFunction: 'DISPATCH_FUNCTION',
  /** JSON ["cron(…)", …] of the schedules, for /status's next run. */
  schedules: 'SCHEDULES',
  scheduleTimeZone: 'SCHEDULE_TIME_ZONE',
  appVersion: 'APP_VERSION',
  /** Directory of the CSV provider's files. */
  dataDir: 'DATA_DIR',
  /** "true": partial-bar signals are alerted as forming, then confirmed or retracted at the close. */
  alertsIntraday: 'ALERTS_INTRADAY',
  /** Sessions a cross or breakout is held back after an alerted one (default 3). */
  alertCooldownSessions: 'ALERT_COOLDOWN_SESSIONS',
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
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`environment variable ${name} must be a positive number, got "${raw}"`);
  return value;
}

/** A whole number ≥ 0 from the environment (0 allowed: "none"), else the fallback. */
export function wholeNumberEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`environment variable ${name} must be a whole number ≥ 0, got "${raw}"`);
  return value;
}
