import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newYorkDayOfMs, sessionElapsed, sessionOn } from '../../functions/core/market/market-clock.js';
import { isoDay, parseIsoDay } from '../../functions/core/market/trading-day.js';
import { send } from '../../functions/adapters/http-transport.js';
import { AlpacaMarketData } from '../../functions/adapters/market-data/alpaca-market-data.js';
import { createMarketData } from '../../functions/adapters/market-data/create-market-data.js';
import { schwabCredentials } from '../../functions/adapters/secrets.js';
import { settingsFrom } from '../../functions/adapters/settings.js';
import { CsvMarketData } from '../../functions/adapters/market-data/csv-market-data.js';
import { HttpJsonClient, parseRetryAfter, RequestPacer } from '../../functions/adapters/market-data/http-client.js';
import type { MarketData, SymbolBars } from '../../functions/adapters/market-data/market-data.js';
import { calendarDaysFor } from '../../functions/adapters/market-data/provider-batch.js';
import { SchwabMarketData } from '../../functions/adapters/market-data/schwab-market-data.js';
import { YahooMarketData } from '../../functions/adapters/market-data/yahoo-market-data.js';
import { BUNDLED_DATA_DIR } from '../../functions/local/cli/symbol-source.js';
import { partialBar } from '../../functions/local/replay/intraday-model.js';
import {
  ALPACA_RECENT_SIP_BODY,
  FAKE_ALPACA as ALPACA,
  FAKE_SCHWAB as SCHWAB,
  type ProviderServer,
  startAlpacaServer,
  startSchwabServer,
  startSecretsManagerServer,
  startYahooServer,
} from '../helpers/provider-servers.js';

const SECRETS = [...Object.values(SCHWAB), ...Object.values(ALPACA)];

const BATCH = [
  'AAPL',
  'MSFT',
  'NVDA',
  'AMZN',
  'GOOGL',
  'META',
  'TSLA',
  'JPM',
  'V',
  'JNJ',
  'WMT',
  'PG',
  'MA',
  'HD',
  'CVX',
  'MRK',
  'ABBV',
  'PEP',
  'KO',
  'COST',
  'ADBE',
  'CRM',
  'NFLX',
  'AMD',
  'INTC',
  'ARM',
  'KVUE',
  'GE',
  'MDB',
  'DDOG',
];
const REQUEST = { symbols: BATCH, asOf: parseIsoDay('2024-01-19'), lookback: 150 };
// Quick retries so fault tests take milliseconds, and a short timeout for the hanging server.
const fastHttp = (provider: string, maxAttempts = 4) =>
  new HttpJsonClient(provider, { maxAttempts, baseDelayMs: 1, maxDelayMs: 5, timeoutMs: 300 }, async () => {});

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
    for (const field of ['day', 'open', 'high', 'low', 'close', 'volume'] as const)
      expect(Array.from(entry.bars[field]), `${entry.symbol}.${field}`).toEqual(Array.from(want.bars[field]));
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
    create: (url, http) =>
      new SchwabMarketData({ baseUrl: url, http, credentials: async () => SCHWAB, requestsPerMinute: Infinity }),
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
    const result = await provider()
      .fetchDailyBars(REQUEST)
      .catch((error: Error) => error);
    expect(server.requests.filter(dataRequest('AAPL')).length - before).toBe(1);
    if (name === 'alpaca') expect(String(result)).toMatch(/Alpaca refused the API key \(HTTP 403\)/);
    else
      expect((result as SymbolBars[])[0]).toMatchObject({
        symbol: 'AAPL',
        ok: false,
        code: 'provider_error',
        reason: expect.stringMatching(/HTTP 403/),
      });
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
    expect(result[1]).toMatchObject({
      symbol: 'ZZZZ',
      ok: false,
      code: 'unknown_symbol',
      reason: expect.stringContaining('ZZZZ'),
    });
  });

  it('turns an empty result or a truncated body into an outcome, never a crash', async () => {
    server.inject(dataRequest('MSFT'), { kind: 'empty' });
    const empty = await provider().fetchDailyBars({ ...REQUEST, symbols: ['AAPL', 'MSFT'] });
    expect(empty[1]).toMatchObject({
      symbol: 'MSFT',
      ok: false,
      code: 'unknown_symbol',
      reason: expect.stringMatching(/no (daily )?bars for MSFT/),
    });
    server.inject(dataRequest('MSFT'), { kind: 'truncated' });
    const truncated = await provider()
      .fetchDailyBars({ ...REQUEST, symbols: ['AAPL', 'MSFT'] })
      .catch((error: Error) => error);
    if (name === 'alpaca') {
      expect(String(truncated)).toMatch(/bars page 1 for 2 symbols: the response is not valid JSON/);
    } else {
      expect((truncated as SymbolBars[])[0].ok).toBe(true);
      expect((truncated as SymbolBars[])[1]).toMatchObject({
        ok: false,
        code: 'provider_error',
        reason: expect.stringMatching(/MSFT: the response is not valid JSON/),
      });
    }
  });

  it('fails the whole batch when the provider is down for all of it, without leaking a secret', async () => {
    server.inject(() => true, { kind: 'status', status: 500 }, 1000);
    const error = await provider(2)
      .fetchDailyBars(REQUEST)
      .then(
        () => undefined,
        (e: Error) => e,
      );
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
    const server = await startAlpacaServer(ALPACA, { pageSize: 1000 });
    try {
      const result = await new AlpacaMarketData({
        baseUrl: server.url,
        credentials: async () => ALPACA,
      }).fetchDailyBars(REQUEST);
      expectSameBars(result);
      const calls = server.requests.filter((r) => r.path === '/v2/stocks/bars');
      // 30 symbols × ~150 bars (ARM, KVUE fewer) over pages of 1,000 bars.
      expect(calls).toHaveLength(5);
      expect(calls[0].query.get('symbols')).toBe(BATCH.join(','));
      expect(calls[0].query.get('feed')).toBe('sip');
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
    const schwab = new SchwabMarketData({
      baseUrl: server.url,
      credentials: async () => SCHWAB,
      now: () => now,
      requestsPerMinute: Infinity,
    });
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
      const schwab = new SchwabMarketData({
        baseUrl: server.url,
        credentials: async () => SCHWAB,
        credentialsSource: 'secret scanfleet/schwab (refreshToken)',
      });
      const error = await schwab.fetchDailyBars(REQUEST).then(
        () => undefined,
        (e: Error) => e,
      );
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
    const pacer = new RequestPacer(
      120,
      () => now,
      async (ms) => {
        waits.push(ms);
      },
    );
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
      await new SchwabMarketData({
        baseUrl: server.url,
        credentials: async () => SCHWAB,
        requestsPerMinute: 600,
      }).fetchDailyBars({ ...REQUEST, symbols: BATCH.slice(0, 5) });
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

describe('a provider that is down', () => {
  it('is asked no more once 3 requests in a row failed every retry, until a minute has passed; an answer resets the count', async () => {
    const server = await startYahooServer();
    try {
      let clock = Date.parse('2024-03-08T15:00:00Z');
      const http = new HttpJsonClient(
        'yahoo',
        { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5, timeoutMs: 300 },
        async () => {},
        () => clock,
      );
      const chart = (symbol: string) =>
        http
          .json({
            url: `${server.url}/v8/finance/chart/${symbol}?range=1mo&interval=1d`,
            headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36' },
            label: `chart ${symbol}`,
          })
          .then(
            () => 'ok',
            (e: Error) => e.message,
          );
      server.inject(() => true, { kind: 'status', status: 503 }, Infinity);
      // Two fail every retry, then an answer (a 404 is one) resets the count.
      expect([await chart('AAPL'), await chart('MSFT')]).toEqual([
        'chart AAPL: HTTP 503 (after 2 attempts)',
        'chart MSFT: HTTP 503 (after 2 attempts)',
      ]);
      server.clearFaults();
      server.inject(() => true, { kind: 'status', status: 404 }, 1);
      expect(await chart('GE')).toBe('chart GE: HTTP 404');
      server.inject(() => true, { kind: 'status', status: 503 }, Infinity);
      const before = server.requests.length;
      const answers = [];
      for (const symbol of ['AAPL', 'MSFT', 'GE', 'MDB', 'DDOG']) answers.push(await chart(symbol));
      expect(answers).toEqual([
        'chart AAPL: HTTP 503 (after 2 attempts)',
        'chart MSFT: HTTP 503 (after 2 attempts)',
        'chart GE: HTTP 503 (after 2 attempts)',
        'chart MDB: not sent: yahoo looks down (3 requests in a row failed every retry)',
        'chart DDOG: not sent: yahoo looks down (3 requests in a row failed every retry)',
      ]);
      expect(server.requests.length - before).toBe(3 * 2);
      // 59 s on it is still down; at a minute one request is tried, and its answer closes it.
      clock += 59_000;
      expect(await chart('KO')).toMatch(/^chart KO: not sent/);
      clock += 1_000;
      server.clearFaults();
      expect(await chart('KO')).toBe('ok');
      expect(await chart('PEP')).toBe('ok');
    } finally {
      await server.close();
    }
  });
});

const MINUTE = 60_000;
const day = (iso: string) => parseIsoDay(iso);
const lastDay = (entry: SymbolBars) =>
  entry.ok ? isoDay(entry.bars.day[entry.bars.length - 1]) : `error: ${entry.reason}`;
const csvAsOf = (asOf: string, symbols: readonly string[] = BATCH) =>
  new CsvMarketData(BUNDLED_DATA_DIR).fetchDailyBars({ symbols, asOf: day(asOf), lookback: 150 });
const reasons = (results: SymbolBars[]) => results.map((r) => (r.ok ? '' : r.reason)).join('\n');

describe('alpaca: SIP by default, New York dates, the window ending 16 minutes back', () => {
  it('asks SIP for a window ending 16 minutes before the instant, on the New York date (19:30 New York is still 2024-03-07)', async () => {
    const now = Date.parse('2024-03-08T00:30:00Z'); // 19:30 on 2024-03-07 in New York
    const server = await startAlpacaServer(ALPACA, { now: () => now });
    try {
      const alpaca = new AlpacaMarketData({
        baseUrl: server.url,
        credentials: async () => ALPACA,
        now: () => new Date(now),
      });
      expect([alpaca.feed, alpaca.delayMs, alpaca.completeBarsOnly]).toEqual(['sip', 16 * MINUTE, false]);
      const result = await alpaca.fetchDailyBars({ symbols: BATCH, lookback: 150 });
      const [call] = server.requests;
      expect(call.query.get('feed')).toBe('sip');
      const end = call.query.get('end') ?? '';
      expect(end).toBe('2024-03-08T00:14:00Z');
      expect(now - Date.parse(end)).toBeGreaterThanOrEqual(16 * MINUTE);
      expect(newYorkDayOfMs(Date.parse(end))).toBe(day('2024-03-07'));
      expect(call.query.get('start')).toBe(isoDay(day('2024-03-07') - calendarDaysFor(150)));
      // The window ends on 2024-03-07: bar for bar the bundled data up to that day.
      expectSameBars(result, await csvAsOf('2024-03-07'));

      // The request's instant, when given, is the one the window ends at.
      server.requests.length = 0;
      await alpaca.fetchDailyBars({ symbols: ['AAPL'], lookback: 150, now: Date.parse('2024-03-06T21:16:00Z') });
      expect(server.requests[0].query.get('end')).toBe('2024-03-06T21:00:00Z');
    } finally {
      await server.close();
    }
  });

  it('with an as-of day, ends at the end of that New York day; on IEX, at the instant itself', async () => {
    const now = Date.parse('2024-03-08T17:30:00Z'); // 12:30 in New York, session in progress
    const server = await startAlpacaServer(ALPACA, { now: () => now });
    try {
      const sip = new AlpacaMarketData({
        baseUrl: server.url,
        credentials: async () => ALPACA,
        now: () => new Date(now),
      });
      expectSameBars(await sip.fetchDailyBars(REQUEST));
      expect(server.requests[0].query.get('end')).toBe('2024-01-20T04:59:59Z'); // 23:59:59 on 2024-01-19 in New York
      server.requests.length = 0;

      const iex = new AlpacaMarketData({
        baseUrl: server.url,
        credentials: async () => ALPACA,
        feed: 'iex',
        now: () => new Date(now),
      });
      expect(iex.delayMs).toBe(0);
      const [aapl] = await iex.fetchDailyBars({ symbols: ['AAPL'], lookback: 150 });
      expect(server.requests[0].query.get('end')).toBe('2024-03-08T17:30:00Z');
      // IEX is real time: the session in progress comes as its partial bar.
      expect(lastDay(aapl)).toBe('2024-03-08');
    } finally {
      await server.close();
    }
  });

  it('turns Alpaca’s refusal of recent SIP data into what to do, not "key refused"', async () => {
    const serverNow = Date.parse('2024-03-08T19:00:00Z');
    const server = await startAlpacaServer(ALPACA, { now: () => serverNow });
    try {
      // The fixture refuses as Alpaca does: a SIP window ending 10 minutes before its clock.
      const raw = await send(
        `${server.url}/v2/stocks/bars?symbols=AAPL&timeframe=1Day&feed=sip&start=2024-03-01&end=2024-03-08T18:50:00Z`,
        {
          headers: { 'APCA-API-KEY-ID': ALPACA.keyId, 'APCA-API-SECRET-KEY': ALPACA.secretKey },
          timeoutMs: 2000,
        },
      );
      expect([raw.status, JSON.parse(raw.body)]).toEqual([403, ALPACA_RECENT_SIP_BODY]);
      // A machine whose clock runs 5 minutes ahead asks for data only 11 minutes old.
      const alpaca = new AlpacaMarketData({
        baseUrl: server.url,
        credentials: async () => ALPACA,
        http: fastHttp('alpaca'),
        now: () => new Date(serverNow + 5 * MINUTE),
      });
      const error = await alpaca.fetchDailyBars({ symbols: ['AAPL', 'MSFT'], lookback: 150 }).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error?.message).toMatch(
        /^Alpaca refused recent SIP data \(HTTP 403\): without a paid data plan, SIP data must be at least 15 minutes old\b/,
      );
      expect(error?.message).toContain('ALPACA_FEED=iex');
      expect(error?.message).not.toContain('refused the API key');
      expectNoSecrets(`${error?.message} ${error?.stack}`);
      // The raw request and the client's one: a 403 is not retried.
      expect(server.requests.filter((r) => r.path === '/v2/stocks/bars')).toHaveLength(2);
    } finally {
      await server.close();
    }
  });
});

describe('yahoo: browser headers, and the cookie + crumb handshake when Yahoo asks for it', () => {
  const isChart = (r: { path: string }) => r.path.startsWith('/v8/finance/chart/');
  const yahooAt = (server: ProviderServer, options: { maxAttempts?: number; cookieUrl?: string } = {}) =>
    new YahooMarketData({
      baseUrl: server.url,
      cookieUrl: options.cookieUrl ?? server.url,
      http: fastHttp('yahoo', options.maxAttempts),
      requestsPerMinute: Infinity,
    });

  it('sends a desktop Chrome User-Agent and Accept headers; the fixture refuses clients without them with 429', async () => {
    const server = await startYahooServer();
    try {
      expectSameBars(
        await yahooAt(server).fetchDailyBars({ ...REQUEST, symbols: BATCH.slice(0, 3) }),
        reference.slice(0, 3),
      );
      for (const request of server.requests) {
        expect(request.headers['user-agent']).toMatch(
          /^Mozilla\/5\.0 \(Windows NT 10\.0; Win64; x64\) AppleWebKit\/537\.36 \(KHTML, like Gecko\) Chrome\/\d+\.0\.0\.0 Safari\/537\.36$/,
        );
        expect(request.headers.accept).toBe('application/json,text/plain,*/*');
        expect(request.headers['accept-language']).toBe('en-US,en;q=0.9');
      }
      const url = `${server.url}/v8/finance/chart/AAPL?period1=1704067200&period2=1706745600&interval=1d`;
      const clients: Record<string, string>[] = [
        {},
        { 'user-agent': 'curl/8.5.0' },
        { 'user-agent': 'python-requests/2.32.3' },
        { 'user-agent': 'node' },
      ];
      for (const headers of clients) {
        const raw = await send(url, { headers, timeoutMs: 2000 });
        expect([raw.status, raw.body], JSON.stringify(headers)).toEqual([429, 'Too Many Requests']);
      }
    } finally {
      await server.close();
    }
  });

  it('when Yahoo asks for a session, makes one handshake for a 30-symbol batch and serves every bar; the session is kept', async () => {
    const server = await startYahooServer({ crumb: true });
    try {
      const yahoo = yahooAt(server);
      const first = await yahoo.fetchDailyBars(REQUEST);
      expectSameBars(first);
      expect(server.handshakes()).toBe(1);
      expect(server.requests.filter((r) => r.path === '/v1/test/getcrumb')).toHaveLength(1);
      // Only requests sent before the session existed (at most the 4 in flight) were refused.
      const refused = server.requests.filter((r) => isChart(r) && !r.query.has('crumb'));
      expect(refused.length).toBeGreaterThan(0);
      expect(refused.length).toBeLessThanOrEqual(4);
      expect(server.requests.filter(isChart)).toHaveLength(30 + refused.length);
      // The next batch reuses the session: no handshake, no refusal.
      server.requests.length = 0;
      expectSameBars(await yahoo.fetchDailyBars(REQUEST));
      expect(server.handshakes()).toBe(1);
      expect(
        server.requests.every((r) => isChart(r) && r.query.has('crumb') && String(r.headers.cookie).startsWith('A3=')),
      ).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('a crumb refusal sent as 429 goes straight to the handshake, without backing off', async () => {
    const server = await startYahooServer({ crumb: true, crumbStatus: 429 });
    const sleeps: number[] = [];
    const http = new HttpJsonClient(
      'yahoo',
      { maxAttempts: 4, baseDelayMs: 1000, maxDelayMs: 8000, timeoutMs: 2000 },
      async (ms) => {
        sleeps.push(ms);
      },
    );
    try {
      const yahoo = new YahooMarketData({
        baseUrl: server.url,
        cookieUrl: server.url,
        http,
        requestsPerMinute: Infinity,
      });
      expectSameBars(await yahoo.fetchDailyBars({ ...REQUEST, symbols: ['AAPL'] }), reference.slice(0, 1));
      expect(server.requests.filter(isChart).map((r) => r.query.has('crumb'))).toEqual([false, true]);
      expect(server.handshakes()).toBe(1);
      expect(sleeps).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('a plain 429 is a rate limit: backed off and retried, no handshake', async () => {
    const server = await startYahooServer({ crumb: false });
    try {
      server.inject(
        (r) => r.path === '/v8/finance/chart/AAPL',
        { kind: 'status', status: 429, body: 'Too Many Requests', retryAfter: '0' },
        2,
      );
      server.inject(
        (r) => r.path === '/v8/finance/chart/MSFT',
        { kind: 'status', status: 429, body: 'Too Many Requests' },
        4,
      );
      const result = await yahooAt(server).fetchDailyBars({ ...REQUEST, symbols: ['AAPL', 'MSFT', 'NVDA'] });
      expect(result[0].ok && result[2].ok).toBe(true);
      expect(result[1]).toMatchObject({
        symbol: 'MSFT',
        ok: false,
        code: 'provider_error',
        reason: 'chart MSFT: HTTP 429 (after 4 attempts)',
      });
      expect(server.requests.filter((r) => r.path === '/v8/finance/chart/AAPL')).toHaveLength(3);
      expect(server.handshakes()).toBe(0);
      expect(server.requests.filter((r) => !isChart(r))).toEqual([]);
    } finally {
      await server.close();
    }
  });

  it('a session refused again fails that symbol, and no error shows the cookie or the crumb', async () => {
    const server = await startYahooServer({ crumb: true });
    try {
      const yahoo = yahooAt(server);
      await yahoo.fetchDailyBars({ ...REQUEST, symbols: ['AAPL', 'MSFT'] });
      expect(server.handshakes()).toBe(1);
      // Yahoo drops the session for AAPL's requests, twice: a new handshake, then the symbol's error.
      const refusal = JSON.stringify({
        chart: { result: null, error: { code: 'Unauthorized', description: 'Invalid Crumb' } },
      });
      server.inject((r) => r.path === '/v8/finance/chart/AAPL', { kind: 'status', status: 401, body: refusal }, 2);
      const result = await yahoo.fetchDailyBars({ ...REQUEST, symbols: ['AAPL', 'MSFT'] });
      expect(result[0]).toMatchObject({
        ok: false,
        code: 'provider_error',
        reason: 'chart AAPL: Yahoo refused the cookie and crumb it had just issued (HTTP 401: Invalid Crumb)',
      });
      expect(result[1].ok).toBe(true);
      expect(server.handshakes()).toBe(2);

      // A cookie endpoint that sets no cookie: the batch fails once, with one attempt at it.
      const broken = yahooAt(server, { cookieUrl: `${server.url}/no-cookie-here` });
      server.inject(isChart, { kind: 'status', status: 401, body: refusal }, Infinity);
      const error = await broken.fetchDailyBars(REQUEST).then(
        () => undefined,
        (e: Error) => e,
      );
      server.clearFaults();
      expect(error?.message).toBe(
        'yahoo failed for all 30 symbols of the batch: Yahoo asked for a session, and its cookie endpoint set no cookie (HTTP 404)',
      );
      expect(server.requests.filter((r) => r.path === '/no-cookie-here')).toHaveLength(1);

      const shown = `${reasons(result)} ${error?.message} ${error?.stack}`;
      expect(server.issued().length).toBeGreaterThanOrEqual(4);
      for (const secret of server.issued()) expect(shown).not.toContain(secret);
    } finally {
      await server.close();
    }
  });

  it('serves the session in progress as the intraday model’s partial bar (12:30 on 2024-03-08), and never a later day', async () => {
    const at = Date.parse('2024-03-08T12:30:00-05:00');
    const server = await startYahooServer({ now: () => at });
    try {
      const result = await new YahooMarketData({
        baseUrl: server.url,
        http: fastHttp('yahoo'),
        requestsPerMinute: Infinity,
        now: () => new Date(at),
      }).fetchDailyBars({ symbols: BATCH, lookback: 150 });
      const full = await csvAsOf('2024-03-08');
      const session = sessionOn(day('2024-03-08'));
      if (!session) throw new Error('2024-03-08 is a session');
      const elapsed = sessionElapsed(session, at);
      expect(elapsed).toBeCloseTo(3 / 6.5, 10);
      result.forEach((entry, i) => {
        const whole = full[i];
        if (!entry.ok || !whole.ok) throw new Error(entry.symbol);
        const n = whole.bars.length;
        expect(entry.bars.length).toBe(n);
        // Every earlier day as bundled; the last, 2024-03-08, as the model has it at 12:30.
        for (const field of ['day', 'open', 'high', 'low', 'close', 'volume'] as const)
          expect(Array.from(entry.bars[field].slice(0, n - 1)), field).toEqual(
            Array.from(whole.bars[field].slice(0, n - 1)),
          );
        const dayBar = {
          open: whole.bars.open[n - 1],
          high: whole.bars.high[n - 1],
          low: whole.bars.low[n - 1],
          close: whole.bars.close[n - 1],
          volume: whole.bars.volume[n - 1],
        };
        const got = {
          open: entry.bars.open[n - 1],
          high: entry.bars.high[n - 1],
          low: entry.bars.low[n - 1],
          close: entry.bars.close[n - 1],
          volume: entry.bars.volume[n - 1],
        };
        expect(isoDay(entry.bars.day[n - 1])).toBe('2024-03-08');
        expect(got).toEqual(partialBar(dayBar, elapsed, `${entry.symbol}:2024-03-08`));
        expect(got.volume).toBeLessThan(dayBar.volume);
        expect(got.close).toBeGreaterThanOrEqual(got.low);
        expect(got.close).toBeLessThanOrEqual(got.high);
        expect(got.low).toBeGreaterThanOrEqual(dayBar.low);
        expect(got.high).toBeLessThanOrEqual(dayBar.high);
      });
    } finally {
      await server.close();
    }
    // A service living on the evening of 2024-03-06 has no later day, whatever the window asks.
    const evening = Date.parse('2024-03-06T20:00:00-05:00');
    const earlier = await startYahooServer({ now: () => evening });
    try {
      const result = await new YahooMarketData({
        baseUrl: earlier.url,
        http: fastHttp('yahoo'),
        requestsPerMinute: Infinity,
      }).fetchDailyBars({ symbols: BATCH.slice(0, 5), asOf: day('2024-03-08'), lookback: 150 });
      expect(result.map(lastDay)).toEqual(Array(5).fill('2024-03-06'));
      expectSameBars(result, await csvAsOf('2024-03-06', BATCH.slice(0, 5)));
    } finally {
      await earlier.close();
    }
  });

  it('Yahoo and Schwab end the window at the request’s instant, and at the end of the New York as-of day at the latest', async () => {
    const now = Date.parse('2024-03-08T17:30:00Z');
    const yahooServer = await startYahooServer({ now: () => now });
    const schwabServer = await startSchwabServer(SCHWAB, { now: () => now });
    try {
      const yahoo = new YahooMarketData({
        baseUrl: yahooServer.url,
        http: fastHttp('yahoo'),
        requestsPerMinute: Infinity,
      });
      const schwab = new SchwabMarketData({
        baseUrl: schwabServer.url,
        http: fastHttp('schwab'),
        credentials: async () => SCHWAB,
        requestsPerMinute: Infinity,
      });
      await yahoo.fetchDailyBars({ symbols: ['AAPL'], lookback: 150, now });
      await yahoo.fetchDailyBars({ symbols: ['AAPL'], lookback: 150, asOf: day('2024-03-06'), now });
      expect(yahooServer.requests.map((r) => Number(r.query.get('period2')))).toEqual([
        now / 1000,
        Date.parse('2024-03-07T00:00:00-05:00') / 1000,
      ]);
      await schwab.fetchDailyBars({ symbols: ['AAPL'], lookback: 150, now });
      await schwab.fetchDailyBars({ symbols: ['AAPL'], lookback: 150, asOf: day('2024-03-06'), now });
      const history = schwabServer.requests.filter((r) => r.path === '/marketdata/v1/pricehistory');
      expect(history.map((r) => Number(r.query.get('endDate')))).toEqual([
        now,
        Date.parse('2024-03-07T00:00:00-05:00') - 1,
      ]);
      expect([yahoo.delayMs, schwab.delayMs, yahoo.completeBarsOnly, schwab.completeBarsOnly]).toEqual([
        10 * MINUTE,
        10 * MINUTE,
        false,
        false,
      ]);
    } finally {
      await yahooServer.close();
      await schwabServer.close();
    }
  });
});

describe('schwab: a refused refresh token re-reads the credentials once', () => {
  const ROTATED = 'fake-rotated-refresh-token-7777';

  it('recovers with a secret rotated while the container was warm, with exactly one re-read', async () => {
    const sm = await startSecretsManagerServer({ 'scanfleet/schwab': JSON.stringify(SCHWAB) });
    const server = await startSchwabServer(SCHWAB);
    let now = Date.parse('2026-11-24T15:00:00Z');
    try {
      const source = schwabCredentials({ schwabSecretId: 'scanfleet/schwab' }, sm.client);
      const schwab = new SchwabMarketData({
        baseUrl: server.url,
        credentials: source.load,
        reloadCredentials: source.reload,
        credentialsSource: source.description,
        now: () => new Date(now),
        requestsPerMinute: Infinity,
      });
      await schwab.fetchDailyBars({ ...REQUEST, symbols: ['AAPL'] });
      expect(sm.calls).toEqual(['secretsmanager.GetSecretValue scanfleet/schwab']);
      // The user signs in again: Schwab takes only the new refresh token, which the secret now holds.
      server.rotateRefreshToken(ROTATED);
      sm.secrets['scanfleet/schwab'] = JSON.stringify({ ...SCHWAB, refreshToken: ROTATED });
      now += 31 * MINUTE; // the access token has expired
      expectSameBars(await schwab.fetchDailyBars({ ...REQUEST, symbols: ['AAPL'] }), reference.slice(0, 1));
      expect(sm.calls).toHaveLength(2);
      const grants = () =>
        server.requests
          .filter((r) => r.path === '/v1/oauth/token')
          .map((r) => new URLSearchParams(r.body).get('refresh_token') === ROTATED);
      expect(grants()).toEqual([false, false, true]);
      // The new one is kept: the next refresh reads nothing.
      now += 31 * MINUTE;
      await schwab.fetchDailyBars({ ...REQUEST, symbols: ['AAPL'] });
      expect(sm.calls).toHaveLength(2);
      expect(grants()).toEqual([false, false, true, true]);
    } finally {
      await server.close();
      await sm.close();
    }
  });

  it('after one re-read that finds the same token, says to sign in again and where to put the token', async () => {
    const sm = await startSecretsManagerServer({ 'scanfleet/schwab': JSON.stringify(SCHWAB) });
    const server = await startSchwabServer({ ...SCHWAB, refreshToken: ROTATED });
    try {
      const source = schwabCredentials({ schwabSecretId: 'scanfleet/schwab' }, sm.client);
      const schwab = new SchwabMarketData({
        baseUrl: server.url,
        credentials: source.load,
        reloadCredentials: source.reload,
        credentialsSource: source.description,
        requestsPerMinute: Infinity,
      });
      const error = await schwab.fetchDailyBars(REQUEST).then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error?.message).toBe(
        'Schwab rejected the refresh token (HTTP 400: invalid_grant). Refresh tokens expire 7 days after the login that issued them: sign in again through the OAuth flow and store the new refresh token in secret scanfleet/schwab (refreshToken).',
      );
      expect(sm.calls).toHaveLength(2);
      // The same token is not sent twice.
      expect(server.requests.filter((r) => r.path === '/v1/oauth/token')).toHaveLength(1);
      expectNoSecrets(`${error?.message} ${error?.stack}`);
    } finally {
      await server.close();
      await sm.close();
    }
  });
});

describe('csv: complete bars only, and the newest day of the data set', () => {
  it('drops the bar of a session still trading at the instant, and keeps it from the close (16:00:00 exactly) on', async () => {
    const csv = new CsvMarketData(BUNDLED_DATA_DIR);
    expect([csv.delayMs, csv.completeBarsOnly]).toEqual([0, true]);
    const at = async (instant?: string) => {
      const result = await csv.fetchDailyBars({
        symbols: ['AAPL', 'MSFT'],
        lookback: 150,
        ...(instant !== undefined && { now: Date.parse(instant) }),
      });
      for (const entry of result) expect(entry.ok && entry.bars.length, entry.symbol).toBe(150);
      return result.map(lastDay);
    };
    expect(await at()).toEqual(['2024-03-08', '2024-03-08']);
    expect(await at('2024-03-08T12:30:00-05:00')).toEqual(['2024-03-07', '2024-03-07']);
    expect(await at('2024-03-08T15:59:59.999-05:00')).toEqual(['2024-03-07', '2024-03-07']);
    expect(await at('2024-03-08T16:00:00-05:00')).toEqual(['2024-03-08', '2024-03-08']);
    // An instant on the evening of 2024-03-06: the file's later days are not served either.
    expect(await at('2024-03-06T20:00:00-05:00')).toEqual(['2024-03-06', '2024-03-06']);
    // The bars kept are the bundled ones, and the as-of still cuts.
    expectSameBars(
      await csv.fetchDailyBars({ symbols: BATCH, lookback: 150, now: Date.parse('2024-03-08T12:30:00-05:00') }),
      await csvAsOf('2024-03-07'),
    );
    expect(
      (
        await csv.fetchDailyBars({
          symbols: ['AAPL'],
          asOf: day('2024-03-05'),
          lookback: 150,
          now: Date.parse('2024-03-08T16:00:00-05:00'),
        })
      ).map(lastDay),
    ).toEqual(['2024-03-05']);
  });

  it('newestDay() is 2024-03-08 for the bundled data, found once per instance from the files’ tails', async () => {
    const csv = new CsvMarketData(BUNDLED_DATA_DIR);
    const first = csv.newestDay();
    expect(csv.newestDay()).toBe(first);
    expect(await first).toBe(day('2024-03-08'));

    const dir = mkdtempSync(join(tmpdir(), 'scanfleet-csv-'));
    try {
      expect(await new CsvMarketData(dir).newestDay()).toBeUndefined();
      const header = 'Date,Open,High,Low,Close,Adj Close,Volume';
      const row = (date: string) => `${date},10.5,11,10,10.75,10.75,123456`;
      const long = Array.from({ length: 40 }, (_, i) => row(`2023-12-${String((i % 28) + 1).padStart(2, '0')}`));
      writeFileSync(join(dir, 'AAA.csv'), [header, ...long, row('2024-01-05')].join('\n') + '\n'); // trailing newline
      writeFileSync(join(dir, 'BBB.csv'), [header, ...long, row('2024-02-01')].join('\n')); // none
      writeFileSync(join(dir, 'CCC.csv'), [header, row('2024-01-31')].join('\r\n') + '\r\n\r\n'); // CRLF, blank lines
      writeFileSync(
        join(dir, 'DDD.csv'),
        [header, row('2024-01-02'), '2024-02-09,null,null,null,null,null,null'].join('\n'),
      ); // a null last row is no bar
      writeFileSync(join(dir, 'EEE.csv'), header); // no rows
      writeFileSync(join(dir, 'notes.txt'), row('2030-01-01'));
      expect(await new CsvMarketData(dir).newestDay()).toBe(day('2024-02-01'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('createMarketData: delays, feeds and PROVIDER_DELAY_MINUTES', () => {
  const make = (env: Record<string, string>) => createMarketData(settingsFrom({ DATA_DIR: BUNDLED_DATA_DIR, ...env }));

  it('gives each provider its delay', () => {
    expect([make({ PROVIDER: 'csv' }).delayMs, make({ PROVIDER: 'csv' }).completeBarsOnly]).toEqual([0, true]);
    const alpaca = make({ PROVIDER: 'alpaca' }) as AlpacaMarketData;
    expect([alpaca.feed, alpaca.delayMs]).toEqual(['sip', 16 * MINUTE]);
    expect(make({ PROVIDER: 'alpaca', ALPACA_FEED: 'iex' }).delayMs).toBe(0);
    expect([make({ PROVIDER: 'yahoo' }).delayMs, make({ PROVIDER: 'schwab' }).delayMs]).toEqual([
      10 * MINUTE,
      10 * MINUTE,
    ]);
    expect([
      make({ PROVIDER: 'yahoo', PROVIDER_DELAY_MINUTES: '2.5' }).delayMs,
      make({ PROVIDER: 'schwab', PROVIDER_DELAY_MINUTES: '0' }).delayMs,
    ]).toEqual([2.5 * MINUTE, 0]);
  });

  it('refuses a PROVIDER_DELAY_MINUTES that is not a non-negative number', () => {
    for (const bad of ['-1', 'ten', 'Infinity', '5m']) {
      expect(() => make({ PROVIDER: 'yahoo', PROVIDER_DELAY_MINUTES: bad })).toThrow(
        `PROVIDER_DELAY_MINUTES must be a non-negative number of minutes (how far the provider's data lags the market), got "${bad}"`,
      );
    }
  });
});
