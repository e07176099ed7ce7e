import type { Bars, RowIssueCounts } from '../../core/scan/bars.js';
import type { EpochDay } from '../../core/market/trading-day.js';

export interface BarsRequest {
  readonly symbols: readonly string[];
  /** Only bars dated on or before this day; the latest available when absent. */
  readonly asOf?: EpochDay;
  /** Bars wanted per symbol (the newest ones up to as-of). */
  readonly lookback: number;
  /**
   * The instant the data is wanted as of (epoch ms): the end of the request window. Absent: the
   * real clock. A provider serving a past instant answers with what it would have served then.
   */
  readonly now?: number;
}

export type SymbolBars =
  | { readonly symbol: string; readonly ok: true; readonly bars: Bars; readonly issues: RowIssueCounts }
  | {
      readonly symbol: string;
      readonly ok: false;
      readonly code: 'unknown_symbol' | 'provider_error' | 'bad_data';
      readonly reason: string;
      /** The provider refused the credentials (not this symbol): a batch of such failures fails as a CredentialsError. */
      readonly credentials?: true;
    };

/**
 * Daily bars for a batch of symbols (30 in the pipeline). Implementations answer one entry per
 * requested symbol, in request order, and never reject for a single symbol's trouble: that
 * becomes its `ok: false` entry.
 */
export interface MarketData {
  readonly name: string;
  /** How far the provider's data lags the market (ms): a session's bar is final this long after its close. */
  readonly delayMs: number;
  /**
   * True when the provider only has complete daily bars (files written after the close): a
   * session still trading at the request's instant has no bar from it, never a partial one.
   */
  readonly completeBarsOnly: boolean;
  /**
   * The newest bar date in the provider's whole data set, for a provider of fixed history (csv):
   * that day stands for "today" when no instant or as-of is given. Absent for live providers.
   */
  newestDay?(): Promise<EpochDay | undefined>;
  fetchDailyBars(request: BarsRequest): Promise<SymbolBars[]>;
}
