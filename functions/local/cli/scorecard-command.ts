import { parseArgs } from 'node:util';
import { ScanfleetError, ValidationError } from '../../core/errors.js';
import { DEFAULT_BATCH_SIZE, splitIntoBatches } from '../../core/run/batching.js';
import { isBarClosed } from '../../core/market/market-clock.js';
import { requireIsoDay } from '../../core/market/trading-day.js';
import { sliceBars } from '../../core/scan/bars.js';
import {
  type ParamOverrides,
  parseScannerNames,
  planScan,
  SCANNER_NAMES,
  type ScannerName,
} from '../../core/scan/scanners.js';
import { DEFAULT_HORIZONS, MAX_HORIZON, parseHorizons } from '../../core/scorecard/horizons.js';
import { type Scorecard, ScorecardBuilder } from '../../core/scorecard/scorecard.js';
import { createMarketData } from '../../adapters/market-data/create-market-data.js';
import type { MarketData } from '../../adapters/market-data/market-data.js';
import type { ProviderName } from '../../adapters/market-data/providers.js';
import { ENV, settingsFrom } from '../../adapters/settings.js';
import { renderScorecard } from '../scorecard-report.js';
import { type CommandIo, resolveSymbolSource } from './symbol-source.js';
import { UsageError } from './usage-error.js';

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
  --json                  print one JSON document instead of the table
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
  const range = {
    ...(options.from !== undefined && { from: requireIsoDay(options.from, '--from') }),
    ...(options.to !== undefined && { to: requireIsoDay(options.to, '--to') }),
  };
  if (range.from !== undefined && range.to !== undefined && range.from > range.to)
    throw new ValidationError('--from', `--from ${options.from} is after --to ${options.to}`);
  const builder = new ScorecardBuilder({
    plan: planScan(options.scanners, options.params),
    horizons: options.horizons ?? DEFAULT_HORIZONS,
    range,
    ...(options.until !== undefined && { until: requireIsoDay(options.until, 'until') }),
  });
  const marketData =
    options.marketData ??
    createMarketData(
      settingsFrom({ ...options.env, [ENV.provider]: options.provider, [ENV.dataDir]: options.dataDir }),
    );
  // The csv files are read whole; a network provider is asked for its longest window.
  const lookback = options.provider === 'csv' ? Number.MAX_SAFE_INTEGER : FULL_HISTORY_BARS;
  let served = 0;
  const skipped: { symbol: string; reason: string }[] = [];
  for (const batch of splitIntoBatches(options.symbols, DEFAULT_BATCH_SIZE)) {
    for (const entry of await marketData.fetchDailyBars({ symbols: batch, lookback, now: options.nowMs })) {
      if (entry.ok) {
        // A live provider's bar of a session still trading has no close yet: no signal or return stands on it.
        const { bars } = entry;
        const last = bars.length - 1;
        const closed = last < 0 || isBarClosed(bars.day[last], options.nowMs, marketData.delayMs);
        builder.add(closed ? bars : sliceBars(bars, 0, last));
        served++;
      } else skipped.push({ symbol: entry.symbol, reason: entry.reason });
    }
  }
  if (served === 0)
    throw new ValidationError(
      '--provider',
      `--provider ${options.provider} served no history for any of the ${options.symbols.length} symbols (${skipped[0]?.reason ?? 'none asked for'})`,
    );
  for (const { symbol, reason } of skipped) options.onSkipped?.(symbol, reason);
  return builder.result();
}

export async function scorecardCommand(argv: readonly string[], io: CommandIo): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        provider: { type: 'string' },
        data: { type: 'string' },
        watchlist: { type: 'string' },
        symbols: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        horizons: { type: 'string' },
        scanners: { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  }
  if (values.help) {
    io.stdout.write(`${SCORECARD_USAGE}\n`);
    return;
  }
  let card: Scorecard;
  try {
    const source = resolveSymbolSource(values);
    card = await computeScorecard({
      ...source,
      env: io.env,
      scanners: values.scanners === undefined ? undefined : parseScannerNames(values.scanners, '--scanners'),
      horizons: values.horizons === undefined ? undefined : parseHorizons(values.horizons, '--horizons'),
      from: values.from,
      to: values.to,
      nowMs: Date.now(),
      onSkipped: (symbol, reason) => io.stderr.write(`scanfleet: ${symbol} left out: ${reason}\n`),
    });
  } catch (error) {
    if (error instanceof ValidationError) throw new UsageError(error.message, { cause: error });
    if (error instanceof ScanfleetError && !(error instanceof UsageError)) {
      io.stderr.write(`scanfleet: ${error.message}\n`);
      process.exitCode = 1;
      return;
    }
    throw error;
  }
  io.stdout.write(values.json ? `${JSON.stringify(card, null, 2)}\n` : renderScorecard(card));
}
