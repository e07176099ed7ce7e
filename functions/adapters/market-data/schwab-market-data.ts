import * as v from 'valibot';
import { checkSchema } from '../../core/schemas.js';
import { CredentialsError, ProviderError } from '../../core/errors.js';
import { newYorkDayOfMs, newYorkTimeMs } from '../../core/market/market-clock.js';
import { HttpJsonClient, HttpStatusError, mapWithConcurrency, RequestPacer } from './http-client.js';
import type { BarsRequest, MarketData, SymbolBars } from './market-data.js';
import { DEFAULT_PROVIDER_DELAY_MS, DEFAULT_REQUESTS_PER_MINUTE } from './providers.js';
import { barsFromRows, calendarDaysFor, numeric, settleBatch, symbolFailure } from './provider-batch.js';

export const SCHWAB_BASE_URL = 'https://api.schwabapi.com';

export interface SchwabCredentials {
  readonly appKey: string;
  readonly appSecret: string;
  readonly refreshToken: string;
}

const tokenSchema = v.looseObject({
  access_token: v.pipe(v.string(), v.minLength(1)),
  expires_in: v.pipe(v.number(), v.gtValue(0)),
  token_type: v.optional(v.string()),
});
const historySchema = v.object({
  symbol: v.optional(v.string()),
  empty: v.optional(v.boolean()),
  candles: v.array(
    v.looseObject({
      datetime: v.number(),
      open: v.unknown(),
      high: v.unknown(),
      low: v.unknown(),
      close: v.unknown(),
      volume: v.unknown(),
    }),
  ),
});

/** Refresh this long before the token says it expires (Schwab's last 30 minutes). */
const REFRESH_MARGIN_MS = 60_000;

export interface SchwabOptions {
  readonly credentials: () => Promise<SchwabCredentials>;
  /**
   * Drops any kept copy of the credentials (CredentialSource.reload): called once when Schwab
   * rejects the refresh token, so that a secret rotated while the container was warm is read.
   */
  readonly reloadCredentials?: () => void;
  readonly baseUrl?: string;
  /** Requests in flight at once (default 4). */
  readonly concurrency?: number;
  /** Where the refresh token lives, named in the error when it is rejected. */
  readonly credentialsSource?: string;
  /** Requests a minute from this container (default 50); Infinity turns pacing off. */
  readonly requestsPerMinute?: number;
  readonly http?: HttpJsonClient;
  readonly now?: () => Date;
  /** How far the data lags the market (default 10 minutes; PROVIDER_DELAY_MINUTES). */
  readonly delayMs?: number;
}

/**
 * Schwab Trader API market data: pricehistory, one request per symbol (it has no multi-symbol
 * history endpoint), daily candles. The access token (30 minutes) comes from the OAuth
 * refresh-token grant and is kept on this object, so a warm container reuses it.
 */
export class SchwabMarketData implements MarketData {
  readonly name = 'schwab';
  readonly delayMs: number;
  readonly completeBarsOnly = false;
  private readonly baseUrl: string;
  private readonly clock: () => Date;
  private readonly http: HttpJsonClient;
  private readonly pacer: RequestPacer;
  private token: { value: string; expiresAt: number } | undefined;
  private refreshing: Promise<string> | undefined;

  constructor(private readonly options: SchwabOptions) {
    this.baseUrl = (options.baseUrl ?? SCHWAB_BASE_URL).replace(/\/$/, '');
    this.http = options.http ?? new HttpJsonClient('schwab');
    this.pacer = new RequestPacer(options.requestsPerMinute ?? DEFAULT_REQUESTS_PER_MINUTE.schwab);
    this.clock = options.now ?? (() => new Date());
    this.delayMs = options.delayMs ?? DEFAULT_PROVIDER_DELAY_MS;
  }

  async fetchDailyBars(request: BarsRequest): Promise<SymbolBars[]> {
    await this.accessToken(); // a rejected refresh token fails the batch once, not 30 times
    // The window ends at the request's instant, and never after the as-of day (New York).
    let endMs = request.now ?? this.clock().getTime();
    if (request.asOf !== undefined) endMs = Math.min(endMs, newYorkTimeMs(request.asOf + 1, 0) - 1);
    const startMs = endMs - calendarDaysFor(request.lookback) * 86_400_000;
    const results = await mapWithConcurrency(request.symbols, this.options.concurrency ?? 4, (symbol) =>
      this.fetchSymbol(symbol, startMs, endMs, request).catch((error: unknown) => symbolFailure(symbol, error)),
    );
    return settleBatch(this.name, results);
  }

  private async fetchSymbol(symbol: string, startMs: number, endMs: number, request: BarsRequest): Promise<SymbolBars> {
    const query = new URLSearchParams({
      symbol,
      periodType: 'year',
      frequencyType: 'daily',
      frequency: '1',
      startDate: String(startMs),
      endDate: String(endMs),
      needExtendedHoursData: 'false',
    });
    const url = `${this.baseUrl}/marketdata/v1/pricehistory?${query.toString()}`;
    let json: unknown;
    await this.pacer.wait();
    try {
      json = await this.http.json({
        url,
        headers: { authorization: `Bearer ${await this.accessToken()}`, accept: 'application/json' },
        label: `pricehistory ${symbol}`,
      });
    } catch (error) {
      if (!(error instanceof HttpStatusError)) throw error;
      if (error.status === 401) {
        // The token was revoked or expired early: refresh once and try again.
        this.token = undefined;
        json = await this.http.json({
          url,
          headers: { authorization: `Bearer ${await this.accessToken()}`, accept: 'application/json' },
          label: `pricehistory ${symbol}`,
        });
      } else if (error.status === 400 || error.status === 404) {
        return {
          symbol,
          ok: false,
          code: 'unknown_symbol',
          reason: `Schwab does not know ${symbol} (HTTP ${error.status})`,
        };
      } else {
        throw error;
      }
    }
    const parsed = checkSchema(historySchema, json);
    if (!parsed.success)
      return {
        symbol,
        ok: false,
        code: 'bad_data',
        reason: `Schwab pricehistory for ${symbol} is not in the expected format (${parsed.issues[0].path}: ${parsed.issues[0].message})`,
      };
    const { candles } = parsed.output;
    if (parsed.output.empty || candles.length === 0) {
      return {
        symbol,
        ok: false,
        code: 'unknown_symbol',
        reason: `Schwab has no daily bars for ${symbol} in the window (unknown or delisted symbol)`,
      };
    }
    return barsFromRows(
      symbol,
      candles.length,
      (i) => [
        newYorkDayOfMs(candles[i].datetime),
        numeric(candles[i].open),
        numeric(candles[i].high),
        numeric(candles[i].low),
        numeric(candles[i].close),
        numeric(candles[i].volume),
      ],
      {
        asOf: request.asOf,
        lookback: request.lookback,
      },
    );
  }

  /** The cached access token, refreshed (once, for all concurrent callers) when near expiry. */
  private async accessToken(): Promise<string> {
    const now = this.clock().getTime();
    if (this.token && this.token.expiresAt - REFRESH_MARGIN_MS > now) return this.token.value;
    this.refreshing ??= this.refresh().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  /**
   * The refresh-token grant. When Schwab rejects the refresh token, the credentials are read
   * once more (a secret rotated since this container read it) and, if they changed, tried.
   */
  private async refresh(): Promise<string> {
    const credentials = await this.options.credentials();
    let rejection: HttpStatusError;
    try {
      return await this.grant(credentials);
    } catch (error) {
      if (!isRejection(error)) throw error;
      rejection = error;
    }
    if (this.options.reloadCredentials) {
      this.options.reloadCredentials();
      const reread = await this.options.credentials();
      if (
        reread.refreshToken !== credentials.refreshToken ||
        reread.appKey !== credentials.appKey ||
        reread.appSecret !== credentials.appSecret
      ) {
        try {
          return await this.grant(reread);
        } catch (error) {
          if (!isRejection(error)) throw error;
          rejection = error;
        }
      }
    }
    const where = this.options.credentialsSource ?? 'SCHWAB_REFRESH_TOKEN';
    throw new CredentialsError(
      'schwab',
      `Schwab rejected the refresh token (HTTP ${rejection.status}${oauthError(rejection.body)}). Refresh tokens expire 7 days after the login that issued them: sign in again through the OAuth flow and store the new refresh token in ${where}.`,
      undefined,
      { cause: rejection },
    );
  }

  private async grant({ appKey, appSecret, refreshToken }: SchwabCredentials): Promise<string> {
    const json = await this.http.json({
      url: `${this.baseUrl}/v1/oauth/token`,
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${appKey}:${appSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }).toString(),
      label: 'OAuth token refresh',
    });
    const token = v.safeParse(tokenSchema, json);
    if (!token.success) throw new ProviderError('schwab', 'OAuth token response is not in the expected format');
    this.token = {
      value: token.output.access_token,
      expiresAt: this.clock().getTime() + token.output.expires_in * 1000,
    };
    return this.token.value;
  }
}

/** A 400/401 from the token endpoint: the refresh token (or the app's key) is refused. */
function isRejection(error: unknown): error is HttpStatusError {
  return error instanceof HttpStatusError && (error.status === 400 || error.status === 401);
}

/** ": invalid_grant" from an OAuth error body, without echoing anything else it holds. */
function oauthError(body: string): string {
  try {
    const code = (JSON.parse(body) as { error?: unknown }).error;
    return typeof code === 'string' && /^[a-z_]{1,60}$/.test(code) ? `: ${code}` : '';
  } catch {
    return '';
  }
}
