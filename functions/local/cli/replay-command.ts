import { ValidationError } from '../../core/errors.js';
import { DEFAULT_LOOKBACK_BARS } from '../../core/scan/scanners.js';
import { requireIsoDay } from '../../core/market/trading-day.js';
import { type ReplayReport, ReplayRangeError, replay } from '../replay/replay.js';
import { renderTable } from '../text-table.js';
import { parseNowOption, watchlistNameOf } from './scan-command.js';
import { BUNDLED_DATA_DIR, type CommandIo, readWatchlist, resolveDataDir } from './symbol-source.js';
import { FORMAT_OPTIONS, jsonDocument, parseFormat } from './output-format.js';
import { parseOptions, UsageError } from './usage-error.js';

export const REPLAY_USAGE = `Usage: scanfleet replay --from YYYY-MM-DD --to YYYY-MM-DD [options]

Replays the schedule over past sessions of a data directory through the same handlers and store
as a deployed stack: what would my Discord channel have received? At each run's instant the bar
of a session still trading is built by a synthetic intraday model (docs/live-market.md).

Options:
  --from DATE, --to DATE  the sessions to replay (inclusive)
  --every DURATION        market-hours runs every 30m, 1h … from 09:30, plus the after-close run
                          (default: the configured schedules: hourly at :30, 16:45 and 20:00)
  --intraday              alert signals on a bar still trading as forming (alerts.intraday)
  --now INSTANT           the replay stands at this instant (ISO 8601 with Z or an offset): runs after it
                          are not replayed (default: the real clock)
  --data DIR              directory of <SYMBOL>.csv files (default: the bundled data set)
  --watchlist FILE        symbols, one a line (default: watchlist.txt in the data directory)
  --format FORMAT         table (default) or json (one JSON document)
  --json                  the same as --format json
  -h, --help              show this help`;

export async function replayCommand(argv: readonly string[], io: CommandIo): Promise<void> {
  const values = parseOptions(argv, {
    from: { type: 'string' },
    to: { type: 'string' },
    every: { type: 'string' },
    intraday: { type: 'boolean', default: false },
    now: { type: 'string' },
    data: { type: 'string' },
    watchlist: { type: 'string' },
    ...FORMAT_OPTIONS,
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    io.stdout.write(`${REPLAY_USAGE}\n`);
    return;
  }
  const format = parseFormat(values, ['table', 'json']);
  if (values.from === undefined || values.to === undefined)
    throw new UsageError('replay needs --from YYYY-MM-DD and --to YYYY-MM-DD');
  let symbols: string[];
  try {
    requireIsoDay(values.from, '--from');
    requireIsoDay(values.to, '--to');
    symbols = readWatchlist(values.watchlist, resolveDataDir(values.data));
  } catch (error) {
    if (error instanceof ValidationError) throw new UsageError(error.message, { cause: error });
    throw error;
  }
  const everyMinutes = values.every === undefined ? undefined : parseEvery(values.every);
  const now = values.now === undefined ? new Date() : parseNowOption(values.now);
  const dataDir = resolveDataDir(values.data);
  const progress = format === 'table' && io.stderr.isTTY === true;
  let report: ReplayReport;
  try {
    report = await replay({
      from: values.from,
      to: values.to,
      everyMinutes,
      intraday: values.intraday,
      until: now,
      dataDir,
      watchlist: values.watchlist === undefined ? 'replay' : watchlistNameOf(values.watchlist),
      symbols,
      lookback: DEFAULT_LOOKBACK_BARS,
      onProgress: progress
        ? (done, total, at) => io.stderr.write(`\rReplaying ${at.toISOString()} (${done + 1}/${total})…`)
        : undefined,
    });
  } catch (error) {
    if (error instanceof ReplayRangeError) throw new UsageError(error.message, { cause: error });
    throw error;
  }
  if (progress) io.stderr.write('\r\u001b[2K');
  io.stdout.write(
    format === 'json'
      ? jsonDocument(report)
      : renderReplay(report, symbols.length, dataDir === BUNDLED_DATA_DIR ? 'the bundled data' : dataDir),
  );
}

/** "1h", "30m", "90m" → minutes. */
function parseEvery(text: string): number {
  const match = /^(\d{1,3})(m|h)$/.exec(text);
  const minutes = match ? Number(match[1]) * (match[2] === 'h' ? 60 : 1) : Number.NaN;
  if (!(minutes >= 5 && minutes <= 390))
    throw new UsageError(`--every must be a duration from 5m to 390m such as 30m or 1h, got "${text}"`);
  return minutes;
}

/** One row per session: how many of each kind, and the alerts themselves in brief. */
export function renderReplay(report: ReplayReport, symbols: number, source: string): string {
  const rows = report.sessions.map(({ session, alerts }) => {
    const n = (kind: string) => alerts.filter((a) => a.kind === kind).length;
    const sent = alerts.filter((a) => a.kind === 'alert' && a.suppressedBy === undefined);
    const shown = sent.slice(0, 6).map((a) => `${a.symbol} ${a.signal}${a.late ? ' (late)' : ''}`);
    return {
      session,
      alerts: String(sent.length),
      held: String(alerts.filter((a) => a.suppressedBy !== undefined).length),
      forming: String(n('forming')),
      confirmed: String(n('confirmed')),
      retracted: String(n('retracted')),
      examples: `${shown.join(', ')}${sent.length > shown.length ? `, … ${sent.length - shown.length} more` : ''}`,
    };
  });
  const table = renderTable(
    [
      { header: 'Session', cell: (r: (typeof rows)[number]) => r.session },
      { header: 'Alerts', align: 'right', cell: (r) => r.alerts },
      { header: 'Held back', align: 'right', cell: (r) => r.held },
      ...(report.intraday
        ? [
            { header: 'Forming', align: 'right' as const, cell: (r: (typeof rows)[number]) => r.forming },
            { header: 'Confirmed', align: 'right' as const, cell: (r: (typeof rows)[number]) => r.confirmed },
            { header: 'Retracted', align: 'right' as const, cell: (r: (typeof rows)[number]) => r.retracted },
          ]
        : []),
      { header: 'New signals', cell: (r) => r.examples },
    ],
    rows,
  );
  const t = report.totals;
  const kinds = report.intraday ? `, ${t.forming} forming, ${t.confirmed} confirmed, ${t.retracted} retracted` : '';
  return `${table}\nReplayed ${report.sessions.length} sessions (${report.from} to ${report.to}) of ${symbols} symbols from ${source}: ${t.runs} runs, ${t.alerts - t.suppressed} alerts sent (${t.late} late), ${t.suppressed} held back by the cooldown${kinds}; ${t.sent} alerts reached the Discord channel.\n`;
}
