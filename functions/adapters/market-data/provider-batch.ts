import { BarSeriesBuilder, type SeriesWindow } from '../../core/scan/bars.js';
import { CredentialsError, ProviderError } from '../../core/errors.js';
import type { EpochDay } from '../../core/market/trading-day.js';
import type { SymbolBars } from './market-data.js';

/** A number from a JSON field; null, missing or a string becomes NaN for the row rules to judge. */
export function numeric(value: unknown): number {
  return typeof value === 'number' ? value : Number.NaN;
}

/**
 * Builds one symbol's bars from a provider's candles through the same row rules as the CSV
 * files (nulls, zero volume, weekend rows, duplicates, order), and cuts the window.
 */
export function barsFromRows(
  symbol: string,
  count: number,
  row: (i: number) => [EpochDay, number, number, number, number, number],
  window: SeriesWindow,
): SymbolBars {
  const builder = new BarSeriesBuilder(symbol, count);
  for (let i = 0; i < count; i++) builder.push(...row(i));
  const bars = builder.build(window);
  return { symbol, ok: true, bars, issues: builder.issues };
}

/** A symbol the provider could not serve, with why. */
export function symbolFailure(symbol: string, error: unknown): SymbolBars {
  const reason = error instanceof Error ? error.message : String(error);
  return {
    symbol,
    ok: false,
    code: 'provider_error',
    reason,
    ...(error instanceof CredentialsError && { credentials: true }),
  };
}

/**
 * A batch fails as a whole only when the provider failed every symbol of it (it is down, or
 * refuses our credentials): then SQS retries the batch. Otherwise each failure is that
 * symbol's error outcome.
 */
export function settleBatch(provider: string, results: SymbolBars[]): SymbolBars[] {
  const failures = results.filter((r): r is Extract<SymbolBars, { ok: false }> => !r.ok && r.code === 'provider_error');
  if (results.length > 0 && failures.length === results.length) {
    throw new (failures.every((f) => f.credentials) ? CredentialsError : ProviderError)(
      provider,
      `${provider} failed for all ${results.length} symbols of the batch: ${failures[0].reason}`,
    );
  }
  return results;
}

/** Calendar days to ask for so that `lookback` trading days come back (weekends, holidays, margin). */
export function calendarDaysFor(lookback: number): number {
  return Math.ceil(lookback * 1.45) + 10;
}
