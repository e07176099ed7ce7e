import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { BUNDLED_DATA_DIR } from '../../functions/local/cli/symbol-source.js';
import type { LocalStack } from '../../functions/local/local-stack.js';
import { type DiscordKeys, discordKeys, discordSettings, signedHeaders } from '../helpers/discord.js';
import { captureLogs } from '../helpers/logs.js';

vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  // The local runtime switches EMF metrics off; these tests read them.
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
});
const { startLocalStack } = await import('../../functions/local/local-stack.js');

let keys: DiscordKeys;
let stack: LocalStack;
let logs: ReturnType<typeof captureLogs>;
beforeAll(async () => {
  keys = discordKeys();
  logs = captureLogs();
  stack = await startLocalStack({
    watchlist: 'telemetry-test',
    symbols: ['AAPL', 'GE', 'MDB'],
    scanners: ['macd', 'ttm-squeeze', 'vpb'],
    dataDir: BUNDLED_DATA_DIR,
    lookback: 150,
    asOf: '2024-03-08',
    port: 0,
    discord: { settings: discordSettings(keys) },
  });
}, 60_000);
afterAll(async () => {
  logs.restore();
  await stack.close();
});

type Emf = {
  service: string;
  MaxRss: number;
  _aws: { CloudWatchMetrics: { Namespace: string; Metrics: { Name: string; Unit: string }[] }[] };
};
const metricDocs = (service: string) =>
  logs.lines().filter((l): l is Emf & Record<string, unknown> => l._aws !== undefined && l.service === service);
const endLines = (message: string) => logs.lines().filter((l) => l.message === message);

function expectInvocationFigures(line: Record<string, unknown> | undefined, coldStart: boolean) {
  for (const key of ['rssMb', 'maxRssMb', 'heapUsedMb']) expect(line?.[key], key).toBeGreaterThan(1);
  expect(line?.durationMs).toBeGreaterThanOrEqual(0);
  expect(line?.maxRssMb as number).toBeGreaterThanOrEqual(line?.rssMb as number);
  expect(line?.coldStart).toBe(coldStart);
}

function expectMaxRssMetric(service: string, count: number) {
  const docs = metricDocs(service);
  expect(docs).toHaveLength(count);
  for (const doc of docs) {
    expect(doc._aws.CloudWatchMetrics[0].Namespace).toBe('scanfleet');
    expect(doc._aws.CloudWatchMetrics[0].Metrics).toContainEqual({ Name: 'MaxRss', Unit: 'Megabytes' });
    expect(doc.MaxRss).toBeGreaterThan(20);
  }
}

describe('end-of-invocation telemetry of every handler', () => {
  it('dispatch and scan-batch: duration, memory, cold-start flag and the MaxRss metric', () => {
    const [dispatch] = endLines('dispatch finished');
    expect(dispatch).toMatchObject({ service: 'dispatch', status: 'dispatched', symbols: 3 });
    expectInvocationFigures(dispatch, true);
    expectMaxRssMetric('dispatch', 1);
    const batches = endLines('batch finished');
    expect(batches).toHaveLength(1);
    expectInvocationFigures(batches[0], true);
    expectMaxRssMetric('scan-batch', 1);
  });

  it('api: one line and one MaxRss per request, cold only on the first', async () => {
    for (let i = 0; i < 2; i++) expect((await fetch(`${stack.url}/api/health`)).status).toBe(200);
    const lines = endLines('request');
    expect(lines.map((l) => [l.service, l.method, l.path, l.status])).toEqual([
      ['api', 'GET', '/api/health', 200],
      ['api', 'GET', '/api/health', 200],
    ]);
    expectInvocationFigures(lines[0], true);
    expectInvocationFigures(lines[1], false);
    expectMaxRssMetric('api', 2);
  });

  it('discord: one line and one MaxRss per verified interaction', async () => {
    for (let i = 0; i < 2; i++) {
      const body = JSON.stringify({ type: 1 });
      const response = await fetch(`${stack.url}/discord/interactions`, {
        method: 'POST',
        body,
        headers: signedHeaders(keys, body),
      });
      expect(await response.json()).toEqual({ type: 1 });
    }
    const lines = endLines('interaction');
    expect(lines.map((l) => [l.service, l.type, l.status])).toEqual([
      ['discord', 1, 200],
      ['discord', 1, 200],
    ]);
    expectInvocationFigures(lines[0], true);
    expectInvocationFigures(lines[1], false);
    expectMaxRssMetric('discord', 2);
  });
});
