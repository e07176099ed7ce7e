import { nextCronTime } from '../../core/market/cron-next.js';
import type { RunPurpose } from '../../core/run/dispatch-plan.js';
import { isSessionDay, newYorkDayOfMs, newYorkTimeMs, sessionOn } from '../../core/market/market-clock.js';
import { DEFAULT_SCHEDULES } from '../../core/market/schedules.js';
import { SCANNER_NAMES } from '../../core/scan/scanners.js';
import type { EventKind } from '../../core/run/signal-events.js';
import { type EpochDay, isoDay, parseIsoDay } from '../../core/market/trading-day.js';
import { ENV } from '../../adapters/settings.js';
import { createDocumentClient } from '../../adapters/store/dynamodb-client.js';
import { openStores } from '../../adapters/store/stores.js';
import { startEmbeddedStore } from '../embedded-store.js';
import { configureLocalEnvironment, runLocalPipeline } from '../local-pipeline.js';
import { alertCount, startDiscordStandIn } from './discord-stand-in.js';
import { ReplayMarketData } from './replay-market-data.js';
import { ScanfleetError } from '../../core/errors.js';

export interface ReplayOptions {
  readonly from: string;
  readonly to: string;
  /** Minutes between market-hours runs from 09:30 (plus the after-close run); the configured crons when absent. */
  readonly everyMinutes?: number;
  /** Alert partial-bar signals as forming (config alerts.intraday). */
  readonly intraday: boolean;
  /** The instant the replay stands at: runs after it are not replayed (the past only). */
  readonly until: Date;
  readonly dataDir: string;
  readonly watchlist: string;
  readonly symbols: readonly string[];
  readonly lookback: number;
  readonly schedules?: { readonly marketHours: string; readonly afterClose: string; readonly refetch: string };
  readonly onProgress?: (done: number, total: number, instant: Date) => void;
}

export interface ReplayAlert {
  readonly at: string;
  readonly symbol: string;
  readonly scanner: string;
  readonly signal: string;
  readonly kind: Exclude<EventKind, 'seen'>;
  readonly barDate: string;
  readonly late?: boolean;
  readonly suppressedBy?: string;
}

export interface ReplayReport {
  readonly from: string;
  readonly to: string;
  readonly instants: number;
  readonly intraday: boolean;
  readonly sessions: { readonly session: string; readonly alerts: ReplayAlert[] }[];
  readonly totals: {
    readonly runs: number;
    readonly alerts: number;
    readonly suppressed: number;
    readonly late: number;
    readonly forming: number;
    readonly confirmed: number;
    readonly retracted: number;
    readonly sent: number;
  };
}

export interface ReplayInstant {
  readonly at: Date;
  readonly purpose: RunPurpose;
}

/** The problem with a replay's range, for the CLI to print as a usage error. */
export class ReplayRangeError extends ScanfleetError {
  override readonly name = 'ReplayRangeError';
  override readonly code = 'replay_range';
}

/**
 * The schedule over historical sessions: at each instant, the same dispatch and scan-batch
 * handlers and the same store as a deployed stack, with the partial bar that instant would have
 * seen (the synthetic intraday model), and the alerts through a loopback Discord channel.
 */
export async function replay(options: ReplayOptions): Promise<ReplayReport> {
  configureLocalEnvironment();
  const data = new ReplayMarketData(options.dataDir);
  const sessions = await sessionsInData(data, options);
  const instants = sessions.flatMap((day) => replayInstants(day, options)).filter(({ at }) => at <= options.until);
  if (instants.length === 0)
    throw new ReplayRangeError(
      `no run of the schedule between ${options.from} and ${options.to} is at or before ${options.until.toISOString()}`,
    );
  const store = await startEmbeddedStore();
  const discord = await startDiscordStandIn();
  const client = createDocumentClient(store.endpoint);
  const { alerts } = openStores(client, { tableName: store.tableName });
  const bySession = new Map<string, ReplayAlert[]>(sessions.map((day) => [isoDay(day), []]));
  let sent = 0;
  try {
    for (const [i, { at, purpose }] of instants.entries()) {
      options.onProgress?.(i, instants.length, at);
      const posted = discord.posts.length;
      const { run } = await runLocalPipeline({
        store,
        watchlist: options.watchlist,
        symbols: options.symbols,
        scanners: SCANNER_NAMES,
        lookback: options.lookback,
        dataDir: options.dataDir,
        marketData: data,
        scheduledAt: at,
        now: at,
        kind: 'replay',
        purpose,
        intraday: options.intraday,
        collectOutcomes: false,
        env: { [ENV.discordWebhookUrl]: discord.webhookUrl },
        // Months of schedule in seconds, to a loopback stand-in: Discord's rate limits do not apply.
        postLimits: [],
      });
      if (run.status !== 'complete' && run.status !== 'skipped')
        throw new Error(`replay run ${run.runId} ended ${run.status}: ${run.lastBatchError ?? 'no error recorded'}`);
      const log = await alerts.alertLog(run.runId);
      const received = discord.posts.slice(posted).reduce((n, post) => n + alertCount(post), 0);
      const alerted = log.filter((entry) => entry.suppressedBy === undefined).length;
      if (received !== alerted)
        throw new Error(
          `the Discord stand-in received ${received} alerts for run ${run.runId}, whose alert log has ${alerted}`,
        );
      sent += received;
      const list = bySession.get(isoDay(newYorkDayOfMs(at.getTime()))) as ReplayAlert[];
      for (const e of log) {
        list.push({
          at: at.toISOString(),
          symbol: e.symbol,
          scanner: e.scanner,
          signal: e.signal,
          kind: e.kind,
          barDate: e.barDate,
          ...(e.late && { late: true }),
          ...(e.suppressedBy && { suppressedBy: e.suppressedBy }),
        });
      }
    }
  } finally {
    client.destroy();
    await discord.close();
    await store.close();
  }
  const all = [...bySession.values()].flat();
  const count = (kind: ReplayAlert['kind']) => all.filter((a) => a.kind === kind).length;
  return {
    from: options.from,
    to: options.to,
    instants: instants.length,
    intraday: options.intraday,
    sessions: [...bySession].map(([session, alerts]) => ({ session, alerts })),
    totals: {
      runs: instants.length,
      alerts: count('alert'),
      suppressed: all.filter((a) => a.suppressedBy !== undefined).length,
      late: all.filter((a) => a.late).length,
      forming: count('forming'),
      confirmed: count('confirmed'),
      retracted: count('retracted'),
      sent,
    },
  };
}

/** The trading sessions in [from, to] that the data holds (any of the symbols' dates). */
async function sessionsInData(data: ReplayMarketData, options: ReplayOptions): Promise<EpochDay[]> {
  const from = parseIsoDay(options.from);
  const to = parseIsoDay(options.to);
  if (from > to) throw new ReplayRangeError(`--from ${options.from} is after --to ${options.to}`);
  const days = new Set<EpochDay>();
  for (const symbol of options.symbols) {
    const bars = await data.load(symbol);
    for (let i = 0; bars && i < bars.length; i++)
      if (bars.day[i] >= from && bars.day[i] <= to && isSessionDay(bars.day[i])) days.add(bars.day[i]);
  }
  if (days.size === 0)
    throw new ReplayRangeError(`no sessions between ${options.from} and ${options.to} in ${options.dataDir}`);
  return [...days].sort((a, b) => a - b);
}

/**
 * A session's run instants: each configured schedule's times that day (New York time), or,
 * with `everyMinutes`, 09:30 and every that many minutes while the session trades, plus the
 * after-close run.
 */
export function replayInstants(
  day: EpochDay,
  options: Pick<ReplayOptions, 'everyMinutes' | 'schedules'>,
): ReplayInstant[] {
  const schedules = options.schedules ?? DEFAULT_SCHEDULES;
  const dayStart = newYorkTimeMs(day, 0) - 1;
  const dayEnd = newYorkTimeMs(day + 1, 0);
  const fires = (cron: string, purpose: RunPurpose): ReplayInstant[] => {
    const list: ReplayInstant[] = [];
    for (
      let t = nextCronTime(cron, 'America/New_York', new Date(dayStart));
      t && t.getTime() < dayEnd;
      t = nextCronTime(cron, 'America/New_York', t)
    )
      list.push({ at: t, purpose });
    return list;
  };
  const afterClose = fires(schedules.afterClose, 'after-close');
  if (options.everyMinutes !== undefined) {
    const session = sessionOn(day);
    const hourly: ReplayInstant[] = [];
    for (let t = session?.openMs ?? dayEnd; session && t < session.closeMs; t += options.everyMinutes * 60_000)
      hourly.push({ at: new Date(t), purpose: 'market-hours' });
    return [...hourly, ...afterClose];
  }
  return [...fires(schedules.marketHours, 'market-hours'), ...afterClose, ...fires(schedules.refetch, 'refetch')].sort(
    (a, b) => a.at.getTime() - b.at.getTime(),
  );
}
