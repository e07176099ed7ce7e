import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDispatchHandler, type DispatchDeps } from '../../functions/dispatch/handler.js';
import { type ScanMessage } from '../../functions/core/run/scan-message.js';
import { QueueError, SqsScanQueue } from '../../functions/adapters/queue/scan-queue.js';
import { openControlStore, openStoresWithLists } from '../../functions/adapters/store/stores.js';
import { localLambdaContext } from '../../functions/local/lambda-context.js';
import { batchTimeMs } from '../../functions/adapters/market-data/providers.js';
import { runDeadlineMs } from '../../functions/core/run/run-lifecycle.js';
import { inShardOrder } from '../../functions/core/scorecard/live-scorecard.js';
import { startSqsServer, type SqsServer } from '../helpers/sqs-server.js';
import { useEmbeddedStore } from '../helpers/store.js';

const db = useEmbeddedStore();
let sqs: SqsServer;
beforeAll(async () => {
  sqs = await startSqsServer();
});
afterAll(async () => {
  await sqs.close();
});

const symbols = Array.from({ length: 150 }, (_, i) => `S${String(i).padStart(3, '0')}`);
const context = localLambdaContext('dispatch');

function handlerWith(overrides: Partial<DispatchDeps> = {}) {
  const deps: DispatchDeps = {
    runs: openStoresWithLists(db.client(), { tableName: db.store().tableName }).runs,
    control: openStoresWithLists(db.client(), { tableName: db.store().tableName }).control,
    queue: new SqsScanQueue(sqs.queueUrl, { client: sqs.client(), sleep: async () => {} }),
    watchlist: (name) => {
      if (name === 'full') return symbols;
      throw new Error(`unknown watchlist ${name}`);
    },
    batchSize: 30,
    runDeadlineMs: (batches) => runDeadlineMs(batches, batchTimeMs('schwab', 30), 2),
    now: () => new Date('2026-11-24T15:00:05Z'),
    ...overrides,
  };
  return {
    dispatch: createDispatchHandler(() => deps),
    runs: openStoresWithLists(db.client(), { tableName: db.store().tableName }).runs,
  };
}

const sentSince = (from: number) => sqs.received.slice(from).map((body) => JSON.parse(body) as ScanMessage);

describe('dispatch handler', () => {
  it('creates the run and sends 150 symbols as 5 batches of 30, in SendMessageBatch calls of ≤ 10', async () => {
    const { dispatch, runs } = handlerWith();
    const before = sqs.received.length;
    const result = await dispatch({ watchlist: 'full', scheduledAt: '2026-11-24T14:30:00Z' }, context);
    expect(result).toEqual({ runId: '20261124T143000Z-full', status: 'dispatched', symbols: 150, batches: 5 });
    const sent = sentSince(before);
    // Cut from the symbols in the live scorecard's shard order (each shard's in the list's order).
    const ordered = inShardOrder(symbols);
    expect(sent.map((m) => [m.batch, m.symbols])).toEqual(
      [0, 1, 2, 3, 4].map((batch) => [batch, ordered.slice(batch * 30, batch * 30 + 30)]),
    );
    expect(sent.flatMap((m) => m.symbols).sort()).toEqual(symbols);
    expect(sent[0]).toMatchObject({
      runId: '20261124T143000Z-full',
      scanners: ['macd', 'ttm-squeeze', 'vpb'],
      scheduledAt: '2026-11-24T14:30:00.000Z',
    });
    const run = await runs.getRun('20261124T143000Z-full');
    expect(run).toMatchObject({
      status: 'running',
      watchlist: 'full',
      batchesExpected: 5,
      batchesDone: 0,
      sessionDate: '2026-11-24',
      startedAt: '2026-11-24T15:00:05.000Z',
      // 5 Schwab batches of 30 (46 s each at 50 requests a minute) on 2 workers: under the 15-minute floor.
      deadlineAt: '2026-11-24T15:15:05.000Z',
    });
    expect(run?.symbolCount).toBe(150);
    expect(await runs.runSymbols('20261124T143000Z-full')).toEqual(symbols);
  });

  it('splits more than 10 batches over several SendMessageBatch calls', async () => {
    const { dispatch } = handlerWith({ batchSize: 10 });
    const callsBefore = sqs.calls.length;
    const result = await dispatch({ watchlist: 'full', scheduledAt: '2026-11-24T15:30:00Z' }, context);
    expect(result.batches).toBe(15);
    expect(sqs.calls.slice(callsBefore).map((ids) => ids.length)).toEqual([10, 5]);
  });

  it('is the same run when the schedule fires again: a complete run is not sent twice', async () => {
    const { dispatch, runs } = handlerWith();
    const before = sqs.received.length;
    const again = await dispatch({ watchlist: 'full', scheduledAt: '2026-11-24T14:30:00Z' }, context);
    // Not complete yet: its batches go out again (scan-batch counts each once).
    expect(again).toMatchObject({ runId: '20261124T143000Z-full', status: 'dispatched', batches: 5 });
    expect(sentSince(before)).toHaveLength(5);
    for (let batch = 0; batch < 5; batch++) {
      await runs.recordBatch('20261124T143000Z-full', batch, {
        summary: {
          symbols: 30,
          signals: {},
          symbolsInsufficient: 0,
          symbolsWithErrors: 0,
          breadth: { aboveSma50: 0, measured: 0, bullishSignals: 0, bearishSignals: 0 },
        },
        dataIssues: {},
      });
    }
    expect(await runs.completeRun({ runId: '20261124T143000Z-full', scheduledAt: '2026-11-24T14:30:00.000Z' })).toBe(
      true,
    );
    const afterComplete = sqs.received.length;
    expect(await dispatch({ watchlist: 'full', scheduledAt: '2026-11-24T14:30:00Z' }, context)).toMatchObject({
      status: 'already_complete',
      batches: 0,
    });
    expect(sqs.received.length).toBe(afterComplete);
  });

  it('records scheduled runs with nothing new by the market clock as skipped: holidays, before the open, long after the close', async () => {
    const { dispatch, runs } = handlerWith();
    const before = sqs.received.length;
    const result = await dispatch(
      { watchlist: 'full', purpose: 'market-hours', scheduledAt: '2026-11-26T15:30:00Z' },
      context,
    );
    expect(result).toEqual({
      runId: '20261126T153000Z-full',
      status: 'skipped',
      symbols: 150,
      batches: 0,
      reason: 'unchanged: NYSE closed (Thanksgiving Day)',
    });
    expect(await runs.getRun('20261126T153000Z-full')).toMatchObject({
      status: 'skipped',
      kind: 'scheduled',
      purpose: 'market-hours',
      session: '2026-11-25',
      skippedReason: 'unchanged: NYSE closed (Thanksgiving Day)',
      batchesExpected: 0,
    });
    const skipped = async (scheduledAt: string, purpose: string) =>
      (await dispatch({ watchlist: 'full', purpose: purpose as 'market-hours', scheduledAt }, context)).reason;
    expect(await skipped('2026-11-28T15:30:00Z', 'market-hours')).toBe('unchanged: NYSE closed (weekend)');
    expect(await skipped('2026-11-24T13:00:00Z', 'market-hours')).toBe(
      'unchanged: before the open, the last session is already scanned',
    ); // 08:00
    expect(await skipped('2026-11-25T02:00:00Z', 'after-close')).toBe(
      'unchanged: the session closed hours ago and was scanned',
    ); // 21:00
    expect(await skipped('2026-11-27T01:00:00Z', 'refetch')).toBe('unchanged: NYSE closed (Thanksgiving Day)'); // 20:00 on the holiday
    expect(sqs.received.length).toBe(before);
  });

  it('never skips the evening re-fetch of a session, nor a manual run', async () => {
    const { dispatch, runs } = handlerWith({ now: () => new Date('2026-11-25T01:00:05Z') });
    expect(
      await dispatch({ watchlist: 'full', purpose: 'refetch', scheduledAt: '2026-11-25T01:00:00Z' }, context),
    ).toMatchObject({ status: 'dispatched', batches: 5 }); // 20:00 on the 24th
    const refetch = sentSince(sqs.received.length - 5);
    expect(refetch.every((m) => m.refetch === true)).toBe(true);
    expect(await runs.getRun('20261125T010000Z-full')).toMatchObject({
      kind: 'scheduled',
      purpose: 'refetch',
      session: '2026-11-24',
    });
    // A person asking on Thanksgiving gets the last closed session scanned.
    expect(await dispatch({ watchlist: 'full', scheduledAt: '2026-11-26T16:00:00Z' }, context)).toMatchObject({
      status: 'dispatched',
      batches: 5,
    });
    expect(await runs.getRun('20261126T160000Z-full')).toMatchObject({
      kind: 'manual',
      session: '2026-11-25',
      status: 'running',
    });
  });

  it('while paused, records a scheduled run skipped with who paused it, sends nothing, and still runs a manual one', async () => {
    const pausedAt = new Date('2026-11-23T14:00:00Z');
    const control = openControlStore(db.client(), { tableName: db.store().tableName, now: () => pausedAt });
    const { dispatch, runs } = handlerWith({ now: () => new Date('2026-11-23T15:30:02Z') });
    expect(await control.pause('alice', 'provider outage')).toMatchObject({ paused: true });
    try {
      const before = sqs.received.length;
      // 10:30 in New York on a session day: a run was due.
      expect(
        await dispatch({ watchlist: 'full', purpose: 'market-hours', scheduledAt: '2026-11-23T15:30:00Z' }, context),
      ).toEqual({
        runId: '20261123T153000Z-full',
        status: 'skipped',
        symbols: 150,
        batches: 0,
        reason: 'paused (by alice at 2026-11-23T14:00:00.000Z: provider outage)',
      });
      expect(await runs.getRun('20261123T153000Z-full')).toMatchObject({
        status: 'skipped',
        kind: 'scheduled',
        skippedReason: 'paused (by alice at 2026-11-23T14:00:00.000Z: provider outage)',
        batchesExpected: 0,
        startedAt: '2026-11-23T15:30:02.000Z',
        finishedAt: '2026-11-23T15:30:02.000Z',
      });
      expect(sqs.received.length).toBe(before);
      // /scan-now or the CLI: still runs, and keeps the request that started it.
      expect(
        await dispatch(
          { watchlist: 'full', kind: 'manual', scheduledAt: '2026-11-23T15:31:00Z', requestId: '1310000000000000000' },
          context,
        ),
      ).toMatchObject({ status: 'dispatched', batches: 5 });
      expect(sqs.received.length).toBe(before + 5);
      expect(await runs.getRun('20261123T153100Z-full')).toMatchObject({
        status: 'running',
        kind: 'manual',
        requestId: '1310000000000000000',
      });
    } finally {
      await control.resume('alice');
    }
    // Resumed: the next scheduled run goes (at its own time: past the manual run's deadline).
    const next = handlerWith({ now: () => new Date('2026-11-23T16:30:02Z') });
    expect(
      await next.dispatch({ watchlist: 'full', purpose: 'market-hours', scheduledAt: '2026-11-23T16:30:00Z' }, context),
    ).toMatchObject({ status: 'dispatched', batches: 5 });
  });

  it('passes an explicit instant to the batches and records the session it covers', async () => {
    const { dispatch, runs } = handlerWith();
    const before = sqs.received.length;
    await dispatch(
      {
        watchlist: 'full',
        kind: 'replay',
        purpose: 'market-hours',
        scheduledAt: '2024-03-08T17:30:00Z',
        now: '2024-03-08T12:30:00-05:00',
      },
      context,
    );
    expect(sentSince(before)[0]).toMatchObject({
      now: '2024-03-08T17:30:00.000Z',
      scheduledAt: '2024-03-08T17:30:00.000Z',
    });
    expect(await runs.getRun('20240308T173000Z-full')).toMatchObject({
      kind: 'replay',
      session: '2024-03-08',
      now: '2024-03-08T17:30:00.000Z',
    });
  });

  it('retries entries SQS reports as failed, and fails loudly when they keep failing', async () => {
    const { dispatch } = handlerWith();
    sqs.failNext('batch-2', 2);
    const before = sqs.received.length;
    await dispatch({ watchlist: 'full', scheduledAt: '2026-11-24T16:30:00Z' }, context);
    expect(
      sentSince(before)
        .map((m) => m.batch)
        .sort(),
    ).toEqual([0, 1, 2, 3, 4]);

    sqs.failNext('batch-4', 99);
    await expect(dispatch({ watchlist: 'full', scheduledAt: '2026-11-24T17:30:00Z' }, context)).rejects.toThrow(
      new QueueError('could not enqueue 1 of 5 batches after 5 attempts: batch-4 (InternalError: injected failure)'),
    );
    sqs.failNext('batch-4', 0);
    sqs.failNext('batch-1', 1, true);
    await expect(dispatch({ watchlist: 'full', scheduledAt: '2026-11-24T18:30:00Z' }, context)).rejects.toThrow(
      'SQS refused batch-1 (InvalidMessageContents: injected failure); not retried',
    );
  });

  it('rejects bad events with an error naming the field, before writing anything', async () => {
    const { dispatch, runs } = handlerWith();
    const cases: [unknown, string][] = [
      [{}, 'bad dispatch event: watchlist: Invalid input: expected string, received undefined'],
      [{ watchlist: 'Full List' }, 'watchlist must be 1-40 lower-case letters, digits, "_" or "-", got "Full List"'],
      [{ watchlist: 'full', scanners: ['rsi'] }, 'unknown scanner "rsi"; choose from macd, ttm-squeeze, vpb'],
      [{ watchlist: 'full', asOf: '2026-02-30' }, 'asOf must be a real date as YYYY-MM-DD, got "2026-02-30"'],
      [{ watchlist: 'full', scheduledAt: 'tomorrow' }, 'scheduledAt is not a time: "tomorrow"'],
      [{ watchlist: 'full', symbols: ['AAPL', '$$$'] }, 'symbols has 1 invalid symbol(s): "$$$"'],
      [
        { watchlist: 'full', params: { macd: { fastPeriod: 40 } } },
        'macd.fastPeriod (40) must be shorter than macd.slowPeriod (26)',
      ],
      [{ watchlist: 'full', extra: 1 }, 'bad dispatch event: event: Unrecognized key: "extra"'],
      [{ watchlist: 'full', now: '2024-03-08T12:30:00' }, 'bad dispatch event: now: Invalid ISO datetime'],
      [
        { watchlist: 'full', purpose: 'lunch' },
        'bad dispatch event: purpose: Invalid option: expected one of "market-hours"|"after-close"|"refetch"',
      ],
    ];
    for (const [event, message] of cases) {
      await expect(dispatch(event as never, context), JSON.stringify(event)).rejects.toThrow(message);
    }
    expect((await runs.listRuns(50)).items.some((run) => run.scheduledAt.startsWith('2026-11-24T15:00'))).toBe(false);
  });

  // Last: its runs stay running, which would hold back the scheduled runs of the tests after it.
  it('records a scheduled run as skipped while the previous one is still running inside its deadline, not after', async () => {
    const { dispatch, runs } = handlerWith({ now: () => new Date('2026-12-01T14:30:02Z') });
    const first = await dispatch(
      { watchlist: 'full', purpose: 'market-hours', scheduledAt: '2026-12-01T14:30:00Z' },
      context,
    );
    expect(first.status).toBe('dispatched');
    const before = sqs.received.length;
    const overlapping = handlerWith({ now: () => new Date('2026-12-01T14:40:01Z') });
    const second = await overlapping.dispatch(
      { watchlist: 'full', purpose: 'market-hours', scheduledAt: '2026-12-01T14:40:00Z' },
      context,
    );
    expect(second).toEqual({
      runId: '20261201T144000Z-full',
      status: 'skipped',
      symbols: 150,
      batches: 0,
      reason: 'previous run still running (20261201T143000Z-full: 0/5 batches, deadline 2026-12-01T14:45:02.000Z)',
    });
    expect(sqs.received.length).toBe(before);
    expect(await runs.getRun('20261201T144000Z-full')).toMatchObject({ status: 'skipped' });
    // A manual run is not held back (/scan-now has its own cooldown).
    expect(
      (await overlapping.dispatch({ watchlist: 'full', scheduledAt: '2026-12-01T14:41:00Z' }, context)).status,
    ).toBe('dispatched');
    // Past the running one's deadline, the next scheduled run starts (the sweeper ends the old one).
    const late = handlerWith({ now: () => new Date('2026-12-01T15:30:01Z') });
    expect(
      (
        await late.dispatch(
          { watchlist: 'full', purpose: 'market-hours', scheduledAt: '2026-12-01T15:30:00Z' },
          context,
        )
      ).status,
    ).toBe('dispatched');
  });
});
