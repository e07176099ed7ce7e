import { ScanfleetError, ValidationError } from '../../core/errors.js';
import { DEFAULT_BATCH_SIZE, splitIntoBatches } from '../../core/run/batching.js';
import { isBarClosed } from '../../core/market/market-clock.js';
import { requireIsoDay } from '../../core/market/trading-day.js';
import { type Bars, sliceBars } from '../../core/scan/bars.js';
import {
  type ParamOverrides,
  parseScannerNames,
  planScan,
  SCANNER_NAMES,
  type ScannerName,
  type ScanPlan,
} from '../../core/scan/scanners.js';
import { DEFAULT_HORIZONS, MAX_HORIZON, parseHorizons } from '../../core/scorecard/horizons.js';
import { type Scorecard, ScorecardBuilder } from '../../core/scorecard/scorecard.js';
import { countedSessions, type SessionRange, symbolObservations } from '../../core/scorecard/observations.js';
import { type SignalKey, signalKey, type SymbolSessions } from '../../core/scorecard/live-scorecard.js';
import { createDocumentClient } from '../../adapters/store/dynamodb-client.js';
import type { RecordCounts, ScorecardStore } from '../../adapters/store/scorecard-store.js';
import { openStores } from '../../adapters/store/stores.js';
import { startEmbeddedStore } from '../embedded-store.js';
import { configureLocalEnvironment } from '../local-pipeline.js';
import { DEFAULT_RETENTION } from '../../adapters/store/table-schema.js';
import { createMarketData } from '../../adapters/market-data/create-market-data.js';
import type { MarketData } from '../../adapters/market-data/market-data.js';
import type { ProviderName } from '../../adapters/market-data/providers.js';
import { ENV, settingsFrom } from '../../adapters/settings.js';
import { renderScorecard, scorecardCsv } from '../scorecard-report.js';
import { type CommandIo, requireProviderCredentials, resolveSymbolSource } from './symbol-source.js';
import { FORMAT_OPTIONS, jsonDocument, parseFormat } from './output-format.js';
import { parseOptions, UsageError } from './usage-error.js';

/** Bars asked of a network provider: twenty years of sessions (a provider's longer history is cut there). */
export const FULL_HISTORY_BARS = 5_040;

export const SCORECARD_USAGE = `Usage: scanfleet scorecard [options]

What happened after each signal: over every symbol's whole history, each session at which a
scanner gave a signal, and the return from its close to the close h sessions later, per scanner,
signal and horizon, against the baseline of all sessions (docs/scorecard.md).

Options:
  --provider NAME         market data: csv (default), schwab, alpaca or yahoo; a network provider is asked
                          for each symbol's full daily history (up to 20 years)
  --data DIR              directory of <SYMBOL>.csv files in Yahoo's CSV format (default: the bundled data set)
  --watchlist FILE        symbols, one a line (default: watchlist.txt in the data directory)
  --symbols A,B,C         these symbols instead of a watchlist
  --from YYYY-MM-DD       first session counted (default: the first at which every chosen scanner has enough bars)
  --to YYYY-MM-DD         last session counted (default: the last of the data); returns may end after it
  --horizons LIST         sessions after the signal, whole numbers in 1–${MAX_HORIZON} (default: ${DEFAULT_HORIZONS.join(',')})
  --scanners LIST         comma-separated, from ${SCANNER_NAMES.join(', ')} (default: all)
  --format FORMAT         table (default), json (one JSON document) or csv (a header row, then the JSON's rows)
  --json                  the same as --format json
  --backfill              record the scorecard into a live store instead (docs/scorecard.md#the-live-scorecard):
                          each counted session with its observations and every forward return, so a new
                          deployment starts with the history's evidence; run again, it adds nothing twice.
                          Give the horizons the stack is configured with (scorecardHorizons)
  --table NAME            (--backfill) a deployed stack's results table (its TableName output), with the
                          AWS SDK's default credentials and region
  --db DIR                (--backfill) a local store kept under DIR (as scan, dev and replay's --db)
  -h, --help              show this help`;

export interface ScorecardRunOptions {
  readonly provider: ProviderName;
  /** The csv provider's directory. */
  readonly dataDir: string;
  readonly symbols: readonly string[];
  /** Provider credentials and endpoints, named as in ENV. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly scanners?: readonly ScannerName[];
  /** Scanner parameters other than the defaults (a scan's --set). */
  readonly params?: ParamOverrides;
  readonly horizons?: readonly number[];
  /** YYYY-MM-DD bounds of the sessions counted. */
  readonly from?: string;
  readonly to?: string;
  /** YYYY-MM-DD: no bar after it is read, so no return ends later (a scan's as-of, for Top setups). */
  readonly until?: string;
  /** The instant the history stands at (epoch ms): a last bar whose session has not closed by then is left out. */
  readonly nowMs: number;
  /** Market data to use instead of the provider's (tests). */
  readonly marketData?: MarketData;
  /** A symbol the provider had no history for: left out, and told here. */
  readonly onSkipped?: (symbol: string, reason: string) => void;
}

/**
 * The scorecard document of `scanfleet scorecard --json`: each symbol's full history fetched
 * through the MarketData port, a batch at a time, and added to the scorecard (the bench calls this).
 */
export async function computeScorecard(options: ScorecardRunOptions): Promise<Scorecard> {
  const builder = new ScorecardBuilder({
    plan: planScan(options.scanners, options.params),
    horizons: options.horizons ?? DEFAULT_HORIZONS,
    range: sessionRange(options),
    ...(options.until !== undefined && { until: requireIsoDay(options.until, 'until') }),
  });
  await eachHistoryBatch(options, (batch) => {
    for (const bars of batch) builder.add(bars);
  });
  return builder.result();
}

/**
 * `scanfleet scorecard --backfill`: the same histories and observations as the scorecard's,
 * recorded into the live scorecard's store (each counted session in the range with its
 * observations, and every forward return the history holds), a batch of symbols at a time. The
 * store adds nothing twice: a backfill run again, or over sessions the live runs recorded, adds
 * only what is not in yet. Then writes the scorecard's document for its readers, and returns it.
 */
export async function backfillScorecard(
  options: ScorecardRunOptions & {
    readonly store: Pick<ScorecardStore, 'record' | 'refresh'>;
    readonly onProgress?: (symbolsDone: number, symbolsTotal: number, counts: RecordCounts) => void;
  },
): Promise<{ counts: RecordCounts; scorecard: Scorecard | null }> {
  const plan = planScan(options.scanners, options.params);
  const horizons = options.horizons ?? DEFAULT_HORIZONS;
  const range = sessionRange(options);
  const counts = { sessions: 0, observations: 0, added: 0 };
  let done = 0;
  await eachHistoryBatch(options, async (batch) => {
    const recorded = await options.store.record(
      batch.map((bars) => historySessions(bars, plan, range)),
      horizons,
    );
    counts.sessions += recorded.sessions;
    counts.observations += recorded.observations;
    counts.added += recorded.added;
    done += batch.length;
    options.onProgress?.(done, options.symbols.length, counts);
  });
  return { counts, scorecard: await options.store.refresh() };
}

/**
 * Runs the backfill into a deployed table (DYNAMODB_ENDPOINT may point it at a DynamoDB-compatible
 * server) or a local store, progress on stderr, a summary on stdout; the store's scorecard after.
 */
async function backfillInto(
  target: string | { db: string },
  options: ScorecardRunOptions,
  io: CommandIo,
): Promise<Scorecard | null> {
  configureLocalEnvironment();
  const local = typeof target === 'string' ? undefined : await startEmbeddedStore({ path: target.db });
  const client = createDocumentClient(local?.endpoint ?? (io.env[ENV.dynamodbEndpoint] || undefined));
  const tableName = local?.tableName ?? (target as string);
  const retention = settingsFrom(io.env).scorecardTtlDays;
  const { scorecard: store } = openStores(client, {
    tableName,
    retention: { ...DEFAULT_RETENTION, scorecardDays: retention },
  });
  try {
    const { counts, scorecard } = await backfillScorecard({
      ...options,
      store,
      onProgress: (done, total, sofar) =>
        io.stderr.write(
          `scanfleet: backfill ${done}/${total} symbols: ${sofar.sessions} sessions and ${sofar.observations} observations written, ${sofar.added} added\n`,
        ),
    });
    io.stdout.write(
      `Backfilled ${typeof target === 'string' ? `table ${target}` : `the local store in ${target.db}`}: ${counts.sessions} sessions and ${counts.observations} new observations written, ${counts.added} returns and observations added to the aggregates (none that were in already).\n`,
    );
    return scorecard;
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException')
      throw new UsageError(`there is no table "${tableName}" here: check --table and the AWS region (AWS_REGION)`, {
        cause: error,
      });
    throw error;
  } finally {
    client.destroy();
    await local?.close();
  }
}

/** A symbol's whole history as one record: its counted sessions in the range with their observations, every return after them. */
function historySessions(bars: Bars, plan: ScanPlan, range: SessionRange): SymbolSessions {
  const sessions = countedSessions(bars, plan, range);
  const signals = new Map<number, SignalKey[]>();
  for (let t = sessions.first; t < sessions.end; t++) signals.set(t, []);
  for (const o of symbolObservations(bars, plan, sessions)) signals.get(o.index)?.push(signalKey(o.scanner, o.signal));
  const closed: number[] = [];
  for (let i = sessions.first; i < bars.length && sessions.end > sessions.first; i++) closed.push(i);
  return { bars, closed, observed: [...signals].map(([index, list]) => ({ index, signals: list })) };
}

function sessionRange(options: Pick<ScorecardRunOptions, 'from' | 'to'>): SessionRange {
  const range = {
    ...(options.from !== undefined && { from: requireIsoDay(options.from, '--from') }),
    ...(options.to !== undefined && { to: requireIsoDay(options.to, '--to') }),
  };
  if (range.from !== undefined && range.to !== undefined && range.from > range.to)
    throw new ValidationError('--from', `--from ${options.from} is after --to ${options.to}`);
  return range;
}

/**
 * Each batch of the symbols' full histories (closed bars only), 30 symbols a batch; a symbol the
 * provider has no history for is told to onSkipped at the end; none served at all is bad input.
 */
async function eachHistoryBatch(
  options: ScorecardRunOptions,
  use: (batch: Bars[]) => void | Promise<void>,
): Promise<void> {
  const marketData =
    options.marketData ??
    createMarketData(
      settingsFrom({ ...options.env, [ENV.provider]: options.provider, [ENV.dataDir]: options.dataDir }),
    );
  // The csv files are read whole; a network provider is asked for its longest window.
  const lookback = options.provider === 'csv' ? Number.MAX_SAFE_INTEGER : FULL_HISTORY_BARS;
  let served = 0;
  const skipped: { symbol: string; reason: string }[] = [];
  for (const symbols of splitIntoBatches(options.symbols, DEFAULT_BATCH_SIZE)) {
    const batch: Bars[] = [];
    for (const entry of await marketData.fetchDailyBars({ symbols, lookback, now: options.nowMs })) {
      if (entry.ok) {
        // A live provider's bar of a session still trading has no close yet: no signal or return stands on it.
        const { bars } = entry;
        const last = bars.length - 1;
        const closed = last < 0 || isBarClosed(bars.day[last], options.nowMs, marketData.delayMs);
        batch.push(closed ? bars : sliceBars(bars, 0, last));
        served++;
      } else skipped.push({ symbol: entry.symbol, reason: entry.reason });
    }
    await use(batch);
  }
  if (served === 0)
    throw new ValidationError(
      '--provider',
      `--provider ${options.provider} served no history for any of the ${options.symbols.length} symbols (${skipped[0]?.reason ?? 'none asked for'})`,
    );
  for (const { symbol, reason } of skipped) options.onSkipped?.(symbol, reason);
}

export async function scorecardCommand(argv: readonly string[], io: CommandIo): Promise<void> {
  const values = parseOptions(argv, {
    provider: { type: 'string' },
    data: { type: 'string' },
    watchlist: { type: 'string' },
    symbols: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    horizons: { type: 'string' },
    scanners: { type: 'string' },
    ...FORMAT_OPTIONS,
    backfill: { type: 'boolean', default: false },
    table: { type: 'string' },
    db: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    io.stdout.write(`${SCORECARD_USAGE}\n`);
    return;
  }
  const format = parseFormat(values, ['table', 'json', 'csv']);
  if (values.backfill && format === 'csv')
    throw new UsageError('--backfill prints its summary before the scorecard: give --format table or json');
  if (values.backfill && (values.table === undefined) === (values.db === undefined))
    throw new UsageError("--backfill needs one of --table NAME (a deployed stack's table) or --db DIR (a local store)");
  if (!values.backfill && (values.table !== undefined || values.db !== undefined))
    throw new UsageError('--table and --db are for --backfill only');
  if (values.table !== undefined && !/^[A-Za-z0-9_.-]{3,255}$/.test(values.table))
    throw new UsageError(`--table must be a DynamoDB table name, got "${values.table}"`);
  let card: Scorecard | null;
  try {
    const source = resolveSymbolSource(values);
    requireProviderCredentials(source.provider, io.env);
    const options: ScorecardRunOptions = {
      ...source,
      env: io.env,
      scanners: values.scanners === undefined ? undefined : parseScannerNames(values.scanners, '--scanners'),
      horizons: values.horizons === undefined ? undefined : parseHorizons(values.horizons, '--horizons'),
      from: values.from,
      to: values.to,
      nowMs: Date.now(),
      onSkipped: (symbol, reason) => io.stderr.write(`scanfleet: ${symbol} left out: ${reason}\n`),
    };
    card = values.backfill
      ? await backfillInto(values.table ?? { db: values.db as string }, options, io)
      : await computeScorecard(options);
  } catch (error) {
    if (error instanceof ValidationError) throw new UsageError(error.message, { cause: error });
    if (error instanceof ScanfleetError && !(error instanceof UsageError)) {
      io.stderr.write(`scanfleet: ${error.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw error;
  }
  if (card === null) return;
  io.stdout.write(
    format === 'json' ? jsonDocument(card) : format === 'csv' ? scorecardCsv(card) : renderScorecard(card),
  );
}
