import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../functions/adapters/store/dynamodb-client.js';
import { openStores } from '../../functions/adapters/store/stores.js';
import { deriveRunId } from '../../functions/core/run/run-id.js';
import { BUNDLED_DATA_DIR } from '../../functions/local/cli/symbol-source.js';
import { type LocalStack, startLocalStack } from '../../functions/local/local-stack.js';

const SYMBOLS = ['AAPL', 'GE', 'MDB', 'DDOG', 'COST', 'ARM', 'ZZZZ'];

/** [date, column] of a bundled CSV, read as plain text. */
function csvColumn(symbol: string, name: string): [string, number][] {
  const [header, ...rows] = readFileSync(join(BUNDLED_DATA_DIR, `${symbol}.csv`), 'utf8')
    .trim()
    .split('\n');
  const index = header.split(',').indexOf(name);
  return rows.map((row) => row.split(',')).map((cells) => [cells[0], Number(cells[index])]);
}
const csvCloses = (symbol: string) => csvColumn(symbol, 'Close');
let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack({
    watchlist: 'api-test',
    symbols: SYMBOLS,
    scanners: ['macd', 'ttm-squeeze', 'vpb'],
    dataDir: BUNDLED_DATA_DIR,
    lookback: 150,
    asOf: '2024-03-08',
    port: 0,
  });
}, 60_000);
afterAll(() => stack.close());

async function get(path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${stack.url}${path}`, { headers });
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  // Bodies are JSON asserted field by field below; typing each route's shape here would repeat the API.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: response.status, headers: response.headers, body: body as Record<string, any>, text };
}

describe('GET /api/scans/{scanner}', () => {
  it('answers the latest complete run’s results, with the run and as-of date', async () => {
    const { status, body, headers } = await get('/api/scans/vpb');
    expect(status).toBe(200);
    expect(headers.get('cache-control')).toBe('public, max-age=60');
    expect(headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(body.run).toMatchObject({
      runId: stack.run.runId,
      status: 'complete',
      asOf: '2024-03-08',
      progress: { batchesDone: 1, batchesExpected: 1, symbolsDone: 7, symbols: 7 },
      symbolsWithErrors: 1,
      breadth: { measured: 6 },
    });
    expect(body.results.map((r: { symbol: string }) => r.symbol)).toEqual([
      'AAPL',
      'ARM',
      'COST',
      'DDOG',
      'GE',
      'MDB',
      'ZZZZ',
    ]);
    expect(body.results.find((r: { symbol: string }) => r.symbol === 'GE')).toMatchObject({
      signal: 'buy',
      status: 'ok',
      barDate: '2024-03-08',
      values: { pattern: 'breakout_20d_high', priorHigh: 166.729996 },
    });
  });

  it('filters by signal and pages with a cursor', async () => {
    expect((await get('/api/scans/vpb?signal=sell')).body.results.map((r: { symbol: string }) => r.symbol)).toEqual([
      'MDB',
    ]);
    const first = await get('/api/scans/macd?limit=3');
    expect(first.body.results).toHaveLength(3);
    const second = await get(`/api/scans/macd?limit=3&cursor=${first.body.cursor}`);
    const third = await get(`/api/scans/macd?limit=3&cursor=${second.body.cursor}`);
    expect(
      [...first.body.results, ...second.body.results, ...third.body.results].map((r: { symbol: string }) => r.symbol),
    ).toEqual(['AAPL', 'ARM', 'COST', 'DDOG', 'GE', 'MDB', 'ZZZZ']);
    expect(third.body.cursor).toBeUndefined();
  });
});

describe('GET /api/symbols/{symbol}', () => {
  it('answers every scanner’s latest result and the signal history', async () => {
    const { status, body } = await get('/api/symbols/ddog');
    expect(status).toBe(200);
    expect(body.symbol).toBe('DDOG');
    expect(body.latest.map((r: { scanner: string; signal: string | null }) => [r.scanner, r.signal])).toEqual([
      ['vpb', null],
      ['ttm-squeeze', 'fired_short'],
      ['macd', null],
    ]);
    // The store's first run records the events of its last 5 sessions as seen: the squeeze DDOG was
    // in (on since 02-13, seen first on 03-04, the oldest of them) and its fire on 03-08, each once.
    expect(body.horizons).toEqual([1, 5, 10, 20]);
    expect(body.history.map(({ forwardReturns: _, ...event }: Record<string, unknown>) => event)).toEqual([
      {
        scanner: 'ttm-squeeze',
        signal: 'fired_short',
        barDate: '2024-03-08',
        start: '2024-03-08',
        status: 'seen',
        firstSeenAt: '2024-03-08T21:00:00.000Z',
        confirmedAt: '2024-03-08T21:00:00.000Z',
      },
      {
        scanner: 'ttm-squeeze',
        signal: 'squeeze_on',
        barDate: '2024-03-04',
        start: '2024-02-13',
        status: 'seen',
        firstSeenAt: '2024-03-08T21:00:00.000Z',
        confirmedAt: '2024-03-08T21:00:00.000Z',
      },
    ]);
    // What followed each event, from its start session's close: the fire on the last bar has no
    // session after it yet; the squeeze, on since 02-13, has 17 (no 20th).
    expect(body.history[0].forwardReturns).toEqual({ 1: null, 5: null, 10: null, 20: null });
    const closes = csvCloses('DDOG');
    const t = closes.findIndex(([day]) => day === '2024-02-13');
    const squeeze = body.history[1].forwardReturns;
    expect(squeeze['20']).toBeNull();
    for (const h of [1, 5, 10])
      // the cached closes are Float32: 7 significant digits
      expect(squeeze[String(h)]).toBeCloseTo(100 * (closes[t + h][1] / closes[t][1] - 1), 3);
  });

  it('answers the chart series: 150 bars with Bollinger, Keltner and MACD overlays', async () => {
    const { status, body } = await get('/api/symbols/GE/chart');
    expect(status).toBe(200);
    expect(body.bars).toHaveLength(150);
    // The last row of data/daily/GE.csv (169.509995, 175.809998, 167.350006, 167.960007), as the
    // worker cached it: prices as Float32, 7 significant digits.
    expect(body.bars[149]).toEqual({
      time: '2024-03-08',
      open: 169.51,
      high: 175.81,
      low: 167.35,
      close: 167.96,
      volume: 16940300,
    });
    expect(body.bollinger.upper.slice(0, 19).every((v: unknown) => v === null)).toBe(true);
    expect(body.bollinger.upper[19]).toBeGreaterThan(body.bollinger.lower[19]);
    expect(body.keltner.upper[19]).toBeNull();
    expect(body.keltner.upper[20]).toBeGreaterThan(body.keltner.lower[20]);
    // EMA(26) from bar 25, then EMA(9) of the MACD line from bar 25 + 8.
    expect(body.macd.histogram[32]).toBeNull();
    expect(typeof body.macd.histogram[33]).toBe('number');
  });

  it('answers the volume pane’s 20-day average and the squeeze dots, as VPB and TTM Squeeze saw them', async () => {
    const [{ body }, vpb, squeeze] = await Promise.all([
      get('/api/symbols/GE/chart'),
      get('/api/symbols/GE'),
      get('/api/scans/ttm-squeeze'),
    ]);
    // The mean of the 20 sessions before the last, from the CSV's own volumes.
    const volumes = csvColumn('GE', 'Volume').map(([, v]) => v);
    const prior20 = volumes.slice(-21, -1).reduce((a, b) => a + b, 0) / 20;
    expect(body.volumeAverage.days).toBe(20);
    expect(body.volumeAverage.values[149]).toBeCloseTo(prior20, 0);
    expect(body.volumeAverage.values.slice(0, 20).every((v: unknown) => v === null)).toBe(true);
    const vpbResult = vpb.body.latest.find((r: { scanner: string }) => r.scanner === 'vpb');
    expect(body.volumeAverage.values[149]).toBeCloseTo(vpbResult.values.averageVolume, 0);
    // The dots: null until the channels are defined, then the scanner's state on the last bar.
    expect(body.squeezeOn.slice(0, 20).every((v: unknown) => v === null)).toBe(true);
    expect(body.squeezeOn.slice(20).every((v: unknown) => typeof v === 'boolean')).toBe(true);
    const ge = squeeze.body.results.find((r: { symbol: string }) => r.symbol === 'GE');
    expect(body.squeezeOn[149]).toBe(ge.values.squeezeOn);
    expect(body.squeezeOn.filter(Boolean).length).toBeGreaterThan(0);
  });
});

describe('GET /api/runs', () => {
  it('lists runs newest first and answers one run with progress and per-symbol problems', async () => {
    const list = await get('/api/runs');
    expect(list.body.runs.map((r: { runId: string }) => r.runId)).toEqual([stack.run.runId]);
    expect(list.headers.get('cache-control')).toBe('no-store');
    const { status, body } = await get(`/api/runs/${stack.run.runId}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({
      runId: stack.run.runId,
      status: 'complete',
      doneBatches: [0],
      failedBatches: [],
      symbols: SYMBOLS,
    });
    expect(body.problems).toEqual([
      { symbol: 'ZZZZ', scanner: 'macd', status: 'error', reason: expect.stringMatching(/^no data for ZZZZ/) },
      { symbol: 'ZZZZ', scanner: 'ttm-squeeze', status: 'error', reason: expect.stringMatching(/^no data for ZZZZ/) },
      { symbol: 'ZZZZ', scanner: 'vpb', status: 'error', reason: expect.stringMatching(/^no data for ZZZZ/) },
    ]);
  });
});

describe('runs that did not complete', () => {
  it('include their status and why in /api/runs and /api/runs/{id}; the shown results stay the complete run’s', async () => {
    // A run the sweeper ended `failed` past its deadline (recorded as it records them), newer than the stack's run.
    const stores = openStores(createDocumentClient(stack.store.endpoint), { tableName: stack.store.tableName });
    const scheduledAt = new Date(Date.now() + 60_000);
    const runId = deriveRunId(scheduledAt, 'api-test');
    await stores.runs.createRun({
      runId,
      watchlist: 'api-test',
      kind: 'scheduled',
      purpose: 'after-close',
      session: '2024-03-08',
      scheduledAt: scheduledAt.toISOString(),
      startedAt: scheduledAt.toISOString(),
      sessionDate: '2024-03-08',
      symbols: SYMBOLS,
      scanners: ['vpb'],
      batchSize: 30,
      batchesExpected: 1,
    });
    await stores.runs.endRun(
      { runId, scheduledAt: scheduledAt.toISOString() },
      {
        status: 'failed',
        reason: 'no batch done by its deadline: batch 0 missing',
        missing: [],
      },
    );
    const list = await get('/api/runs');
    expect(
      list.body.runs.map((r: { runId: string; status: string; endReason?: string }) => [
        r.runId,
        r.status,
        r.endReason,
      ]),
    ).toEqual([
      [runId, 'failed', 'no batch done by its deadline: batch 0 missing'],
      [stack.run.runId, 'complete', undefined],
    ]);
    const detail = await get(`/api/runs/${runId}`);
    expect(detail.body).toMatchObject({
      runId,
      status: 'failed',
      endReason: 'no batch done by its deadline: batch 0 missing',
    });
    expect((await get('/api/scans/vpb')).body.run.runId).toBe(stack.run.runId);
  });
});

describe('GET /api/health and /api/debug/memory', () => {
  it('reports status, version, the last run’s age and this container’s memory; degraded behind a failed run', async () => {
    const { status, body } = await get('/api/health');
    expect(status).toBe(200);
    // The newest run is the one the sweeper ended failed above; the shown run is still the stack's.
    const [newest] = (await get('/api/runs?limit=1')).body.runs;
    expect(newest.status).toBe('failed');
    expect(body).toMatchObject({
      status: 'degraded',
      reason: `the newest run ${newest.runId} ended failed: no batch done by its deadline: batch 0 missing`,
      version: 'dev',
      lastRun: { runId: stack.run.runId },
    });
    expect(body.lastRun.ageSeconds).toBeGreaterThanOrEqual(0);
    expect(body.memory.rssMb).toBeGreaterThan(20);
    expect(body.memory.heapUsedMb).toBeGreaterThan(1);
  });

  it('answers 200 and degraded, with the reason, when the newest run failed (a dev stack whose scan failed)', async () => {
    // A stack whose scan failed (Alpaca without keys: every batch fails every delivery) still serves.
    const failing = await startLocalStack({
      watchlist: 'api-test',
      symbols: ['GE', 'AAPL'],
      scanners: ['vpb'],
      dataDir: BUNDLED_DATA_DIR,
      lookback: 150,
      provider: 'alpaca',
      maxReceives: 1,
      port: 0,
    });
    try {
      expect(failing.run.status).toBe('failed');
      const response = await fetch(`${failing.url}/api/health`);
      const body = (await response.json()) as Record<string, unknown>;
      expect([response.status, body.status, body.lastRun]).toEqual([200, 'degraded', null]);
      expect(body.reason).toBe(`the newest run ${failing.run.runId} ended failed: ${failing.run.endReason}`);
      expect(body.reason).toMatch(/ALPACA_KEY_ID/);
    } finally {
      await failing.close();
    }
  });

  it('gives the memory breakdown when enabled (the dev server enables it)', async () => {
    const { status, body } = await get('/api/debug/memory');
    expect(status).toBe(200);
    expect(body.process.rssMb).toBeGreaterThan(20);
    expect(body.heapSpaces.map((s: { name: string }) => s.name)).toContain('old_space');
  });
});

describe('rejected requests', () => {
  const cases: [string, number, string, string | undefined][] = [
    ['/api/scans/rsi', 404, 'unknown_scanner', 'scanner'],
    ['/api/scans/vpb?signal=bullish_cross', 400, 'bad_parameter', 'signal'],
    ['/api/scans/vpb?limit=0', 400, 'bad_parameter', 'limit'],
    ['/api/scans/vpb?limit=501', 400, 'bad_parameter', 'limit'],
    ['/api/scans/vpb?limit=1e2', 400, 'bad_parameter', 'limit'],
    ['/api/scans/vpb?cursor=not-a-cursor', 400, 'bad_parameter', 'cursor'],
    ['/api/scans/vpb?sort=price', 400, 'bad_parameter', 'sort'],
    ['/api/symbols/..%2F..%2Fetc%2Fpasswd', 400, 'bad_parameter', 'symbol'],
    ['/api/symbols/AAPL;DROP', 400, 'bad_parameter', 'symbol'],
    ['/api/symbols/NVDA', 404, 'unknown_symbol', 'symbol'],
    ['/api/symbols/ZZZZ/chart', 404, 'unknown_symbol', 'symbol'],
    ['/api/runs/latest', 400, 'bad_parameter', 'runId'],
    ['/api/runs/20200101T000000Z-gone', 404, 'unknown_run', 'runId'],
    ['/api/runs?limit=101', 400, 'bad_parameter', 'limit'],
    ['/api/nothing', 404, 'not_found', undefined],
    ['/api/scans/vpb/extra', 404, 'not_found', undefined],
    [`/api/scans/vpb?signal=${'x'.repeat(1100)}`, 400, 'query_too_long', undefined],
    ['/secret.txt', 404, 'not_found', undefined],
  ];

  it.each(cases)('%s → %i %s', async (path, status, code, parameter) => {
    const response = await get(path);
    expect(response.status).toBe(status);
    expect(response.body.error.code).toBe(code);
    expect(response.body.error.parameter).toBe(parameter);
    expect(response.text).not.toMatch(/at .*\.(ts|js):\d+|node_modules|ResultStore|DynamoDB/);
  });

  it('answers 405 to anything but GET', async () => {
    const response = await fetch(`${stack.url}/api/scans/vpb`, { method: 'POST', body: '{}' });
    expect(response.status).toBe(405);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('method_not_allowed');
  });
});

describe('dashboard files', () => {
  it('serves the page, its script and style, and the chart library, gzipped on request', async () => {
    for (const [path, type] of [
      ['/', 'text/html'],
      ['/app.js', 'text/javascript'],
      ['/style.css', 'text/css'],
      ['/vendor/lightweight-charts.js', 'text/javascript'],
    ]) {
      const response = await fetch(`${stack.url}${path}`, { headers: { 'accept-encoding': 'gzip' } });
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type')).toContain(type);
      expect(response.headers.get('content-encoding')).toBe('gzip');
    }
    const page = await get('/');
    expect(page.text).toContain('<title>scanfleet</title>');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
  });
});
