import * as v from 'valibot';
import { ScanfleetError } from '../core/errors.js';
import { API_ACCESS } from '../core/api/access.js';
import {
  DEFAULT_ADMIN_PERMISSION,
  DEFAULT_SCAN_NOW_COOLDOWN_MINUTES,
  DISCORD_PERMISSION_NAMES,
  MAX_SCAN_NOW_COOLDOWN_MINUTES,
} from '../core/discord/interaction-context.js';
import { DEFAULT_BATCH_SIZE, MAX_RECEIVES } from '../core/run/batching.js';
import { DEFAULT_LIST_LIMITS, type ListLimits } from '../core/lists/watchlist-rules.js';
import { DEFAULT_COOLDOWN_SESSIONS } from '../core/run/signal-events.js';
import { DEFAULT_LOOKBACK_BARS } from '../core/scan/scanners.js';
import { DEFAULT_HORIZONS, DEFAULT_SCORE_HORIZON, MAX_HORIZON, parseHorizons } from '../core/scorecard/horizons.js';
import { DEFAULT_RETRY } from './market-data/http-client.js';
import { PROVIDERS } from './market-data/providers.js';
import { DEFAULT_RETENTION } from './store/table-schema.js';

/**
 * Environment variables the handlers read. The stack sets them (lib/ builds its function
 * environments from these names); the local runtime passes the same ones as an object.
 */
export const ENV = {
  tableName: 'TABLE_NAME',
  queueUrl: 'QUEUE_URL',
  /** Loopback DynamoDB-compatible endpoint; unset on AWS. */
  dynamodbEndpoint: 'DYNAMODB_ENDPOINT',
  resultsTtlDays: 'RESULTS_TTL_DAYS',
  runsTtlDays: 'RUNS_TTL_DAYS',
  /** Days the live scorecard's sessions and observations are kept (default 400). */
  scorecardTtlDays: 'SCORECARD_TTL_DAYS',
  /** The live scorecard's forward-return horizons, in sessions: comma-separated, each in 1–250 (default 1,5,10,20). */
  scorecardHorizons: 'SCORECARD_HORIZONS',
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
  /**
   * Secrets Manager secret ids (AWS): JSON { appKey, appSecret, refreshToken, refreshTokenIssuedAt? }
   * / { keyId, secretKey }.
   */
  schwabSecretId: 'SCHWAB_SECRET_ID',
  alpacaSecretId: 'ALPACA_SECRET_ID',
  /** Credentials from the environment (local runs). */
  schwabAppKey: 'SCHWAB_APP_KEY',
  schwabAppSecret: 'SCHWAB_APP_SECRET',
  schwabRefreshToken: 'SCHWAB_REFRESH_TOKEN',
  /** When that refresh token was issued (ISO 8601; local runs): /status counts its 7 days from it. */
  schwabRefreshTokenIssuedAt: 'SCHWAB_REFRESH_TOKEN_ISSUED_AT',
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
  /** The API token's Secrets Manager secret {"token": "…"}, read by the authorizer. */
  apiTokenSecretId: 'API_TOKEN_SECRET_ID',
  /** Who may call what (functions/core/api/access.ts): open, token or public-reads. */
  apiAccess: 'API_ACCESS',
  corsOrigin: 'CORS_ORIGIN',
  /** Discord: a Secrets Manager secret {"publicKey", "webhookUrl"} (AWS), or these two (local). */
  discordSecretId: 'DISCORD_SECRET_ID',
  discordPublicKey: 'DISCORD_PUBLIC_KEY',
  discordWebhookUrl: 'DISCORD_WEBHOOK_URL',
  /** Where failures and alarms are told (local; on AWS the Discord secret's "operatorWebhookUrl"); else the alert webhook. */
  discordOperatorWebhookUrl: 'DISCORD_OPERATOR_WEBHOOK_URL',
  /** Discord's REST API base, overridable for tests. */
  discordApiUrl: 'DISCORD_API_URL',
  /** The permission /scan-now, /pause and /resume need, by Discord's name (config discord.adminPermission; default MANAGE_GUILD). */
  discordAdminPermission: 'DISCORD_ADMIN_PERMISSION',
  /** Minutes between two /scan-now runs of one server (config discord.scanNowCooldownMinutes; default 10). */
  scanNowCooldownMinutes: 'SCAN_NOW_COOLDOWN_MINUTES',
  /** The dispatch function /scan-now starts (AWS). */
  dispatchFunction: 'DISPATCH_FUNCTION',
  /** The lists-writer function /watch asks to change a list (AWS). */
  listsWriterFunction: 'LISTS_WRITER_FUNCTION',
  /** JSON ["cron(…)", …] of the schedules (market hours, after close, re-fetch: SCHEDULE_PURPOSES' order), for /status's next run and the sweeper's watchdog. */
  schedules: 'SCHEDULES',
  scheduleTimeZone: 'SCHEDULE_TIME_ZONE',
  appVersion: 'APP_VERSION',
  /** Directory of the CSV provider's files. */
  dataDir: 'DATA_DIR',
  /** "true": partial-bar signals are alerted as forming, then confirmed or retracted at the close. */
  alertsIntraday: 'ALERTS_INTRADAY',
  /** Sessions a cross or breakout is held back after an alerted one (default 3). */
  alertCooldownSessions: 'ALERT_COOLDOWN_SESSIONS',
  /** The horizon, in sessions, alert lines quote each signal's scorecard edge at (default 10). */
  alertEdgeHorizon: 'ALERT_EDGE_HORIZON',
  /**
   * The dashboard alert lines link each symbol to (`<it>/#/symbol/AMD`): the stack's HTTP API, or
   * config alerts.dashboardUrl; `scanfleet dev` its own address. Unset: lines without links.
   */
  dashboardUrl: 'DASHBOARD_URL',
  /** "false": the schedules are off (config schedules.enabled); the sweeper then expects no run. */
  schedulesEnabled: 'SCHEDULES_ENABLED',
  /** Batches in flight at once (the event source's maxConcurrency): a run's deadline divides by it. */
  workerConcurrency: 'WORKER_CONCURRENCY',
  /** JSON file ["AAPL", …]: the stack's watchlistFile, which the list `default` is seeded from in a table that never had a list. */
  seedWatchlistFile: 'SEED_WATCHLIST_FILE',
  /** JSON { lists?, symbolsPerList?, symbolsPerAdd?, totalSymbols? }: the watchlists' limits over their defaults (config lists). */
  listLimits: 'LIST_LIMITS',
  /** The stack's generated secret {"key": "…"} that subscriptions' webhook URLs are encrypted with (AWS). */
  subscriptionKeySecretId: 'SUBSCRIPTION_KEY_SECRET_ID',
  /** The same key given directly (local runs: 32 characters or more; the local runtime keeps one in its store directory). */
  subscriptionKey: 'SUBSCRIPTION_KEY',
  /** Set by the Lambda runtime: the function's own name (the Discord bot invokes itself to finish a command). */
  functionName: 'AWS_LAMBDA_FUNCTION_NAME',
} as const;

type Field = keyof typeof ENV;

/** A handler's environment variable that is missing or bad: the function cannot start. */
export class SettingsError extends ScanfleetError {
  override readonly name = 'SettingsError';
  override readonly code = 'settings';
}

/** The rule a variable broke and its value: `must be a positive number, got "x"`. */
const got = (rule: string) => (issue: { input: unknown }) => `${rule}, got "${String(issue.input)}"`;

/** A number from the variable's text, if `accepts` takes it; else the rule broken, with the text. */
const numeric = (rule: string, accepts: (n: number) => boolean) =>
  v.pipe(
    v.string(),
    v.check((raw) => accepts(Number(raw)), got(rule)),
    v.transform((raw) => Number(raw)),
  );

const horizons = () =>
  v.pipe(
    v.string(),
    v.rawTransform(({ dataset, addIssue, NEVER }) => {
      try {
        return parseHorizons(dataset.value);
      } catch (error) {
        addIssue({ message: (error as Error).message });
        return NEVER;
      }
    }),
  );

const positive = () => numeric('must be a positive number', (n) => Number.isFinite(n) && n > 0);
/** Infinity allowed: no limit (pacing off, no timeout). */
const positiveOrInfinity = () => numeric('must be a positive number', (n) => n > 0);
const flag = () =>
  v.pipe(
    v.picklist(['true', 'false'], got('must be true or false')),
    v.transform((text) => text === 'true'),
  );

function isJsonStrings(raw: string): boolean {
  try {
    const value = JSON.parse(raw) as unknown;
    return Array.isArray(value) && value.every((item) => typeof item === 'string');
  } catch {
    return false;
  }
}

const jsonStrings = () =>
  v.pipe(
    v.string(),
    v.check(isJsonStrings, got('must be a JSON array of strings')),
    v.transform((raw) => JSON.parse(raw) as string[]),
  );

const text = v.optional(v.string());

/** A dashboard's address: https, or http on this machine (`scanfleet dev`); no query or fragment. */
export const DASHBOARD_URL = /^(https:\/\/[^\s()<>#?/]+|http:\/\/(127\.0\.0\.1|localhost)(:\d+)?)(\/[^\s()<>#?]*)?$/;
export const DASHBOARD_URL_RULE = 'must be an https URL (http only on 127.0.0.1 or localhost), without ? or #';

function parsedJson(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
  }
}

const limitsRule =
  'must be JSON { lists, symbolsPerList, symbolsPerAdd, totalSymbols } (any of them, positive whole numbers)';
const limit = () => v.optional(v.pipe(v.number(limitsRule), v.integer(limitsRule), v.minValue(1, limitsRule)));

/** The lists' limits: the variable's keys over the defaults. */
const listLimits = () =>
  v.pipe(
    v.string(),
    v.transform(parsedJson),
    v.strictObject(
      { lists: limit(), symbolsPerList: limit(), symbolsPerAdd: limit(), totalSymbols: limit() },
      limitsRule,
    ),
    v.transform((given): ListLimits => ({ ...DEFAULT_LIST_LIMITS, ...given })),
  );

/**
 * Every variable's rule and default (as the variable's text: an unset one reads as it), keyed as
 * ENV is: the two cannot drift apart.
 */
const fields = {
  tableName: text,
  queueUrl: text,
  dynamodbEndpoint: text,
  resultsTtlDays: v.optional(positive(), String(DEFAULT_RETENTION.resultsDays)),
  runsTtlDays: v.optional(positive(), String(DEFAULT_RETENTION.runsDays)),
  scorecardTtlDays: v.optional(positive(), String(DEFAULT_RETENTION.scorecardDays)),
  scorecardHorizons: v.optional(horizons(), DEFAULT_HORIZONS.join(',')),
  batchSize: v.optional(positive(), String(DEFAULT_BATCH_SIZE)),
  lookbackBars: v.optional(positive(), String(DEFAULT_LOOKBACK_BARS)),
  maxReceives: v.optional(positive(), String(MAX_RECEIVES)),
  provider: v.optional(v.picklist(PROVIDERS, got(`must be one of ${PROVIDERS.join(', ')}`)), 'csv'),
  providerConcurrency: v.optional(positive()),
  providerRequestsPerMinute: v.optional(positiveOrInfinity()),
  providerTimeoutMs: v.optional(positiveOrInfinity(), String(DEFAULT_RETRY.timeoutMs)),
  providerDelayMinutes: v.optional(
    numeric(
      "must be a non-negative number of minutes (how far the provider's data lags the market)",
      (n) => Number.isFinite(n) && n >= 0,
    ),
  ),
  schwabSecretId: text,
  alpacaSecretId: text,
  schwabAppKey: text,
  schwabAppSecret: text,
  schwabRefreshToken: text,
  schwabRefreshTokenIssuedAt: text,
  alpacaKeyId: text,
  alpacaSecretKey: text,
  alpacaFeed: v.optional(v.picklist(['sip', 'iex'], got('must be "sip" or "iex"')), 'sip'),
  schwabBaseUrl: text,
  alpacaDataUrl: text,
  yahooBaseUrl: text,
  yahooCookieUrl: text,
  dashboardDir: text,
  chartsFile: text,
  debugMemory: v.optional(flag(), 'false'),
  apiTokenSecretId: text,
  apiAccess: v.optional(v.picklist(API_ACCESS, got(`must be one of ${API_ACCESS.join(', ')}`)), 'open'),
  corsOrigin: text,
  discordSecretId: text,
  discordPublicKey: text,
  discordWebhookUrl: text,
  discordOperatorWebhookUrl: text,
  discordApiUrl: text,
  discordAdminPermission: v.optional(
    v.picklist(DISCORD_PERMISSION_NAMES, got(`must be one of ${DISCORD_PERMISSION_NAMES.join(', ')}`)),
    DEFAULT_ADMIN_PERMISSION,
  ),
  scanNowCooldownMinutes: v.optional(
    numeric(
      `must be a whole number of minutes from 1 to ${MAX_SCAN_NOW_COOLDOWN_MINUTES}`,
      (n) => Number.isInteger(n) && n >= 1 && n <= MAX_SCAN_NOW_COOLDOWN_MINUTES,
    ),
    String(DEFAULT_SCAN_NOW_COOLDOWN_MINUTES),
  ),
  dispatchFunction: text,
  listsWriterFunction: text,
  schedules: v.optional(jsonStrings(), '[]'),
  scheduleTimeZone: v.optional(v.string(), 'America/New_York'),
  appVersion: v.optional(v.string(), 'dev'),
  dataDir: text,
  alertsIntraday: v.optional(flag(), 'false'),
  alertCooldownSessions: v.optional(
    numeric('must be a whole number ≥ 0', (n) => Number.isInteger(n) && n >= 0),
    String(DEFAULT_COOLDOWN_SESSIONS),
  ),
  alertEdgeHorizon: v.optional(
    numeric(
      `must be a whole number of sessions in 1–${MAX_HORIZON}`,
      (n) => Number.isInteger(n) && n >= 1 && n <= MAX_HORIZON,
    ),
    String(DEFAULT_SCORE_HORIZON),
  ),
  dashboardUrl: v.optional(
    v.pipe(
      v.string(),
      v.regex(DASHBOARD_URL, got(DASHBOARD_URL_RULE)),
      v.transform((url) => url.replace(/\/+$/, '')),
    ),
  ),
  schedulesEnabled: v.optional(flag(), 'true'),
  workerConcurrency: v.optional(positive(), '2'),
  seedWatchlistFile: text,
  listLimits: v.optional(listLimits(), '{}'),
  subscriptionKeySecretId: text,
  subscriptionKey: text,
  functionName: text,
} satisfies Record<Field, v.GenericSchema<string | undefined, unknown>>;

const settingsSchema = v.object(fields);

/** The handlers' settings: every variable of ENV under its field name, parsed, defaults applied. */
export type Settings = v.InferOutput<typeof settingsSchema>;

/**
 * Settings from variables named as in ENV (the process's environment, or the local runtime's
 * object). An unset or blank variable takes its default; a bad one is an error naming it.
 */
export function settingsFrom(variables: Readonly<Record<string, string | undefined>>): Settings {
  const input: Record<string, string | undefined> = {};
  for (const [field, name] of Object.entries(ENV)) {
    const value = variables[name];
    input[field] = value === undefined || value.trim() === '' ? undefined : value;
  }
  const parsed = v.safeParse(settingsSchema, input);
  if (!parsed.success) {
    const [issue] = parsed.issues;
    throw new SettingsError(`environment variable ${ENV[issue.path?.[0].key as Field]} ${issue.message}`, {
      cause: new v.ValiError(parsed.issues),
    });
  }
  return parsed.output;
}

/** A handler's settings at cold start: the one place the real environment is read. */
export function environmentSettings(): Settings {
  return settingsFrom(process.env);
}

/** A setting this handler cannot run without. */
export function required<K extends Field>(settings: Settings, field: K): NonNullable<Settings[K]> {
  const value = settings[field];
  if (value === undefined) throw new SettingsError(`environment variable ${ENV[field]} is not set`);
  return value as NonNullable<Settings[K]>;
}
