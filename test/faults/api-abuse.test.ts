import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerResult } from 'aws-lambda';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { secretJson } from '../../functions/adapters/secret-json.js';
import { ENV } from '../../functions/adapters/settings.js';
import { needsToken } from '../../functions/core/api/access.js';
import type { createAuthorizerHandler as CreateAuthorizerHandler } from '../../functions/authorizer/handler.js';
import { BUNDLED_DATA_DIR } from '../../functions/local/cli/symbol-source.js';
import { LOCAL_TABLE_NAME } from '../../functions/local/embedded-store.js';
import { localLambdaContext } from '../../functions/local/lambda-context.js';
import { type LocalStack, startLocalStack } from '../../functions/local/local-stack.js';
import { captureLogs } from '../helpers/logs.js';
import { type SecretsManagerServer, startSecretsManagerServer } from '../helpers/provider-servers.js';

// The real API handler on loopback, over the store of one local run, fed malformed and hostile
// requests. Requests go out through node:http exactly as written (fetch would resolve "..").
const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
/** routes.ts refuses a raw query string longer than this. */
const MAX_QUERY_LENGTH = 1024;
let stack: LocalStack;
let cursor: string;

beforeAll(async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'CRITICAL';
  stack = await startLocalStack({
    watchlist: 'api-abuse',
    symbols: ['AAPL', 'GE', 'MDB'],
    scanners: ['macd', 'ttm-squeeze', 'vpb'],
    dataDir: BUNDLED_DATA_DIR,
    lookback: 150,
    asOf: '2024-03-08',
    port: 0,
  });
  const first = await send('GET', '/api/scans/macd?limit=1');
  cursor = (JSON.parse(first.text) as { cursor: string }).cursor;
}, 60_000);
afterAll(() => stack.close());

function send(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  to: LocalStack = stack,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  const { hostname, port } = new URL(to.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

const b64 = (text: string) => Buffer.from(text).toString('base64url');
const enc = encodeURIComponent;
/** Our own cursor's key, decoded, changed, encoded again. */
const tampered = (change: (key: Record<string, unknown>) => Record<string, unknown>) =>
  b64(JSON.stringify(change(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>)));
const noise = Buffer.from(Array.from({ length: 48 }, (_, i) => (i * 73 + 11) % 256)).toString('base64');

interface Case {
  name: string;
  path: () => string;
  status: number;
  code: string;
  parameter?: string;
  method?: string;
}
const get = (path: string, status: number, code: string, parameter?: string): Case => ({
  name: path.length > 120 ? `${path.slice(0, 60)}… (${path.length} chars)` : path,
  path: () => path,
  status,
  code,
  parameter,
});
const lazy = (name: string, path: () => string, status: number, code: string, parameter?: string): Case => ({
  name,
  path,
  status,
  code,
  parameter,
});

const traversal: Case[] = [
  get('/api/symbols/..%2F..%2Fetc%2Fpasswd', 400, 'bad_parameter', 'symbol'),
  get('/api/symbols/..%252F..%252Fetc%252Fpasswd', 400, 'bad_parameter', 'symbol'),
  get('/api/symbols/%2e%2e%2f%2e%2e%2fpackage.json', 400, 'bad_parameter', 'symbol'),
  get('/api/symbols/..%5C..%5Cpackage.json', 400, 'bad_parameter', 'symbol'),
  get('/api/symbols/..%2F..%2Fpackage.json/chart', 400, 'bad_parameter', 'symbol'),
  get('/api/runs/..%2F..%2Fpackage.json', 400, 'bad_parameter', 'runId'),
  get('/api/scans/..%2F..%2Fpackage.json', 404, 'unknown_scanner', 'scanner'),
  get('/api/symbols/GE/..%2F..%2F..%2Fpackage.json', 404, 'not_found'),
  get('/api/..%2F..%2Fpackage.json', 404, 'not_found'),
  get('/../../etc/passwd', 404, 'not_found'),
  get('/api/symbols/../../../etc/passwd', 404, 'not_found'),
  get('/dashboard/../../package.json', 404, 'not_found'),
  get('/vendor/lightweight-charts.js/../../package.json', 404, 'not_found'),
  get('/%2e%2e/%2e%2e/package.json', 404, 'not_found'),
  get('/..%2F..%2Fpackage.json', 404, 'not_found'),
  get('/%2e%2e%2f%2e%2e%2fetc%2fpasswd', 404, 'not_found'),
  get('/..%5C..%5Cpackage.json', 404, 'not_found'),
  get('/..\\..\\package.json', 404, 'not_found'),
  get('/%252e%252e/%252e%252e/package.json', 404, 'not_found'),
  get('/index.html%00/../../package.json', 404, 'not_found'),
  get('/app.js/..%2Fhandler.ts', 404, 'not_found'),
  get('/package.json', 404, 'not_found'),
  get('/etc/passwd', 404, 'not_found'),
];

const limits: Case[] = [
  '1000000000',
  '1e9',
  '1e3',
  '-1',
  '0',
  'abc',
  '',
  '0x10',
  '10.5',
  '%205',
  '5%00',
  'NaN',
  'Infinity',
  '501',
].flatMap((limit) => [
  get(`/api/scans/vpb?limit=${limit}`, 400, 'bad_parameter', 'limit'),
  get(`/api/symbols/GE?limit=${limit}`, 400, 'bad_parameter', 'limit'),
  get(`/api/runs?limit=${limit}`, 400, 'bad_parameter', 'limit'),
]);

const cursors: Case[] = [
  ...['/api/scans/vpb', '/api/runs'].flatMap((route) => [
    get(`${route}?cursor=${enc(noise)}`, 400, 'bad_parameter', 'cursor'),
    get(`${route}?cursor=${b64('{"pk":')}`, 400, 'bad_parameter', 'cursor'),
    get(`${route}?cursor=${b64('[1,2,3]')}`, 400, 'bad_parameter', 'cursor'),
    get(`${route}?cursor=${b64('"pk"')}`, 400, 'bad_parameter', 'cursor'),
    get(`${route}?cursor=${b64('{"a":1}')}`, 400, 'bad_parameter', 'cursor'),
    get(`${route}?cursor=${b64('{"pk":"x","sk":"y"}')}`, 400, 'bad_parameter', 'cursor'),
    get(`${route}?cursor=${b64('{"pk":null,"sk":null}')}`, 400, 'bad_parameter', 'cursor'),
    get(`${route}?cursor=${b64('{"pk":1e400,"sk":"x"}')}`, 400, 'bad_parameter', 'cursor'),
    get(`${route}?cursor=${b64('{"pk":123456789012345678901234567890,"sk":"x"}')}`, 400, 'bad_parameter', 'cursor'),
    get(`${route}?cursor=${b64('{"pk":{"$gt":""},"sk":{"$ne":null}}')}`, 400, 'bad_parameter', 'cursor'),
    get(`${route}?cursor=`, 400, 'bad_parameter', 'cursor'),
  ]),
  lazy(
    'a cursor moved to another run’s partition',
    () => `/api/scans/macd?cursor=${tampered((key) => ({ ...key, pk: 'RUN#20200101T000000Z-other' }))}`,
    400,
    'bad_parameter',
    'cursor',
  ),
  lazy(
    'a cursor moved to another scanner',
    () => `/api/scans/macd?cursor=${tampered((key) => ({ ...key, sk: String(key.sk).replace('#macd#', '#vpb#') }))}`,
    400,
    'bad_parameter',
    'cursor',
  ),
  lazy(
    'a cursor whose key became an operator',
    () => `/api/scans/macd?cursor=${tampered((key) => ({ ...key, pk: { $gt: '' } }))}`,
    400,
    'bad_parameter',
    'cursor',
  ),
  lazy(
    'a cursor with an extra attribute',
    () => `/api/scans/macd?cursor=${tampered((key) => ({ ...key, expiresAt: 0 }))}`,
    400,
    'bad_parameter',
    'cursor',
  ),
  lazy('a cursor of one route used on another', () => `/api/runs?cursor=${cursor}`, 400, 'bad_parameter', 'cursor'),
  lazy(
    'a cursor with one character changed',
    () => `/api/scans/macd?cursor=${cursor[0] === 'e' ? 'f' : 'e'}${cursor.slice(1)}`,
    400,
    'bad_parameter',
    'cursor',
  ),
  lazy('a cursor cut short', () => `/api/scans/macd?cursor=${cursor.slice(0, -7)}`, 400, 'bad_parameter', 'cursor'),
];

const unicode: Case[] = [
  get('/api/symbols/%F0%9F%9A%80', 400, 'bad_parameter', 'symbol'),
  get('/api/symbols/%F0%9F%9A%80/chart', 400, 'bad_parameter', 'symbol'),
  get('/api/symbols/%E2%80%AEAAPL', 400, 'bad_parameter', 'symbol'),
  get('/api/symbols/AAPL%E2%80%8F', 400, 'bad_parameter', 'symbol'),
  get('/api/symbols/%D8%A7%D8%A8%D9%84', 400, 'bad_parameter', 'symbol'),
  get('/api/symbols/%EF%BC%A1%EF%BC%A1%EF%BC%B0%EF%BC%AC', 400, 'bad_parameter', 'symbol'),
  get('/api/symbols/A%CC%8APL', 400, 'bad_parameter', 'symbol'),
  get('/api/symbols/%C0%AE%C0%AE', 400, 'bad_parameter', 'symbol'),
  get('/api/symbols/%FF%FE', 400, 'bad_parameter', 'symbol'),
  get('/api/symbols/%00', 400, 'bad_parameter', 'symbol'),
  get('/api/symbols/AAPL%00', 400, 'bad_parameter', 'symbol'),
  get('/api/symbols/AAPL%0D%0ASet-Cookie:x=1', 400, 'bad_parameter', 'symbol'),
  get('/api/scans/%F0%9F%9A%80', 404, 'unknown_scanner', 'scanner'),
  get('/api/scans/vpb%00', 404, 'unknown_scanner', 'scanner'),
  get('/api/scans/vpb?signal=%F0%9F%9A%80', 400, 'bad_parameter', 'signal'),
  get('/api/scans/vpb?signal=buy%00', 400, 'bad_parameter', 'signal'),
  get('/api/scans/vpb?signal=%E2%80%AEyub', 400, 'bad_parameter', 'signal'),
  get('/api/runs/%F0%9F%9A%80', 400, 'bad_parameter', 'runId'),
];

const INJECTIONS = [
  "' OR 1=1 --",
  '{"$gt":""}',
  '#attr',
  ':pk',
  'pk = :pk OR attribute_exists(pk)',
  '"; DROP TABLE results; --',
  '${jndi:ldap://127.0.0.1/x}',
  '__proto__',
];
const injections: Case[] = INJECTIONS.flatMap((text) => [
  get(`/api/scans/${enc(text)}`, 404, 'unknown_scanner', 'scanner'),
  get(`/api/symbols/${enc(text)}`, 400, 'bad_parameter', 'symbol'),
  get(`/api/symbols/${enc(text)}/chart`, 400, 'bad_parameter', 'symbol'),
  get(`/api/runs/${enc(text)}`, 400, 'bad_parameter', 'runId'),
  get(`/api/runs/20240308T143000Z-${enc(text)}`, 400, 'bad_parameter', 'runId'),
  get(`/api/scans/vpb?signal=${enc(text)}`, 400, 'bad_parameter', 'signal'),
  get(`/api/scans/vpb?limit=${enc(text)}`, 400, 'bad_parameter', 'limit'),
  get(`/api/scans/vpb?cursor=${enc(text)}`, 400, 'bad_parameter', 'cursor'),
  get(`/api/runs?cursor=${enc(b64(text))}`, 400, 'bad_parameter', 'cursor'),
  get(`/api/symbols/GE?limit=${enc(text)}`, 400, 'bad_parameter', 'limit'),
  ...(text === '__proto__' ? [] : [get(`/api/scans/vpb?${enc(text)}=1`, 400, 'bad_parameter', text)]),
]);

const long: Case[] = [
  get(`/api/scans/vpb?signal=${'x'.repeat(MAX_QUERY_LENGTH + 1 - 'signal='.length)}`, 400, 'query_too_long'),
  get(`/api/scans/vpb?signal=${'x'.repeat(MAX_QUERY_LENGTH - 'signal='.length)}`, 400, 'bad_parameter', 'signal'),
  get(`/api/health?${'a=1&'.repeat(300)}`, 400, 'query_too_long'),
  get(`/?${'x'.repeat(5000)}`, 400, 'query_too_long'),
  get(`/api/runs?cursor=${'A'.repeat(4000)}`, 400, 'query_too_long'),
  get(`/api/${'a'.repeat(8000)}`, 404, 'not_found'),
  get(`/api/symbols/${'A'.repeat(8000)}`, 400, 'bad_parameter', 'symbol'),
  get(`/api/scans/${'m'.repeat(8000)}`, 404, 'unknown_scanner', 'scanner'),
  get(`/api/runs/20240308T143000Z-${'a'.repeat(61)}`, 400, 'bad_parameter', 'runId'),
  get(`/api/scans/vpb${'/x'.repeat(2000)}`, 404, 'not_found'),
  get(`/${'a/'.repeat(4000)}`, 404, 'not_found'),
];

const unknown: Case[] = [
  get('/api/scans/rsi', 404, 'unknown_scanner', 'scanner'),
  get('/api/scans/MACD', 404, 'unknown_scanner', 'scanner'),
  get('/api/scans/macd%20', 404, 'unknown_scanner', 'scanner'),
  get('/api/scans/constructor', 404, 'unknown_scanner', 'scanner'),
  get('/api/scans/toString', 404, 'unknown_scanner', 'scanner'),
  get('/api/scans/vpb?signal=bullish_cross', 400, 'bad_parameter', 'signal'),
  get('/api/scans/macd?signal=buy', 400, 'bad_parameter', 'signal'),
  get('/api/scans/macd?signal=toString', 400, 'bad_parameter', 'signal'),
  get('/api/scans/ttm-squeeze?signal=constructor', 400, 'bad_parameter', 'signal'),
  get('/api/scans/vpb?signal=', 400, 'bad_parameter', 'signal'),
  get('/api/scans/vpb?signal=BUY', 400, 'bad_parameter', 'signal'),
  get('/api/scans/vpb?signal=buy&signal=sell', 400, 'bad_parameter', 'signal'),
  get('/api/scans/vpb?signal[$ne]=x', 400, 'bad_parameter', 'signal[$ne]'),
  get('/api/scans/vpb?constructor=1', 400, 'bad_parameter', 'constructor'),
  get('/api/health?verbose=1', 400, 'bad_parameter', 'verbose'),
  get('/api/symbols/GE/chart?limit=5', 400, 'bad_parameter', 'limit'),
  get('/api/debug/heap', 404, 'not_found'),
  get('/api/scans', 404, 'not_found'),
  get('/API/scans/vpb', 404, 'not_found'),
];

const methods: Case[] = ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'PROPFIND'].flatMap((method) =>
  ['/api/scans/vpb', '/api/health', '/'].map((path) => ({
    ...get(path, 405, 'method_not_allowed'),
    name: `${method} ${path}`,
    method,
  })),
);

/** What a refusal must never carry: a stack trace, the table, the repository's path, a file's contents. */
const FORBIDDEN: [string, RegExp | string][] = [
  ['a stack frame', /\bat [^"]*[/\\][^"]*:\d+/],
  ['a source position', /\.(ts|js|mjs|cjs):\d/],
  ['node_modules', 'node_modules'],
  ['an error name', 'Error:'],
  ['an AWS error', /ValidationException|ResourceNotFound|DynamoDB|dynalite/],
  ['the table name', LOCAL_TABLE_NAME],
  ['the repository path', projectRoot.replace(/\/$/, '')],
  ['the data directory', BUNDLED_DATA_DIR.replace(/\/$/, '')],
  ['the temporary directory', tmpdir()],
  ['package.json', /"name":\s*"scanfleet"|"devDependencies"/],
  ['/etc/passwd', /root:[^"]*:0:0|\/bin\/(ba)?sh/],
  ['source code', /createApiHandler|import \{/],
  ['a page', /<html|<!doctype/i],
];

describe('the API under malformed and hostile requests', () => {
  it('is set up over a real run, with a real cursor to tamper with', () => {
    expect(stack.run.status).toBe('complete');
    expect(Buffer.from(cursor, 'base64url').toString('utf8')).toMatch(/^\{"pk":"RUN#.+","sk":"RESULT#macd#[A-Z]+"\}$/);
  });

  describe.each([
    ['path traversal', traversal],
    ['limits', limits],
    ['cursors', cursors],
    ['unicode', unicode],
    ['injection strings in every parameter', injections],
    ['oversized queries and paths', long],
    ['unknown scanners, signals, parameters and routes', unknown],
    ['methods other than GET', methods],
  ])('%s', (_, cases) => {
    it.each(cases)('$name → $status $code', async ({ path, method, status, code, parameter }) => {
      const response = await send(method ?? 'GET', path());
      expect(response.status).toBe(status);
      expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(response.headers['cache-control']).toBe('no-store');
      const body = JSON.parse(response.text) as { error: { code: string; message: string; parameter?: string } };
      expect(body.error.code).toBe(code);
      expect(body.error.message).toEqual(expect.any(String));
      expect(body.error.message.length).toBeGreaterThan(10);
      expect(body.error.parameter).toBe(parameter);
      for (const [what, pattern] of FORBIDDEN)
        expect(
          typeof pattern === 'string' ? response.text.includes(pattern) : pattern.test(response.text),
          `the body carries ${what}: ${response.text.slice(0, 300)}`,
        ).toBe(false);
    });
  });

  // Every route that can refuse, each with an input it refuses: no answer names a server path.
  const errorRoutes: Case[] = [
    get('/api/scans/rsi', 404, 'unknown_scanner', 'scanner'),
    get('/api/scans/vpb?limit=0', 400, 'bad_parameter', 'limit'),
    get('/api/symbols/ZZZZ', 404, 'unknown_symbol', 'symbol'),
    get('/api/symbols/ZZZZ/chart', 404, 'unknown_symbol', 'symbol'),
    get('/api/symbols/GE/chart?runId=20200101T000000Z-gone', 404, 'unknown_run', 'runId'),
    get('/api/runs/20200101T000000Z-gone', 404, 'unknown_run', 'runId'),
    get('/api/runs?cursor=x', 400, 'bad_parameter', 'cursor'),
    get('/api/top?n=0', 400, 'bad_parameter', 'n'),
    get('/api/top?horizon=7d', 400, 'bad_parameter', 'horizon'),
    get('/api/health?x=1', 400, 'bad_parameter', 'x'),
    get('/api/debug/memory?x=1', 400, 'bad_parameter', 'x'),
    get('/api/unknown', 404, 'not_found'),
    get('//api/runs', 404, 'not_found'),
    get('/unknown.html', 404, 'not_found'),
    { ...get('/', 405, 'method_not_allowed'), name: 'POST /', method: 'POST' },
  ];
  it.each(errorRoutes)('error route $name → $status $code names no server path', async (c) => {
    const response = await send(c.method ?? 'GET', c.path());
    const body = JSON.parse(response.text) as { error: { code: string; parameter?: string } };
    expect([response.status, body.error.code, body.error.parameter]).toEqual([c.status, c.code, c.parameter]);
    for (const dir of [projectRoot, BUNDLED_DATA_DIR, tmpdir(), process.cwd()])
      expect(response.text).not.toContain(dir.replace(/\/$/, ''));
    expect(response.text).not.toMatch(/\/(home|tmp|var|usr|opt|work|Users)\//);
  });

  it('still serves the dashboard and the results afterwards', async () => {
    expect((await send('GET', '/')).text).toContain('<title>scanfleet</title>');
    const results = JSON.parse((await send('GET', '/api/scans/vpb')).text) as { results: { symbol: string }[] };
    expect(results.results.map((r) => r.symbol)).toEqual(['AAPL', 'GE', 'MDB']);
  });
});

/** Obviously fake; the authorizer and `dev --auth` compare against it. */
const TOKEN = 'fake-api-token-abuse-0000';

describe('the API behind the token (dev --auth: the gateway’s route table and Bearer rule)', () => {
  let authed: LocalStack;
  let runId: string;
  beforeAll(async () => {
    authed = await startLocalStack({
      watchlist: 'api-auth',
      symbols: ['GE', 'MDB'],
      scanners: ['macd', 'ttm-squeeze', 'vpb'],
      dataDir: BUNDLED_DATA_DIR,
      lookback: 150,
      asOf: '2024-03-08',
      port: 0,
      auth: { token: TOKEN, access: 'token' },
    });
    runId = authed.run.runId;
  }, 60_000);
  afterAll(() => authed.close());

  /** Every /api route (and two that are none), with what a valid credential gets. */
  const routes: [string, () => string, number][] = [
    ['scans', () => '/api/scans/vpb', 200],
    ['a symbol', () => '/api/symbols/GE', 200],
    ['a chart', () => '/api/symbols/GE/chart', 200],
    ['runs', () => '/api/runs', 200],
    ['a run', () => `/api/runs/${runId}`, 200],
    ['the memory breakdown', () => '/api/debug/memory', 200],
    ['/api itself', () => '/api', 404],
    ['an unknown route', () => '/api/portfolios', 404],
  ];

  it.each(routes)(
    '%s: 401 without a credential, 403 with a wrong one, served with the token in any case',
    async (_, path, status) => {
      const none = await send('GET', path(), {}, authed);
      expect([none.status, none.headers['www-authenticate'], none.text]).toEqual([
        401,
        'Bearer',
        '{"message":"Unauthorized"}',
      ]);
      for (const wrong of [`Bearer ${TOKEN}x`, 'Bearer wrong', `Basic ${TOKEN}`, TOKEN, `Bearer ${TOKEN} ${TOKEN}`]) {
        const refused = await send('GET', path(), { authorization: wrong }, authed);
        expect([refused.status, refused.headers['www-authenticate'], refused.text], wrong).toEqual([
          403,
          'Bearer error="invalid_token"',
          '{"message":"Forbidden"}',
        ]);
      }
      for (const valid of [`Bearer ${TOKEN}`, `bearer ${TOKEN}`, `BEARER  ${TOKEN}`]) {
        const served = await send('GET', path(), { authorization: valid }, authed);
        expect(served.status, valid).toBe(status);
        expect(String(served.headers['cache-control'])).not.toMatch(/public/);
      }
    },
  );

  it('sends a protected result private, for the browser only', async () => {
    const served = await send('GET', '/api/scans/vpb', { authorization: `Bearer ${TOKEN}` }, authed);
    expect(served.headers['cache-control']).toBe('private, max-age=60');
    const chart = await send('GET', '/api/symbols/GE/chart', { authorization: `Bearer ${TOKEN}` }, authed);
    expect(chart.headers['cache-control']).toBe('private, max-age=60');
    // The open stack (dev without --auth) still lets shared caches keep them.
    expect((await send('GET', '/api/scans/vpb')).headers['cache-control']).toBe('public, max-age=60');
  });

  it('leaves health and the dashboard public', async () => {
    const health = await send('GET', '/api/health', {}, authed);
    expect([health.status, (JSON.parse(health.text) as { status: string }).status]).toEqual([200, 'ok']);
    expect((await send('GET', '/', {}, authed)).text).toContain('<title>scanfleet</title>');
    expect((await send('GET', '/app.js', {}, authed)).status).toBe(200);
  });

  it('protects every path under /api but the public list, and with api.public the read-only routes only', () => {
    const paths = ['/api/scans/vpb', '/api/symbols/GE', '/api/runs', '/api/runs/x', '/api/symbols/GE/chart'];
    expect(paths.map((p) => needsToken('token', 'GET', p))).toEqual([true, true, true, true, true]);
    expect(paths.map((p) => needsToken('public-reads', 'GET', p))).toEqual([false, false, false, false, true]);
    for (const access of ['token', 'public-reads'] as const) {
      expect(needsToken(access, 'GET', '/api/health')).toBe(false);
      expect(needsToken(access, 'GET', '/')).toBe(false);
      expect(needsToken(access, 'GET', '/api')).toBe(true);
      expect(needsToken(access, 'GET', '/api/portfolios')).toBe(true);
      expect(needsToken(access, 'POST', '/api/subscriptions')).toBe(true);
      expect(needsToken(access, 'HEAD', '/api/health')).toBe(true);
      expect(needsToken(access, 'GET', '/api/health/x')).toBe(true);
    }
    expect(needsToken('public-reads', 'GET', '/api/runs/x/y')).toBe(true);
    expect(needsToken('public-reads', 'GET', '/api/scans/')).toBe(true);
    expect(needsToken('open', 'GET', '/api/symbols/GE/chart')).toBe(false);
  });
});

describe('the gateway’s authorizer (payload 2.0 REQUEST events, simple responses)', () => {
  const SECRETS: Record<string, string> = {
    'scanfleet/api': JSON.stringify({ token: TOKEN }),
    'scanfleet/api-renamed-key': JSON.stringify({ apiToken: TOKEN }),
    'scanfleet/api-empty': JSON.stringify({ token: '' }),
    'scanfleet/api-number': JSON.stringify({ token: 42 }),
    'scanfleet/api-text': `token=${TOKEN}`,
  };
  let sm: SecretsManagerServer;
  let logs: ReturnType<typeof captureLogs>;
  let createAuthorizerHandler: typeof CreateAuthorizerHandler;
  let clock: number;

  beforeAll(async () => {
    sm = await startSecretsManagerServer({ ...SECRETS });
    // The logger is made when the module loads: load it writing JSON lines at INFO.
    process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
    logs = captureLogs();
    ({ createAuthorizerHandler } = await import('../../functions/authorizer/handler.js'));
    process.env.POWERTOOLS_LOG_LEVEL = 'CRITICAL';
  });
  afterAll(async () => {
    logs.restore();
    await sm.close();
  });

  /** An event as API Gateway sends it for GET /api/runs with this Authorization header. */
  function event(authorization: string): APIGatewayRequestAuthorizerEventV2 {
    return {
      version: '2.0',
      type: 'REQUEST',
      routeArn: 'arn:aws:execute-api:us-east-1:123456789012:abcdef1234/$default/GET/api/runs',
      identitySource: [authorization],
      routeKey: 'ANY /api/{proxy+}',
      rawPath: '/api/runs',
      rawQueryString: '',
      cookies: [],
      headers: {
        accept: 'application/json',
        authorization,
        host: 'abcdef1234.execute-api.us-east-1.amazonaws.com',
        'user-agent': 'test',
        'x-forwarded-for': '198.51.100.7',
      },
      requestContext: {
        accountId: '123456789012',
        apiId: 'abcdef1234',
        domainName: 'abcdef1234.execute-api.us-east-1.amazonaws.com',
        domainPrefix: 'abcdef1234',
        http: { method: 'GET', path: '/api/runs', protocol: 'HTTP/1.1', sourceIp: '198.51.100.7', userAgent: 'test' },
        requestId: 'Xy1AbCdEfGhIjKl=',
        routeKey: 'ANY /api/{proxy+}',
        stage: '$default',
        time: '30/Nov/2026:02:40:00 +0000',
        timeEpoch: Date.UTC(2026, 10, 30, 2, 40),
      },
      pathParameters: { proxy: 'runs' },
    };
  }

  function authorizer(secretId: string | undefined) {
    const deps = { secretId, readSecret: secretJson(secretId ?? '', sm.client), now: () => clock };
    const handler = createAuthorizerHandler(() => deps);
    return async (authorization: string) =>
      ((await handler(event(authorization), localLambdaContext('authorizer'))) as APIGatewaySimpleAuthorizerResult)
        .isAuthorized;
  }

  it('allows the token under a Bearer scheme in any case, and nothing else', async () => {
    clock = 0;
    const allow = authorizer('scanfleet/api');
    const verdicts: Record<string, boolean> = {};
    for (const header of [
      `Bearer ${TOKEN}`,
      `bearer ${TOKEN}`,
      `BeArEr ${TOKEN}`,
      `Bearer ${TOKEN} `,
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(0, -1)}`,
      `Bearer ${TOKEN} ${TOKEN}`,
      `Basic ${TOKEN}`,
      TOKEN,
      'Bearer',
      '',
    ])
      verdicts[header] = await allow(header);
    expect(verdicts).toEqual({
      [`Bearer ${TOKEN}`]: true,
      [`bearer ${TOKEN}`]: true,
      [`BeArEr ${TOKEN}`]: true,
      [`Bearer ${TOKEN} `]: true,
      [`Bearer ${TOKEN}x`]: false,
      [`Bearer ${TOKEN.slice(0, -1)}`]: false,
      [`Bearer ${TOKEN} ${TOKEN}`]: false,
      [`Basic ${TOKEN}`]: false,
      [TOKEN]: false,
      Bearer: false,
      '': false,
    });
    // One read of the secret for the eleven requests.
    expect(sm.calls.filter((c) => c.endsWith(' scanfleet/api'))).toEqual([
      'secretsmanager.GetSecretValue scanfleet/api',
    ]);
  });

  it('reads the secret again after 5 minutes: a rotated token takes effect without a deploy', async () => {
    clock = 1_000_000;
    sm.secrets['scanfleet/api-rotating'] = JSON.stringify({ token: 'fake-old-token' });
    const allow = authorizer('scanfleet/api-rotating');
    expect(await allow('Bearer fake-old-token')).toBe(true);
    sm.secrets['scanfleet/api-rotating'] = JSON.stringify({ token: 'fake-new-token' });
    clock += 299_000;
    expect([await allow('Bearer fake-old-token'), await allow('Bearer fake-new-token')]).toEqual([true, false]);
    clock += 1_000;
    expect([await allow('Bearer fake-old-token'), await allow('Bearer fake-new-token')]).toEqual([false, true]);
    expect(sm.calls.filter((c) => c.endsWith(' scanfleet/api-rotating'))).toHaveLength(2);
  });

  it.each([
    ['scanfleet/api-renamed-key', 'the secret has no "token" key (keys: apiToken)'],
    ['scanfleet/api-empty', '"token" is empty'],
    ['scanfleet/api-number', '"token" is a number, not a string'],
    ['scanfleet/api-text', 'the secret cannot be read: ProviderError: secret scanfleet/api-text is not a JSON object'],
    [
      'scanfleet/absent',
      'the secret cannot be read: AwsError: Secrets Manager GetSecretValue refused: ResourceNotFoundException (HTTP 400): Secrets Manager cannot find the specified secret.',
    ],
    [undefined, 'API_TOKEN_SECRET_ID is not set'],
  ])('a misconfigured secret (%s) denies every request and says why once', async (secretId, problem) => {
    clock = 5_000_000;
    const before = logs.lines().length;
    const allow = authorizer(secretId);
    for (const header of [
      `Bearer ${TOKEN}`,
      `bearer ${TOKEN}`,
      'Bearer ',
      `Bearer {"apiToken":"${TOKEN}"}`,
      'Bearer 42',
    ])
      expect(await allow(header), header).toBe(false);
    const lines = logs.lines().slice(before);
    const errors = lines.filter((l) => l.level === 'ERROR');
    expect(errors.map((l) => [l.message, l.secret, l.problem])).toEqual([
      ['API token secret unusable: every request is denied', secretId ?? 'none', problem],
    ]);
    expect(lines.filter((l) => l.message === 'authorize').map((l) => l.verdict)).toEqual(
      Array(5).fill('misconfigured'),
    );
    expect(JSON.stringify(lines)).not.toContain(TOKEN);
  });

  it('never logs the token or the header, and names the env variable as the stack sets it', () => {
    expect(logs.text()).not.toContain(TOKEN);
    expect(logs.text()).not.toContain('fake-old-token');
    expect(logs.lines().filter((l) => l.message === 'authorize').length).toBeGreaterThan(20);
    expect(ENV.apiTokenSecretId).toBe('API_TOKEN_SECRET_ID');
  });
});
