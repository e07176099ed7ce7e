import type { Bars, RowIssueCounts } from '../../core/bars.js';
import type { EpochDay } from '../../core/trading-day.js';

export interface BarsRequest {
  readonly symbols: readonly string[];
  /** Only bars dated on or before this day; the latest available when absent. */
  readonly asOf?: EpochDay;
  /** Bars wanted per symbol (the newest ones up to as-of). */
  readonly lookback: number;
}

export type SymbolBars =
  | { readonly symbol: string; readonly ok: true; readonly bars: Bars; readonly issues: RowIssueCounts }
  | { readonly symbol: string; readonly ok: false; readonly code: 'unknown_symbol' | 'provider_error' | 'bad_data'; readonly reason: string };

/**
 * Daily bars for a batch of symbols (30 in the pipeline). Implementations answer one entry per
 * requested symbol, in request order, and never reject for a single symbol's trouble: that
 * becomes its `ok: false` entry.
 */
export interface MarketData {
  readonly name: string;
  fetchDailyBars(request: BarsRequest): Promise<SymbolBars[]>;
}
