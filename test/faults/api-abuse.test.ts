import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_DATA_DIR } from '../../functions/local/cli/scan-command.js';
import { LOCAL_TABLE_NAME } from '../../functions/local/embedded-store.js';
import { type LocalStack, startLocalStack } from '../../functions/local/local-stack.js';

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
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  const { hostname, port } = new URL(stack.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, method, path }, (res) => {
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

  it('still serves the dashboard and the results afterwards', async () => {
    expect((await send('GET', '/')).text).toContain('<title>scanfleet</title>');
    const results = JSON.parse((await send('GET', '/api/scans/vpb')).text) as { results: { symbol: string }[] };
    expect(results.results.map((r) => r.symbol)).toEqual(['AAPL', 'GE', 'MDB']);
  });
});
