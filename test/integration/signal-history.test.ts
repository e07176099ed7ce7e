import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleApiRequest } from '../../functions/api/routes.js';
import { BUNDLED_DATA_DIR } from '../../functions/local/cli/symbol-source.js';
import { type EmbeddedStore, startEmbeddedStore } from '../../functions/local/embedded-store.js';
import {
  configureLocalEnvironment,
  localSettings,
  type LocalPipelineResult,
  runLocalPipeline,
} from '../../functions/local/local-pipeline.js';
import { ReplayMarketData } from '../../functions/local/replay/replay-market-data.js';
import { KEYS } from '../../functions/adapters/store/table-schema.js';

// Four runs of the schedule with intraday alerts, over one store: the evening of 2024-03-06 (the
// store's first run), then 10:30, 12:30 and 16:45 on 2024-03-07. COST's VPB buy forms at 10:30
// and is confirmed at the close; HUM's MACD bearish cross forms at 10:30 and is gone by the close.
const SYMBOLS = ['COST', 'HUM', 'GE', 'AAPL'];
let db: EmbeddedStore;
const runs: LocalPipelineResult[] = [];
beforeAll(async () => {
  configureLocalEnvironment();
  db = await startEmbeddedStore();
  const data = new ReplayMarketData(BUNDLED_DATA_DIR);
  for (const [at, purpose] of [
    ['2024-03-06T20:00:00-05:00', 'refetch'],
    ['2024-03-07T10:30:00-05:00', 'market-hours'],
    ['2024-03-07T12:30:00-05:00', 'market-hours'],
    ['2024-03-07T16:45:00-05:00', 'after-close'],
  ] as const) {
    const now = new Date(at);
    runs.push(
      await runLocalPipeline({
        store: db,
        watchlist: 'history',
        symbols: SYMBOLS,
        scanners: ['macd', 'ttm-squeeze', 'vpb'],
        dataDir: BUNDLED_DATA_DIR,
        lookback: 150,
        marketData: data,
        now,
        kind: 'replay',
        purpose,
        intraday: true,
      }),
    );
  }
}, 60_000);
afterAll(() => db.close());

async function api(path: string) {
  const { apiDeps } = await import('../../functions/api/handler.js');
  const [route, query = ''] = path.split('?');
  const response = await handleApiRequest(
    { method: 'GET', path: route, query: Object.fromEntries(new URLSearchParams(query)), headers: {}, rawQuery: query },
    apiDeps(localSettings({ dataDir: BUNDLED_DATA_DIR, lookback: 150 }, db)),
  );
  return JSON.parse(response.body as string);
}

describe('runs and results on a bar still trading', () => {
  it('mark results partial during the session and closed after it, and runs with their kind and session', () => {
    const [evening, morning, noon, close] = runs;
    expect(evening.run).toMatchObject({ kind: 'replay', purpose: 'refetch', session: '2024-03-06', symbolsPartial: 0 });
    expect(morning.run).toMatchObject({ session: '2024-03-07', symbolsPartial: 4, now: '2024-03-07T15:30:00.000Z' });
    expect(noon.outcomes.every((o) => o.partial === true && o.barDate === '2024-03-07')).toBe(true);
    expect(close.outcomes.every((o) => o.partial === false && o.barDate === '2024-03-07')).toBe(true);
    // VPB on the partial bar projects the day's volume from the volume so far.
    const vpb = noon.outcomes.find((o) => o.symbol === 'COST' && o.scanner === 'vpb');
    expect(vpb?.values).toMatchObject({ sessionShare: expect.closeTo(0.44, 12) });
    expect(Number(vpb?.values?.projectedVolume)).toBeCloseTo(Number(vpb?.values?.volumeSoFar) / 0.44, 3);
  });

  it('serve the latest run, and the chart only up to a run’s instant', async () => {
    const body = await api('/api/scans/vpb');
    expect(body.run).toMatchObject({
      runId: runs[3].run.runId,
      kind: 'replay',
      session: '2024-03-07',
      symbolsPartial: 0,
    });
    // The chart draws the bars each run's worker cached: the evening run stops at 03-06; the noon
    // run adds the 03-07 bar it saw forming (its volume so far, as VPB read it), after the close
    // the bar has closed.
    const chart = async (run: LocalPipelineResult) =>
      (await api(`/api/symbols/COST/chart?runId=${run.run.runId}`)).bars;
    expect((await chart(runs[0])).at(-1).time).toBe('2024-03-06');
    const [noon, close] = [await chart(runs[2]), await chart(runs[3])];
    const vpb = runs[2].outcomes.find((o) => o.symbol === 'COST' && o.scanner === 'vpb');
    expect([noon.at(-2).time, noon.at(-1).time, noon.at(-1).volume]).toEqual([
      '2024-03-06',
      '2024-03-07',
      vpb?.values?.volumeSoFar,
    ]);
    expect([close.at(-1).time, close.at(-1).volume > noon.at(-1).volume]).toEqual(['2024-03-07', true]);
    expect((await api('/api/symbols/COST/chart')).bars.at(-1).time).toBe('2024-03-07'); // the latest run's
  });
});

describe('a run that ended partial', () => {
  it('is the one served, marked as such (a run’s status, not its bars’ partial flag)', async () => {
    // The operations sweeper ends overdue runs "partial"; here the last run is marked so directly.
    const { UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
    const { createDocumentClient } = await import('../../functions/adapters/store/dynamodb-client.js');
    const client = createDocumentClient(db.endpoint);
    await client.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: KEYS.run(runs[3].run.runId),
        UpdateExpression: 'SET #s = :partial',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':partial': 'partial' },
      }),
    );
    client.destroy();
    const body = await api('/api/scans/macd');
    expect(body.run).toMatchObject({ runId: runs[3].run.runId, status: 'partial', symbolsPartial: 0 });
    expect(body.results.every((r: { partial: boolean }) => r.partial === false)).toBe(true);
  });
});

describe('signal history', () => {
  it('lists each event once, with when it was first seen and when the close confirmed it', async () => {
    const cost = await api('/api/symbols/COST');
    const buys = cost.history.filter((h: { signal: string }) => h.signal === 'buy');
    expect(buys).toEqual([
      {
        scanner: 'vpb',
        signal: 'buy',
        barDate: '2024-03-07',
        start: '2024-03-07',
        status: 'confirmed',
        firstSeenAt: '2024-03-07T15:30:00.000Z',
        confirmedAt: '2024-03-07T21:45:00.000Z',
        // The event's session is the last closed one: no session after it has closed yet.
        forwardReturns: { 1: null, 5: null, 10: null, 20: null },
      },
    ]);
    const hum = await api('/api/symbols/HUM');
    expect(hum.history.filter((h: { barDate: string }) => h.barDate === '2024-03-07')).toEqual([
      {
        scanner: 'macd',
        signal: 'bearish_cross',
        barDate: '2024-03-07',
        start: '2024-03-07',
        status: 'retracted',
        firstSeenAt: '2024-03-07T15:30:00.000Z',
        forwardReturns: { 1: null, 5: null, 10: null, 20: null },
      },
    ]);
    const all = [...cost.history, ...hum.history].map(
      (h: { scanner: string; signal: string; start: string }) => `${h.scanner} ${h.signal} ${h.start}`,
    );
    expect(new Set(all).size).toBe(all.length);
  });
});
