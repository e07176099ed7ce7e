import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { DEFAULT_BATCH_SIZE } from '../functions/core/run/batching.js';
import { DEFAULT_LOOKBACK_BARS } from '../functions/core/scan/scanners.js';
import { DEFAULT_SCHEDULES } from '../functions/core/market/schedules.js';
import { DEFAULT_COOLDOWN_SESSIONS } from '../functions/core/run/signal-events.js';
import { parseWatchlist } from '../functions/core/scan/symbols.js';
import { isProviderName, PROVIDERS, type ProviderName } from '../functions/adapters/market-data/create-market-data.js';
import { DEFAULT_RETENTION } from '../functions/adapters/store/table-schema.js';

/** Everything a user may set, in cdk.json under context.scanfleet (or `-c scanfleet='{…}'`). */
export interface ScanfleetConfig {
  /** The full watchlist, one symbol a line; relative to the project root. */
  readonly watchlistFile: string;
  readonly timeZone: string;
  readonly schedules: {
    /** During market hours, Mon–Fri: results on the bar still trading (partial). */
    readonly marketHours: string;
    /** Once the close has passed the provider's delay: the closed session's events are alerted. */
    readonly afterClose: string;
    /** The evening run that re-fetches the closed session (providers correct late prints). */
    readonly refetch: string;
  };
  readonly alerts: {
    /** Alert signals on the bar still trading as forming; the close confirms or retracts each. */
    readonly intraday: boolean;
    /** Sessions a cross or breakout is held back after an alerted one of the same symbol and signal. */
    readonly cooldownSessions: number;
  };
  readonly provider: ProviderName;
  /** Secrets Manager secret (name or ARN) with the provider's credentials; required for schwab and alpaca. */
  readonly providerSecret?: string;
  /** "sip" (consolidated volume; free plan: ≥ 15 minutes old) or "iex" (one exchange: a few % of the volume). */
  readonly alpacaFeed: string;
  /** How far Yahoo's or Schwab's daily bar lags the market, in minutes: a bar is closed this long after the close. */
  readonly providerDelayMinutes: number;
  readonly retention: { readonly resultsDays: number; readonly runsDays: number };
  readonly batchSize: number;
  readonly lookbackBars: number;
  readonly dispatch: { readonly memoryMb: number; readonly timeoutSeconds: number };
  readonly scanBatch: { readonly memoryMb: number; readonly timeoutSeconds: number; readonly maxConcurrency: number };
  readonly api: {
    readonly memoryMb: number;
    readonly timeoutSeconds: number;
    /** Stage throttling: steady requests per second, and the burst above it. */
    readonly throttleRate: number;
    readonly throttleBurst: number;
    /** Browser origin allowed to call the API from another site (CORS); none by default. */
    readonly corsOrigin?: string;
    /** Serve GET /api/debug/memory (403 otherwise). */
    readonly debugMemory: boolean;
    /** Secrets Manager secret with {"token": "…"}: when set, /api/* needs "Authorization: Bearer <token>". */
    readonly tokenSecret?: string;
  };
  /**
   * Secrets Manager secret {"publicKey": "…", "webhookUrl": "…"}: turns on the Discord
   * interactions endpoint (publicKey) and run alerts (webhookUrl).
   */
  readonly discordSecret?: string;
  /** Alarm notifications go to this address when set. */
  readonly alarmEmail?: string;
}

export interface ResolvedConfig extends ScanfleetConfig {
  readonly watchlists: { readonly full: string[] };
}

/**
 * Defaults. Memory, from `npm run bench` (README, "Benchmark"): the bundled worker peaks at
 * ~78 MB for a fresh container's first 30-symbol batch and levels off at ~115 MB over 1,000 warm
 * invocations; dispatch peaks at ~71 MB, the API at ~88 MB. 256 MB is over 2× the highest peak,
 * and its CPU share keeps a batch well under a second.
 */
export const DEFAULT_CONFIG: ScanfleetConfig = {
  watchlistFile: 'data/daily/watchlist.txt',
  timeZone: 'America/New_York',
  schedules: { ...DEFAULT_SCHEDULES },
  alerts: { intraday: false, cooldownSessions: DEFAULT_COOLDOWN_SESSIONS },
  provider: 'csv',
  alpacaFeed: 'sip',
  providerDelayMinutes: 10,
  retention: { ...DEFAULT_RETENTION },
  batchSize: DEFAULT_BATCH_SIZE,
  lookbackBars: DEFAULT_LOOKBACK_BARS,
  dispatch: { memoryMb: 256, timeoutSeconds: 30 },
  scanBatch: { memoryMb: 256, timeoutSeconds: 60, maxConcurrency: 2 },
  api: { memoryMb: 256, timeoutSeconds: 10, throttleRate: 20, throttleBurst: 40, debugMemory: false },
};

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Merges the context over the defaults, validates every key, and reads the watchlist. */
export function loadConfig(context: unknown, projectRoot: string): ResolvedConfig {
  const raw = context === undefined ? {} : typeof context === 'string' ? parseJson(context) : context;
  if (!isObject(raw)) throw new ConfigError('scanfleet must be an object of settings');
  if (raw.reducedWatchlistSize !== undefined)
    throw new ConfigError(
      'scanfleet.reducedWatchlistSize is no longer a setting: the off-hours runs of a reduced watchlist are gone (daily bars cannot change after the close); remove it',
    );
  const known = new Set(Object.keys(DEFAULT_CONFIG).concat(['providerSecret', 'alarmEmail', 'discordSecret']));
  for (const key of Object.keys(raw))
    if (!known.has(key)) throw new ConfigError(`scanfleet.${key} is not a setting (known: ${[...known].join(', ')})`);

  const config: ScanfleetConfig = {
    watchlistFile: text(raw, 'watchlistFile', DEFAULT_CONFIG.watchlistFile),
    timeZone: text(raw, 'timeZone', DEFAULT_CONFIG.timeZone),
    schedules: schedules(raw.schedules),
    alerts: alertSettings(section(raw, 'alerts')),
    provider: provider(raw.provider),
    providerSecret: optionalText(raw, 'providerSecret'),
    alpacaFeed: alpacaFeed(raw.alpacaFeed),
    providerDelayMinutes: integer(raw, 'providerDelayMinutes', DEFAULT_CONFIG.providerDelayMinutes, 0, '', 120),
    retention: {
      resultsDays: integer(
        section(raw, 'retention'),
        'resultsDays',
        DEFAULT_CONFIG.retention.resultsDays,
        1,
        'retention.',
      ),
      runsDays: integer(section(raw, 'retention'), 'runsDays', DEFAULT_CONFIG.retention.runsDays, 1, 'retention.'),
    },
    batchSize: integer(raw, 'batchSize', DEFAULT_CONFIG.batchSize, 1, '', 100),
    lookbackBars: integer(raw, 'lookbackBars', DEFAULT_CONFIG.lookbackBars, 50),
    dispatch: {
      memoryMb: integer(
        section(raw, 'dispatch'),
        'memoryMb',
        DEFAULT_CONFIG.dispatch.memoryMb,
        128,
        'dispatch.',
        10_240,
      ),
      timeoutSeconds: integer(
        section(raw, 'dispatch'),
        'timeoutSeconds',
        DEFAULT_CONFIG.dispatch.timeoutSeconds,
        1,
        'dispatch.',
        900,
      ),
    },
    scanBatch: {
      memoryMb: integer(
        section(raw, 'scanBatch'),
        'memoryMb',
        DEFAULT_CONFIG.scanBatch.memoryMb,
        128,
        'scanBatch.',
        10_240,
      ),
      // SQS visibility timeout is 6 × this and may not exceed 12 hours; a batch never needs 15 minutes.
      timeoutSeconds: integer(
        section(raw, 'scanBatch'),
        'timeoutSeconds',
        DEFAULT_CONFIG.scanBatch.timeoutSeconds,
        1,
        'scanBatch.',
        900,
      ),
      maxConcurrency: integer(
        section(raw, 'scanBatch'),
        'maxConcurrency',
        DEFAULT_CONFIG.scanBatch.maxConcurrency,
        2,
        'scanBatch.',
        1000,
      ),
    },
    api: apiSettings(section(raw, 'api')),
    discordSecret: optionalText(raw, 'discordSecret'),
    alarmEmail: optionalText(raw, 'alarmEmail'),
  };
  if (config.alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(config.alarmEmail)) {
    throw new ConfigError(`scanfleet.alarmEmail must be an e-mail address, got "${config.alarmEmail}"`);
  }
  if ((config.provider === 'schwab' || config.provider === 'alpaca') && !config.providerSecret) {
    throw new ConfigError(
      `scanfleet.providerSecret is required for provider "${config.provider}": the name or ARN of a Secrets Manager secret with its credentials`,
    );
  }
  try {
    Intl.DateTimeFormat('en-US', { timeZone: config.timeZone });
  } catch {
    throw new ConfigError(
      `scanfleet.timeZone must be an IANA time zone such as America/New_York, got "${config.timeZone}"`,
    );
  }

  const path = isAbsolute(config.watchlistFile) ? config.watchlistFile : join(projectRoot, config.watchlistFile);
  let text_: string;
  try {
    text_ = readFileSync(path, 'utf8');
  } catch {
    throw new ConfigError(`scanfleet.watchlistFile: cannot read ${path}`);
  }
  let full: string[];
  try {
    full = parseWatchlist(text_, 'scanfleet.watchlistFile');
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  return { ...config, watchlists: { full } };
}

function apiSettings(raw: Record<string, unknown>): ScanfleetConfig['api'] {
  const defaults = DEFAULT_CONFIG.api;
  const known = [
    'memoryMb',
    'timeoutSeconds',
    'throttleRate',
    'throttleBurst',
    'corsOrigin',
    'debugMemory',
    'tokenSecret',
  ];
  for (const key of Object.keys(raw))
    if (!known.includes(key))
      throw new ConfigError(`scanfleet.api.${key} is not a setting (known: ${known.join(', ')})`);
  if (raw.debugMemory !== undefined && typeof raw.debugMemory !== 'boolean')
    throw new ConfigError(`scanfleet.api.debugMemory must be true or false, got ${JSON.stringify(raw.debugMemory)}`);
  const corsOrigin = raw.corsOrigin === undefined ? undefined : text(raw, 'corsOrigin', '');
  if (corsOrigin !== undefined && !/^https?:\/\/[^/\s]+$/.test(corsOrigin))
    throw new ConfigError(
      `scanfleet.api.corsOrigin must be an origin such as https://example.com, got "${corsOrigin}"`,
    );
  return {
    memoryMb: integer(raw, 'memoryMb', defaults.memoryMb, 128, 'api.', 10_240),
    timeoutSeconds: integer(raw, 'timeoutSeconds', defaults.timeoutSeconds, 1, 'api.', 29),
    throttleRate: integer(raw, 'throttleRate', defaults.throttleRate, 1, 'api.', 10_000),
    throttleBurst: integer(raw, 'throttleBurst', defaults.throttleBurst, 1, 'api.', 5_000),
    debugMemory: (raw.debugMemory as boolean | undefined) ?? defaults.debugMemory,
    ...(corsOrigin && { corsOrigin }),
    ...(raw.tokenSecret !== undefined && { tokenSecret: text(raw, 'tokenSecret', '') }),
  };
}

const CRON = /^cron\((\S+ ){5}\S+\)$/;

function schedules(value: unknown): ScanfleetConfig['schedules'] {
  const raw = value === undefined ? {} : value;
  if (!isObject(raw))
    throw new ConfigError('scanfleet.schedules must be an object { marketHours, afterClose, refetch }');
  if (raw.offHours !== undefined)
    throw new ConfigError(
      'scanfleet.schedules.offHours is no longer a setting: daily bars cannot change outside a session, so the off-hours runs are gone; remove it',
    );
  const known = ['marketHours', 'afterClose', 'refetch'];
  for (const key of Object.keys(raw))
    if (!known.includes(key))
      throw new ConfigError(`scanfleet.schedules.${key} is not a setting (known: ${known.join(', ')})`);
  const cron = (key: 'marketHours' | 'afterClose' | 'refetch') => {
    const v = raw[key] ?? DEFAULT_CONFIG.schedules[key];
    if (typeof v !== 'string' || !CRON.test(v))
      throw new ConfigError(
        `scanfleet.schedules.${key} must be a cron(…) expression with six fields, got ${JSON.stringify(v)}`,
      );
    return v;
  };
  return { marketHours: cron('marketHours'), afterClose: cron('afterClose'), refetch: cron('refetch') };
}

function alertSettings(raw: Record<string, unknown>): ScanfleetConfig['alerts'] {
  const known = ['intraday', 'cooldownSessions'];
  for (const key of Object.keys(raw))
    if (!known.includes(key))
      throw new ConfigError(`scanfleet.alerts.${key} is not a setting (known: ${known.join(', ')})`);
  if (raw.intraday !== undefined && typeof raw.intraday !== 'boolean')
    throw new ConfigError(`scanfleet.alerts.intraday must be true or false, got ${JSON.stringify(raw.intraday)}`);
  return {
    intraday: (raw.intraday as boolean | undefined) ?? DEFAULT_CONFIG.alerts.intraday,
    cooldownSessions: integer(raw, 'cooldownSessions', DEFAULT_CONFIG.alerts.cooldownSessions, 0, 'alerts.', 20),
  };
}

function alpacaFeed(value: unknown): string {
  if (value === undefined) return DEFAULT_CONFIG.alpacaFeed;
  if (value !== 'sip' && value !== 'iex')
    throw new ConfigError(`scanfleet.alpacaFeed must be "sip" or "iex", got ${JSON.stringify(value)}`);
  return value;
}

function provider(value: unknown): ProviderName {
  if (value === undefined) return DEFAULT_CONFIG.provider;
  if (typeof value !== 'string' || !isProviderName(value))
    throw new ConfigError(`scanfleet.provider must be one of ${PROVIDERS.join(', ')}, got ${JSON.stringify(value)}`);
  return value;
}

function section(raw: Record<string, unknown>, key: string): Record<string, unknown> {
  const value = raw[key];
  if (value === undefined) return {};
  if (!isObject(value)) throw new ConfigError(`scanfleet.${key} must be an object`);
  return value;
}

function integer(
  raw: Record<string, unknown>,
  key: string,
  fallback: number,
  min: number,
  prefix = '',
  max = Number.MAX_SAFE_INTEGER,
): number {
  const value = raw[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(
      `scanfleet.${prefix}${key} must be a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ' up'}, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

function text(raw: Record<string, unknown>, key: string, fallback: string): string {
  const value = raw[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value.trim() === '')
    throw new ConfigError(`scanfleet.${key} must be a non-empty string, got ${JSON.stringify(value)}`);
  return value;
}

function optionalText(raw: Record<string, unknown>, key: string): string | undefined {
  return raw[key] === undefined ? undefined : text(raw, key, '');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ConfigError(
      'scanfleet must be JSON when given on the command line (-c scanfleet=\'{"provider":"yahoo"}\')',
    );
  }
}
