import autocannon from 'autocannon';
import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BUNDLED_DATA_DIR } from '../../functions/local/cli/symbol-source.js';
import { type LocalStack, startLocalStack } from '../../functions/local/local-stack.js';
import { captureLogs } from '../helpers/logs.js';

// The real API handler on loopback (the dev server's event mapping, dynalite behind it) under
// 10 connections for 3 seconds, cycling through the read routes. It must answer every request,
// with a 200 and the JSON each route promises; the figures are recorded, never judged.
const PATHS = [
  '/api/health',
  '/api/scans/vpb',
  '/api/scans/macd?signal=bullish_cross',
  '/api/scans/ttm-squeeze?limit=3',
  '/api/symbols/AAPL',
  '/api/runs',
];
const CONNECTIONS = 10;
const DURATION_SECONDS = 3;
let stack: LocalStack;
let logs: ReturnType<typeof captureLogs>;

beforeAll(async () => {
  // The API logs one "request" line per invocation at INFO: the count of requests it handled.
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  logs = captureLogs();
  stack = await startLocalStack({
    watchlist: 'api-load',
    symbols: ['AAPL', 'GE', 'MDB', 'DDOG', 'COST'],
    scanners: ['macd', 'ttm-squeeze', 'vpb'],
    dataDir: BUNDLED_DATA_DIR,
    lookback: 150,
    asOf: '2024-03-08',
    port: 0,
  });
}, 60_000);
afterAll(async () => {
  await stack.close();
  logs.restore();
});
const handled = () => logs.lines().filter((line) => line.service === 'api' && line.message === 'request');

/** What each route's 200 must hold, so that a fast wrong answer does not pass. */
const EXPECT: Record<string, (body: Record<string, unknown>) => boolean> = {
  '/api/health': (b) => b.status === 'ok',
  '/api/scans/vpb': (b) => Array.isArray(b.results) && b.results.length === 5,
  '/api/scans/macd?signal=bullish_cross': (b) => b.scanner === 'macd' && Array.isArray(b.results),
  '/api/scans/ttm-squeeze?limit=3': (b) =>
    Array.isArray(b.results) && b.results.length === 3 && typeof b.cursor === 'string',
  '/api/symbols/AAPL': (b) => b.symbol === 'AAPL' && Array.isArray(b.latest) && b.latest.length === 3,
  '/api/runs': (b) => Array.isArray(b.runs) && b.runs.length === 1,
};

function matches(path: string, body: string): boolean {
  try {
    return EXPECT[path](JSON.parse(body) as Record<string, unknown>);
  } catch {
    return false;
  }
}

describe('the API under load', () => {
  it(`answers ${CONNECTIONS} connections for ${DURATION_SECONDS} s without an error, a timeout or a non-2xx`, async () => {
    const seen = new Map<string, { ok: number; wrong: number }>(PATHS.map((path) => [path, { ok: 0, wrong: 0 }]));
    const result = await autocannon({
      url: stack.url,
      connections: CONNECTIONS,
      duration: DURATION_SECONDS,
      timeout: 10,
      requests: PATHS.map((path) => ({
        method: 'GET' as const,
        path,
        onResponse: (status: number, body: string) => {
          const tally = seen.get(path) as { ok: number; wrong: number };
          if (status === 200 && matches(path, body)) tally.ok++;
          else tally.wrong++;
        },
      })),
    });

    // Autocannon stops with a request in flight on each connection; the handler finishes them
    // (before the store is closed under them) and has then answered every request sent.
    await vi.waitFor(() => expect(handled()).toHaveLength(result.requests.sent), { timeout: 10_000, interval: 20 });

    const figures = {
      connections: CONNECTIONS,
      durationSeconds: DURATION_SECONDS,
      paths: PATHS,
      requestsPerSecond: result.requests.average,
      latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
      total: result.requests.total,
      errors: result.errors,
      timeouts: result.timeouts,
      non2xx: result.non2xx,
      byPath: Object.fromEntries(seen),
    };
    mkdirSync('test-artifacts', { recursive: true });
    writeFileSync('test-artifacts/load.json', `${JSON.stringify(figures, null, 2)}\n`);
    process.stdout.write(
      `api load: ${figures.requestsPerSecond} req/s average, latency p50 ${figures.latencyMs.p50} ms, p99 ${figures.latencyMs.p99} ms, ${figures.total} requests, ${figures.errors} errors, ${figures.timeouts} timeouts, ${figures.non2xx} non-2xx (${CONNECTIONS} connections, ${DURATION_SECONDS} s)\n`,
    );

    expect(result.errors).toBe(0);
    expect(result.timeouts).toBe(0);
    expect(result.non2xx).toBe(0);
    expect(result.requests.total).toBeGreaterThan(0);
    expect(handled().filter((line) => line.status !== 200)).toEqual([]);
    expect(logs.lines().filter((line) => line.level === 'ERROR')).toEqual([]);
    for (const [path, tally] of seen) {
      expect(tally.wrong, path).toBe(0);
      expect(tally.ok, path).toBeGreaterThan(0);
    }
    expect([...seen.values()].reduce((sum, t) => sum + t.ok, 0)).toBe(result['2xx']);
  }, 30_000);
});
