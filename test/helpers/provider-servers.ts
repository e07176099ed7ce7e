import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { BUNDLED_DATA_DIR } from '../../functions/local/cli/scan-command.js';

/** One bundled CSV row, as the providers would serve it. */
interface Row {
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
      const lines = readFileSync(join(BUNDLED_DATA_DIR, `${symbol}.csv`), 'utf8').trim().split('\n').slice(1);
      rows = lines.map((line) => {
        const [date, open, high, low, close, , volume] = line.split(',');
        return { date, open: Number(open), high: Number(high), low: Number(low), close: Number(close), volume: Number(volume) };
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
  | { kind: 'empty' };

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

type Answer = { status: number; json: unknown } | { status: number; text: string };
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
      const seen: SeenRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body };
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
      if (fault?.kind === 'status') {
        res.writeHead(fault.status, { 'content-type': 'application/json', ...(fault.retryAfter !== undefined && { 'retry-after': fault.retryAfter }) });
        res.end(fault.body ?? JSON.stringify({ message: `injected ${fault.status}` }));
        return;
      }
      const answer = route(seen, fault?.kind === 'nulls' ? fault.dates : undefined, fault?.kind === 'empty');
      const text = 'json' in answer ? JSON.stringify(answer.json) : answer.text;
      res.writeHead(answer.status, { 'content-type': 'application/json' });
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

const inRange = (rows: Row[], from: string, to: string) => rows.filter((r) => r.date >= from && r.date <= to);
const withNulls = (row: Row, nulls: string[] | undefined): Row => (nulls?.includes(row.date) ? { ...row, open: null, high: null, low: null, close: null } : row);
const isoOfSeconds = (s: number) => new Date(s * 1000).toISOString().slice(0, 10);

/** Yahoo Finance chart API (v8): /v8/finance/chart/{symbol}?period1&period2&interval=1d. */
export function startYahooServer(): Promise<ProviderServer> {
  return startServer((request, nulls, empty) => {
    const symbol = decodeURIComponent(request.path.replace('/v8/finance/chart/', ''));
    const rows = bundledRows(symbol);
    if (!rows) return { status: 404, json: { chart: { result: null, error: { code: 'Not Found', description: 'No data found, symbol may be delisted' } } } };
    const chosen = empty ? [] : inRange(rows, isoOfSeconds(Number(request.query.get('period1'))), isoOfSeconds(Number(request.query.get('period2')))).map((r) => withNulls(r, nulls));
    // Yahoo stamps a daily bar with the session's open: 09:30 New York (14:30 UTC in winter).
    const timestamp = chosen.map((r) => Date.parse(`${r.date}T14:30:00Z`) / 1000);
    return {
      status: 200,
      json: {
        chart: {
          result: [
            {
              meta: { currency: 'USD', symbol, exchangeName: 'NMS', instrumentType: 'EQUITY', gmtoffset: -18000, timezone: 'EST', exchangeTimezoneName: 'America/New_York' },
              ...(chosen.length > 0 && { timestamp }),
              indicators: {
                quote: [{ open: chosen.map((r) => r.open), high: chosen.map((r) => r.high), low: chosen.map((r) => r.low), close: chosen.map((r) => r.close), volume: chosen.map((r) => r.volume) }],
                adjclose: [{ adjclose: chosen.map((r) => r.close) }],
              },
            },
          ],
          error: null,
        },
      },
    };
  });
}

/** Alpaca Market Data v2: /v2/stocks/bars?symbols=…&timeframe=1Day, page tokens, key headers. */
export function startAlpacaServer(keys: { keyId: string; secretKey: string }, pageSize = 10_000): Promise<ProviderServer> {
  return startServer((request, nulls, empty) => {
    if (request.headers['apca-api-key-id'] !== keys.keyId || request.headers['apca-api-secret-key'] !== keys.secretKey) {
      return { status: 401, json: { message: 'unauthorized.' } };
    }
    const symbols = (request.query.get('symbols') ?? '').split(',');
    const start = request.query.get('start') ?? '';
    const end = request.query.get('end') ?? '';
    const all: [string, Row][] = [];
    for (const symbol of symbols) for (const row of empty ? [] : inRange(bundledRows(symbol) ?? [], start, end)) all.push([symbol, withNulls(row, nulls)]);
    const offset = Number(request.query.get('page_token') ?? '0');
    const page = all.slice(offset, offset + Math.min(pageSize, Number(request.query.get('limit') ?? 1000)));
    const bars: Record<string, unknown[]> = {};
    for (const [symbol, r] of page) {
      // Alpaca dates a daily bar by midnight New York, in UTC.
      (bars[symbol] ??= []).push({ t: `${r.date}T05:00:00Z`, o: r.open, h: r.high, l: r.low, c: r.close, v: r.volume, n: 1000, vw: r.close });
    }
    const next = offset + page.length < all.length ? String(offset + page.length) : null;
    return { status: 200, json: { bars, next_page_token: next } };
  });
}

/** Schwab Trader API: POST /v1/oauth/token (refresh grant) and GET /marketdata/v1/pricehistory. */
export function startSchwabServer(secrets: { appKey: string; appSecret: string; refreshToken: string }, options: { tokenLifetimeSeconds?: number } = {}): Promise<ProviderServer & { tokensIssued: () => number; revokeAll: () => void }> {
  const live = new Set<string>();
  let issued = 0;
  return startServer((request, nulls, empty) => {
    if (request.path === '/v1/oauth/token') {
      const basic = `Basic ${Buffer.from(`${secrets.appKey}:${secrets.appSecret}`).toString('base64')}`;
      const form = new URLSearchParams(request.body);
      if (request.headers.authorization !== basic) return { status: 401, json: { error: 'invalid_client', error_description: 'Unauthorized' } };
      if (form.get('grant_type') !== 'refresh_token' || form.get('refresh_token') !== secrets.refreshToken) {
        return { status: 400, json: { error: 'invalid_grant', error_description: 'refresh token invalid or expired' } };
      }
      const token = `access-${++issued}`;
      live.add(token);
      return { status: 200, json: { expires_in: options.tokenLifetimeSeconds ?? 1800, token_type: 'Bearer', scope: 'api', refresh_token: secrets.refreshToken, access_token: token, id_token: 'id' } };
    }
    if (request.path === '/marketdata/v1/pricehistory') {
      const token = (request.headers.authorization ?? '').replace(/^Bearer /, '');
      if (!live.has(token)) return { status: 401, json: { errors: [{ status: 401, title: 'Unauthorized' }] } };
      const symbol = request.query.get('symbol') ?? '';
      const rows = bundledRows(symbol);
      if (!rows) return { status: 200, json: { candles: [], symbol, empty: true } };
      const from = new Date(Number(request.query.get('startDate'))).toISOString().slice(0, 10);
      const to = new Date(Number(request.query.get('endDate'))).toISOString().slice(0, 10);
      const chosen = empty ? [] : inRange(rows, from, to).map((r) => withNulls(r, nulls));
      // Schwab dates a daily candle by midnight US Central time, as epoch milliseconds.
      const candles = chosen.map((r) => ({ open: r.open, high: r.high, low: r.low, close: r.close, volume: r.volume, datetime: Date.parse(`${r.date}T06:00:00Z`) }));
      return { status: 200, json: { candles, symbol, empty: candles.length === 0 } };
    }
    return { status: 404, json: { message: 'no such route' } };
  }).then((server) => ({ ...server, tokensIssued: () => issued, revokeAll: () => live.clear() }));
}
