import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { openStores } from '../../functions/adapters/store/stores.js';
import { eventKey } from '../../functions/core/run/signal-events.js';
import { alertsToQueue, queueRunAlerts } from '../../functions/core/run/run-alert.js';
import { useEmbeddedStore } from '../helpers/store.js';

// Items exactly as the previous version wrote them — keys spelt out by hand, not built by
// table-schema.ts — read back through today's stores: a table written before the store was split
// by aggregate reads and behaves the same.
const db = useEmbeddedStore();
const clock = new Date('2026-11-25T22:00:00Z');
const expiresAt = Math.floor(clock.getTime() / 1000) + 86_400;
const runId = '20261125T214500Z-full';
const values = { price: 100, changePct: 1, histogram: 0.2, trend: 'bullish' };

const OLD_ITEMS = [
  {
    pk: `RUN#${runId}`,
    sk: 'RUN',
    gsi1pk: 'RUNS',
    gsi1sk: `2026-11-25T21:45:00.000Z#${runId}`,
    type: 'run',
    runId,
    watchlist: 'full',
    status: 'complete',
    scheduledAt: '2026-11-25T21:45:00.000Z',
    startedAt: '2026-11-25T21:45:00.000Z',
    sessionDate: '2026-11-25',
    symbols: ['AAPL'],
    scanners: ['macd'],
    batchSize: 30,
    batchesExpected: 1,
    batchesDone: 1,
    doneBatches: new Set([0]),
    barDates: new Set(['2026-11-25']),
    symbolsDone: 1,
    signalCounts: { macd: { bullish_cross: 1, bearish_cross: 0 } },
    symbolsWithErrors: 0,
    symbolsInsufficient: 0,
    aboveSma50: 1,
    measured: 1,
    bullishSignals: 1,
    bearishSignals: 0,
    dataIssues: {},
    expiresAt,
  },
  {
    pk: `RUN#${runId}`,
    sk: 'RESULT#macd#AAPL',
    gsi2pk: 'SYMBOL#AAPL',
    gsi2sk: `2026-11-25T21:45:00.000Z#${runId}#macd`,
    type: 'result',
    runId,
    scheduledAt: '2026-11-25T21:45:00.000Z',
    symbol: 'AAPL',
    scanner: 'macd',
    status: 'ok',
    signal: 'bullish_cross',
    values,
    barDate: '2026-11-25',
    partial: false,
    expiresAt,
  },
  {
    pk: 'EVENT#AAPL',
    sk: 'E#2026-11-25#macd#bullish_cross',
    type: 'event',
    symbol: 'AAPL',
    scanner: 'macd',
    signal: 'bullish_cross',
    start: '2026-11-25',
    barDate: '2026-11-25',
    status: 'alerted',
    firstSeenAt: '2026-11-25T21:45:00.000Z',
    confirmedAt: '2026-11-25T21:45:00.000Z',
    runId,
    values,
    expiresAt,
  },
  {
    pk: 'EVENT#AAPL',
    sk: 'STATE',
    type: 'event-state',
    symbol: 'AAPL',
    state: { session: '2026-11-25', signals: {} },
    version: 3,
    expiresAt,
  },
  {
    pk: `RUN#${runId}`,
    sk: 'ALERT#AAPL#macd#bullish_cross#2026-11-25#alert',
    type: 'alert',
    runId,
    symbol: 'AAPL',
    scanner: 'macd',
    signal: 'bullish_cross',
    kind: 'alert',
    barDate: '2026-11-25',
    start: '2026-11-25',
    at: '2026-11-25T21:45:00.000Z',
    values,
    expiresAt,
  },
  {
    pk: 'OUTBOX',
    sk: runId,
    type: 'outbox',
    runId,
    status: 'failed',
    at: '2026-11-25T21:46:00.000Z',
    error: 'HTTP 503',
    expiresAt,
  },
];

describe('a table written by the previous version', () => {
  it('reads every kind of item through the stores split by aggregate', async () => {
    await db.client().send(
      new BatchWriteCommand({
        RequestItems: { [db.store().tableName]: OLD_ITEMS.map((Item) => ({ PutRequest: { Item } })) },
      }),
    );
    const { runs, results, events, alerts, outbox } = openStores(db.client(), {
      tableName: db.store().tableName,
      now: () => clock,
    });

    const run = await runs.getRun(runId);
    expect(run).toMatchObject({
      runId,
      status: 'complete',
      kind: 'scheduled',
      session: '2026-11-25',
      symbolCount: 1,
      symbolsPartial: 0,
    });
    expect(run).not.toHaveProperty('symbols');
    expect(await runs.runSymbols(runId)).toEqual(['AAPL']);
    expect(run?.doneBatches).toEqual([0]);
    expect(run?.barDates).toEqual(['2026-11-25']);
    expect((await runs.listRuns(5)).items.map((r) => r.runId)).toEqual([runId]);
    expect(await runs.shownRun()).toMatchObject({ runId });

    const expected = { runId, symbol: 'AAPL', scanner: 'macd', signal: 'bullish_cross', barDate: '2026-11-25' };
    expect((await results.runResults(runId, { scanner: 'macd' })).items).toEqual([
      { ...expected, scheduledAt: '2026-11-25T21:45:00.000Z', status: 'ok', values, partial: false },
    ]);
    expect((await results.runResults(runId, { scanner: 'vpb' })).items).toEqual([]);
    expect((await results.symbolHistory('AAPL', 5)).items.map((o) => o.signal)).toEqual(['bullish_cross']);

    expect(await events.eventsOf('AAPL', 5)).toEqual(
      [
        {
          ...expected,
          start: '2026-11-25',
          status: 'alerted',
          firstSeenAt: '2026-11-25T21:45:00.000Z',
          confirmedAt: '2026-11-25T21:45:00.000Z',
          values,
          expiresAt,
        },
      ].map(({ expiresAt: _e, ...event }) => event),
    );
    expect((await events.readStates(['AAPL', 'MSFT'])).get('AAPL')).toEqual({
      state: { session: '2026-11-25', signals: {} },
      version: 3,
    });
    // The old event is the same item a new claim would write: another run does not claim it again.
    const claim = {
      scanner: 'macd',
      signal: 'bullish_cross',
      start: '2026-11-25',
      barDate: '2026-11-25',
      kind: 'alert',
      values,
      key: eventKey({ scanner: 'macd', signal: 'bullish_cross', start: '2026-11-25' }),
    } as const;
    expect(await events.claimEvent('20261126T214500Z-full', 'AAPL', claim, '2026-11-26T21:45:00.000Z')).toBe(false);
    expect(await events.claimEvent(runId, 'AAPL', claim, '2026-11-25T21:45:00.000Z')).toBe(true);

    expect(await alerts.alertLog(runId)).toEqual([
      { ...expected, kind: 'alert', start: '2026-11-25', at: '2026-11-25T21:45:00.000Z', values },
    ]);
    // The old outbox entry (a run whose alert failed) is not a message: the run has no `alert`
    // with a queued status, so the sweeper queues its alert log, which then goes once.
    const oldRun = (await runs.getRun(runId))!;
    expect(alertsToQueue(oldRun)).toBe(true);
    expect(await outbox.pending()).toEqual([]);
    expect(
      await queueRunAlerts(oldRun, { runs, alerts, enqueue: (m) => outbox.enqueue(m), now: () => new Date() }),
    ).toEqual({ status: 'queued', newSignals: 1, batchesDone: 1 });
    expect((await outbox.pending()).map((m) => [m.target, m.message.content])).toEqual([
      ['alerts', 'scanfleet: 1 new signal'],
    ]);
  });
});
