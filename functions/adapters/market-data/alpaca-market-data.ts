import * as v from 'valibot';
import { checkSchema, record } from '../../core/schemas.js';
import { CredentialsError, ProviderError } from '../../core/errors.js';
import { newYorkDayOfMs, newYorkTimeMs } from '../../core/market/market-clock.js';
import { isoDay } from '../../core/market/trading-day.js';
import { HttpJsonClient, HttpStatusError } from './http-client.js';
import type { BarsRequest, MarketData, SymbolBars } from './market-data.js';
import { ALPACA_SIP_DELAY_MS } from './providers.js';
import { barsFromRows, calendarDaysFor, numeric } from './provider-batch.js';

export const ALPACA_DATA_URL = 'https://data.alpaca.markets';

export interface AlpacaCredentials {
  readonly keyId: string;
  readonly secretKey: string;
}

const barSchema = v.looseObject({
  t: v.string(),
  o: v.unknown(),
  h: v.unknown(),
  l: v.unknown(),
  c: v.unknown(),
  v: v.unknown(),
});
const pageSchema = v.object({
  bars: v.nullable(record(v.nullable(v.array(barSchema)))),
  next_page_token: v.optional(v.nullable(v.string())),
});
type AlpacaBar = v.InferOutput<typeof barSchema>;

export interface AlpacaOptions {
  readonly credentials: () => Promise<AlpacaCredentials>;
  readonly baseUrl?: string;
  /**
   * "sip" (default: every US exchange; on the free plan only 15 minutes old, so the window ends
   * 16 minutes back) or "iex" (real time, but IEX alone: a few percent of the volume).
   */
  readonly feed?: string;
  readonly http?: HttpJsonClient;
  readonly now?: () => Date;
  /** Pages followed at most per batch (10,000 bars a page). */
  readonly maxPages?: number;
}

/**
 * Alpaca Market Data v2: one multi-symbol bars request per batch (symbols=A,B,C), following
 * next_page_token. Split-adjusted daily bars, dated by their New York session.
 */
export class AlpacaMarketData implements MarketData {
  readonly name = 'alpaca';
  readonly feed: string;
  /** SIP: what the window leaves out (16 minutes); IEX: real time. */
  readonly delayMs: number;
  readonly completeBarsOnly = false;
  private readonly baseUrl: string;
  private readonly http: HttpJsonClient;
  private readonly clock: () => Date;

  constructor(private readonly options: AlpacaOptions) {
    this.baseUrl = (options.baseUrl ?? ALPACA_DATA_URL).replace(/\/$/, '');
    this.http = options.http ?? new HttpJsonClient('alpaca');
    this.clock = options.now ?? (() => new Date());
    this.feed = options.feed ?? 'sip';
    this.delayMs = this.feed === 'iex' ? 0 : ALPACA_SIP_DELAY_MS;
  }

  async fetchDailyBars(request: BarsRequest): Promise<SymbolBars[]> {
    const { keyId, secretKey } = await this.options.credentials();
    // The window ends at the request's instant less the feed's delay, and never after the
    // as-of day (New York); it starts on a New York date.
    let endMs = (request.now ?? this.clock().getTime()) - this.delayMs;
    if (request.asOf !== undefined) endMs = Math.min(endMs, newYorkTimeMs(request.asOf + 1, 0) - 1000);
    endMs = Math.floor(endMs / 1000) * 1000;
    const endDay = newYorkDayOfMs(endMs);
    const query = new URLSearchParams({
      symbols: request.symbols.join(','),
      timeframe: '1Day',
      start: isoDay(endDay - calendarDaysFor(request.lookback)),
      end: new Date(endMs).toISOString().replace('.000Z', 'Z'),
      limit: '10000',
      adjustment: 'split',
      feed: this.feed,
      sort: 'asc',
    });
    const collected = new Map<string, AlpacaBar[]>();
    let pageToken: string | undefined;
    let pages = 0;
    do {
      if (pageToken) query.set('page_token', pageToken);
      let json: unknown;
      try {
        json = await this.http.json({
          url: `${this.baseUrl}/v2/stocks/bars?${query.toString()}`,
          headers: { 'APCA-API-KEY-ID': keyId, 'APCA-API-SECRET-KEY': secretKey, accept: 'application/json' },
          label: `bars page ${pages + 1} for ${request.symbols.length} symbols`,
        });
      } catch (error) {
        if (error instanceof HttpStatusError && error.status === 403 && /recent sip data/i.test(error.body)) {
          throw new ProviderError(
            'alpaca',
            `Alpaca refused recent SIP data (HTTP 403): without a paid data plan, SIP data must be at least 15 minutes old. scanfleet asks for data 16 minutes old, so check this machine's clock; or set ALPACA_FEED=iex for real-time IEX data (one exchange, a few percent of the volume)`,
            undefined,
            { cause: error },
          );
        }
        if (error instanceof HttpStatusError && (error.status === 401 || error.status === 403)) {
          throw new CredentialsError(
            'alpaca',
            `Alpaca refused the API key (HTTP ${error.status}): check the key id and secret in ALPACA_KEY_ID / ALPACA_SECRET_KEY or the configured secret, and that the feed "${this.feed}" is in your plan`,
            undefined,
            { cause: error },
          );
        }
        throw error;
      }
      const page = checkSchema(pageSchema, json);
      if (!page.success)
        throw new ProviderError(
          'alpaca',
          `bars response is not in the expected format (${page.issues[0].path}: ${page.issues[0].message})`,
        );
      for (const [symbol, bars] of Object.entries(page.output.bars ?? {})) {
        const list = collected.get(symbol) ?? [];
        list.push(...(bars ?? []));
        collected.set(symbol, list);
      }
      pageToken = page.output.next_page_token ?? undefined;
      pages++;
    } while (pageToken && pages < (this.options.maxPages ?? 20));
    if (pageToken)
      throw new ProviderError('alpaca', `bars did not end after ${pages} pages; narrow the lookback or the batch`);

    return request.symbols.map((symbol): SymbolBars => {
      const bars = collected.get(symbol);
      if (!bars || bars.length === 0) {
        return {
          symbol,
          ok: false,
          code: 'unknown_symbol',
          reason: `Alpaca returned no bars for ${symbol} (unknown symbol, or no trades on the ${this.feed} feed in the window)`,
        };
      }
      return barsFromRows(
        symbol,
        bars.length,
        (i) => [
          newYorkDayOfMs(Date.parse(bars[i].t)),
          numeric(bars[i].o),
          numeric(bars[i].h),
          numeric(bars[i].l),
          numeric(bars[i].c),
          numeric(bars[i].v),
        ],
        {
          asOf: request.asOf,
          lookback: request.lookback,
        },
      );
    });
  }
}
