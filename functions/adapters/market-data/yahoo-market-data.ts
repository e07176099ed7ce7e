import { z } from 'zod';
import { HttpJsonClient, HttpStatusError, mapWithConcurrency, RequestPacer } from './http-client.js';
import type { BarsRequest, MarketData, SymbolBars } from './market-data.js';
import { barsFromRows, calendarDaysFor, numeric, settleBatch, symbolFailure } from './provider-batch.js';

export const YAHOO_BASE_URL = 'https://query1.finance.yahoo.com';

const quoteArray = z.array(z.unknown());
const chartSchema = z.object({
  chart: z.object({
    result: z
      .array(
        z.object({
          meta: z.object({ symbol: z.string(), gmtoffset: z.number().optional() }).loose(),
          timestamp: z.array(z.number()).optional(),
          indicators: z.object({ quote: z.array(z.object({ open: quoteArray, high: quoteArray, low: quoteArray, close: quoteArray, volume: quoteArray }).partial()) }).loose(),
        }),
      )
      .nullable(),
    error: z.object({ code: z.string(), description: z.string() }).nullable().optional(),
  }),
});

export interface YahooOptions {
  readonly baseUrl?: string;
  /** Symbols fetched at once: Yahoo has no batch endpoint and no published limit; stay polite. */
  readonly concurrency?: number;
  /** Requests a minute from this container (default 100); Infinity turns pacing off. */
  readonly requestsPerMinute?: number;
  readonly http?: HttpJsonClient;
  readonly now?: () => Date;
}

/** Yahoo Finance's chart endpoint (v8), one request per symbol, no key. */
export class YahooMarketData implements MarketData {
  readonly name = 'yahoo';
  private readonly baseUrl: string;
  private readonly http: HttpJsonClient;
  private readonly pacer: RequestPacer;

  constructor(private readonly options: YahooOptions = {}) {
    this.baseUrl = (options.baseUrl ?? YAHOO_BASE_URL).replace(/\/$/, '');
    this.http = options.http ?? new HttpJsonClient('yahoo');
    this.pacer = new RequestPacer(options.requestsPerMinute ?? 100);
  }

  async fetchDailyBars(request: BarsRequest): Promise<SymbolBars[]> {
    const end = request.asOf !== undefined ? (request.asOf + 1) * 86_400 : Math.floor((this.options.now?.() ?? new Date()).getTime() / 1000);
    const start = end - calendarDaysFor(request.lookback) * 86_400;
    const results = await mapWithConcurrency(request.symbols, this.options.concurrency ?? 4, (symbol) => this.fetchSymbol(symbol, start, end, request).catch((error: unknown) => symbolFailure(symbol, error)));
    return settleBatch(this.name, results);
  }

  private async fetchSymbol(symbol: string, period1: number, period2: number, request: BarsRequest): Promise<SymbolBars> {
    const url = `${this.baseUrl}/v8/finance/chart/${encodeURIComponent(symbol)}?period1=${period1}&period2=${period2}&interval=1d&events=div%2Csplits`;
    let json: unknown;
    await this.pacer.wait();
    try {
      json = await this.http.json({ url, label: `chart ${symbol}` });
    } catch (error) {
      if (error instanceof HttpStatusError && error.status === 404) {
        const description = chartSchema.safeParse(safeJson(error.body)).data?.chart.error?.description;
        return { symbol, ok: false, code: 'unknown_symbol', reason: `Yahoo does not know ${symbol}${description ? `: ${description}` : ''}` };
      }
      throw error;
    }
    const parsed = chartSchema.safeParse(json);
    if (!parsed.success) return { symbol, ok: false, code: 'bad_data', reason: `Yahoo chart for ${symbol} is not in the expected format (${parsed.error.issues[0].path.join('.')}: ${parsed.error.issues[0].message})` };
    const result = parsed.data.chart.result?.[0];
    if (!result) {
      const error = parsed.data.chart.error;
      return { symbol, ok: false, code: 'unknown_symbol', reason: `Yahoo has no chart for ${symbol}${error ? `: ${error.description}` : ''}` };
    }
    const timestamps = result.timestamp ?? [];
    if (timestamps.length === 0) {
      return { symbol, ok: false, code: 'unknown_symbol', reason: `Yahoo returned no daily bars for ${symbol} in the window (unknown, delisted, or not trading)` };
    }
    const quote = result.indicators.quote[0] ?? {};
    // Daily timestamps are the session's open in exchange time; the offset gives its date.
    const offset = result.meta.gmtoffset ?? -18_000;
    return barsFromRows(
      symbol,
      timestamps.length,
      (i) => [Math.floor((timestamps[i] + offset) / 86_400), numeric(quote.open?.[i]), numeric(quote.high?.[i]), numeric(quote.low?.[i]), numeric(quote.close?.[i]), numeric(quote.volume?.[i])],
      { asOf: request.asOf, lookback: request.lookback },
    );
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

