import type { SQSEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ScanMessage } from '../../functions/core/run/scan-message.js';
import { CsvMarketData } from '../../functions/adapters/market-data/csv-market-data.js';
import type { MarketData } from '../../functions/adapters/market-data/market-data.js';
import { openStores, type Stores } from '../../functions/adapters/store/stores.js';
import { BUNDLED_DATA_DIR } from '../../functions/local/cli/symbol-source.js';
import { localLambdaContext } from '../../functions/local/lambda-context.js';
import { captureLogs } from '../helpers/logs.js';
import { useEmbeddedStore } from '../helpers/store.js';

vi.hoisted(() => {
  // The handler tests switch EMF metrics off (test/helpers/store.ts); these tests read them.
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
});
const { createScanBatchHandler, SAFETY_MARGIN_MS } = await import('../../functions/scan-batch/handler.js');

const db = useEmbeddedStore();
const csv = new CsvMarketData(BUNDLED_DATA_DIR);
let logs: ReturnType<typeof captureLogs>;
beforeEach(() => (logs = captureLogs()));
afterEach(() => logs.restore());

function setup(marketData: MarketData = csv) {
  const store = openStores(db.client(), { tableName: db.store().tableName });
  const handler = createScanBatchHandler(() => ({
    stores: store,
    marketData,
    lookbackBars: 150,
    maxReceives: 3,
    alertSettings: { intraday: false, cooldownSessions: 3 },
    now: () => new Date('2026-11-24T14:30:00Z'),
  }));
  return { store, handler };
}

let sequence = 0;
function event(body: unknown, receives = 1, messageId = `m-${++sequence}`): SQSEvent {
  return {
    Records: [
      {
        messageId,
        receiptHandle: 'r',
        body: typeof body === 'string' ? body : JSON.stringify(body),
        attributes: {
          ApproximateReceiveCount: String(receives),
          SentTimestamp: '0',
          SenderId: 's',
          ApproximateFirstReceiveTimestamp: '0',
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:local:000000000000:scan-queue',
        awsRegion: 'local',
      },
    ],
  };
}

async function newRun(store: Stores, runId: string, batches: string[][], asOf = '2024-03-08') {
  const scheduledAt = '2026-11-24T14:30:00.000Z';
  await store.runs.createRun({
    runId,
    watchlist: 'test',
    kind: 'manual',
    session: asOf,
    scheduledAt,
    startedAt: scheduledAt,
    sessionDate: '2026-11-24',
    asOf,
    symbols: batches.flat(),
    scanners: ['macd', 'ttm-squeeze', 'vpb'],
    batchSize: 3,
    batchesExpected: batches.length,
  });
  return batches.map((symbols, batch): ScanMessage => ({
    runId,
    batch,
    symbols,
    scanners: ['macd', 'ttm-squeeze', 'vpb'],
    scheduledAt,
    asOf,
  }));
}

const context = localLambdaContext('scan-batch');

describe('scan-batch handler', () => {
  it('scans a batch, writes one item per symbol and scanner, and completes the run on the last batch', async () => {
    const { store, handler } = setup();
    const [first, second] = await newRun(store, '20261124T143000Z-a', [['GE', 'MDB', 'ZZZZ'], ['DDOG']]);
    expect(await handler(event(first), context)).toEqual({ batchItemFailures: [] });
    expect(await store.runs.getRun(first.runId)).toMatchObject({
      status: 'running',
      batchesDone: 1,
      symbolsDone: 3,
      symbolsWithErrors: 1,
    });
    expect(await handler(event(second), context)).toEqual({ batchItemFailures: [] });
    const run = await store.runs.getRun(first.runId);
    expect(run).toMatchObject({
      status: 'complete',
      batchesDone: 2,
      doneBatches: [0, 1],
      symbolsDone: 4,
      bullishSignals: 1,
      bearishSignals: 2,
    });
    expect(run?.signalCounts).toEqual({
      macd: { bullish_cross: 0, bearish_cross: 0 },
      'ttm-squeeze': { squeeze_on: 0, fired_long: 0, fired_short: 1 },
      vpb: { buy: 1, sell: 1 },
    });
    const results = (await store.results.runResults(first.runId, {}, 100)).items;
    expect(results).toHaveLength(12);
    expect(results.filter((r) => r.symbol === 'ZZZZ').map((r) => [r.status, r.reason])).toEqual(
      Array(3).fill(['error', expect.stringMatching(/^no data for ZZZZ/)]),
    );
  });

  it('logs one structured line per invocation with run, batch, counts, duration and memory', async () => {
    const { store, handler } = setup();
    const [message] = await newRun(store, '20261124T143000Z-b', [['GE', 'AAPL']]);
    await handler(event(message), context);
    const line = logs.lines().find((l) => l.message === 'batch finished');
    expect(line).toMatchObject({
      level: 'INFO',
      service: 'scan-batch',
      runId: '20261124T143000Z-b',
      batch: 0,
      symbols: 2,
      signals: 1,
      errors: 0,
      counted: true,
      runComplete: true,
    });
    for (const key of ['durationMs', 'rssMb', 'maxRssMb', 'heapUsedMb']) expect(line?.[key], key).toBeGreaterThan(0);
    expect(typeof line?.coldStart).toBe('boolean');
    expect(line?.function_request_id).toBe(context.awsRequestId);
    // CloudWatch embedded metric format: one document per invocation, namespace "scanfleet".
    const emf = logs.lines().find((l) => l._aws !== undefined) as {
      _aws: { CloudWatchMetrics: { Namespace: string; Metrics: { Name: string; Unit: string }[] }[] };
    } & Record<string, number>;
    expect(emf._aws.CloudWatchMetrics[0].Namespace).toBe('scanfleet');
    expect(emf._aws.CloudWatchMetrics[0].Metrics.map((m) => `${m.Name}:${m.Unit}`).sort()).toEqual([
      'MaxRss:Megabytes',
      'RunsCompleted:Count',
      'SignalsFound:Count',
      'SymbolsFailed:Count',
    ]);
    expect(emf.SignalsFound).toBe(1);
    expect(emf.SymbolsFailed).toBe(0);
    expect(emf.MaxRss).toBeGreaterThan(30);
  });

  it('does not count a re-delivered batch twice, delivered again later or twice at once', async () => {
    const { store, handler } = setup();
    const [one, two] = await newRun(store, '20261124T143000Z-c', [
      ['GE', 'MDB'],
      ['DDOG', 'AAPL'],
    ]);
    await handler(event(one), context);
    await handler(event(one, 2), context);
    expect(logs.lines().some((l) => l.message === 'batch already counted; nothing to scan')).toBe(true);
    const [a, b] = await Promise.all([handler(event(two), context), handler(event(two), context)]);
    expect([a, b]).toEqual([{ batchItemFailures: [] }, { batchItemFailures: [] }]);
    const run = await store.runs.getRun(one.runId);
    expect(run).toMatchObject({
      status: 'complete',
      batchesDone: 2,
      symbolsDone: 4,
      bullishSignals: 1,
      bearishSignals: 2,
    });
    expect((await store.results.runResults(one.runId, {}, 100)).items).toHaveLength(12);
    expect(logs.lines().filter((l) => l.message === 'batch finished' && l.runComplete === true)).toHaveLength(1);
  });

  it('completes the run when the delivery that counted the last batch stopped before completing it', async () => {
    const { store, handler } = setup();
    const [one, two] = await newRun(store, '20261124T143000Z-e', [['GE'], ['MDB']]);
    await handler(event(one), context);
    // The first delivery of batch 1 counted it, then died (or lost the update's response).
    const empty = {
      symbols: 0,
      symbolsWithErrors: 0,
      symbolsInsufficient: 0,
      breadth: { aboveSma50: 0, measured: 0, bullishSignals: 0, bearishSignals: 0 },
      signals: {},
    };
    await store.runs.recordBatch(two.runId, two.batch, { summary: empty, dataIssues: {} });
    expect(await store.runs.getRun(two.runId)).toMatchObject({ status: 'running', batchesDone: 2 });
    expect(await handler(event(two, 2), context)).toEqual({ batchItemFailures: [] });
    expect(await store.runs.getRun(two.runId)).toMatchObject({ status: 'complete', batchesDone: 2 });
    expect(logs.lines().find((l) => l.message === 'batch already counted; nothing to scan')).toMatchObject({
      batch: 1,
      runComplete: true,
    });
    // A third delivery finds it complete and completes nothing.
    await handler(event(two, 3), context);
    expect(
      logs
        .lines()
        .filter((l) => l.message === 'batch already counted; nothing to scan')
        .map((l) => l.runComplete),
    ).toEqual([true, false]);
  });

  it('takes no new work with less than its safety margin of the invocation left: the message is left for redelivery', async () => {
    const { store, handler } = setup();
    const [message] = await newRun(store, '20261124T143000Z-t', [['GE']]);
    const short = localLambdaContext('scan-batch', SAFETY_MARGIN_MS - 1_000);
    expect(await handler(event(message, 1, 'late'), short)).toEqual({
      batchItemFailures: [{ itemIdentifier: 'late' }],
    });
    expect(await store.runs.getRun(message.runId)).toMatchObject({
      status: 'running',
      batchesDone: 0,
      failedBatches: [],
    });
    expect((await store.results.runResults(message.runId)).items).toEqual([]);
    expect(await handler(event(message, 2, 'again'), context)).toEqual({ batchItemFailures: [] });
    expect(await store.runs.getRun(message.runId)).toMatchObject({ status: 'complete', batchesDone: 1 });
  });

  it('reports malformed messages as failed (for the DLQ) without touching any run', async () => {
    const { handler } = setup();
    const bodies: [unknown, RegExp][] = [
      ['{"runId": "20261124T143000Z-a", "batch": 0,', /message body is not JSON/],
      [
        { runId: 'nope', batch: 0, symbols: ['AAPL'], scanners: ['macd'], scheduledAt: '2026-11-24T14:30:00Z' },
        /runId: not a run id/,
      ],
      [
        {
          runId: '20261124T143000Z-a',
          batch: 0,
          symbols: ['AAPL'],
          scanners: ['rsi'],
          scheduledAt: '2026-11-24T14:30:00Z',
        },
        /scanners\.0: unknown scanner/,
      ],
      [
        {
          runId: '20261124T143000Z-a',
          batch: -1,
          symbols: [],
          scanners: ['macd'],
          scheduledAt: '2026-11-24T14:30:00Z',
        },
        /batch: .*; symbols: /,
      ],
    ];
    for (const [body, reason] of bodies) {
      const result = await handler(event(body, 1, 'poison'), context);
      expect(result).toEqual({ batchItemFailures: [{ itemIdentifier: 'poison' }] });
      const logged = logs
        .lines()
        .filter((l) => l.message === 'malformed scan message')
        .pop();
      expect(logged?.reason).toMatch(reason);
      expect(logged?.level).toBe('ERROR');
    }
  });

  it('fails a batch whose provider is down, and on the last delivery notes it on the run', async () => {
    const down: MarketData = {
      name: 'down',
      delayMs: 0,
      completeBarsOnly: false,
      fetchDailyBars: async () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:9')),
    };
    const { store, handler } = setup(down);
    const [message] = await newRun(store, '20261124T143000Z-d', [['GE']]);
    expect(await handler(event(message, 1, 'x'), context)).toEqual({ batchItemFailures: [{ itemIdentifier: 'x' }] });
    expect((await store.runs.getRun(message.runId))?.failedBatches).toEqual([]);
    expect(await handler(event(message, 3, 'x'), context)).toEqual({ batchItemFailures: [{ itemIdentifier: 'x' }] });
    const run = await store.runs.getRun(message.runId);
    expect(run).toMatchObject({
      status: 'failed',
      endReason:
        '1 of 1 batches failed every delivery: batch 0 (last error: batch 0: connect ECONNREFUSED 127.0.0.1:9)',
      batchesDone: 0,
      failedBatches: [0],
      lastBatchError: 'batch 0: connect ECONNREFUSED 127.0.0.1:9',
    });
    expect((await store.results.runResults(message.runId)).items).toEqual([]);
  });

  it('fails a message for a run that does not exist', async () => {
    const { handler } = setup();
    const message: ScanMessage = {
      runId: '20200101T000000Z-gone',
      batch: 0,
      symbols: ['GE'],
      scanners: ['vpb'],
      scheduledAt: '2020-01-01T00:00:00.000Z',
    };
    expect(await handler(event(message, 1, 'gone'), context)).toEqual({
      batchItemFailures: [{ itemIdentifier: 'gone' }],
    });
    expect(logs.lines().find((l) => l.message === 'batch failed')?.reason).toBe(
      'run 20200101T000000Z-gone not found (never created, or expired)',
    );
  });

  it('caches each symbol’s closed bars once per last closed bar: a run that sees the same bars writes no bars and no state', async () => {
    const real = db.client();
    const writes: string[] = [];
    const client = {
      send: (command: { constructor: { name: string }; input: Record<string, unknown> }) => {
        const name = command.constructor.name;
        const requests = Object.values((command.input.RequestItems ?? {}) as Record<string, unknown[]>).flat();
        for (const request of requests as { PutRequest?: { Item: { pk: string } } }[])
          if (request.PutRequest?.Item.pk.startsWith('BARS#')) writes.push(`bars ${request.PutRequest.Item.pk}`);
        const item = command.input.Item as { sk?: string } | undefined;
        if (name === 'PutCommand' && item?.sk === 'STATE') writes.push('state');
        return real.send(command as never);
      },
    } as unknown as typeof real;
    const store = openStores(client, { tableName: db.store().tableName, now: () => new Date('2026-11-24T14:30:00Z') });
    const handler = createScanBatchHandler(() => ({
      stores: store,
      marketData: csv,
      lookbackBars: 150,
      maxReceives: 3,
      alertSettings: { intraday: false, cooldownSessions: 3 },
      now: () => new Date('2026-11-24T14:30:00Z'),
    }));
    const symbols = ['ABNB', 'COST'];
    const [first] = await newRun(store, '20261124T143000Z-bars1', [symbols], '2024-03-06');
    await handler(event(first), context);
    expect(writes.sort()).toEqual(['bars BARS#ABNB', 'bars BARS#COST', 'state', 'state']);
    const abnb = await store.bars.closedBars('ABNB', '2024-03-06');
    // Fetched: the lookback and the gap-fill's sessions (150 + 5 + 1), closed, up to the as-of.
    expect([abnb?.length, abnb && abnb.day[abnb.length - 1]]).toEqual([156, Date.parse('2024-03-06') / 86_400_000]);

    writes.length = 0;
    const [again] = await newRun(store, '20261124T143000Z-bars2', [symbols], '2024-03-06');
    await handler(event(again), context);
    expect(writes).toEqual([]);

    const [later] = await newRun(store, '20261124T143000Z-bars3', [symbols], '2024-03-07');
    await handler(event(later), context);
    expect(writes.sort()).toEqual(['bars BARS#ABNB', 'bars BARS#COST', 'state', 'state']);
    // Each as-of keeps its own item: a chart of the first run still ends on 03-06.
    const before = await store.bars.closedBars('ABNB', '2024-03-06');
    expect(before && before.day[before.length - 1]).toBe(Date.parse('2024-03-06') / 86_400_000);
  });
});
