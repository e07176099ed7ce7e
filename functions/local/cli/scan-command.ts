import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { ValidationError } from '../../core/errors.js';
import {
  BREADTH_SMA_PERIOD,
  DEFAULT_LOOKBACK_BARS,
  type ParamOverrides,
  parseScannerNames,
  parseSignalNames,
  planScan,
  SCANNER_NAMES,
  SCANNERS,
  type ScannerName,
} from '../../core/scan/scanners.js';
import { newYorkDayOfMs, parseInstant } from '../../core/market/market-clock.js';
import { isoDay, requireIsoDay } from '../../core/market/trading-day.js';
import { DEFAULT_SCORE_HORIZON, MAX_HORIZON } from '../../core/scorecard/horizons.js';
import type { Scorecard } from '../../core/scorecard/scorecard.js';
import {
  type CurrentSignal,
  parseSignalFilter,
  rankTopSetups,
  type SignalFilter,
  type TopSetup,
} from '../../core/scorecard/top-setups.js';
import type { ProviderName } from '../../adapters/market-data/providers.js';
import { peakRssBytes } from '../../adapters/observability.js';
import { configureLocalEnvironment, type LocalPipelineOptions, runLocalPipeline } from '../local-pipeline.js';
import { type EmbeddedStore, startEmbeddedStore } from '../embedded-store.js';
import { createDocumentClient } from '../../adapters/store/dynamodb-client.js';
import { openListStore } from '../../adapters/store/stores.js';
import { ALL_LISTS } from '../../core/lists/watchlist-rules.js';
import type { ScanReport } from '../scan-report.js';
import { runAsOf, runSummaryOf } from '../../core/run/run-record.js';
import type { TopSetupsView } from '../top-setups-report.js';
import { FORMAT_OPTIONS, type OutputFormat, parseFormat } from './output-format.js';
import { renderScanOutput } from './scan-output.js';
import { computeScorecard } from './scorecard-command.js';
import { type CommandIo, requireProviderCredentials, resolveSymbolSource } from './symbol-source.js';
import { parseOptions, UsageError } from './usage-error.js';

export const SCAN_USAGE = `Usage: scanfleet scan [options]

Scans a watchlist for MACD crossovers, TTM Squeezes and volume-price breakouts.

Options:
  --provider NAME         market data: csv (default), schwab, alpaca or yahoo (credentials: docs/providers.md)
  --data DIR              directory of <SYMBOL>.csv files in Yahoo's CSV format (default: the bundled data set)
  --watchlist FILE        symbols, one a line (default: watchlist.txt in the data directory)
  --symbols A,B,C         scan these symbols instead of a watchlist
  --as-of YYYY-MM-DD      use only bars dated on or before this day (default: the latest)
  --now INSTANT           scan as at this instant, ISO 8601 with Z or an offset (e.g. 2024-03-08T12:30:00-05:00):
                          bars after its New York date are ignored, a session still trading is a partial bar
  --scanners LIST         comma-separated, from ${SCANNER_NAMES.join(', ')} (default: all)
  --set SCANNER.KEY=N     override a scanner parameter, e.g. --set macd.fastPeriod=8 (repeatable)
  --lookback N            bars fetched per symbol (default: ${DEFAULT_LOOKBACK_BARS})
  --db DIR                keep the embedded store's data under DIR (default: in memory); without --watchlist
                          or --symbols, scan the union of the lists kept there (scanfleet watchlist), if any
  --top N                 then rank the top N setups: each symbol's signals scored by the scorecard of
                          the history through the as-of (docs/scorecard.md, "Top setups")
  --horizon H             with --top: the scorecard's horizon, sessions in 1–${MAX_HORIZON} (default: ${DEFAULT_SCORE_HORIZON})
  --where SCANNER=SIGNAL,…
                          with --top: only symbols with all these signals, e.g. ttm-squeeze=squeeze_on,macd=bullish_cross
  --signal LIST           only the results with these signals, comma-separated, from the chosen scanners':
                          ${SCANNER_NAMES.flatMap((name) => SCANNERS[name].signals).join(', ')}; the summary stays the run's
  --format FORMAT         table (default), json (one JSON document) or csv (a header row, then one row per result)
  --json                  the same as --format json
  --verbose               show the handlers' structured logs on stderr
  -h, --help              show this help`;

export async function scanCommand(argv: readonly string[], io: CommandIo): Promise<void> {
  const args = parseScanArgs(argv);
  if (args.help) {
    io.stdout.write(`${SCAN_USAGE}\n`);
    return;
  }
  requireProviderCredentials(args.provider, io.env);
  const started = performance.now();
  const showProgress = args.format === 'table' && io.stderr.isTTY === true;
  // The report names each failed batch and symbol in one line: the handlers' logs only with --verbose.
  configureLocalEnvironment({ verbose: args.verbose, quiet: true });
  const store = args.dbPath === undefined ? undefined : await startEmbeddedStore({ path: args.dbPath });
  try {
    await scanAndReport(await withStoredLists(args, store), io, started, showProgress, store);
  } finally {
    await store?.close();
  }
}

/**
 * A local store's lists: `--db DIR` without --watchlist or --symbols scans the union of the
 * lists kept there (`scanfleet watchlist`), when it has any.
 */
async function withStoredLists(args: ScanArgs, store: EmbeddedStore | undefined): Promise<ScanArgs> {
  if (!store || !args.listsFromStore) return args;
  const client = createDocumentClient(store.endpoint);
  try {
    const union = await openListStore(client, { tableName: store.tableName }).union();
    return union.length > 0 ? { ...args, watchlistName: ALL_LISTS, symbols: union } : args;
  } finally {
    client.destroy();
  }
}

async function scanAndReport(
  args: ScanArgs,
  io: CommandIo,
  started: number,
  showProgress: boolean,
  store: EmbeddedStore | undefined,
): Promise<void> {
  const { run, symbols, outcomes, deadLetters } = await runLocalPipeline({
    ...pipelineOptions(args),
    ...(store && { store }),
    env: io.env,
    onProgress: showProgress ? (done, total) => io.stderr.write(`\rScanning ${done}/${total} symbols…`) : undefined,
  });
  if (showProgress) io.stderr.write('\r\u001b[2K');
  for (const { message, reason } of deadLetters) {
    io.stderr.write(
      `scanfleet: batch ${message.batch} (${message.symbols.length} symbol${message.symbols.length === 1 ? '' : 's'}) failed every delivery: ${reason}\n`,
    );
  }
  const asOf = runAsOf(run);
  const report: ScanReport = {
    runId: run.runId,
    asOf,
    symbols,
    outcomes: outcomes.map(({ runId: _r, scheduledAt: _s, asOf: _a, ...outcome }) => outcome),
    summary: runSummaryOf(run),
    dataIssues: Object.fromEntries(Object.entries(run.dataIssues).filter(([, n]) => (n ?? 0) > 0)),
    ...(args.signals && { shownSignals: args.signals }),
  };
  const top: TopSetupsView | undefined =
    args.top && asOf !== null
      ? {
          setups: await topSetups(args, args.top, asOf, report.outcomes, io.env),
          limit: args.top.limit,
          horizon: args.top.horizon,
          asOf,
          ...(args.top.whereText !== undefined && { where: args.top.whereText }),
        }
      : undefined;
  const figures = { wallMs: performance.now() - started, peakRssBytes: peakRssBytes() };
  const color = io.stdout.isTTY === true && !io.env.NO_COLOR;
  io.stdout.write(renderScanOutput(args.format, { report, scanners: run.scanners, top }, figures, { color }));
  if (deadLetters.length > 0) process.exitCode = 1;
  if (outcomes.length > 0 && !outcomes.some((o) => o.status === 'ok')) {
    const failed = new Set(outcomes.filter((o) => o.status === 'error').map((o) => o.symbol)).size;
    const short = new Set(outcomes.filter((o) => o.status === 'insufficient_data').map((o) => o.symbol)).size;
    const range = args.provider === 'csv' ? await csvDataRange(args.dataDir, symbols) : undefined;
    io.stderr.write(
      `scanfleet: no symbol was scanned${asOf ? ` as of ${asOf}` : ''}: ${failed} with errors, ${short} short of data${range ? `; ${range}` : ''}\n`,
    );
    process.exitCode = 1;
  }
}

/** The dates the data directory's files cover, for a scan that found none it could use: its first symbol's first and last rows. */
async function csvDataRange(dataDir: string, symbols: readonly string[]): Promise<string | undefined> {
  for (const symbol of symbols) {
    const text = await readFile(join(dataDir, `${symbol}.csv`), 'utf8').catch(() => undefined);
    const days = (text ?? '').match(/^\d{4}-\d{2}-\d{2}/gm);
    if (days && days.length > 0) return `the data (${symbol}.csv) runs from ${days[0]} to ${days[days.length - 1]}`;
  }
  return undefined;
}

/**
 * The scan's signals ranked by the scorecard of each symbol's full history through the as-of
 * (read once more, with the scan's scanners and parameters): no return after the as-of counts.
 */
async function topSetups(
  args: ScanArgs,
  top: TopRequest,
  asOf: string,
  outcomes: ScanReport['outcomes'],
  env: NodeJS.ProcessEnv,
): Promise<TopSetup[]> {
  const current: CurrentSignal[] = outcomes.flatMap(({ symbol, scanner, signal }) =>
    signal === null ? [] : [{ symbol, scanner, signal }],
  );
  if (current.length === 0) return [];
  let card: Pick<Scorecard, 'rows' | 'baseline'>;
  try {
    card = await computeScorecard({
      provider: args.provider,
      dataDir: args.dataDir,
      symbols: args.symbols,
      env,
      scanners: args.plan.scanners.map((s) => s.name),
      params: args.overrides,
      horizons: [top.horizon],
      until: asOf,
      nowMs: args.now?.getTime() ?? Date.now(),
    });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    // Every symbol too short for all the scanners at once: a signal, and no evidence about it yet.
    if (error.parameter !== 'range') throw new UsageError(error.message, { cause: error });
    card = { rows: [], baseline: [{ horizon: top.horizon, count: 0, meanReturnPct: null, upRatePct: null }] };
  }
  return rankTopSetups({ card, current, horizon: top.horizon, where: top.where, limit: top.limit });
}

export interface ScanArgs {
  readonly help: boolean;
  readonly format: OutputFormat;
  /** --signal: only the results with one of these signals are printed. */
  readonly signals?: readonly string[];
  readonly verbose: boolean;
  readonly provider: ProviderName;
  readonly dataDir: string;
  readonly dbPath?: string;
  /** Scan the lists of the --db store when it has any (neither --watchlist nor --symbols given). */
  readonly listsFromStore?: boolean;
  /** "default" for the bundled watchlist, else the watchlist file's name, or "symbols". */
  readonly watchlistName: string;
  readonly symbols: string[];
  readonly asOfText?: string;
  /** The explicit instant of --now. */
  readonly now?: Date;
  readonly overrides: ParamOverrides;
  readonly plan: ReturnType<typeof planScan>;
  /** --top N [--horizon H] [--where …]. */
  readonly top?: TopRequest;
}

export interface TopRequest {
  readonly limit: number;
  readonly horizon: number;
  readonly where: SignalFilter;
  readonly whereText?: string;
}

/** The local pipeline's options from the scan arguments (shared by scan and dev). */
export function pipelineOptions(args: ScanArgs): Omit<LocalPipelineOptions, 'store'> {
  return {
    watchlist: args.watchlistName,
    symbols: args.symbols,
    scanners: args.plan.scanners.map((s) => s.name),
    params: args.overrides,
    lookback: args.plan.lookback,
    provider: args.provider,
    dataDir: args.dataDir,
    asOf: args.asOfText,
    ...(args.now && { now: args.now }),
    dbPath: args.dbPath,
  };
}

export function parseScanArgs(argv: readonly string[]): ScanArgs {
  const values = parseOptions(argv, {
    provider: { type: 'string' },
    data: { type: 'string' },
    watchlist: { type: 'string' },
    symbols: { type: 'string' },
    'as-of': { type: 'string' },
    now: { type: 'string' },
    scanners: { type: 'string' },
    set: { type: 'string', multiple: true },
    lookback: { type: 'string' },
    top: { type: 'string' },
    horizon: { type: 'string' },
    where: { type: 'string' },
    db: { type: 'string' },
    signal: { type: 'string' },
    ...FORMAT_OPTIONS,
    verbose: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help)
    return {
      help: true,
      format: 'table',
      verbose: false,
      provider: 'csv',
      dataDir: '',
      watchlistName: '',
      symbols: [],
      overrides: {},
      plan: planScan(),
    };
  try {
    const { provider, dataDir, symbols } = resolveSymbolSource(values);
    const asOfText = values['as-of'];
    if (asOfText !== undefined) requireIsoDay(asOfText, '--as-of');
    const now = values.now === undefined ? undefined : parseNowOption(values.now, asOfText);
    const names = values.scanners === undefined ? SCANNER_NAMES : parseScannerNames(values.scanners, '--scanners');
    const lookback =
      values.lookback === undefined ? DEFAULT_LOOKBACK_BARS : parsePositiveInteger(values.lookback, '--lookback');
    const overrides = parseOverrides(values.set ?? []);
    const plan = planScan(names, overrides, lookback);
    // Below what the scanners and the breadth line need, the plan would fetch more than asked for,
    // silently: refused instead, naming the minimum.
    if (values.lookback !== undefined && plan.lookback > lookback)
      throw new ValidationError(
        '--lookback',
        `--lookback ${lookback} is too short: these scanners and the breadth line's ${BREADTH_SMA_PERIOD}-day average need at least ${plan.lookback} bars`,
      );
    const format = parseFormat(values, ['table', 'json', 'csv']);
    const top = parseTopOptions(values, names);
    if (top && format === 'csv')
      throw new UsageError('--top prints a table or JSON, not CSV: drop --top or --format csv');
    const signals = values.signal === undefined ? undefined : parseSignalNames(values.signal, names, '--signal');
    const watchlistName =
      values.symbols !== undefined
        ? 'symbols'
        : values.watchlist === undefined
          ? 'default'
          : watchlistNameOf(values.watchlist);
    const dbPath = values.db === undefined ? undefined : resolve(values.db);
    return {
      listsFromStore: dbPath !== undefined && values.symbols === undefined && values.watchlist === undefined,
      help: false,
      format,
      ...(signals && { signals }),
      verbose: values.verbose,
      provider,
      dataDir,
      dbPath,
      watchlistName,
      symbols,
      asOfText,
      now,
      overrides,
      plan,
      ...(top && { top }),
    };
  } catch (error) {
    if (error instanceof ValidationError) throw new UsageError(error.message, { cause: error });
    throw error;
  }
}

/** --top N, --horizon H, --where SCANNER=SIGNAL,…: the last two only with the first. */
function parseTopOptions(
  values: { top?: string; horizon?: string; where?: string },
  scanners: readonly ScannerName[],
): TopRequest | undefined {
  if (values.top === undefined) {
    const orphan = values.horizon !== undefined ? '--horizon' : values.where !== undefined ? '--where' : undefined;
    if (orphan) throw new UsageError(`${orphan} is for the Top setups: give --top N too`);
    return undefined;
  }
  const limit = parsePositiveInteger(values.top, '--top');
  const horizon = values.horizon === undefined ? DEFAULT_SCORE_HORIZON : parseHorizon(values.horizon);
  const where = values.where === undefined ? [] : parseSignalFilter(values.where, scanners);
  return { limit, horizon, where, ...(values.where !== undefined && { whereText: values.where }) };
}

function parseHorizon(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > MAX_HORIZON)
    throw new UsageError(`--horizon must be a whole number of sessions in 1–${MAX_HORIZON}, got "${text}"`);
  return value;
}

/** --now: an instant with its zone; with --as-of, both must name the same New York date. */
export function parseNowOption(text: string, asOfText?: string): Date {
  const ms = parseInstant(text);
  if (ms === null)
    throw new UsageError(
      `--now must be an ISO-8601 instant with Z or an offset (e.g. 2024-03-08T12:30:00-05:00), got "${text}"`,
    );
  const day = isoDay(newYorkDayOfMs(ms));
  if (asOfText !== undefined && asOfText !== day)
    throw new UsageError(`--now ${text} is ${day} in New York but --as-of is ${asOfText}: give one, or the same day`);
  return new Date(ms);
}

/** "lists/Tech Stocks.txt" → "tech-stocks": a run id needs a tidy name. */
export function watchlistNameOf(file: string): string {
  const name = basename(file)
    .replace(/\.[^.]*$/, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return name.length > 0 ? name : 'watchlist';
}

function parsePositiveInteger(text: string, parameter: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new UsageError(`${parameter} must be a whole number ≥ 1, got "${text}"`);
  return value;
}

/** "macd.fastPeriod=8" → { macd: { fastPeriod: 8 } }. */
function parseOverrides(entries: readonly string[]): ParamOverrides {
  const overrides: ParamOverrides = {};
  for (const entry of entries) {
    const match = /^([a-z-]+)\.([A-Za-z]+)=(.+)$/.exec(entry);
    if (!match)
      throw new UsageError(`--set must look like SCANNER.KEY=NUMBER (e.g. macd.fastPeriod=8), got "${entry}"`);
    const [, scanner, key, raw] = match as unknown as [string, string, string, string];
    const names = parseScannerNames(scanner, '--set');
    const value = Number(raw);
    if (raw.trim() === '' || Number.isNaN(value))
      throw new UsageError(`--set ${scanner}.${key}: "${raw}" is not a number`);
    const name = names[0] as ScannerName;
    overrides[name] = { ...overrides[name], [key]: value };
  }
  return overrides;
}
