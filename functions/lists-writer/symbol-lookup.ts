import { ProviderError, ValidationError } from '../core/errors.js';
import { ListError, normaliseSymbol, type SymbolForm } from '../core/lists/watchlist-rules.js';
import { referenceInstant } from '../core/market/market-clock.js';
import { isoDay } from '../core/market/trading-day.js';
import { sliceBars } from '../core/scan/bars.js';
import { scanSymbol } from '../core/scan/scan-symbol.js';
import type { ScanValues } from '../core/scan/scanner.js';
import { planScan, SCANNER_NAMES, type ScannerName } from '../core/scan/scanners.js';
import type { MarketData } from '../adapters/market-data/market-data.js';

/** One scanner's answer for the symbol looked up. */
export interface LookupResult {
  readonly scanner: ScannerName;
  readonly signal: string | null;
  readonly status: 'ok' | 'insufficient_data' | 'error';
  readonly values: ScanValues | null;
  readonly reason?: string;
}

export interface SymbolLookup {
  readonly symbol: string;
  /** The date of the bar the results describe. */
  readonly asOf: string | undefined;
  /** The bar was still trading at the lookup's instant: the signals may change by the close. */
  readonly partial: boolean;
  readonly results: LookupResult[];
}

export interface SymbolLookupDeps {
  /** The configured provider, made when first asked. */
  readonly marketData: () => MarketData;
  /** The provider's spelling of a class share. */
  readonly form: SymbolForm;
  /** Bars fetched per symbol (settings.lookbackBars), as a run fetches them. */
  readonly lookbackBars: number;
  readonly now: () => Date;
}

/**
 * A symbol on no list scanned on demand (Discord's /symbol): one bars request, the three scanners
 * as a run plans them, nothing written. It runs here because the lists-writer holds the
 * provider's credentials and the Discord function must not. An unknown symbol is refused in the
 * provider's words, a provider failure as such.
 */
export async function lookupSymbol(deps: SymbolLookupDeps, text: string): Promise<SymbolLookup> {
  const symbol = normaliseSymbol(text, deps.form);
  if (symbol === undefined)
    throw new ValidationError(
      'symbol',
      `"${text.slice(0, 32)}" is not a ticker symbol (letters and digits, e.g. AAPL)`,
    );
  const marketData = deps.marketData();
  const plan = planScan(SCANNER_NAMES, {}, deps.lookbackBars);
  const newestDataDay = await marketData.newestDay?.();
  const reference = referenceInstant({
    clockMs: deps.now().getTime(),
    explicit: false,
    delayMs: marketData.delayMs,
    newestDataDay,
  });
  let answer;
  try {
    [answer] = await marketData.fetchDailyBars({
      symbols: [symbol],
      asOf: reference.cutDay,
      lookback: plan.lookback,
      now: reference.referenceMs,
    });
  } catch (error) {
    throw new ProviderError(
      marketData.name,
      `could not fetch ${symbol} from ${marketData.name}: ${(error as Error).message}`,
      symbol,
      { cause: error },
    );
  }
  if (!answer.ok) {
    if (answer.code === 'unknown_symbol') throw new ListError('unknown_symbol', 'symbol', answer.reason);
    throw new ProviderError(
      marketData.name,
      `could not fetch ${symbol} from ${marketData.name}: ${answer.reason}`,
      symbol,
    );
  }
  const { bars } = answer;
  const window = sliceBars(bars, Math.max(0, bars.length - plan.lookback), bars.length);
  const scan = scanSymbol(window, plan, reference);
  return {
    symbol,
    asOf: window.length > 0 ? isoDay(window.day[window.length - 1]) : undefined,
    partial: scan.outcomes.some((o) => o.partial === true),
    results: scan.outcomes.map(({ scanner, signal, status, values, reason }) => ({
      scanner,
      signal,
      status,
      values,
      ...(reason !== undefined && { reason }),
    })),
  };
}
