import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import {
  type AwsJsonCaller,
  type AwsJsonOptions,
  awsJson,
  SECRETS_MANAGER,
} from '../../functions/adapters/aws/aws-json.js';
import type { AwsCredentials } from '../../functions/adapters/aws/aws-request.js';
import { newYorkDayOfMs, newYorkTimeMs, sessionElapsed, sessionOn } from '../../functions/core/market/market-clock.js';
import { parseIsoDay } from '../../functions/core/market/trading-day.js';
import { BUNDLED_DATA_DIR } from '../../functions/local/cli/symbol-source.js';
import { partialBar } from '../../functions/local/replay/intraday-model.js';
import { checkSignature, LOOPBACK_AWS } from './sigv4.js';

/** Obviously fake credentials: the servers check them, and no error or log may show them. */
export const FAKE_SCHWAB = {
  appKey: 'fake-app-key-1111',
  appSecret: 'fake-app-secret-2222',
  refreshToken: 'fake-refresh-token-3333',
};
export const FAKE_ALPACA = { keyId: 'FAKEKEYID4444', secretKey: 'fake-alpaca-secret-5555' };

/** One bundled CSV row, as the providers would serve it. */
export interface Row {
  date: string;
  open: number | null;
  high: number | null;
  low: number | null;
  close: number | null;
  volume: number | null;
}

const cache = new Map<string, Row[] | undefined>();

/** The bundled data of a symbol, parsed independently of the project's CSV parser. */
export function bundledRows(symbol: string): Row[] | undefined {
  if (!cache.has(symbol)) {
    let rows: Row[] | undefined;
    try {
      const lines = readFileSync(join(BUNDLED_DATA_DIR, `${symbol}.csv`), 'utf8')
        .trim()
        .split('\n')
        .slice(1);
      rows = lines.map((line) => {
        const [date, open, high, low, close, , volume] = line.split(',');
        return {
          date,
          open: Number(open),
          high: Number(high),
          low: Number(low),
          close: Number(close),
          volume: Number(volume),
        };
      });
    } catch {
      rows = undefined;
    }
    cache.set(symbol, rows);
  }
  return cache.get(symbol);
}

export type Fault =
  | { kind: 'status'; status: number; body?: string; retryAfter?: string }
  | { kind: 'timeout' }
  | { kind: 'reset' }
  | { kind: 'truncated' }
  | { kind: 'nulls'; dates: string[] }
  | { kind: 'empty' }
  /** A 200 whose gzip body (from gzipBomb) inflates far past any real answer. */
  | { kind: 'gzip-bomb'; gzip: Buffer };

interface Injection {
  match: (request: SeenRequest) => boolean;
  fault: Fault;
  times: number;
}

export interface SeenRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface ProviderServer {
  readonly url: string;
  readonly requests: SeenRequest[];
  /** Applies `fault` to the next `times` requests that `match` (Infinity: always). */
  inject(match: (request: SeenRequest) => boolean, fault: Fault, times?: number): void;
  /** Drops every injection not used up yet. */
  clearFaults(): void;
  /** Requests a fault was applied to, so far. */
  faultsApplied(): number;
  close(): Promise<void>;
}

type Answer = ({ status: number; json: unknown } | { status: number; text: string }) & {
  headers?: OutgoingHttpHeaders;
};
type Route = (request: SeenRequest, nulls: string[] | undefined, empty: boolean) => Answer;

async function startServer(route: Route): Promise<ProviderServer> {
  const requests: SeenRequest[] = [];
  const injections: Injection[] = [];
  let applied = 0;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const seen: SeenRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
      };
      requests.push(seen);
      const injection = injections.find((i) => i.times > 0 && i.match(seen));
      if (injection) {
        injection.times--;
        applied++;
      }
      const fault = injection?.fault;
      if (fault?.kind === 'timeout') return; // never answers; the client's timeout ends it
      if (fault?.kind === 'reset') {
        req.socket.destroy();
        return;
      }
      if (fault?.kind === 'gzip-bomb') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
        res.end(fault.gzip);
        return;
      }
      if (fault?.kind === 'status') {
        res.writeHead(fault.status, {
          'content-type': 'application/json',
          ...(fault.retryAfter !== undefined && { 'retry-after': fault.retryAfter }),
        });
        res.end(fault.body ?? JSON.stringify({ message: `injected ${fault.status}` }));
        return;
      }
      const answer = route(seen, fault?.kind === 'nulls' ? fault.dates : undefined, fault?.kind === 'empty');
      const text = 'json' in answer ? JSON.stringify(answer.json) : answer.text;
      res.writeHead(answer.status, {
        'content-type': 'json' in answer ? 'application/json' : 'text/plain;charset=utf-8',
        ...answer.headers,
      });
      res.end(fault?.kind === 'truncated' ? text.slice(0, Math.floor(text.length / 2)) : text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    inject: (match, fault, times = 1) => injections.push({ match, fault, times }),
    clearFaults: () => injections.splice(0),
    faultsApplied: () => applied,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * `zeroBytes` of zeros, gzipped as they are generated (1 MB at a time, one buffer reused): 1 GB
 * makes about 4.5 MB of gzip at level 1, and the test never holds more than that.
 */
export async function gzipBomb(zeroBytes: number): Promise<Buffer> {
  const zeros = Buffer.alloc(1_048_576);
  let left = zeroBytes;
  const source = new Readable({
    read() {
      const size = Math.min(left, zeros.length);
      left -= size;
      this.push(size > 0 ? zeros.subarray(0, size) : null);
    },
  });
  const chunks: Buffer[] = [];
  for await (const chunk of source.pipe(createGzip({ level: 1 }))) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const withNulls = (row: Row, nulls: string[] | undefined): Row =>
  nulls?.includes(row.date) ? { ...row, open: null, high: null, low: null, close: null } : row;

/** The instant a fixture's "real" service lives at (epoch ms); Date.now unless a test injects one. */
export type Clock = () => number;

/**
 * The rows a service serves as of `instantMs` (the earlier of its clock and the request's end):
 * none dated after that instant's New York date; that date's, while its session trades, as the
 * partial bar of the intraday model (none before the open); earlier days whole.
 */
export function servedAt(symbol: string, rows: Row[], instantMs: number): Row[] {
  const today = newYorkDayOfMs(instantMs);
  const served: Row[] = [];
  for (const row of rows) {
    const day = parseIsoDay(row.date);
    if (day > today) continue;
    const session = day === today ? sessionOn(day) : null;
    if (session && instantMs < session.closeMs) {
      const bar = {
        open: row.open ?? Number.NaN,
        high: row.high ?? Number.NaN,
        low: row.low ?? Number.NaN,
        close: row.close ?? Number.NaN,
        volume: row.volume ?? Number.NaN,
      };
      const partial = partialBar(bar, sessionElapsed(session, instantMs), `${symbol}:${row.date}`);
      if (partial) served.push({ date: row.date, ...partial });
    } else {
      served.push(row);
    }
  }
  return served;
}

/** 09:30 New York on a row's date: Yahoo's stamp for a daily bar. */
const sessionOpenMs = (date: string) => newYorkTimeMs(parseIsoDay(date), 9 * 60 + 30);
/** Midnight New York on a row's date: Alpaca's stamp for a daily bar. */
const newYorkMidnightMs = (date: string) => newYorkTimeMs(parseIsoDay(date), 0);
/** Midnight US Central (01:00 New York) on a row's date: Schwab's stamp for a daily candle. */
const centralMidnightMs = (date: string) => newYorkTimeMs(parseIsoDay(date), 60);
const isoInstant = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** A browser's User-Agent, as Yahoo wants one: not node's (none), curl's, python-requests'… */
export const isBrowserUserAgent = (ua: string | undefined) =>
  ua !== undefined && /^Mozilla\/5\.0 \(/.test(ua) && /(Chrome|Firefox|Safari|Edg)\/\d/.test(ua);

export interface YahooServerOptions {
  now?: Clock;
  /**
   * Chart requests need a session, as Yahoo asks of some clients: the cookie the cookie
   * endpoint (GET /) sets, and the crumb /v1/test/getcrumb gives for it (&crumb=…); without
   * them, Yahoo's "Unauthorized" JSON with this status (default 401).
   */
  crumb?: boolean;
  crumbStatus?: 401 | 429;
}

export type YahooServer = ProviderServer & {
  /** Cookies issued by the cookie endpoint: one per handshake. */
  handshakes: () => number;
  /** Every cookie value and crumb issued, to check no error shows them. */
  issued: () => string[];
};

const yahooRefusal = (key: 'chart' | 'finance', description: string) => ({
  [key]: { result: null, error: { code: 'Unauthorized', description } },
});

/**
 * Yahoo Finance chart API (v8): /v8/finance/chart/{symbol}?period1&period2&interval=1d. Refuses
 * non-browser clients (429 "Too Many Requests", text), and in crumb mode requests without the
 * session; serves the cookie endpoint (/) and /v1/test/getcrumb for the handshake.
 */
export function startYahooServer(options: YahooServerOptions = {}): Promise<YahooServer> {
  const clock = options.now ?? Date.now;
  /** A3 cookie value → its crumb (once asked for). */
  const sessions = new Map<string, string | undefined>();
  let handshakes = 0;
  const sessionCookie = (request: SeenRequest) => {
    const pair = String(request.headers.cookie ?? '')
      .split(';')
      .map((p) => p.trim())
      .find((p) => p.startsWith('A3='));
    const value = pair?.slice(3);
    return value !== undefined && sessions.has(value) ? value : undefined;
  };
  return startServer((request, nulls, empty) => {
    if (!isBrowserUserAgent(request.headers['user-agent'])) return { status: 429, text: 'Too Many Requests' };
    if (request.path === '/') {
      // fc.yahoo.com: a 404 page that sets the session cookie.
      handshakes++;
      const value = `d=AQABBA${randomBytes(18).toString('base64url')}&S=AQAAA${randomBytes(9).toString('base64url')}`;
      sessions.set(value, undefined);
      return {
        status: 404,
        text: '<html><body>Not Found</body></html>',
        headers: {
          'set-cookie': [`A3=${value}; Max-Age=31557600; Domain=.yahoo.com; Path=/; SameSite=None; Secure; HttpOnly`],
        },
      };
    }
    if (request.path === '/v1/test/getcrumb') {
      const cookie = sessionCookie(request);
      if (cookie === undefined) return { status: 401, json: yahooRefusal('finance', 'Invalid Cookie') };
      const crumb =
        sessions.get(cookie) ?? `${randomBytes(4).toString('base64url')}/${randomBytes(3).toString('base64url')}.`;
      sessions.set(cookie, crumb);
      return { status: 200, text: crumb };
    }
    if (!request.path.startsWith('/v8/finance/chart/'))
      return {
        status: 404,
        json: { finance: { result: null, error: { code: 'Not Found', description: 'HTTP 404 Not Found' } } },
      };
    if (options.crumb) {
      const cookie = sessionCookie(request);
      if (cookie === undefined)
        return { status: options.crumbStatus ?? 401, json: yahooRefusal('chart', 'Invalid Cookie') };
      if (sessions.get(cookie) === undefined || request.query.get('crumb') !== sessions.get(cookie))
        return { status: options.crumbStatus ?? 401, json: yahooRefusal('chart', 'Invalid Crumb') };
    }
    const symbol = decodeURIComponent(request.path.replace('/v8/finance/chart/', ''));
    const rows = bundledRows(symbol);
    if (!rows)
      return {
        status: 404,
        json: {
          chart: { result: null, error: { code: 'Not Found', description: 'No data found, symbol may be delisted' } },
        },
      };
    const from = Number(request.query.get('period1')) * 1000;
    const to = Number(request.query.get('period2')) * 1000;
    const chosen = empty
      ? []
      : servedAt(symbol, rows, Math.min(clock(), to))
          .filter((r) => sessionOpenMs(r.date) >= from && sessionOpenMs(r.date) <= to)
          .map((r) => withNulls(r, nulls));
    // Yahoo stamps a daily bar with the session's open (09:30 New York), in epoch seconds.
    const timestamp = chosen.map((r) => sessionOpenMs(r.date) / 1000);
    return {
      status: 200,
      json: {
        chart: {
          result: [
            {
              meta: {
                currency: 'USD',
                symbol,
                exchangeName: 'NMS',
                instrumentType: 'EQUITY',
                gmtoffset: -18000,
                timezone: 'EST',
                exchangeTimezoneName: 'America/New_York',
              },
              ...(chosen.length > 0 && { timestamp }),
              indicators: {
                quote: [
                  {
                    open: chosen.map((r) => r.open),
                    high: chosen.map((r) => r.high),
                    low: chosen.map((r) => r.low),
                    close: chosen.map((r) => r.close),
                    volume: chosen.map((r) => r.volume),
                  },
                ],
                adjclose: [{ adjclose: chosen.map((r) => r.close) }],
              },
            },
          ],
          error: null,
        },
      },
    };
  }).then((server) => ({
    ...server,
    handshakes: () => handshakes,
    issued: () => [...sessions].flatMap(([cookie, crumb]) => (crumb ? [cookie, crumb] : [cookie])),
  }));
}

/** Alpaca's answer when a plan without real-time SIP asks for SIP data under 15 minutes old. */
export const ALPACA_RECENT_SIP_BODY = { message: 'subscription does not permit querying recent SIP data' };

export interface AlpacaServerOptions {
  /** Bars a page at most (the request's limit caps it too). */
  pageSize?: number;
  now?: Clock;
}

/**
 * Alpaca's start/end: RFC-3339 instants, or YYYY-MM-DD New York dates (start: that midnight;
 * end: the whole date). NaN when neither.
 */
function alpacaBound(text: string, edge: 'start' | 'end'): number {
  const day = parseIsoDay(text);
  if (!Number.isNaN(day)) return edge === 'start' ? newYorkTimeMs(day, 0) : newYorkTimeMs(day + 1, 0) - 1;
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) return Number.NaN;
  return Date.parse(text);
}

/**
 * Alpaca Market Data v2: /v2/stocks/bars?symbols=…&timeframe=1Day, page tokens, key headers. On
 * the SIP feed (the default) it refuses, as a free plan's account, a window ending less than 15
 * minutes before its clock.
 */
export function startAlpacaServer(
  keys: { keyId: string; secretKey: string },
  options: AlpacaServerOptions = {},
): Promise<ProviderServer> {
  const clock = options.now ?? Date.now;
  const pageSize = options.pageSize ?? 10_000;
  return startServer((request, nulls, empty) => {
    if (
      request.headers['apca-api-key-id'] !== keys.keyId ||
      request.headers['apca-api-secret-key'] !== keys.secretKey
    ) {
      return { status: 401, json: { message: 'unauthorized.' } };
    }
    const now = clock();
    const sip = (request.query.get('feed') ?? 'sip') === 'sip';
    const start = request.query.has('start')
      ? alpacaBound(request.query.get('start') ?? '', 'start')
      : newYorkTimeMs(newYorkDayOfMs(now), 0);
    const end = request.query.has('end')
      ? alpacaBound(request.query.get('end') ?? '', 'end')
      : now - (sip ? 15 * 60_000 : 0);
    if (Number.isNaN(start) || Number.isNaN(end))
      return { status: 400, json: { message: 'invalid start or end: RFC-3339 or YYYY-MM-DD' } };
    if (sip && end > now - 15 * 60_000) return { status: 403, json: ALPACA_RECENT_SIP_BODY };
    const symbols = (request.query.get('symbols') ?? '').split(',');
    const all: [string, Row][] = [];
    for (const symbol of symbols) {
      const rows = empty
        ? []
        : servedAt(symbol, bundledRows(symbol) ?? [], Math.min(now, end)).filter(
            (r) => newYorkMidnightMs(r.date) >= start && newYorkMidnightMs(r.date) <= end,
          );
      for (const row of rows) all.push([symbol, withNulls(row, nulls)]);
    }
    const offset = Number(request.query.get('page_token') ?? '0');
    const page = all.slice(offset, offset + Math.min(pageSize, Number(request.query.get('limit') ?? 1000)));
    const bars: Record<string, unknown[]> = {};
    for (const [symbol, r] of page) {
      // Alpaca dates a daily bar by midnight New York, in UTC.
      (bars[symbol] ??= []).push({
        t: isoInstant(newYorkMidnightMs(r.date)),
        o: r.open,
        h: r.high,
        l: r.low,
        c: r.close,
        v: r.volume,
        n: 1000,
        vw: r.close,
      });
    }
    const next = offset + page.length < all.length ? String(offset + page.length) : null;
    return { status: 200, json: { bars, next_page_token: next } };
  });
}

export interface SchwabServerOptions {
  tokenLifetimeSeconds?: number;
  now?: Clock;
}

/** Schwab Trader API: POST /v1/oauth/token (refresh grant) and GET /marketdata/v1/pricehistory. */
export function startSchwabServer(
  secrets: { appKey: string; appSecret: string; refreshToken: string },
  options: SchwabServerOptions = {},
): Promise<
  ProviderServer & {
    tokensIssued: () => number;
    revokeAll: () => void;
    rotateRefreshToken: (refreshToken: string) => void;
  }
> {
  const clock = options.now ?? Date.now;
  const live = new Set<string>();
  let refreshToken = secrets.refreshToken;
  let issued = 0;
  return startServer((request, nulls, empty) => {
    if (request.path === '/v1/oauth/token') {
      const basic = `Basic ${Buffer.from(`${secrets.appKey}:${secrets.appSecret}`).toString('base64')}`;
      const form = new URLSearchParams(request.body);
      if (request.headers.authorization !== basic)
        return { status: 401, json: { error: 'invalid_client', error_description: 'Unauthorized' } };
      if (form.get('grant_type') !== 'refresh_token' || form.get('refresh_token') !== refreshToken) {
        return { status: 400, json: { error: 'invalid_grant', error_description: 'refresh token invalid or expired' } };
      }
      const token = `access-${++issued}`;
      live.add(token);
      return {
        status: 200,
        json: {
          expires_in: options.tokenLifetimeSeconds ?? 1800,
          token_type: 'Bearer',
          scope: 'api',
          refresh_token: refreshToken,
          access_token: token,
          id_token: 'id',
        },
      };
    }
    if (request.path === '/marketdata/v1/pricehistory') {
      const token = (request.headers.authorization ?? '').replace(/^Bearer /, '');
      if (!live.has(token)) return { status: 401, json: { errors: [{ status: 401, title: 'Unauthorized' }] } };
      const symbol = request.query.get('symbol') ?? '';
      const rows = bundledRows(symbol);
      if (!rows) return { status: 200, json: { candles: [], symbol, empty: true } };
      const from = Number(request.query.get('startDate'));
      const to = Number(request.query.get('endDate'));
      const chosen = empty
        ? []
        : servedAt(symbol, rows, Math.min(clock(), to))
            .filter((r) => centralMidnightMs(r.date) >= from && centralMidnightMs(r.date) <= to)
            .map((r) => withNulls(r, nulls));
      // Schwab dates a daily candle by midnight US Central time, as epoch milliseconds.
      const candles = chosen.map((r) => ({
        open: r.open,
        high: r.high,
        low: r.low,
        close: r.close,
        volume: r.volume,
        datetime: centralMidnightMs(r.date),
      }));
      return { status: 200, json: { candles, symbol, empty: candles.length === 0 } };
    }
    return { status: 404, json: { message: 'no such route' } };
  }).then((server) => ({
    ...server,
    tokensIssued: () => issued,
    revokeAll: () => live.clear(),
    // The user signed in again: only the new refresh token is accepted from now on.
    rotateRefreshToken: (token: string) => {
      refreshToken = token;
    },
  }));
}

export interface SecretsManagerServer {
  /** http://127.0.0.1:<port>, for a client configured some other way (AWS_ENDPOINT_URL_SECRETS_MANAGER). */
  readonly endpoint: string;
  /** A caller of this server with its credentials, as the credential sources take one; `options` overrides. */
  readonly client: (options?: AwsJsonOptions) => AwsJsonCaller;
  /** "secretsmanager.GetSecretValue <SecretId>", one per call signed right. */
  readonly calls: string[];
  /** Secret id → SecretString; change a value to rotate the secret. */
  readonly secrets: Record<string, string>;
  /** Secret id → when its AWSCURRENT version was created (GetSecretValue's CreatedDate); set it when rotating. */
  readonly created: Record<string, Date>;
  /** Refuses the next `times` calls as throttled (400 ThrottlingException). */
  throttleNext(times: number): void;
  close(): Promise<void>;
}

export interface SecretsManagerServerOptions {
  /** The only credentials it accepts (default LOOPBACK_AWS's). */
  readonly credentials?: AwsCredentials;
  readonly region?: string;
  /** The server's clock, for the signature's age (default the real one). */
  readonly now?: () => Date;
}

/**
 * Secrets Manager's JSON 1.1 protocol: GetSecretValue only, of the AWSCURRENT version (with its
 * CreatedDate, epoch seconds on the wire, when `created` has one), refusing what Secrets Manager
 * refuses: a request not signed right (sigv4.ts), another operation or content type, an unknown
 * secret, a throttled call when told.
 */
export async function startSecretsManagerServer(
  secrets: Record<string, string>,
  created: Record<string, Date> = {},
  options: SecretsManagerServerOptions = {},
): Promise<SecretsManagerServer> {
  const credentials = options.credentials ?? LOOPBACK_AWS.credentials;
  const region = options.region ?? LOOPBACK_AWS.region;
  const calls: string[] = [];
  let throttled = 0;
  const answer = (res: ServerResponse, status: number, body: Record<string, unknown>) => {
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify(body));
  };
  const handle = async (req: IncomingMessage, body: Buffer, res: ServerResponse) => {
    const refusal = await checkSignature(req, body, {
      service: 'secretsmanager',
      credentials,
      region,
      now: options.now ?? (() => new Date()),
    });
    if (refusal) return answer(res, refusal.status, { __type: refusal.type, message: refusal.message });
    const target = String(req.headers['x-amz-target']);
    if (req.method !== 'POST' || req.url !== '/' || target !== 'secretsmanager.GetSecretValue')
      return answer(res, 400, { __type: 'UnknownOperationException', message: `not supported here: ${target}` });
    if (req.headers['content-type'] !== 'application/x-amz-json-1.1')
      return answer(res, 400, {
        __type: 'SerializationException',
        message: `unsupported content type ${req.headers['content-type']}`,
      });
    const { SecretId } = JSON.parse(body.toString('utf8')) as { SecretId: string };
    calls.push(`${target} ${SecretId}`);
    if (throttled > 0) {
      throttled--;
      return answer(res, 400, { __type: 'ThrottlingException', message: 'Rate exceeded' });
    }
    const value = secrets[SecretId];
    if (!value)
      return answer(res, 400, {
        __type: 'ResourceNotFoundException',
        message: 'Secrets Manager cannot find the specified secret.',
      });
    answer(res, 200, {
      ARN: `arn:aws:secretsmanager:${region}:0:secret:${SecretId}`,
      Name: SecretId,
      SecretString: value,
      VersionId: `v-${value.length}`,
      VersionStages: ['AWSCURRENT'],
      ...(created[SecretId] && { CreatedDate: created[SecretId].getTime() / 1000 }),
    });
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      handle(req, Buffer.concat(chunks), res).catch((error: Error) =>
        answer(res, 500, { __type: 'InternalServiceError', message: error.message }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    client: (overrides = {}) =>
      awsJson(SECRETS_MANAGER, {
        env: { AWS_REGION: region, AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint },
        credentials: async () => credentials,
        sleep: async () => {},
        ...overrides,
      }),
    calls,
    secrets,
    created,
    throttleNext: (times) => (throttled = times),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
