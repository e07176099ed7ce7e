import { nextCronTime } from '../core/market/cron-next.js';
import {
  COLOURS,
  type Embed,
  linesWithin,
  signalDetail,
  signalEmbeds,
  signalTone,
} from '../core/discord/discord-embeds.js';
import { deriveRunId } from '../core/run/run-id.js';
import { isScannerName, SCANNER_NAMES, SCANNERS } from '../core/scan/scanners.js';
import { isSymbol } from '../core/scan/symbols.js';
import type { DiscordMessage } from '../adapters/discord/discord-client.js';
import type { ReadStores } from '../adapters/store/stores.js';
import { runAsOf } from '../core/run/run-record.js';

/** The commands read runs, results and signal events; /scan-now starts a run through dispatch. */
export interface CommandDeps extends ReadStores {
  /** Whether alerts include forming signals on the bar still trading (config alerts.intraday). */
  readonly intradayAlerts: boolean;
  /** Starts a run of a watchlist at a scheduled time, without waiting for it. */
  readonly startScan: (watchlist: string, scheduledAt: Date) => Promise<void>;
  readonly schedules: readonly string[];
  readonly timeZone: string;
  readonly now: () => Date;
}

export interface CommandData {
  readonly name: string;
  readonly options?: { name: string; value: unknown }[];
}

const EPHEMERAL = 64;
const ephemeral = (content: string): DiscordMessage => ({ content, flags: EPHEMERAL });
const HELP = 'Try /scan scanner:<macd|ttm-squeeze|vpb> [signal], /symbol ticker:<SYMBOL>, /status or /scan-now.';

/** Runs one slash command; bad input gets an ephemeral message saying what to type instead. */
export async function runCommand(data: CommandData, deps: CommandDeps): Promise<DiscordMessage> {
  const option = (name: string) => data.options?.find((o) => o.name === name)?.value;
  switch (data.name) {
    case 'scan':
      return scanCommand(String(option('scanner') ?? ''), option('signal') as string | undefined, deps);
    case 'symbol':
      return symbolCommand(String(option('ticker') ?? ''), deps);
    case 'status':
      return statusCommand(deps);
    case 'scan-now':
      return scanNowCommand(deps);
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
  const run = await deps.runs.latestRun('complete', 'partial');
  if (!run) return ephemeral('No scan has completed yet. Start one with /scan-now.');
  const results = (await deps.results.runResults(run.runId, { scanner, ...(signal && { signal }) }, 1000)).items.filter(
    (r) => r.signal !== null,
  );
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

async function symbolCommand(ticker: string, deps: CommandDeps): Promise<DiscordMessage> {
  const symbol = ticker.trim().toUpperCase();
  if (!isSymbol(symbol))
    return ephemeral(`"${ticker.slice(0, 32)}" is not a ticker symbol (letters and digits, e.g. AAPL or BRK.B).`);
  const [{ items }, events] = await Promise.all([
    deps.results.symbolHistory(symbol, 10),
    deps.events.eventsOf(symbol, 30),
  ]);
  if (items.length === 0) return ephemeral(`No results for ${symbol} in the retained runs: is it on the watchlist?`);
  const latestRun = items[0].runId;
  const latest = items.filter((r) => r.runId === latestRun);
  const history = events.map(
    (e) =>
      `${e.barDate} ${e.scanner} ${e.signal}${e.status === 'alerted' || e.status === 'seen' ? '' : ` (${e.status})`}`,
  );
  const tones = latest.map((r) => signalTone(r.scanner, r.signal));
  const embed: Embed = {
    title: `${symbol} — as of ${latest[0].barDate ?? '–'}${latest.some((r) => r.partial) ? ' (bar still trading)' : ''}`,
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
    fields: latest.map((r) => ({
      name: r.scanner,
      value:
        r.status === 'ok'
          ? `${r.signal ?? 'no signal'} — ${signalDetail(r.scanner, r.values)}`.slice(0, 1024)
          : `${r.status}: ${r.reason ?? ''}`.slice(0, 1024),
    })),
    ...(history.length > 0 && { description: `Signal history:\n${linesWithin(history, 2000)}` }),
    footer: { text: `run ${latestRun}` },
  };
  return { embeds: [embed] };
}

async function statusCommand(deps: CommandDeps): Promise<DiscordMessage> {
  const now = deps.now();
  const [latest] = (await deps.runs.listRuns(1)).items;
  const complete = await deps.runs.latestRun('complete', 'partial');
  const next = deps.schedules
    .map((cron) => nextCronTime(cron, deps.timeZone, now))
    .filter((t): t is Date => t !== null)
    .sort((a, b) => a.getTime() - b.getTime())[0];
  const age = (iso: string | undefined) => (iso ? humanAge(now.getTime() - Date.parse(iso)) : '–');
  const fields = [
    latest
      ? {
          name: 'Last run',
          value: `${latest.runId} (${latest.kind}${latest.purpose ? `, ${latest.purpose}` : ''}, session ${latest.session}): ${latest.status}, ${latest.batchesDone}/${latest.batchesExpected} batches, started ${age(latest.startedAt)} ago${latest.failedBatches.length > 0 ? `, ${latest.failedBatches.length} batch(es) failed` : ''}${latest.skippedReason ? ` (${latest.skippedReason})` : ''}`,
        }
      : { name: 'Last run', value: 'none yet' },
    complete
      ? {
          name: 'Last complete run',
          value: `as of ${runAsOf(complete) ?? '–'}, finished ${age(complete.finishedAt)} ago: ${complete.symbolsDone} symbols, ${complete.symbolsWithErrors} with errors, ${complete.symbolsInsufficient} short of data`,
        }
      : { name: 'Last complete run', value: 'none yet' },
    {
      name: 'Next scheduled run',
      value: next
        ? `${next.toISOString().replace('.000Z', 'Z')} (in ${humanAge(next.getTime() - now.getTime())})`
        : 'no schedule configured',
    },
    {
      name: 'Alerts',
      value: deps.intradayAlerts
        ? 'intraday: signals on the bar still trading are alerted as forming, then confirmed or retracted at the close'
        : 'closed bars only: each event once, after the close',
    },
  ];
  return {
    embeds: [
      { title: 'scanfleet status', color: latest?.failedBatches.length ? COLOURS.bearish : COLOURS.info, fields },
    ],
  };
}

async function scanNowCommand(deps: CommandDeps): Promise<DiscordMessage> {
  const scheduledAt = deps.now();
  await deps.startScan('full', scheduledAt);
  return {
    content: `Started a scan of the full watchlist: run ${deriveRunId(scheduledAt, 'full')}. New signals will be posted to the alert channel when it completes; /status shows its progress.`,
  };
}

function humanAge(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 48 * 60) return `${Math.round(minutes / 60)} h`;
  return `${Math.round(minutes / 1440)} days`;
}
