import * as v from 'valibot';
import { checkSchema, nonArray } from '../../core/schemas.js';
import { ProviderError } from '../../core/errors.js';
import { newYorkTimeMs } from '../../core/market/market-clock.js';
import { HttpJsonClient, type HttpRequest, HttpStatusError, mapWithConcurrency, RequestPacer } from './http-client.js';
import type { BarsRequest, MarketData, SymbolBars } from './market-data.js';
import { DEFAULT_PROVIDER_DELAY_MS, DEFAULT_REQUESTS_PER_MINUTE } from './providers.js';
import { barsFromRows, calendarDaysFor, numeric, settleBatch, symbolFailure } from './provider-batch.js';
import {
  type BatchState,
  BROWSER_HEADERS,
  refusalIn,
  safeJson,
  sessionRefusal,
  YAHOO_COOKIE_URL,
  type YahooSession,
  YahooSessions,
} from './yahoo-session.js';

export const YAHOO_BASE_URL = 'https://query1.finance.yahoo.com';

const quoteArray = v.array(v.unknown());
const chartSchema = v.object({
  chart: v.object({
    result: v.nullable(
      v.array(
        v.object({
          meta: v.looseObject({ symbol: v.string(), gmtoffset: v.optional(v.number()) }),
          timestamp: v.optional(v.array(v.number())),
          indicators: v.looseObject({
            quote: v.array(
              nonArray(
                v.partial(
                  v.object({
                    open: quoteArray,
                    high: quoteArray,
                    low: quoteArray,
                    close: quoteArray,
                    volume: quoteArray,
                  }),
                ),
              ),
            ),
          }),
        }),
      ),
    ),
    error: v.optional(v.nullable(v.object({ code: v.string(), description: v.string() }))),
  }),
});

export interface YahooOptions {
  readonly baseUrl?: string;
  /** Where the session cookie for the crumb handshake comes from (default https://fc.yahoo.com). */
  readonly cookieUrl?: string;
  /** Symbols fetched at once: Yahoo has no batch endpoint and no published limit; stay polite. */
  readonly concurrency?: number;
  /** Requests a minute from this container (default 100); Infinity turns pacing off. */
  readonly requestsPerMinute?: number;
  readonly http?: HttpJsonClient;
  readonly now?: () => Date;
  /** How far the data lags the market (default 10 minutes; PROVIDER_DELAY_MINUTES). */
  readonly delayMs?: number;
}

/**
 * Yahoo Finance's chart endpoint (v8), one request per symbol, no key. When Yahoo asks for a
 * session (a 401/429 whose body says the cookie or crumb is invalid), one cookie + crumb
 * handshake, shared by the requests in flight, and the refused request is sent again with
 * them; the session is kept on this object for later requests.
 */
export class YahooMarketData implements MarketData {
  readonly name = 'yahoo';
  readonly delayMs: number;
  readonly completeBarsOnly = false;
  private readonly baseUrl: string;
  private readonly http: HttpJsonClient;
  private readonly pacer: RequestPacer;
  private readonly clock: () => Date;
  private readonly sessions: YahooSessions;

  constructor(private readonly options: YahooOptions = {}) {
    this.baseUrl = (options.baseUrl ?? YAHOO_BASE_URL).replace(/\/$/, '');
    this.http = options.http ?? new HttpJsonClient('yahoo');
    this.sessions = new YahooSessions(this.http, this.baseUrl, options.cookieUrl ?? YAHOO_COOKIE_URL);
    this.pacer = new RequestPacer(options.requestsPerMinute ?? DEFAULT_REQUESTS_PER_MINUTE.yahoo);
    this.clock = options.now ?? (() => new Date());
    this.delayMs = options.delayMs ?? DEFAULT_PROVIDER_DELAY_MS;
  }

  async fetchDailyBars(request: BarsRequest): Promise<SymbolBars[]> {
    // The window ends at the request's instant, and never after the as-of day (New York).
    let endMs = request.now ?? this.clock().getTime();
    if (request.asOf !== undefined) endMs = Math.min(endMs, newYorkTimeMs(request.asOf + 1, 0));
    const end = Math.floor(endMs / 1000);
    const start = end - calendarDaysFor(request.lookback) * 86_400;
    const batch: BatchState = {};
    const results = await mapWithConcurrency(request.symbols, this.options.concurrency ?? 4, (symbol) =>
      this.fetchSymbol(symbol, start, end, request, batch).catch((error: unknown) => symbolFailure(symbol, error)),
    );
    return settleBatch(this.name, results);
  }

  private async fetchSymbol(
    symbol: string,
    period1: number,
    period2: number,
    request: BarsRequest,
    batch: BatchState,
  ): Promise<SymbolBars> {
    const url = `${this.baseUrl}/v8/finance/chart/${encodeURIComponent(symbol)}?period1=${period1}&period2=${period2}&interval=1d&events=div%2Csplits`;
    let json: unknown;
    try {
      json = await this.chart(symbol, url, batch);
    } catch (error) {
      if (error instanceof HttpStatusError && error.status === 404) {
        const refused = v.safeParse(chartSchema, safeJson(error.body));
        const description = refused.success ? refused.output.chart.error?.description : undefined;
        return {
          symbol,
          ok: false,
          code: 'unknown_symbol',
          reason: `Yahoo does not know ${symbol}${description ? `: ${description}` : ''}`,
        };
      }
      throw error;
    }
    const parsed = checkSchema(chartSchema, json);
    if (!parsed.success)
      return {
        symbol,
        ok: false,
        code: 'bad_data',
        reason: `Yahoo chart for ${symbol} is not in the expected format (${parsed.issues[0].path}: ${parsed.issues[0].message})`,
      };
    const result = parsed.output.chart.result?.[0];
    if (!result) {
      const error = parsed.output.chart.error;
      return {
        symbol,
        ok: false,
        code: 'unknown_symbol',
        reason: `Yahoo has no chart for ${symbol}${error ? `: ${error.description}` : ''}`,
      };
    }
    const timestamps = result.timestamp ?? [];
    if (timestamps.length === 0) {
      return {
        symbol,
        ok: false,
        code: 'unknown_symbol',
        reason: `Yahoo returned no daily bars for ${symbol} in the window (unknown, delisted, or not trading)`,
      };
    }
    const quote = result.indicators.quote[0] ?? {};
    // Daily timestamps are the session's open in exchange time; the offset gives its date.
    const offset = result.meta.gmtoffset ?? -18_000;
    return barsFromRows(
      symbol,
      timestamps.length,
      (i) => [
        Math.floor((timestamps[i] + offset) / 86_400),
        numeric(quote.open?.[i]),
        numeric(quote.high?.[i]),
        numeric(quote.low?.[i]),
        numeric(quote.close?.[i]),
        numeric(quote.volume?.[i]),
      ],
      { asOf: request.asOf, lookback: request.lookback },
    );
  }

  /** One chart request; refused for want of a session: one handshake (shared) and one retry with it. */
  private async chart(symbol: string, url: string, batch: BatchState): Promise<unknown> {
    await this.pacer.wait();
    const used = this.sessions.current;
    try {
      return await this.http.json(this.chartRequest(symbol, url, used));
    } catch (error) {
      if (!sessionRefusal(error)) throw error;
    }
    const session = await this.sessions.fresh(used, batch);
    await this.pacer.wait();
    try {
      return await this.http.json(this.chartRequest(symbol, url, session));
    } catch (error) {
      const refusal = sessionRefusal(error);
      if (refusal)
        throw new ProviderError(
          'yahoo',
          `chart ${symbol}: Yahoo refused the cookie and crumb it had just issued (HTTP ${refusal.status}: ${refusal.description})`,
          symbol,
          { cause: error },
        );
      throw error;
    }
  }

  private chartRequest(symbol: string, url: string, session: YahooSession | undefined): HttpRequest {
    return {
      url: session ? `${url}&crumb=${encodeURIComponent(session.crumb)}` : url,
      headers: session ? { ...BROWSER_HEADERS, cookie: session.cookie } : { ...BROWSER_HEADERS },
      label: `chart ${symbol}`,
      // A session refusal is not a rate limit: straight to the handshake, no backing off.
      isFinal: (status, body) => refusalIn(status, body) !== undefined,
    };
  }
}
