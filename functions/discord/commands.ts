import { newYorkTime } from '../core/discord/format.js';
import { nextCronTime } from '../core/market/cron-next.js';
import {
  COLOURS,
  type Embed,
  linesWithin,
  signalDetail,
  signalEmbeds,
  signalTone,
} from '../core/discord/discord-embeds.js';
import {
  DEFAULT_ADMIN_PERMISSION,
  DISCORD_PERMISSIONS,
  type DiscordPermission,
  hasPermission,
  snowflakeTime,
} from '../core/discord/interaction-context.js';
import { describeDaysLeft, refreshTokenDaysLeft, tokenWarningDue } from '../core/market/refresh-token.js';
import { deriveRunId } from '../core/run/run-id.js';
import { isScannerName, SCANNER_NAMES, type ScannerName, SCANNERS } from '../core/scan/scanners.js';
import type { ScanValues } from '../core/scan/scanner.js';
import { isSymbol } from '../core/scan/symbols.js';
import type { DiscordMessage } from '../adapters/discord/discord-client.js';
import { LOOKUPS_PER_SERVER, SCAN_NOW_COOLDOWN_MS, type TokenStatus } from '../adapters/store/control-store.js';
import type { ControlStore } from '../adapters/store/control-changes.js';
import type { ReadStores } from '../adapters/store/stores.js';
import { type RunRecord, runAsOf } from '../core/run/run-record.js';
import { scorecardCommand, topCommand } from './scorecard-commands.js';
import { type Subcommand, watchCommand } from './watch-command.js';
import {
  subscribeCommand,
  subscriptionsCommand,
  type SubscriptionDeps,
  unsubscribeCommand,
} from './subscription-commands.js';

/**
 * The commands read runs, results, signal events, lists and subscriptions; /scan-now starts a run
 * through dispatch, and list and subscription changes are asked of the lists-writer. Of the
 * runtime controls they may pause and resume the schedules and claim a /scan-now or an on-demand
 * /symbol lookup (which the lists-writer makes: it holds the provider's credentials).
 */
export interface CommandDeps extends ReadStores, Pick<SubscriptionDeps, 'askListsWriter' | 'settings'> {
  readonly control: Pick<ControlStore, 'paused' | 'tokenStatus' | 'pause' | 'resume' | 'claimScanNow' | 'claimLookup'>;
  /** Whether alerts include forming signals on the bar still trading (config alerts.intraday). */
  readonly intradayAlerts: boolean;
  /** Starts a run of a watchlist at a scheduled time, without waiting for it; `requestId` is stored on the run. */
  readonly startScan: (watchlist: string, scheduledAt: Date, requestId?: string) => Promise<void>;
  readonly schedules: readonly string[];
  /** Config schedules.enabled: false when the deployment runs no schedule. */
  readonly schedulesEnabled: boolean;
  readonly timeZone: string;
  /** The market-data provider (PROVIDER): /status shows Schwab's refresh token. */
  readonly provider: string;
  /** Time between two /scan-now runs of one server (config discord.scanNowCooldownMinutes; default 10 minutes). */
  readonly scanNowCooldownMs?: number;
  /** The permission /scan-now, /pause and /resume need (config discord.adminPermission; default Manage Server). */
  readonly adminPermission?: DiscordPermission;
  readonly now: () => Date;
}

/** Who runs a command, and where: what the interaction says of itself. */
export interface Invocation {
  /** The interaction's id (a snowflake): /scan-now's idempotency key. */
  readonly id?: string;
  /** The server it came from; none in a direct message. */
  readonly guildId?: string;
  /** The member's permissions in the channel (a decimal bitfield); server interactions only. */
  readonly permissions?: string;
  readonly userId?: string;
  readonly userName?: string;
}

export interface CommandData {
  readonly name: string;
  /** A command's options, or its subcommand (`/watch add …`) with the subcommand's. */
  readonly options?: { name: string; value?: unknown; options?: { name: string; value: unknown }[] }[];
}

const EPHEMERAL = 64;
const ephemeral = (content: string): DiscordMessage => ({ content, flags: EPHEMERAL });
const HELP =
  'Try /scan scanner:<macd|ttm-squeeze|vpb> [signal], /symbol ticker:<SYMBOL>, /scorecard, /top, /status, /watch, /subscriptions, /scan-now, /pause or /resume.';

/**
 * The changes the lists-writer makes — /watch add and remove, /subscribe, /unsubscribe — are made
 * once, in the deferred reply (a provider's or Discord's check takes time): how that reply is
 * shown, or undefined for any other command. /subscribe's is private: the member pasted a
 * webhook URL, and the answer is theirs.
 */
export function listsWriterChange(data: CommandData): 'public' | 'private' | undefined {
  if (data.name === 'subscribe') return 'private';
  if (data.name === 'unsubscribe') return 'public';
  const sub = data.options?.[0]?.name;
  return data.name === 'watch' && (sub === 'add' || sub === 'remove') ? 'public' : undefined;
}

/** Runs one slash command; bad input gets an ephemeral message saying what to type instead. */
export async function runCommand(
  data: CommandData,
  deps: CommandDeps,
  invocation: Invocation = {},
): Promise<DiscordMessage> {
  const option = (name: string) => data.options?.find((o) => o.name === name)?.value;
  switch (data.name) {
    case 'scan':
      return scanCommand(String(option('scanner') ?? ''), option('signal') as string | undefined, deps);
    case 'symbol':
      return symbolCommand(String(option('ticker') ?? ''), deps, invocation);
    case 'status':
      return statusCommand(deps);
    case 'scorecard':
      return scorecardCommand(option('scanner'), option('horizon'), deps);
    case 'top':
      return topCommand(option('n'), deps);
    case 'scan-now':
      return scanNowCommand(deps, invocation);
    case 'pause':
      return pauseCommand(option('reason'), deps, invocation);
    case 'resume':
      return resumeCommand(deps, invocation);
    case 'watch': {
      const admitted = () => {
        const decision = admit('watch', deps, invocation);
        return 'refused' in decision ? decision.refused : undefined;
      };
      return watchCommand(data.options?.[0] as Subcommand | undefined, deps, admitted, whoIs(invocation));
    }
    case 'subscribe':
    case 'unsubscribe': {
      const command = data.name;
      const admitted = () => {
        const decision = admit(command, deps, invocation);
        return 'refused' in decision ? decision.refused : undefined;
      };
      return command === 'subscribe'
        ? subscribeCommand(data.options, deps, admitted, whoIs(invocation), invocation.guildId)
        : unsubscribeCommand(data.options, deps, admitted, whoIs(invocation));
    }
    case 'subscriptions':
      return subscriptionsCommand(deps);
    default:
      return ephemeral(`Unknown command /${data.name.slice(0, 32)}. ${HELP}`);
  }
}

async function scanCommand(scanner: string, signal: string | undefined, deps: CommandDeps): Promise<DiscordMessage> {
  if (!isScannerName(scanner))
    return ephemeral(`There is no scanner "${scanner.slice(0, 32)}". Choose one of ${SCANNER_NAMES.join(', ')}.`);
  const signals = SCANNERS[scanner].signals as readonly string[];
  if (signal !== undefined && !signals.includes(signal))
    return ephemeral(
      `${scanner} has no signal "${String(signal).slice(0, 32)}"; its signals are ${signals.join(', ')}.`,
    );
  const run = await deps.runs.shownRun();
  if (!run) return ephemeral('No scan has completed yet. Start one with /scan-now.');
  const results = (await deps.results.runSignals(run.runId, scanner, signal, 1000)).items;
  const footer = `run ${run.runId} · as of ${runAsOf(run) ?? '–'}${run.symbolsPartial > 0 ? ' · bars still trading: signals may change by the close' : ''}${run.status === 'partial' ? ' · the run ended partial' : ''}`;
  if (results.length === 0) return { content: `No ${signal ?? scanner} signals in the latest run (${footer}).` };
  const detail = (r: (typeof results)[number]) => `${signalDetail(scanner, r.values)}${r.partial ? ' · forming' : ''}`;
  return {
    embeds: signalEmbeds(
      `Latest ${signal ?? 'signals'}`,
      results.map((r) => ({ symbol: r.symbol, scanner, signal: r.signal as string, detail: detail(r) })),
      footer,
    ),
  };
}

/**
 * /symbol of a ticker with no stored results is scanned on demand by the lists-writer (it holds
 * the provider's credentials), which takes longer than Discord's 3 s. So it is decided here, before
 * the command runs: the member's lookup is claimed (a refusal answers at once, privately) and the
 * reply deferred; the follow-up runs /symbol again, finds no stored results again, and its claim
 * of the same interaction stands. `undefined`: the command runs as any other (a malformed ticker
 * is refused, stored results are read).
 */
export async function symbolLookupDue(
  data: CommandData,
  deps: CommandDeps,
  invocation: Invocation,
): Promise<'defer' | DiscordMessage | undefined> {
  if (data.name !== 'symbol') return undefined;
  const symbol = symbolOf(String(data.options?.find((o) => o.name === 'ticker')?.value ?? ''));
  if (symbol === undefined || (await deps.results.symbolHistory(symbol, 1)).items.length > 0) return undefined;
  return (await claimLookup(deps, invocation)) ?? 'defer';
}

const symbolOf = (ticker: string): string | undefined => {
  const symbol = ticker.trim().toUpperCase();
  return isSymbol(symbol) ? symbol : undefined;
};

/** The member's on-demand lookup claimed; a refusal says when to try again. */
async function claimLookup(deps: CommandDeps, invocation: Invocation): Promise<DiscordMessage | undefined> {
  if (invocation.id === undefined || invocation.userId === undefined)
    return ephemeral('This interaction names no member, so no lookup was made; try /symbol again.');
  const now = deps.now();
  const claim = await deps.control.claimLookup(invocation.guildId ?? 'dm', invocation.userId, invocation.id, now);
  if (claim.granted) return undefined;
  const wait = `${Math.max(1, Math.ceil((Date.parse(claim.retryAt) - now.getTime()) / 1000))} s`;
  return ephemeral(
    claim.by === 'member'
      ? `You looked up a symbol on no list less than a minute ago; try again in ${wait}.`
      : `This server has had its ${LOOKUPS_PER_SERVER} on-demand lookups of the minute; try again in ${wait}.`,
  );
}

async function symbolCommand(ticker: string, deps: CommandDeps, invocation: Invocation): Promise<DiscordMessage> {
  const symbol = symbolOf(ticker);
  if (symbol === undefined)
    return ephemeral(`"${ticker.slice(0, 32)}" is not a ticker symbol (letters and digits, e.g. AAPL or BRK.B).`);
  const [{ items }, events] = await Promise.all([
    deps.results.symbolHistory(symbol, 10),
    deps.events.eventsOf(symbol, 30),
  ]);
  if (items.length === 0) return lookupCommand(symbol, deps, invocation);
  const latestRun = items[0].runId;
  const latest = items.filter((r) => r.runId === latestRun);
  const history = events.map(
    (e) =>
      `${e.barDate} ${e.scanner} ${e.signal}${e.status === 'alerted' || e.status === 'seen' ? '' : ` (${e.status})`}`,
  );
  const embed: Embed = {
    title: `${symbol} — as of ${latest[0].barDate ?? '–'}${latest.some((r) => r.partial) ? ' (bar still trading)' : ''}`,
    ...resultFields(latest),
    ...(history.length > 0 && { description: `Signal history:\n${linesWithin(history, 2000)}` }),
    footer: { text: `run ${latestRun}` },
  };
  return { embeds: [embed] };
}

/** A symbol on no list, scanned on demand by the lists-writer: its results, and how to keep it scanned. */
async function lookupCommand(symbol: string, deps: CommandDeps, invocation: Invocation): Promise<DiscordMessage> {
  const refused = await claimLookup(deps, invocation);
  if (refused) return refused;
  const answer = await deps.askListsWriter({ action: 'lookup', symbol, by: whoIs(invocation) });
  if (!answer.ok)
    return ephemeral(`No results for ${symbol} in the retained runs, and no lookup: ${answer.error.message}`);
  if (answer.action !== 'lookup') throw new Error(`lists-writer answered ${answer.action} to lookup`);
  const embed: Embed = {
    title: `${answer.symbol} — as of ${answer.asOf ?? '–'}${answer.partial ? ' (bar still trading)' : ''} (on-demand: on no list)`,
    ...resultFields(answer.results),
    description: `Add it to a list: /watch add symbols:${answer.symbol} [list]`,
  };
  return { embeds: [embed] };
}

/** One field per scanner (its signal or "no signal", with details), coloured by the strongest tone. */
function resultFields(
  rows: readonly {
    scanner: ScannerName;
    signal: string | null;
    status: string;
    values: ScanValues | null;
    reason?: string;
  }[],
): Pick<Embed, 'color' | 'fields'> {
  const tones = rows.map((r) => signalTone(r.scanner, r.signal));
  return {
    color:
      COLOURS[
        tones.includes('bullish')
          ? 'bullish'
          : tones.includes('bearish')
            ? 'bearish'
            : tones.includes('neutral')
              ? 'neutral'
              : 'info'
      ],
    fields: rows.map((r) => ({
      name: r.scanner,
      value:
        r.status === 'ok'
          ? `${r.signal ?? 'no signal'} — ${signalDetail(r.scanner, r.values)}`.slice(0, 1024)
          : `${r.status}: ${r.reason ?? ''}`.slice(0, 1024),
    })),
  };
}

async function statusCommand(deps: CommandDeps): Promise<DiscordMessage> {
  const now = deps.now();
  const schwab = deps.provider === 'schwab';
  const [page, complete, pause, token] = await Promise.all([
    deps.runs.listRuns(1),
    deps.runs.shownRun(),
    deps.control.paused(),
    schwab ? deps.control.tokenStatus() : undefined,
  ]);
  const [latest] = page.items;
  const next = deps.schedules
    .map((cron) => nextCronTime(cron, deps.timeZone, now))
    .filter((t): t is Date => t !== null)
    .sort((a, b) => a.getTime() - b.getTime())[0];
  const age = (iso: string | undefined) => (iso ? humanAge(now.getTime() - Date.parse(iso)) : '–');
  const why = latest?.endReason ?? latest?.skippedReason;
  const fields = [
    latest
      ? {
          name: 'Last run',
          value: within(
            `${latest.runId} (${latest.kind}${latest.purpose ? `, ${latest.purpose}` : ''}, session ${latest.session}): ${latest.status}, ${latest.batchesDone}/${latest.batchesExpected} batches, started ${age(latest.startedAt)} ago${latest.failedBatches.length > 0 ? `, ${latest.failedBatches.length} batch(es) failed` : ''}${why ? ` (${why})` : ''}`,
          ),
        }
      : { name: 'Last run', value: 'none yet' },
    complete
      ? {
          name: 'Last complete run',
          value: `as of ${runAsOf(complete) ?? '–'}, finished ${age(complete.finishedAt)} ago: ${complete.symbolsDone} symbols, ${complete.symbolsWithErrors} with errors, ${complete.symbolsInsufficient} short of data${complete.status === 'partial' ? ' (ended partial)' : ''}`,
        }
      : { name: 'Last complete run', value: 'none yet' },
    {
      name: 'Schedules',
      value: !deps.schedulesEnabled
        ? 'off in the deployed configuration (schedules.enabled false)'
        : pause
          ? within(
              `paused by ${pause.by} since ${newYorkTime(pause.at)} (${age(pause.at)} ago)${pause.reason ? `: ${pause.reason}` : ''}; scheduled runs are recorded skipped until /resume`,
            )
          : 'on',
    },
    {
      name: 'Next scheduled run',
      value: next
        ? `${newYorkTime(next)} (in ${humanAge(next.getTime() - now.getTime())})${pause ? ', skipped while paused' : ''}`
        : 'no schedule configured',
    },
    ...(schwab ? [tokenField(token, now)] : []),
    {
      name: 'Alerts',
      value: deps.intradayAlerts
        ? 'intraday: signals on the bar still trading are alerted as forming, then confirmed or retracted at the close'
        : 'closed bars only: each event once, after the close',
    },
  ];
  const trouble =
    latest?.status === 'failed' ||
    latest?.status === 'partial' ||
    (latest?.failedBatches.length ?? 0) > 0 ||
    (token !== undefined && tokenWarningDue(new Date(token.issuedAt), now));
  return {
    embeds: [
      {
        title: 'scanfleet status',
        color: trouble ? COLOURS.bearish : pause ? COLOURS.neutral : COLOURS.info,
        fields,
      },
    ],
  };
}

const TOKEN_SOURCES: Record<TokenStatus['source'], string> = {
  secret: "the secret's refreshTokenIssuedAt",
  version: "the secret version's date",
  environment: 'SCHWAB_REFRESH_TOKEN_ISSUED_AT',
};

/** Schwab's refresh token: its days left, with a warning from 2 days before it expires. */
function tokenField(token: TokenStatus | undefined, now: Date): { name: string; value: string } {
  const name = 'Schwab refresh token';
  if (!token) return { name, value: 'age unknown: not checked yet' };
  const issuedAt = new Date(token.issuedAt);
  const left = describeDaysLeft(refreshTokenDaysLeft(issuedAt, now));
  const origin = `issued ${newYorkTime(token.issuedAt)}, by ${TOKEN_SOURCES[token.source] ?? token.source}`;
  return {
    name,
    value: tokenWarningDue(issuedAt, now)
      ? `⚠️ ${left}: sign in to Schwab again and store the new refresh token (${origin})`
      : `${left} (${origin})`,
  };
}

/** The member's name as a pause records it. */
function whoIs(invocation: Invocation): string {
  if (invocation.userName) return `@${invocation.userName}`;
  return invocation.userId ? `Discord user ${invocation.userId}` : 'a Discord user';
}

/** What each command that changes how scanfleet runs does, as a refusal names it. */
const ADMIN_ACTIONS = {
  'scan-now': 'start a scan',
  pause: 'pause the schedules',
  resume: 'resume the schedules',
  watch: 'change the watchlists',
  subscribe: 'subscribe a webhook to alerts',
  unsubscribe: 'remove a subscription',
} as const;

/**
 * /scan-now, /pause, /resume, /watch's changes, /subscribe and /unsubscribe: in a server, by a
 * member with the admin permission (or Administrator); anyone else is refused privately, saying why.
 */
function admit(
  command: keyof typeof ADMIN_ACTIONS,
  deps: CommandDeps,
  invocation: Invocation,
): { guild: string } | { refused: DiscordMessage } {
  if (!invocation.guildId) return { refused: ephemeral(`/${command} works in a server, not in a direct message.`) };
  const permission = deps.adminPermission ?? DEFAULT_ADMIN_PERMISSION;
  if (!hasPermission(invocation.permissions, permission))
    return {
      refused: ephemeral(
        `You need the ${DISCORD_PERMISSIONS[permission].label} permission to ${ADMIN_ACTIONS[command]}.`,
      ),
    };
  return { guild: invocation.guildId };
}

async function pauseCommand(reasonOption: unknown, deps: CommandDeps, invocation: Invocation): Promise<DiscordMessage> {
  const admitted = admit('pause', deps, invocation);
  if ('refused' in admitted) return admitted.refused;
  const reason = typeof reasonOption === 'string' ? reasonOption.trim().slice(0, 200) : '';
  const { paused, pause } = await deps.control.pause(whoIs(invocation), reason || undefined);
  if (!paused)
    return ephemeral(
      `The schedules are already paused (by ${pause.by} since ${newYorkTime(pause.at)}${pause.reason ? `: ${pause.reason}` : ''}); /resume restarts them.`,
    );
  return {
    content: `${pause.by} paused the schedules${pause.reason ? `: ${pause.reason}` : ''}. Scheduled runs are recorded skipped until /resume; /scan-now still works.`,
  };
}

async function resumeCommand(deps: CommandDeps, invocation: Invocation): Promise<DiscordMessage> {
  const admitted = admit('resume', deps, invocation);
  if ('refused' in admitted) return admitted.refused;
  const by = whoIs(invocation);
  const { resumed, was } = await deps.control.resume(by);
  if (!resumed) return ephemeral('The schedules are not paused.');
  return {
    content: `${by} resumed the schedules${was ? ` (paused by ${was.by} since ${newYorkTime(was.at)})` : ''}. The next scheduled run goes ahead.`,
  };
}

/**
 * /scan-now: the interaction id is the run's key. The run's scheduled time is the id's own
 * timestamp, so the command run again (its reply deferred) derives the same run; a server's
 * second start within the cooldown answers with the run the first began.
 */
async function scanNowCommand(deps: CommandDeps, invocation: Invocation): Promise<DiscordMessage> {
  const admitted = admit('scan-now', deps, invocation);
  if ('refused' in admitted) return admitted.refused;
  const scheduledAt = invocation.id === undefined ? undefined : snowflakeTime(invocation.id);
  if (invocation.id === undefined || !scheduledAt)
    return ephemeral('This interaction has no valid id, so no scan was started; try /scan-now again.');
  const runId = deriveRunId(scheduledAt, 'full');
  const cooldownMs = deps.scanNowCooldownMs ?? SCAN_NOW_COOLDOWN_MS;
  const now = deps.now();
  const claim = await deps.control.claimScanNow(admitted.guild, invocation.id, runId, now, cooldownMs);
  if (claim.started) {
    await deps.startScan('full', scheduledAt, invocation.id);
    return {
      content: `Started a scan of the full watchlist: run ${claim.runId}. New signals will be posted to the alert channel when it completes; /status shows its progress.`,
    };
  }
  const run = await deps.runs.getRun(claim.runId);
  const claimedAt = Date.parse(claim.claimedAt);
  return ephemeral(
    `A scan was started here ${humanAge(now.getTime() - claimedAt)} ago: run ${claim.runId}, ${progressOf(run)}. /scan-now can start another in ${humanAge(claimedAt + cooldownMs - now.getTime())}.`,
  );
}

function progressOf(run: RunRecord | undefined): string {
  if (!run) return 'starting';
  const counts = `${run.batchesDone}/${run.batchesExpected} batches, ${run.symbolsDone}/${run.symbolCount} symbols`;
  const why = run.endReason ?? run.skippedReason;
  return `${run.status}, ${counts}${why ? ` (${why})` : ''}`;
}

/** An embed field's value at most 1,024 characters. */
const within = (text: string) => (text.length <= 1024 ? text : `${text.slice(0, 1023)}…`);

function humanAge(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 48 * 60) return `${Math.round(minutes / 60)} h`;
  return `${Math.round(minutes / 1440)} days`;
}
