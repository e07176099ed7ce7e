import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SQSEvent } from 'aws-lambda';
import { DeleteCommand, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DiscordClient } from '../../functions/adapters/discord/discord-client.js';
import { openControlStore, openStoresWithLists } from '../../functions/adapters/store/stores.js';
import { KEYS } from '../../functions/adapters/store/table-schema.js';
import type { AlertLogEntry } from '../../functions/core/run/alert-log.js';
import type { NewRun } from '../../functions/core/run/run-record.js';
import { parseIsoDay } from '../../functions/core/market/trading-day.js';
import { DEFAULT_SCHEDULES, SCHEDULE_PURPOSES } from '../../functions/core/market/schedules.js';
import { InProcessQueue } from '../../functions/local/in-process-queue.js';
import { localLambdaContext } from '../../functions/local/lambda-context.js';
import { createSweeperHandler, type SweeperDeps } from '../../functions/sweeper/handler.js';
import { type FakeDiscord, startFakeDiscord } from '../helpers/discord.js';
import { useEmbeddedStore } from '../helpers/store.js';

// The sweeper on dynalite with a loopback Discord: runs past their deadline end, stuck runs
// complete, alerts never queued are queued and sent, dead letters and failed dispatches are
// recorded, and the operator hears of each failure once. The clock is injected.
const db = useEmbeddedStore();
let discord: FakeDiscord;
beforeAll(async () => {
  discord = await startFakeDiscord();
});
afterAll(() => discord.close());

const ALERTS = '/api/webhooks/1111111/fake-token';
const OPERATOR = '/api/webhooks/2222222/fake-operator-token';
let clock = new Date('2026-11-24T15:00:00Z');
const stores = () => openStoresWithLists(db.client(), { tableName: db.store().tableName, now: () => clock });
const queue = new InProcessQueue();

let tokenIssuedAt: Date | undefined;
function sweeper(provider: 'csv' | 'schwab' = 'csv') {
  const s = stores();
  const deps: SweeperDeps = {
    stores: s,
    watchdog: {
      schedules: SCHEDULE_PURPOSES.map((purpose) => ({
        cron: DEFAULT_SCHEDULES[
          purpose === 'market-hours' ? 'marketHours' : purpose === 'after-close' ? 'afterClose' : 'refetch'
        ],
        purpose,
      })),
      timeZone: 'America/New_York',
      enabled: true,
      providerDelayMs: provider === 'csv' ? 0 : 10 * 60_000,
      fixedHistory: provider === 'csv',
    },
    ...(provider === 'schwab' && {
      schwabToken: async () => (tokenIssuedAt ? { issuedAt: tokenIssuedAt, source: 'secret' as const } : undefined),
    }),
    webhooks: {
      discord: new DiscordClient({ maxAttempts: 1, sleep: async () => {} }),
      webhookUrl: async () => `${discord.url}${ALERTS}`,
      operatorWebhookUrl: async () => `${discord.url}${OPERATOR}`,
    },
    drainQueue: queue,
    now: () => clock,
    sleep: async (ms) => void (clock = new Date(clock.getTime() + ms)),
  };
  return createSweeperHandler(() => deps);
}
const context = () => localLambdaContext('sweeper', 300_000);
const sweep = (provider: 'csv' | 'schwab' = 'csv') =>
  sweeper(provider)({ sweep: true }, context()) as Promise<Record<string, unknown>>;

type Posted = { content: string; embeds: { title: string; description: string }[] };
const postedTo = (path: string, from: number) =>
  discord.received
    .slice(from)
    .filter((r) => r.path === path)
    .map((r) => r.body as Posted);

const summary = (symbols: number) => ({
  summary: {
    symbols,
    signals: {},
    symbolsInsufficient: 0,
    symbolsWithErrors: 0,
    breadth: { aboveSma50: 0, measured: 0, bullishSignals: 0, bearishSignals: 0 },
  },
  dataIssues: {},
});

/** A run as dispatch creates it, started at `startedAt` with a 15-minute deadline. */
async function newRun(runId: string, batches: number, startedAt: string, over: Partial<NewRun> = {}) {
  await stores().runs.createRun({
    runId,
    watchlist: 'full',
    kind: 'scheduled',
    purpose: 'market-hours',
    session: '2026-11-24',
    scheduledAt: startedAt,
    startedAt,
    sessionDate: '2026-11-24',
    symbols: Array.from({ length: batches * 2 }, (_, i) => `S${i}`),
    scanners: ['macd'],
    batchSize: 2,
    batchesExpected: batches,
    deadlineAt: new Date(Date.parse(startedAt) + 15 * 60_000).toISOString(),
    ...over,
  });
}

const line = (runId: string, symbol: string): AlertLogEntry => ({
  runId,
  symbol,
  scanner: 'macd',
  signal: 'bullish_cross',
  kind: 'alert',
  barDate: '2026-11-24',
  start: '2026-11-24',
  at: '2026-11-24T15:00:00.000Z',
  values: { price: 10, changePct: 1, histogram: 0.1, trend: 'bullish' },
});

describe('the sweeper', () => {
  it('ends a run past its deadline partial, naming the missing batches; tells the operator once; then its recovery', async () => {
    const runId = '20261124T143000Z-full';
    await newRun(runId, 4, '2026-11-24T14:30:00.000Z');
    await stores().runs.recordBatch(runId, 0, summary(2));
    // Batch 2 recorded a session for the live scorecard: no reader sees it while the run runs.
    await stores().runs.recordBatch(runId, 2, { ...summary(2), scorecardSessions: 1 });
    await stores().scorecard.record(
      [
        {
          bars: { symbol: 'S0', day: Int32Array.of(parseIsoDay('2026-11-23')), close: Float64Array.of(10), length: 1 },
          closed: [0],
          observed: [{ index: 0, signals: [] }],
        },
      ],
      [1],
    );
    const documentItem = async () =>
      (await db.client().send(new GetCommand({ TableName: db.store().tableName, Key: KEYS.scorecardDocument() }))).Item;
    clock = new Date('2026-11-24T14:44:00Z');
    expect((await sweep()).ended).toEqual([]); // inside its deadline: left running
    expect((await stores().runs.getRun(runId))?.status).toBe('running');
    expect(await documentItem()).toBeUndefined();

    clock = new Date('2026-11-24T14:46:00Z');
    const before = discord.received.length;
    expect((await sweep()).ended).toEqual([`${runId}: partial`]);
    const run = await stores().runs.getRun(runId);
    expect(run).toMatchObject({
      status: 'partial',
      endReason: '2 of 4 batches missing at the deadline 2026-11-24T14:45:00.000Z: batch 1, 3',
      failedBatches: [1, 3],
      doneBatches: [0, 2],
      finishedAt: '2026-11-24T14:46:00.000Z',
    });
    // Ended partial, it is the run the dashboard shows, and its session is in the scorecard's readers' document.
    expect(await stores().runs.shownRun()).toMatchObject({ runId, status: 'partial' });
    expect(await documentItem()).toMatchObject({ type: 'scorecard-document' });
    expect(await stores().scorecard.scorecard()).toMatchObject({
      from: '2026-11-23',
      to: '2026-11-23',
      symbols: ['S0'],
    });
    const told = postedTo(OPERATOR, before);
    expect(told.map((m) => m.content)).toEqual([`scanfleet: run ${runId} ended partial`]);
    expect(told[0].embeds[0].description).toMatch(/^2 of 4 batches missing .*\nWhat to do: /);

    // A second run failing the same way is the same cause: not told again.
    const second = '20261124T153000Z-full';
    await newRun(second, 1, '2026-11-24T15:30:00.000Z');
    clock = new Date('2026-11-24T15:46:00Z');
    const again = discord.received.length;
    // A session recorded meanwhile by no batch of the second run (it recorded none): its end folds nothing.
    await stores().scorecard.record(
      [
        {
          bars: { symbol: 'S1', day: Int32Array.of(parseIsoDay('2026-11-24')), close: Float64Array.of(10), length: 1 },
          closed: [0],
          observed: [{ index: 0, signals: [] }],
        },
      ],
      [1],
    );
    expect((await sweep()).ended).toEqual([`${second}: failed`]);
    expect(await stores().scorecard.scorecard()).toMatchObject({ to: '2026-11-23', symbols: ['S0'] });
    expect(postedTo(OPERATOR, again)).toEqual([]);

    // A late batch of the first completes it; a run completing again is the recovery, told once.
    await stores().runs.recordBatch(runId, 1, summary(2));
    await stores().runs.recordBatch(runId, 3, summary(2));
    const third = '20261124T163000Z-full';
    await newRun(third, 1, '2026-11-24T16:30:00.000Z');
    await stores().runs.recordBatch(third, 0, summary(2));
    clock = new Date('2026-11-24T16:40:00Z');
    // The worker that saw the credentials refused was recycled before telling their recovery.
    await stores().control.raiseNotice('provider-credentials', 'yahoo refused the credentials', clock);
    const recovering = discord.received.length;
    const outcome = await sweep();
    expect(outcome.completed).toEqual([third, runId]);
    expect(await stores().runs.getRun(runId)).toMatchObject({ status: 'complete', failedBatches: [], batchesDone: 4 });
    expect((await stores().runs.getRun(runId))?.endReason).toBeUndefined();
    // Queued in the same instant, they go in key order (by cause).
    expect(postedTo(OPERATOR, recovering).map((m) => m.content)).toEqual([
      'scanfleet: the provider takes the credentials again',
      `scanfleet: runs complete again (${third})`,
    ]);
    expect((await sweep()).completed).toEqual([]);
    expect(postedTo(OPERATOR, recovering)).toHaveLength(2);
  });

  it('queues and sends the alerts of a run completed by an invocation that died before queueing them', async () => {
    const runId = '20261125T214500Z-full';
    clock = new Date('2026-11-25T21:50:00Z');
    await newRun(runId, 1, '2026-11-25T21:45:00.000Z');
    await stores().alerts.writeAlertLog(['GE', 'MDB', 'DDOG', 'COST'].map((s) => line(runId, s)));
    await stores().runs.recordBatch(runId, 0, summary(2));
    await stores().runs.completeRun({ runId, scheduledAt: '2026-11-25T21:45:00.000Z' }); // ...and the invocation died here: 4 signals claimed, 0 posted
    const before = discord.received.length;
    expect((await sweep()).alertsQueued).toEqual([runId]);
    const sent = postedTo(ALERTS, before);
    expect(sent.map((m) => m.content)).toEqual(['scanfleet: 4 new signals']);
    expect(sent[0].embeds[0].description.split('\n').map((l) => l.split(' ')[0])).toEqual([
      '**COST**',
      '**DDOG**',
      '**GE**',
      '**MDB**',
    ]);
    expect((await stores().runs.getRun(runId))?.alert).toMatchObject({ status: 'queued', newSignals: 4 });
    expect((await sweep()).alertsQueued).toEqual([]);
    expect(postedTo(ALERTS, before)).toHaveLength(1);
  });

  it('notes a dead-lettered batch failed on its run at once, ending the run when none is outstanding', async () => {
    const runId = '20261126T143000Z-full';
    clock = new Date('2026-11-26T14:35:00Z');
    await newRun(runId, 2, '2026-11-26T14:30:00.000Z');
    await stores().runs.recordBatch(runId, 0, summary(2));
    const body = JSON.stringify({
      runId,
      batch: 1,
      symbols: ['S2', 'S3'],
      scanners: ['macd'],
      scheduledAt: '2026-11-26T14:30:00.000Z',
    });
    const event = {
      Records: [
        { messageId: 'm-1', body, attributes: { ApproximateReceiveCount: '1' } },
        { messageId: 'm-2', body: 'not json', attributes: { ApproximateReceiveCount: '1' } },
      ],
    } as unknown as SQSEvent;
    expect(await sweeper()(event, context())).toEqual({ batchItemFailures: [] });
    expect(await stores().runs.getRun(runId)).toMatchObject({
      status: 'partial',
      failedBatches: [1],
      endReason:
        '1 of 2 batches failed every delivery: batch 1 (last error: batch 1: dead-lettered: every delivery failed or timed out (see the scan-batch logs for this batch))',
    });
  });

  it('records a dispatch that failed every attempt as a failed run, told to the operator', async () => {
    clock = new Date('2026-11-27T14:31:00Z');
    const before = discord.received.length;
    const outcome = await sweeper()(
      {
        requestContext: { condition: 'RetriesExhausted', approximateInvokeCount: 3 },
        requestPayload: { watchlist: 'full', purpose: 'market-hours', scheduledAt: '2026-11-27T14:30:00Z' },
        responsePayload: { errorType: 'ValidationError', errorMessage: 'unknown watchlist "full"; configured: main' },
      },
      context(),
    );
    expect(outcome).toMatchObject({ runId: '20261127T143000Z-full', recorded: true });
    expect(await stores().runs.getRun('20261127T143000Z-full')).toMatchObject({
      status: 'failed',
      kind: 'scheduled',
      purpose: 'market-hours',
      endReason: 'dispatch failed: unknown watchlist "full"; configured: main',
    });
    expect(postedTo(OPERATOR, before).map((m) => m.content)).toEqual([
      'scanfleet: dispatch of run 20261127T143000Z-full failed',
    ]);
  });

  it('says whether a full run is overdue and the results stale, by the market clock; paused, neither', async () => {
    // Tuesday 2026-12-01, 17:05 New York: the 16:45 after-close run's deadline (17:00) has passed.
    clock = new Date('2026-12-01T22:05:00Z');
    const before = await sweep('schwab');
    expect(before).toMatchObject({ fullRunOverdue: 1, resultsStale: 1 });
    expect((before.watchdog as string[]).join('\n')).toMatch(/after-close/);
    const runId = '20261201T214500Z-full';
    await newRun(runId, 1, '2026-12-01T21:45:00.000Z', {
      purpose: 'after-close',
      session: '2026-12-01',
      sessionDate: '2026-12-01',
    });
    await stores().runs.recordBatch(runId, 0, { ...summary(2), barDates: ['2026-12-01'] });
    expect(await sweep('schwab')).toMatchObject({ fullRunOverdue: 0, resultsStale: 0, completed: [runId] });
    // Wednesday 17:05 without its after-close run: overdue and stale; paused, neither.
    clock = new Date('2026-12-02T22:05:00Z');
    expect(await sweep('schwab')).toMatchObject({ fullRunOverdue: 1, resultsStale: 1 });
    await openControlStore(db.client(), { tableName: db.store().tableName, now: () => clock }).pause(
      'ops',
      'maintenance',
    );
    const paused = await sweep('schwab');
    expect(paused).toMatchObject({ fullRunOverdue: 0, resultsStale: 0 });
    expect((paused.watchdog as string[])[0]).toMatch(/paused/);
    await openControlStore(db.client(), { tableName: db.store().tableName, now: () => clock }).resume('ops');
    // The csv provider's fixed history is never stale.
    expect(await sweep('csv')).toMatchObject({ resultsStale: 0 });
  });

  it('records the Schwab token’s age and warns the operator from 2 days before its 7-day expiry, once', async () => {
    clock = new Date('2026-12-03T15:00:00Z');
    tokenIssuedAt = new Date('2026-11-30T15:00:00Z'); // 3 days old: 4 left
    const before = discord.received.length;
    expect(await sweep('schwab')).toMatchObject({ schwabTokenDaysLeft: 4 });
    expect(await stores().control.tokenStatus()).toEqual({
      provider: 'schwab',
      issuedAt: '2026-11-30T15:00:00.000Z',
      source: 'secret',
      checkedAt: '2026-12-03T15:00:00.000Z',
    });
    expect(postedTo(OPERATOR, before).filter((m) => /Schwab/.test(m.content))).toEqual([]);
    clock = new Date('2026-12-05T16:00:00Z'); // 1.96 days left
    await sweep('schwab');
    clock = new Date('2026-12-05T16:15:00Z');
    await sweep('schwab');
    const warned = postedTo(OPERATOR, before).filter((m) => /Schwab/.test(m.content));
    expect(warned.map((m) => m.content)).toEqual(['scanfleet: Schwab refresh token: 1.9 days left']);
    expect(warned[0].embeds[0].description).toMatch(/2026-12-07T15:00:00.000Z.*\nWhat to do: /s);
    tokenIssuedAt = new Date('2026-12-05T16:20:00Z'); // a new token was stored
    clock = new Date('2026-12-05T16:30:00Z');
    await sweep('schwab');
    expect(
      postedTo(OPERATOR, before)
        .map((m) => m.content)
        .at(-1),
    ).toBe('scanfleet: the Schwab refresh token was renewed');
  });

  it('points the shown run at the newest shown run it lists: a writer that died before the pointer, a table from before it', async () => {
    const pointer = async () =>
      (await db.client().send(new GetCommand({ TableName: db.store().tableName, Key: KEYS.shownRun() }))).Item;
    clock = new Date('2026-12-06T15:00:00Z');
    const older = { runId: '20261206T143000Z-full', scheduledAt: '2026-12-06T14:30:00.000Z' };
    await newRun(older.runId, 1, older.scheduledAt);
    await stores().runs.recordBatch(older.runId, 0, summary(2));
    expect(await stores().runs.completeRun(older)).toBe(true);
    // The newer run completed by a worker that died before writing the pointer: the pointer stays behind.
    const newer = '20261206T144500Z-full';
    await newRun(newer, 1, '2026-12-06T14:45:00.000Z');
    await db.client().send(
      new UpdateCommand({
        TableName: db.store().tableName,
        Key: KEYS.run(newer),
        UpdateExpression: 'SET #status = :complete, batchesDone = :one, finishedAt = :now',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':complete': 'complete', ':one': 1, ':now': clock.toISOString() },
      }),
    );
    expect(await pointer()).toMatchObject({ runId: older.runId });
    await sweep();
    expect(await pointer()).toMatchObject({ runId: newer });
    expect(await stores().runs.shownRun()).toMatchObject({ runId: newer, status: 'complete' });

    await db.client().send(new DeleteCommand({ TableName: db.store().tableName, Key: KEYS.shownRun() }));
    clock = new Date('2026-12-06T15:15:00Z');
    await sweep();
    expect(await pointer()).toMatchObject({ runId: newer, scheduledAt: '2026-12-06T14:45:00.000Z' });
  });
});
