import { describe, expect, it } from 'vitest';
import { batchTimeMs } from '../../../functions/adapters/market-data/providers.js';
import { nextPostAt, recentPosts } from '../../../functions/core/run/outbox.js';
import {
  deadlineOf,
  MIN_RUN_DEADLINE_MS,
  overdueEnding,
  runDeadlineMs,
  settledEnding,
} from '../../../functions/core/run/run-lifecycle.js';
import { initialRunRecord, type RunRecord } from '../../../functions/core/run/run-record.js';
import { needsFinishing } from '../../../functions/core/run/run-finish.js';

const run = (over: Partial<RunRecord> = {}): RunRecord => ({
  ...initialRunRecord(
    {
      runId: '20261124T214500Z-full',
      watchlist: 'full',
      kind: 'scheduled',
      purpose: 'after-close',
      session: '2026-11-24',
      scheduledAt: '2026-11-24T21:45:00.000Z',
      startedAt: '2026-11-24T21:45:02.000Z',
      sessionDate: '2026-11-24',
      symbols: [],
      scanners: ['macd'],
      batchSize: 30,
      batchesExpected: 5,
      deadlineAt: '2026-11-24T22:00:02.000Z',
    },
    0,
  ),
  ...over,
});

describe('run deadlines', () => {
  it('batches × the provider’s batch time ÷ the workers × 1.5, at least 15 minutes', () => {
    expect(batchTimeMs('schwab', 30)).toBe(46_000); // 30 requests at 50 a minute, plus 10 s
    expect(batchTimeMs('yahoo', 30)).toBe(28_000);
    expect(batchTimeMs('alpaca', 30)).toBe(15_000);
    expect(batchTimeMs('csv', 30)).toBe(10_000);
    expect(batchTimeMs('yahoo', 30, Number.POSITIVE_INFINITY)).toBe(10_000);
    expect(runDeadlineMs(5, 46_000, 2)).toBe(MIN_RUN_DEADLINE_MS);
    // 5,000 symbols on Schwab: 167 batches, 2 workers: 96 minutes.
    expect(runDeadlineMs(167, 46_000, 2)).toBe(5_761_500);
    expect(runDeadlineMs(167, 46_000, 10)).toBe(1_152_300);
    expect(deadlineOf(run())).toBe(Date.parse('2026-11-24T22:00:02.000Z'));
    expect(deadlineOf(run({ deadlineAt: undefined }))).toBe(Date.parse('2026-11-24T22:00:02.000Z'));
  });
});

describe('how a run that did not complete ends', () => {
  it('past its deadline: partial with some batches done, naming the missing ones; failed with none', () => {
    const late = Date.parse('2026-11-24T22:00:03Z');
    expect(overdueEnding(run(), Date.parse('2026-11-24T22:00:02Z'))).toBeUndefined();
    expect(overdueEnding(run({ batchesDone: 2, doneBatches: [0, 3] }), late)).toEqual({
      status: 'partial',
      reason: '3 of 5 batches missing at the deadline 2026-11-24T22:00:02.000Z: batch 1, 2, 4',
      missing: [1, 2, 4],
    });
    expect(overdueEnding(run({ failedBatches: [2], lastBatchError: 'batch 2: HTTP 401' }), late)).toEqual({
      status: 'failed',
      reason:
        '5 of 5 batches missing at the deadline 2026-11-24T22:00:02.000Z: batch 0, 1, 2, 3, 4 (last error: batch 2: HTTP 401)',
      missing: [0, 1, 3, 4],
    });
    expect(overdueEnding(run({ status: 'complete' }), late)).toBeUndefined();
    expect(overdueEnding(run({ batchesDone: 5, doneBatches: [0, 1, 2, 3, 4] }), late)).toBeUndefined();
  });

  it('at once when every batch is counted or dead-lettered', () => {
    expect(settledEnding(run({ batchesDone: 3, doneBatches: [0, 1, 2], failedBatches: [3] }))).toBeUndefined();
    expect(
      settledEnding(
        run({ batchesDone: 3, doneBatches: [0, 1, 2], failedBatches: [3, 4], lastBatchError: 'batch 4: x' }),
      ),
    ).toEqual({
      status: 'partial',
      reason: '2 of 5 batches failed every delivery: batch 3, 4 (last error: batch 4: x)',
      missing: [],
    });
    expect(settledEnding(run({ batchesDone: 5, doneBatches: [0, 1, 2, 3, 4] }))).toBeUndefined();
  });
});

describe('what the sweeper looks at again', () => {
  it('running runs, ended runs whose late batches have all come, and ended runs with alert lines not queued', () => {
    const queued = { status: 'queued', newSignals: 2, batchesDone: 5, at: '2026-11-24T22:00:00.000Z' } as const;
    expect(needsFinishing(run())).toBe(true);
    expect(needsFinishing(run({ status: 'complete', batchesDone: 5, alert: queued }))).toBe(false);
    expect(needsFinishing(run({ status: 'complete', batchesDone: 5 }))).toBe(true); // never queued
    expect(needsFinishing(run({ status: 'partial', batchesDone: 4, alert: { ...queued, batchesDone: 4 } }))).toBe(
      false,
    );
    expect(needsFinishing(run({ status: 'partial', batchesDone: 5, alert: { ...queued, batchesDone: 4 } }))).toBe(true);
    expect(needsFinishing(run({ status: 'skipped', skippedReason: 'paused' }))).toBe(false);
    expect(needsFinishing(run({ status: 'complete', batchesDone: 5, alert: { ...queued, status: 'failed' } }))).toBe(
      true,
    );
  });
});

describe('the outbox’s rate limits', () => {
  it('5 posts per 2 s and 30 a minute', () => {
    const t = 1_000_000;
    expect(nextPostAt([], t)).toBe(t);
    expect(nextPostAt([t - 100, t - 200, t - 300, t - 400], t)).toBe(t);
    expect(nextPostAt([t - 100, t - 200, t - 300, t - 400, t - 500], t)).toBe(t - 500 + 2_000);
    const minute = Array.from({ length: 30 }, (_, i) => t - 50_000 + i * 100);
    expect(nextPostAt(minute, t)).toBe(t + 10_000);
    expect(recentPosts([t - 70_000, t - 30_000, t - 1], t)).toEqual([t - 30_000, t - 1]);
  });
});
