import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatchHandler, type DispatchDeps } from '../../functions/dispatch/handler.js';
import { type ScanMessage } from '../../functions/core/scan-message.js';
import { QueueError, SqsScanQueue } from '../../functions/adapters/queue/scan-queue.js';
import { ResultStore } from '../../functions/adapters/store/result-store.js';
import { localLambdaContext } from '../../functions/local/lambda-context.js';
import { startSqsServer, type SqsServer } from '../helpers/sqs-server.js';
import { useEmbeddedStore } from '../helpers/store.js';

const db = useEmbeddedStore();
let sqs: SqsServer;
let sqsClient: SQSClient;
beforeAll(async () => {
  sqs = await startSqsServer();
  sqsClient = new SQSClient({ endpoint: sqs.endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
});
afterAll(async () => {
  sqsClient.destroy();
  await sqs.close();
});

const symbols = Array.from({ length: 150 }, (_, i) => `S${String(i).padStart(3, '0')}`);
const context = localLambdaContext('dispatch');

function handlerWith(overrides: Partial<DispatchDeps> = {}) {
  const deps: DispatchDeps = {
    store: new ResultStore(db.client(), { tableName: db.store().tableName }),
    queue: new SqsScanQueue(sqsClient, sqs.queueUrl, { sleep: async () => {} }),
    watchlist: (name) => {
      if (name === 'full') return symbols;
      throw new Error(`unknown watchlist ${name}`);
    },
    batchSize: 30,
    now: () => new Date('2026-11-24T15:00:05Z'),
    ...overrides,
  };
  return { dispatch: createDispatchHandler(() => deps), store: deps.store };
}

const sentSince = (from: number) => sqs.received.slice(from).map((body) => JSON.parse(body) as ScanMessage);

describe('dispatch handler', () => {
  it('creates the run and sends 150 symbols as 5 batches of 30, in SendMessageBatch calls of ≤ 10', async () => {
    const { dispatch, store } = handlerWith();
    const before = sqs.received.length;
    const result = await dispatch({ watchlist: 'full', scheduledAt: '2026-11-24T14:30:00Z' }, context);
    expect(result).toEqual({ runId: '20261124T143000Z-full', status: 'dispatched', symbols: 150, batches: 5 });
    const sent = sentSince(before);
    expect(sent.map((m) => [m.batch, m.symbols.length, m.symbols[0]])).toEqual([
      [0, 30, 'S000'],
      [1, 30, 'S030'],
      [2, 30, 'S060'],
      [3, 30, 'S090'],
      [4, 30, 'S120'],
    ]);
    expect(sent[0]).toMatchObject({ runId: '20261124T143000Z-full', scanners: ['macd', 'ttm-squeeze', 'vpb'], scheduledAt: '2026-11-24T14:30:00.000Z' });
    const run = await store.getRun('20261124T143000Z-full');
    expect(run).toMatchObject({ status: 'running', watchlist: 'full', batchesExpected: 5, batchesDone: 0, sessionDate: '2026-11-24', startedAt: '2026-11-24T15:00:05.000Z' });
    expect(run?.symbols).toHaveLength(150);
  });

  it('splits more than 10 batches over several SendMessageBatch calls', async () => {
    const { dispatch } = handlerWith({ batchSize: 10 });
    const callsBefore = sqs.calls.length;
    const result = await dispatch({ watchlist: 'full', scheduledAt: '2026-11-24T15:30:00Z' }, context);
    expect(result.batches).toBe(15);
    expect(sqs.calls.slice(callsBefore).map((ids) => ids.length)).toEqual([10, 5]);
  });

  it('is the same run when the schedule fires again: a complete run is not sent twice', async () => {
    const { dispatch, store } = handlerWith();
    const before = sqs.received.length;
    const again = await dispatch({ watchlist: 'full', scheduledAt: '2026-11-24T14:30:00Z' }, context);
    // Not complete yet: its batches go out again (scan-batch counts each once).
    expect(again).toMatchObject({ runId: '20261124T143000Z-full', status: 'dispatched', batches: 5 });
    expect(sentSince(before)).toHaveLength(5);
    for (let batch = 0; batch < 5; batch++) {
      await store.recordBatch('20261124T143000Z-full', batch, { summary: { symbols: 30, signals: {}, symbolsInsufficient: 0, symbolsWithErrors: 0, breadth: { aboveSma50: 0, measured: 0, bullishSignals: 0, bearishSignals: 0 } }, dataIssues: {} });
    }
    expect(await store.completeRun('20261124T143000Z-full')).toBe(true);
    const afterComplete = sqs.received.length;
    expect(await dispatch({ watchlist: 'full', scheduledAt: '2026-11-24T14:30:00Z' }, context)).toMatchObject({ status: 'already_complete', batches: 0 });
    expect(sqs.received.length).toBe(afterComplete);
  });

  it('skips NYSE holidays and says so in the run record', async () => {
    const { dispatch, store } = handlerWith();
    const before = sqs.received.length;
    const result = await dispatch({ watchlist: 'full', scheduledAt: '2026-11-26T15:30:00Z' }, context);
    expect(result).toEqual({ runId: '20261126T153000Z-full', status: 'skipped_holiday', symbols: 150, batches: 0, reason: 'NYSE closed: Thanksgiving Day' });
    expect(sqs.received.length).toBe(before);
    expect(await store.getRun('20261126T153000Z-full')).toMatchObject({ status: 'skipped', skippedReason: 'NYSE closed: Thanksgiving Day', batchesExpected: 0 });
  });

  it('retries entries SQS reports as failed, and fails loudly when they keep failing', async () => {
    const { dispatch } = handlerWith();
    sqs.failNext('batch-2', 2);
    const before = sqs.received.length;
    await dispatch({ watchlist: 'full', scheduledAt: '2026-11-24T16:30:00Z' }, context);
    expect(sentSince(before).map((m) => m.batch).sort()).toEqual([0, 1, 2, 3, 4]);

    sqs.failNext('batch-4', 99);
    await expect(dispatch({ watchlist: 'full', scheduledAt: '2026-11-24T17:30:00Z' }, context)).rejects.toThrow(
      new QueueError('could not enqueue 1 of 5 batches after 5 attempts: batch-4 (InternalError: injected failure)'),
    );
    sqs.failNext('batch-4', 0);
    sqs.failNext('batch-1', 1, true);
    await expect(dispatch({ watchlist: 'full', scheduledAt: '2026-11-24T18:30:00Z' }, context)).rejects.toThrow('SQS refused batch-1 (InvalidMessageContents: injected failure); not retried');
  });

  it('rejects bad events with an error naming the field, before writing anything', async () => {
    const { dispatch, store } = handlerWith();
    const cases: [unknown, string][] = [
      [{}, 'bad dispatch event: watchlist: Invalid input: expected string, received undefined'],
      [{ watchlist: 'Full List' }, 'watchlist must be 1-40 lower-case letters, digits or dashes, got "Full List"'],
      [{ watchlist: 'full', scanners: ['rsi'] }, 'unknown scanner "rsi"; choose from macd, ttm-squeeze, vpb'],
      [{ watchlist: 'full', asOf: '2026-02-30' }, 'asOf must be a real date as YYYY-MM-DD, got "2026-02-30"'],
      [{ watchlist: 'full', scheduledAt: 'tomorrow' }, 'scheduledAt is not a time: "tomorrow"'],
      [{ watchlist: 'full', symbols: ['AAPL', '$$$'] }, 'symbols has 1 invalid symbol(s): "$$$"'],
      [{ watchlist: 'full', params: { macd: { fastPeriod: 40 } } }, 'macd.fastPeriod (40) must be shorter than macd.slowPeriod (26)'],
      [{ watchlist: 'full', extra: 1 }, 'bad dispatch event: event: Unrecognized key: "extra"'],
    ];
    for (const [event, message] of cases) {
      await expect(dispatch(event as never, context), JSON.stringify(event)).rejects.toThrow(message);
    }
    expect((await store.listRuns(50)).items.some((run) => run.scheduledAt.startsWith('2026-11-24T15:00'))).toBe(false);
  });
});
