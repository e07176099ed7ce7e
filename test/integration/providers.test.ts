import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseIsoDay } from '../../functions/core/trading-day.js';
import { AlpacaMarketData } from '../../functions/adapters/market-data/alpaca-market-data.js';
import { CsvMarketData } from '../../functions/adapters/market-data/csv-market-data.js';
import { HttpJsonClient, parseRetryAfter, RequestPacer } from '../../functions/adapters/market-data/http-client.js';
import type { MarketData, SymbolBars } from '../../functions/adapters/market-data/market-data.js';
import { SchwabMarketData } from '../../functions/adapters/market-data/schwab-market-data.js';
import { YahooMarketData } from '../../functions/adapters/market-data/yahoo-market-data.js';
import { BUNDLED_DATA_DIR } from '../../functions/local/cli/scan-command.js';
import { type ProviderServer, startAlpacaServer, startSchwabServer, startYahooServer } from '../helpers/provider-servers.js';

// Obviously fake credentials: the servers check them, the errors must never show them.
const SCHWAB = { appKey: 'fake-app-key-1111', appSecret: 'fake-app-secret-2222', refreshToken: 'fake-refresh-token-3333' };
const ALPACA = { keyId: 'FAKEKEYID4444', secretKey: 'fake-alpaca-secret-5555' };
const SECRETS = [...Object.values(SCHWAB), ...Object.values(ALPACA)];

const BATCH = ['AAPL', 'MSFT', 'NVDA', 'AMZN', 'GOOGL', 'META', 'TSLA', 'JPM', 'V', 'JNJ', 'WMT', 'PG', 'MA', 'HD', 'CVX', 'MRK', 'ABBV', 'PEP', 'KO', 'COST', 'ADBE', 'CRM', 'NFLX', 'AMD', 'INTC', 'ARM', 'KVUE', 'GE', 'MDB', 'DDOG'];
const REQUEST = { symbols: BATCH, asOf: parseIsoDay('2024-01-19'), lookback: 150 };
// Quick retries so fault tests take milliseconds, and a short timeout for the hanging server.
const fastHttp = (provider: string, maxAttempts = 4) => new HttpJsonClient(provider, { maxAttempts, baseDelayMs: 1, maxDelayMs: 5, timeoutMs: 300 }, async () => {});

let reference: SymbolBars[];
beforeAll(async () => {
  reference = await new CsvMarketData(BUNDLED_DATA_DIR).fetchDailyBars(REQUEST);
});

function expectSameBars(actual: SymbolBars[], expected: SymbolBars[] = reference) {
  expect(actual.map((r) => r.symbol)).toEqual(expected.map((r) => r.symbol));
  actual.forEach((entry, i) => {
    const want = expected[i];
    if (!entry.ok || !want.ok) throw new Error(`${entry.symbol}: ${entry.ok ? '' : entry.reason}`);
    expect(entry.bars.length, entry.symbol).toBe(want.bars.length);
    for (const field of ['day', 'open', 'high', 'low', 'close', 'volume'] as const) expect(Array.from(entry.bars[field]), `${entry.symbol}.${field}`).toEqual(Array.from(want.bars[field]));
  });
}

function expectNoSecrets(text: string) {
  for (const secret of SECRETS) expect(text).not.toContain(secret);
  expect(text).not.toContain(Buffer.from(`${SCHWAB.appKey}:${SCHWAB.appSecret}`).toString('base64'));
}

interface Case {
  name: string;
  start: () => Promise<ProviderServer>;
  create: (url: string, http: HttpJsonClient) => MarketData;
  /** Matches the data requests of one symbol (or of the whole batch for Alpaca). */
  dataRequest: (symbol: string) => (r: { path: string; query: URLSearchParams }) => boolean;
}

const cases: Case[] = [
  {
    name: 'yahoo',
    start: startYahooServer,
    create: (url, http) => new YahooMarketData({ baseUrl: url, http, requestsPerMinute: Infinity }),
    dataRequest: (symbol) => (r) => r.path === `/v8/finance/chart/${symbol}`,
  },
  {
    name: 'alpaca',
    start: () => startAlpacaServer(ALPACA),
    create: (url, http) => new AlpacaMarketData({ baseUrl: url, http, credentials: async () => ALPACA }),
    dataRequest: () => (r) => r.path === '/v2/stocks/bars',
  },
  {
    name: 'schwab',
    start: () => startSchwabServer(SCHWAB),
    create: (url, http) => new SchwabMarketData({ baseUrl: url, http, credentials: async () => SCHWAB, requestsPerMinute: Infinity }),
    dataRequest: (symbol) => (r) => r.path === '/marketdata/v1/pricehistory' && r.query.get('symbol') === symbol,
  },
];

describe.each(cases)('$name provider over HTTP on loopback', ({ name, start, create, dataRequest }) => {
  let server: ProviderServer;
  beforeAll(async () => {
    server = await start();
  });
  afterAll(() => server.close());
  const provider = (maxAttempts?: number) => create(server.url, fastHttp(name, maxAttempts));

  it('fetches a 30-symbol batch whose bars equal the bundled data', async () => {
    expectSameBars(await provider().fetchDailyBars(REQUEST));
  });

  it('retries a 429 (honouring Retry-After), 5xx, a timeout and a dropped connection', async () => {
    const seen = server.requests.length;
    server.inject(dataRequest('AAPL'), { kind: 'status', status: 429, retryAfter: '0' });
    server.inject(dataRequest('AAPL'), { kind: 'status', status: 503 });
    server.inject(dataRequest('AAPL'), { kind: 'timeout' });
    expectSameBars(await provider(5).fetchDailyBars(REQUEST));
    server.inject(dataRequest('MSFT'), { kind: 'reset' });
    server.inject(dataRequest('MSFT'), { kind: 'status', status: 500 });
    expectSameBars(await provider(5).fetchDailyBars(REQUEST));
    expect(server.requests.length - seen).toBeGreaterThan(name === 'alpaca' ? 2 : 60);
  });

  it('does not retry a 4xx other than 429', async () => {
    const before = server.requests.filter(dataRequest('AAPL')).length;
    server.inject(dataRequest('AAPL'), { kind: 'status', status: 403 });
    const result = await provider().fetchDailyBars(REQUEST).catch((error: Error) => error);
    expect(server.requests.filter(dataRequest('AAPL')).length - before).toBe(1);
    if (name === 'alpaca') expect(String(result)).toMatch(/Alpaca refused the API key \(HTTP 403\)/);
    else expect((result as SymbolBars[])[0]).toMatchObject({ symbol: 'AAPL', ok: false, code: 'provider_error', reason: expect.stringMatching(/HTTP 403/) });
  });

  it('drops candles with null prices by the row rules and counts them', async () => {
    server.inject(dataRequest('AAPL'), { kind: 'nulls', dates: ['2024-01-17', '2024-01-18'] });
    const [aapl] = await provider().fetchDailyBars(REQUEST);
    if (!aapl.ok) throw new Error(aapl.reason);
    expect(aapl.issues).toEqual({ invalid_price: name === 'alpaca' ? 2 : 2 });
    expect(aapl.bars.length).toBe(150);
    expect(Array.from(aapl.bars.day.slice(-2))).toEqual([parseIsoDay('2024-01-16'), parseIsoDay('2024-01-19')]);
  });

  it('reports a symbol the provider does not know as unknown, and serves the rest', async () => {
    const result = await provider().fetchDailyBars({ ...REQUEST, symbols: ['AAPL', 'ZZZZ'] });
    expect(result[0].ok).toBe(true);
    expect(result[1]).toMatchObject({ symbol: 'ZZZZ', ok: false, code: 'unknown_symbol', reason: expect.stringContaining('ZZZZ') });
  });

  it('turns an empty result or a truncated body into an outcome, never a crash', async () => {
    server.inject(dataRequest('MSFT'), { kind: 'empty' });
    const empty = await provider().fetchDailyBars({ ...REQUEST, symbols: ['AAPL', 'MSFT'] });
    expect(empty[1]).toMatchObject({ symbol: 'MSFT', ok: false, code: 'unknown_symbol', reason: expect.stringMatching(/no (daily )?bars for MSFT/) });
    server.inject(dataRequest('MSFT'), { kind: 'truncated' });
    const truncated = await provider().fetchDailyBars({ ...REQUEST, symbols: ['AAPL', 'MSFT'] }).catch((error: Error) => error);
    if (name === 'alpaca') {
      expect(String(truncated)).toMatch(/bars page 1 for 2 symbols: the response is not valid JSON/);
    } else {
      expect((truncated as SymbolBars[])[0].ok).toBe(true);
      expect((truncated as SymbolBars[])[1]).toMatchObject({ ok: false, code: 'provider_error', reason: expect.stringMatching(/MSFT: the response is not valid JSON/) });
    }
  });

  it('fails the whole batch when the provider is down for all of it, without leaking a secret', async () => {
    server.inject(() => true, { kind: 'status', status: 500 }, 1000);
    const error = await provider(2)
      .fetchDailyBars(REQUEST)
      .then(() => undefined, (e: Error) => e);
    server.inject(() => true, { kind: 'status', status: 500 }, 0);
    server.requests.length = 0;
    const expected: Record<string, RegExp> = {
      alpaca: /^bars page 1 for 30 symbols: HTTP 500 \(after 2 attempts\)$/,
      yahoo: /^yahoo failed for all 30 symbols of the batch: chart AAPL: HTTP 500 \(after 2 attempts\)$/,
      // Schwab's token refresh is the first request: it fails the batch once, before any symbol.
      schwab: /^OAuth token refresh: HTTP 500 \(after 2 attempts\)$/,
    };
    expect(error?.message).toMatch(expected[name]);
    expectNoSecrets(`${error?.message} ${error?.stack}`);
  });
});

describe('alpaca specifics', () => {
  it('asks once for the whole batch and follows page tokens', async () => {
    const server = await startAlpacaServer(ALPACA, 1000);
    try {
      const result = await new AlpacaMarketData({ baseUrl: server.url, credentials: async () => ALPACA }).fetchDailyBars(REQUEST);
      expectSameBars(result);
      const calls = server.requests.filter((r) => r.path === '/v2/stocks/bars');
      // 30 symbols × ~150 bars (ARM, KVUE fewer) over pages of 1,000 bars.
      expect(calls).toHaveLength(5);
      expect(calls[0].query.get('symbols')).toBe(BATCH.join(','));
      expect(calls[0].query.get('feed')).toBe('iex');
      expect(calls[0].query.get('adjustment')).toBe('split');
      expect(calls.slice(1).map((c) => c.query.get('page_token'))).toEqual(['1000', '2000', '3000', '4000']);
    } finally {
      await server.close();
    }
  });
});

describe('schwab OAuth', () => {
  it('refreshes the access token once and reuses it across batches, and again when it expires', async () => {
    const server = await startSchwabServer(SCHWAB, { tokenLifetimeSeconds: 1800 });
    let now = new Date('2026-11-24T15:00:00Z');
    const schwab = new SchwabMarketData({ baseUrl: server.url, credentials: async () => SCHWAB, now: () => now, requestsPerMinute: Infinity });
    try {
      await schwab.fetchDailyBars(REQUEST);
      await schwab.fetchDailyBars(REQUEST);
      expect(server.tokensIssued()).toBe(1);
      now = new Date(now.getTime() + 29.5 * 60_000); // within a minute of expiry
      await schwab.fetchDailyBars({ ...REQUEST, symbols: ['AAPL'] });
      expect(server.tokensIssued()).toBe(2);
      server.revokeAll(); // revoked early: a 401 triggers one refresh
      expectSameBars(await schwab.fetchDailyBars({ ...REQUEST, symbols: ['AAPL'] }), reference.slice(0, 1));
      expect(server.tokensIssued()).toBe(3);
    } finally {
      await server.close();
    }
  });

  it('says what to do when the refresh token has expired, without showing it', async () => {
    const server = await startSchwabServer({ ...SCHWAB, refreshToken: 'a-newer-token' });
    try {
      const schwab = new SchwabMarketData({ baseUrl: server.url, credentials: async () => SCHWAB, credentialsSource: 'secret scanfleet/schwab (refreshToken)' });
      const error = await schwab.fetchDailyBars(REQUEST).then(() => undefined, (e: Error) => e);
      expect(error?.message).toBe(
        'Schwab rejected the refresh token (HTTP 400: invalid_grant). Refresh tokens expire 7 days after the login that issued them: sign in again through the OAuth flow and store the new refresh token in secret scanfleet/schwab (refreshToken).',
      );
      // One refresh attempt for the batch, not one per symbol.
      expect(server.requests.filter((r) => r.path === '/v1/oauth/token')).toHaveLength(1);
      expectNoSecrets(`${error?.message} ${error?.stack}`);
    } finally {
      await server.close();
    }
  });
});

describe('request pacing', () => {
  it('spaces request starts to the configured rate, and lets a quiet period pass without waiting', async () => {
    let now = 0;
    const waits: number[] = [];
    const pacer = new RequestPacer(120, () => now, async (ms) => {
      waits.push(ms);
    });
    await Promise.all([pacer.wait(), pacer.wait(), pacer.wait()]);
    expect(waits).toEqual([500, 1000]);
    now = 10_000;
    await pacer.wait();
    expect(waits).toEqual([500, 1000]);
  });

  it('paces a Schwab batch: 5 symbols at 600 a minute take at least 400 ms', async () => {
    const server = await startSchwabServer(SCHWAB);
    try {
      const started = Date.now();
      await new SchwabMarketData({ baseUrl: server.url, credentials: async () => SCHWAB, requestsPerMinute: 600 }).fetchDailyBars({ ...REQUEST, symbols: BATCH.slice(0, 5) });
      expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    } finally {
      await server.close();
    }
  });
});

describe('Retry-After', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter('Wed, 25 Nov 2026 12:00:10 GMT', Date.parse('2026-11-25T12:00:00Z'))).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});
