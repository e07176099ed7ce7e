import { readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import * as v from 'valibot';
import { ScanfleetError } from '../functions/core/errors.js';
import {
  DEFAULT_ADMIN_PERMISSION,
  DEFAULT_SCAN_NOW_COOLDOWN_MINUTES,
  DISCORD_PERMISSION_NAMES,
  type DiscordPermission,
  MAX_SCAN_NOW_COOLDOWN_MINUTES,
} from '../functions/core/discord/interaction-context.js';
import { DEFAULT_BATCH_SIZE } from '../functions/core/run/batching.js';
import { DEFAULT_LOOKBACK_BARS } from '../functions/core/scan/scanners.js';
import { DEFAULT_SCHEDULES } from '../functions/core/market/schedules.js';
import { DEFAULT_COOLDOWN_SESSIONS, MAX_GAP_FILL_SESSIONS } from '../functions/core/run/signal-events.js';
import { parseWatchlist } from '../functions/core/scan/symbols.js';
import { DEFAULT_LIST_LIMITS, type ListLimits, MAX_TOTAL_SYMBOLS } from '../functions/core/lists/watchlist-rules.js';
import { PROVIDERS, type ProviderName } from '../functions/adapters/market-data/providers.js';
import { DEFAULT_RETENTION } from '../functions/adapters/store/table-schema.js';
import { DASHBOARD_URL, DASHBOARD_URL_RULE } from '../functions/adapters/settings.js';
import { DEFAULT_HORIZONS, DEFAULT_SCORE_HORIZON, MAX_HORIZON } from '../functions/core/scorecard/horizons.js';

/** Everything a user may set, in cdk.json under context.scanfleet (or `-c scanfleet='{…}'`). */
export interface ScanfleetConfig {
  /**
   * A watchlist, one symbol a line, relative to the project root: the list `default` is seeded
   * from it when the table has never had a list (docs/watchlists.md).
   */
  readonly watchlistFile: string;
  readonly timeZone: string;
  readonly schedules: {
    /** During market hours, Mon–Fri: results on the bar still trading (partial). */
    readonly marketHours: string;
    /** Once the close has passed the provider's delay: the closed session's events are alerted. */
    readonly afterClose: string;
    /** The evening run that re-fetches the closed session (providers correct late prints). */
    readonly refetch: string;
    /** false: every schedule is created disabled (no scheduled runs; the sweeper then expects none). */
    readonly enabled: boolean;
  };
  readonly alerts: {
    /** Alert signals on the bar still trading as forming; the close confirms or retracts each. */
    readonly intraday: boolean;
    /** Sessions a cross or breakout is held back after an alerted one of the same symbol and signal. */
    readonly cooldownSessions: number;
    /** The horizon, in sessions, each alert line quotes its signal's edge at: one of scorecardHorizons. */
    readonly edgeHorizon: number;
    /**
     * The dashboard each alert line's symbol links to (`<it>/#/symbol/AMD`), such as a custom
     * domain; the stack's HTTP API address when unset.
     */
    readonly dashboardUrl?: string;
  };
  readonly provider: ProviderName;
  /** Secrets Manager secret (name or ARN) with the provider's credentials; required for schwab and alpaca. */
  readonly providerSecret?: string;
  /** "sip" (consolidated volume; free plan: ≥ 15 minutes old) or "iex" (one exchange: a few % of the volume). */
  readonly alpacaFeed: string;
  /** How far Yahoo's or Schwab's daily bar lags the market, in minutes: a bar is closed this long after the close. */
  readonly providerDelayMinutes: number;
  /** Days results, runs (with their events and alerts) and the scorecard's sessions and observations are kept. */
  readonly retention: { readonly resultsDays: number; readonly runsDays: number; readonly scorecardDays: number };
  /** The live scorecard's forward-return horizons, in sessions (docs/scorecard.md#the-live-scorecard). */
  readonly scorecardHorizons: readonly number[];
  readonly batchSize: number;
  readonly lookbackBars: number;
  readonly dispatch: { readonly memoryMb: number; readonly timeoutSeconds: number };
  readonly scanBatch: { readonly memoryMb: number; readonly timeoutSeconds: number; readonly maxConcurrency: number };
  /** The watchdog every 15 minutes: overdue runs, dead letters, undelivered alerts, the health metrics. */
  readonly sweeper: { readonly memoryMb: number; readonly timeoutSeconds: number };
  /** The watchlists: their limits (docs/watchlists.md) and the lists-writer function that changes them. */
  readonly lists: ListLimits & { readonly memoryMb: number; readonly timeoutSeconds: number };
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
    /**
     * Secrets Manager secret (name or ARN) {"token": "…"} that /api/* requires as
     * "Authorization: Bearer <token>"; when unset the stack creates one with a generated token.
     */
    readonly tokenSecret?: string;
    /**
     * true: the read-only routes (scans, symbols, runs) need no token. The chart route and any
     * route not listed public in functions/core/api/access.ts keep requiring it. Off by default.
     */
    readonly public: boolean;
  };
  /**
   * Secrets Manager secret {"publicKey": "…", "webhookUrl": "…", "operatorWebhookUrl": "…"}: turns on
   * the Discord interactions endpoint (publicKey), run alerts (webhookUrl) and alarms in Discord
   * (operatorWebhookUrl, else webhookUrl).
   */
  readonly discordSecret?: string;
  readonly discord: {
    /**
     * The permission a member needs for /scan-now, /pause and /resume, by Discord's name
     * (MANAGE_GUILD, ADMINISTRATOR, …): registered as their default_member_permissions and checked
     * again by the function. Administrator always passes.
     */
    readonly adminPermission: DiscordPermission;
    /** Minutes between two /scan-now runs of one server (each is a full run: provider quota, cost). */
    readonly scanNowCooldownMinutes: number;
  };
  /** Alarm notifications go to this address when set. */
  readonly alarmEmail?: string;
  /** An AWS Budgets budget on the account's monthly cost, notifying the alarm topic (80% actual, 100% forecast). */
  readonly budget: { readonly enabled: boolean; readonly monthlyUsd: number };
}

export interface ResolvedConfig extends ScanfleetConfig {
  /** The watchlist file's symbols: the list `default` is seeded from them in a table that never had a list. */
  readonly seedWatchlist: string[];
}

/**
 * Defaults. Memory is sized by `npm run bench` (docs/benchmark.md#function-sizes): each function's
 * highest VmHWM over a warm soak on Node 24 with Lambda's flags for 128 MB; 128 MB when that stays
 * within 85% of it (108.8 MB, the memory alarm's line), else the smallest 64 MB step that holds it.
 * The figures are those of three runs of 2026-11-30 (bench/results.json is the last).
 */
export const DEFAULT_CONFIG: ScanfleetConfig = {
  watchlistFile: 'data/daily/watchlist.txt',
  timeZone: 'America/New_York',
  schedules: { ...DEFAULT_SCHEDULES, enabled: true },
  alerts: { intraday: false, cooldownSessions: DEFAULT_COOLDOWN_SESSIONS, edgeHorizon: DEFAULT_SCORE_HORIZON },
  provider: 'csv',
  alpacaFeed: 'sip',
  providerDelayMinutes: 10,
  retention: { ...DEFAULT_RETENTION },
  scorecardHorizons: DEFAULT_HORIZONS,
  batchSize: DEFAULT_BATCH_SIZE,
  lookbackBars: DEFAULT_LOOKBACK_BARS,
  // VmHWM 97.2–103.2 MB over 500 dispatches of 150 symbols (three runs with two malloc arenas): within 108.8 MB.
  dispatch: { memoryMb: 128, timeoutSeconds: 30 },
  // VmHWM 110.5–114.2 MB over 2,000 batches of 30 symbols (Schwab + Discord: 107.2–113.1; the SDK floor alone 109.6–120.7).
  scanBatch: { memoryMb: 192, timeoutSeconds: 60, maxConcurrency: 2 },
  // VmHWM 106.8–114.3 MB over 500 sweeps.
  sweeper: { memoryMb: 192, timeoutSeconds: 300 },
  // VmHWM 108.9–110.9 MB over its soaks (three runs of 2026-11-30): above 85% of 128 MB. The API's
  // routes time out at 29 s (API Gateway's limit for an HTTP API integration).
  lists: { ...DEFAULT_LIST_LIMITS, memoryMb: 192, timeoutSeconds: 29 },
  // VmHWM 108.5–115.3 MB over 2,000 requests.
  api: { memoryMb: 192, timeoutSeconds: 10, throttleRate: 20, throttleBurst: 40, debugMemory: false, public: false },
  discord: { adminPermission: DEFAULT_ADMIN_PERMISSION, scanNowCooldownMinutes: DEFAULT_SCAN_NOW_COOLDOWN_MINUTES },
  budget: { enabled: true, monthlyUsd: 10 },
};

/** A setting in cdk.json (context.scanfleet) that is missing, unknown or out of its range. */
export class ConfigError extends ScanfleetError {
  override readonly name = 'ConfigError';
  override readonly code = 'config';
}

/** A message for every way a value can fail one rule: what it must be, and what it was. */
const got = (rule: string) => (issue: { input?: unknown }) => `${rule}, got ${JSON.stringify(issue.input)}`;

function wholeNumber(fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) {
  const error = got(`must be a whole number from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ' up'}`);
  const rule = v.pipe(
    v.number(error),
    v.check((n) => Number.isInteger(n) && n >= min && n <= max, error),
  );
  return v.optional(rule, fallback);
}

function text(error = got('must be a non-empty string')) {
  return v.pipe(
    v.string(error),
    v.check((value) => value.trim() !== '', error),
  );
}

function matching(pattern: RegExp, rule: string) {
  const error = got(rule);
  return v.pipe(v.string(error), v.regex(pattern, error));
}

function amount(fallback: number, min: number, max: number) {
  const error = got(`must be a number of US dollars above ${min}, at most ${max}`);
  const rule = v.pipe(
    v.number(error),
    v.check((n) => Number.isFinite(n) && n > min && n <= max, error),
  );
  return v.optional(rule, fallback);
}

const flag = (fallback: boolean) => v.optional(v.boolean(got('must be true or false')), fallback);

function oneOf<const T extends readonly [string, ...string[]]>(values: T, fallback: T[number], rule: string) {
  return v.optional(v.picklist(values, got(rule)), fallback);
}

/**
 * An object of settings: an unknown key is refused naming the known ones; a removed setting is
 * refused saying why it went. Absent, it is {} and its keys take their defaults.
 */
function settings<T extends v.ObjectEntries>(
  shape: T,
  notAnObject = 'must be an object',
  removed: Record<string, string> = {},
) {
  const known = Object.keys(shape).join(', ');
  const refused = Object.fromEntries(
    Object.entries(removed).map(([key, why]) => [
      key,
      v.optional(v.never(`is no longer a setting: ${why}; remove it`)),
    ]),
  );
  // The object's own issues: a key it does not know (named by the issue's path), or not an object at all.
  const error = (issue: { expected: string | null }) =>
    issue.expected === 'never' ? `is not a setting (known: ${known})` : notAnObject;
  // A refused key never parses, so the output has the shape's keys only.
  const object = v.strictObject({ ...refused, ...shape } as T, error);
  // Valibot takes an array for an object; a setting's value never is one.
  return v.pipe(
    v.custom<v.InferInput<typeof object>>((input) => !Array.isArray(input), notAnObject),
    object,
  );
}

const CRON = /^cron\((\S+ ){5}\S+\)$/;
const cron = (fallback: string) => v.optional(matching(CRON, 'must be a cron(…) expression with six fields'), fallback);

function isTimeZone(timeZone: string): boolean {
  try {
    Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

const defaults = DEFAULT_CONFIG;
const lambda = (memory: typeof defaults.dispatch, maxTimeoutSeconds: number) => ({
  memoryMb: wholeNumber(memory.memoryMb, 128, 10_240),
  timeoutSeconds: wholeNumber(memory.timeoutSeconds, 1, maxTimeoutSeconds),
});

/** The `scanfleet` context: every key, its rule and its default. */
const configSchema = v.pipe(
  settings(
    {
      watchlistFile: v.optional(text(), defaults.watchlistFile),
      timeZone: v.optional(
        v.pipe(text(), v.check(isTimeZone, got('must be an IANA time zone such as America/New_York'))),
        defaults.timeZone,
      ),
      schedules: v.optional(
        settings(
          {
            marketHours: cron(defaults.schedules.marketHours),
            afterClose: cron(defaults.schedules.afterClose),
            refetch: cron(defaults.schedules.refetch),
            enabled: flag(defaults.schedules.enabled),
          },
          'must be an object { marketHours, afterClose, refetch, enabled }',
          {
            offHours: 'daily bars cannot change outside a session, so the off-hours runs are gone',
          },
        ),
        {},
      ),
      alerts: v.optional(
        settings({
          intraday: flag(defaults.alerts.intraday),
          cooldownSessions: wholeNumber(defaults.alerts.cooldownSessions, 0, 20),
          edgeHorizon: wholeNumber(defaults.alerts.edgeHorizon, 1, MAX_HORIZON),
          dashboardUrl: v.optional(matching(DASHBOARD_URL, DASHBOARD_URL_RULE)),
        }),
        {},
      ),
      provider: oneOf(PROVIDERS, defaults.provider, `must be one of ${PROVIDERS.join(', ')}`),
      providerSecret: v.optional(text()),
      alpacaFeed: oneOf(['sip', 'iex'], 'sip', 'must be "sip" or "iex"'),
      providerDelayMinutes: wholeNumber(defaults.providerDelayMinutes, 0, 120),
      retention: v.optional(
        settings({
          resultsDays: wholeNumber(defaults.retention.resultsDays, 1),
          runsDays: wholeNumber(defaults.retention.runsDays, 1),
          scorecardDays: wholeNumber(defaults.retention.scorecardDays, 1),
        }),
        {},
      ),
      scorecardHorizons: v.optional(
        v.pipe(
          v.array(v.number(), got('must be a list of whole numbers of sessions')),
          v.minLength(1, got('must name at least one horizon')),
          v.check(
            (list) => list.every((h) => Number.isInteger(h) && h >= 1 && h <= MAX_HORIZON),
            got(`must be whole numbers of sessions from 1 to ${MAX_HORIZON}`),
          ),
          v.transform((list) => [...new Set(list)].sort((a, b) => a - b)),
        ),
        [...defaults.scorecardHorizons],
      ),
      batchSize: wholeNumber(defaults.batchSize, 1, 100),
      lookbackBars: wholeNumber(defaults.lookbackBars, 50),
      dispatch: v.optional(settings(lambda(defaults.dispatch, 900)), {}),
      scanBatch: v.optional(
        settings({
          // SQS visibility timeout is 6 × this and may not exceed 12 hours; a batch never needs 15 minutes.
          ...lambda(defaults.scanBatch, 900),
          maxConcurrency: wholeNumber(defaults.scanBatch.maxConcurrency, 2, 1000),
        }),
        {},
      ),
      sweeper: v.optional(settings(lambda(defaults.sweeper, 900)), {}),
      lists: v.optional(
        settings({
          ...lambda(defaults.lists, 29),
          lists: wholeNumber(defaults.lists.lists, 1, 1_000),
          symbolsPerList: wholeNumber(defaults.lists.symbolsPerList, 1, MAX_TOTAL_SYMBOLS),
          symbolsPerAdd: wholeNumber(defaults.lists.symbolsPerAdd, 1, 1_000),
          totalSymbols: wholeNumber(defaults.lists.totalSymbols, 1, MAX_TOTAL_SYMBOLS),
        }),
        {},
      ),
      api: v.optional(
        settings({
          ...lambda(defaults.api, 29),
          throttleRate: wholeNumber(defaults.api.throttleRate, 1, 10_000),
          throttleBurst: wholeNumber(defaults.api.throttleBurst, 1, 5_000),
          corsOrigin: v.optional(matching(/^https?:\/\/[^/\s]+$/, 'must be an origin such as https://example.com')),
          debugMemory: flag(defaults.api.debugMemory),
          tokenSecret: v.optional(text()),
          public: flag(defaults.api.public),
        }),
        {},
      ),
      discordSecret: v.optional(text()),
      discord: v.optional(
        settings({
          adminPermission: oneOf(
            DISCORD_PERMISSION_NAMES,
            defaults.discord.adminPermission,
            `must be a Discord permission name, one of ${DISCORD_PERMISSION_NAMES.join(', ')}`,
          ),
          scanNowCooldownMinutes: wholeNumber(
            defaults.discord.scanNowCooldownMinutes,
            1,
            MAX_SCAN_NOW_COOLDOWN_MINUTES,
          ),
        }),
        {},
      ),
      alarmEmail: v.optional(v.pipe(text(), v.regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/, got('must be an e-mail address')))),
      budget: v.optional(
        settings({
          enabled: flag(defaults.budget.enabled),
          monthlyUsd: amount(defaults.budget.monthlyUsd, 0, 1_000_000),
        }),
        {},
      ),
    },
    'must be an object of settings',
    {
      reducedWatchlistSize:
        'the off-hours runs of a reduced watchlist are gone (daily bars cannot change after the close)',
    },
  ),
  v.forward(
    v.check(
      (config) => config.scorecardHorizons.includes(config.alerts.edgeHorizon),
      (issue) =>
        `must be one of the scorecard's horizons (scorecardHorizons: ${issue.input.scorecardHorizons.join(', ')}), got ${issue.input.alerts.edgeHorizon}`,
    ),
    ['alerts', 'edgeHorizon'],
  ),
  v.forward(
    v.check(
      (config) => config.retention.scorecardDays >= horizonSpanDays(Math.max(...config.scorecardHorizons)),
      (issue) => {
        const longest = Math.max(...issue.input.scorecardHorizons);
        return `must keep a session until its longest horizon's return falls due: ${longest} sessions (and a gap-fill) need ${horizonSpanDays(longest)} days, got ${issue.input.retention.scorecardDays}`;
      },
    ),
    ['retention', 'scorecardDays'],
  ),
  v.forward(
    v.check(
      (config) => !(config.provider === 'schwab' || config.provider === 'alpaca') || !!config.providerSecret,
      (issue) =>
        `is required for provider "${issue.input.provider}": the name or ARN of a Secrets Manager secret with its credentials`,
    ),
    ['providerSecret'],
  ),
);

/** Calendar days that `sessions` sessions after a session, and a gap-fill's, may span (weekends and holidays). */
function horizonSpanDays(sessions: number): number {
  return Math.ceil(((sessions + MAX_GAP_FILL_SESSIONS) * 7) / 5) + 10;
}

/** Merges the context over the defaults, validates every key, and reads the watchlist. */
export function loadConfig(context: unknown, projectRoot: string): ResolvedConfig {
  const raw = context === undefined ? {} : typeof context === 'string' ? parseJson(context) : context;
  const parsed = v.safeParse(configSchema, raw);
  if (!parsed.success) {
    const [issue] = parsed.issues;
    const path = (issue.path ?? []).map((item) => String(item.key));
    throw new ConfigError(`${['scanfleet', ...path].join('.')} ${issue.message}`);
  }
  const config: ScanfleetConfig = parsed.output;

  const path = isAbsolute(config.watchlistFile) ? config.watchlistFile : join(projectRoot, config.watchlistFile);
  let watchlist: string;
  try {
    watchlist = readFileSync(path, 'utf8');
  } catch {
    throw new ConfigError(`scanfleet.watchlistFile: cannot read ${path}`);
  }
  let seedWatchlist: string[];
  try {
    seedWatchlist = parseWatchlist(watchlist, 'scanfleet.watchlistFile');
  } catch (error) {
    throw new ConfigError((error as Error).message, { cause: error });
  }
  return { ...config, seedWatchlist };
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
