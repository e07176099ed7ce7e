import { describe, expect, it } from 'vitest';
import {
  FREE_TIER,
  fixedMonthlyCost,
  lambdaDurationMs,
  monthlyCost,
  RUNS_PER_MONTH,
  stackInventory,
  SWEEPS_PER_MONTH,
} from '../../bench/cost-model.js';

const inputs = {
  symbols: 150,
  eventsPerSymbolSession: 0.2,
  batchSize: 30,
  scannersPerSymbol: 3,
  batchDurationMs: 500,
  dispatchDurationMs: 200,
  initDurationMs: 0,
  workersPerRun: 2,
  memoryMb: 256,
  resultsDays: 7,
  scorecardDays: 400,
  itemBytes: 600,
  copiesPerSymbolRun: 0.35,
  barsItemBytes: 4_430,
  scorecardAggregatesPerBatch: 25,
  apiRequests: 10_000,
  apiDurationMs: 50,
};

describe('monthly cost model', () => {
  it('counts the default schedule’s runs: 9 each session (hourly in market hours, 16:45 and 20:00), none on other days', () => {
    expect(RUNS_PER_MONTH).toBe(189);
  });

  it('prices requests, compute and writes from the worked example', () => {
    const cost = monthlyCost(inputs);
    const line = (item: string) => cost.lines.find((l) => l.item === item);
    // runs 189 + batches (189 × 5 = 945) + 10,000 API requests
    expect(line('Lambda requests')?.quantity).toBeCloseTo(11_134, 6);
    // 0.25 GB × (189 × 0.2 s + 945 × 0.5 s + 10,000 × 0.05 s) = 252.575 GB-s
    expect(line('Lambda compute')?.quantity).toBeCloseTo(252.575, 6);
    expect(line('Lambda compute')?.usd).toBeCloseTo(252.575 * 0.0000133334, 12);
    // 3 items and 0.35 copies (signals, problems) per symbol-run (189 × 150 = 28,350) + 189 run
    // records + 945 batch updates + 21 sessions × 150 event states + 2 × 21 × 150 × 0.2 events
    // + 21 sessions × 150 symbols' cached bars × 5 write units (4,430 bytes)
    expect(line('DynamoDB writes')?.quantity).toBeCloseTo(94_972.5 + 189 + 945 + 3_150 + 1_260 + 15_750, 6);
    expect(line('DynamoDB writes')?.usd).toBeCloseTo(0.1162665 * 0.625, 9);
    // Results and copies (28,350 × 7/30 × 3.35 × 600 B) + cached bars (150 × 21 × 7/30 × 4,430 B)
    // + the scorecard's sessions and observations (150 × 21 × 400/30 × 1.35 × 160 B)
    expect(line('DynamoDB storage')?.quantity).toBeCloseTo((13_296_150 + 3_256_050 + 9_072_000) / 1e9, 12);
    // 945 run reads + 28,350 event-state reads + 10,000 × 10 API reads
    expect(line('DynamoDB reads')?.quantity).toBeCloseTo(129_295, 6);
    expect(cost.totalUsd).toBeCloseTo(
      cost.lines.reduce((s, l) => s + l.usd, 0),
      12,
    );
    // Everything but the writes, reads (the scorecard's too) and the HTTP API fits the always-free allowances.
    expect(cost.afterFreeTierUsd).toBeCloseTo(
      line('DynamoDB writes')!.usd +
        line('DynamoDB reads')!.usd +
        line('Scorecard writes')!.usd +
        line('Scorecard reads')!.usd +
        line('HTTP API')!.usd,
      9,
    );
  });

  it('prices the live scorecard from the worked example: two recording runs a session, each folding at its end', () => {
    const line = (symbols: number, item: string) =>
      monthlyCost({ ...inputs, symbols }).lines.find((l) => l.item === item)?.quantity;
    // 5 batches in shard order touch 16 + 4 = 20 (batch, shard) pairs; an aggregate item is
    // 150 / 16 × 32 B + 2,048 B = 2,348 B (3 write units, 1 read unit). Each of 2 runs a session
    // writes 150 × (5 + 0.35) session and observation items and 20 × 25 × 3 units of updates.
    expect(line(150, 'Scorecard writes')).toBeCloseTo(21 * 2 * (802.5 + 1_500), 6);
    // 2 × 150 × 5 sessions read and the re-fetch's 20 × 25 range reads a session; each of the 2
    // runs folds 40 × 16 items of 2,348 B (consistent: 4 KB a unit).
    expect(line(150, 'Scorecard reads')).toBeCloseTo(21 * (1_500 + 500) + (21 * 2 * 40 * 16 * 2_348) / 4_096, 6);
    // At 5,000 symbols: 167 batches, 182 pairs, items of 5,000 / 16 × 32 B + 2,048 B = 12,048 B (12 units).
    expect(line(5000, 'Scorecard writes')).toBeCloseTo(21 * 2 * (5_000 * 5.35 + 182 * 25 * 12), 6);
    // Without shards (one item per aggregate, 162 KB) the updates alone would be 167 × 25 × 159 units a run: 8 times as much.
    expect(21 * 2 * 167 * 25 * 159).toBeGreaterThan(8 * (line(5000, 'Scorecard writes') as number));
  });

  it('bills a cold start of every function for every run, as the worst case', () => {
    // 189 runs × (1 dispatch + 2 workers) × 1 s × 0.25 GB = 141.75 GB-s more than without
    const cold = monthlyCost({ ...inputs, initDurationMs: 1000 }).lines.find((l) => l.item === 'Lambda compute');
    expect(cold?.quantity).toBeCloseTo(252.575 + 141.75, 6);
  });

  it('scales a duration measured on whole cores by Lambda’s CPU share, never below the measurement', () => {
    expect(lambdaDurationMs(100, 256)).toBeCloseTo(691.015625, 9);
    expect(lambdaDurationMs(100, 1769)).toBe(100);
    expect(lambdaDurationMs(100, 3008)).toBe(100);
  });

  it('grows with the watchlist', () => {
    const small = monthlyCost(inputs).totalUsd;
    const large = monthlyCost({ ...inputs, symbols: 5000 }).totalUsd;
    expect(large).toBeGreaterThan(small * 10);
  });
});

describe('fixed monthly items', () => {
  const sweep = { alarmNotifications: 100, sweepDurationMs: 1000, sweepMemoryMb: 192, sweepReadUnits: 10 };

  it('counts what the default stack holds: 1 key, 25 alarms, 20 custom metrics, 1 dashboard, the API token’s secret', () => {
    // 6 functions (the API's authorizer and the lists-writer among them): 7 stack-wide alarms + 3
    // each; MaxRss of each + dispatch's 1, scan-batch's 7 and the sweeper's 6.
    expect(stackInventory({ discord: false, secrets: 0 })).toEqual({
      kmsKeys: 1,
      alarms: 25,
      customMetrics: 20,
      dashboards: 1,
      secrets: 1,
    });
    // With Discord: its function and alarm-notify add 3 alarms and a MaxRss each, and the subscriptions' key a secret.
    expect(stackInventory({ discord: true, secrets: 2 })).toMatchObject({ alarms: 31, customMetrics: 22, secrets: 4 });
  });

  it('sweeps every 15 minutes of a 30-day month: 2,880 times', () => {
    expect(SWEEPS_PER_MONTH).toBe(2880);
  });

  it('prices the key, the alarms, the metrics, the dashboard and the sweeper from the worked example', () => {
    const cost = fixedMonthlyCost({ ...stackInventory({ discord: false, secrets: 0 }), ...sweep });
    const usd = Object.fromEntries(cost.lines.map((l) => [l.item, l.usd]));
    expect(usd['KMS key']).toBe(1);
    expect(usd['KMS requests']).toBeCloseTo((200 / 10_000) * 0.03, 12);
    expect(usd['CloudWatch alarms']).toBeCloseTo(2.5, 12);
    expect(usd['Custom metrics']).toBeCloseTo(6, 12);
    expect(usd.Dashboards).toBe(3);
    expect(usd.Secrets).toBeCloseTo(0.4, 12);
    // 2,880 × 0.1875 GB × 1 s = 540 GB-s; 2,880 × 10 read units = 28,800
    expect(cost.lines.find((l) => l.item === 'Sweeper compute')?.quantity).toBeCloseTo(540, 9);
    expect(usd['Sweeper compute']).toBeCloseTo(540 * 0.0000133334, 12);
    expect(usd['Sweeper DynamoDB reads']).toBeCloseTo(0.0036, 12);
    expect(cost.totalUsd).toBeCloseTo(
      1 + 0.0006 + 2.5 + 6 + 3 + 0.4 + 0.000576 + 540 * 0.0000133334 + 0.00288 + 0.0036,
      12,
    );
    // Free: 10 alarms, 10 metrics, 3 dashboards, 20,000 KMS requests; the sweeper's Lambda and Scheduler use.
    // Left: the key $1, 15 alarms $1.50, 10 metrics $3.00, the token's secret $0.40, the sweeper's reads $0.0036.
    expect(cost.afterFreeTierUsd).toBeCloseTo(5.9036, 9);
  });

  it('adds $0.40 a secret, and the Discord functions’ alarms and metrics', () => {
    const cost = fixedMonthlyCost({ ...stackInventory({ discord: true, secrets: 2 }), ...sweep });
    expect(cost.lines.find((l) => l.item === 'Secrets')?.usd).toBeCloseTo(1.6, 12);
    // $1 key + 21 alarms beyond 10 + 12 metrics beyond 10 + 4 secrets + the sweeper's reads
    expect(cost.afterFreeTierUsd).toBeCloseTo(1 + 2.1 + 3.6 + 1.6 + 0.0036, 9);
  });

  it('leaves the sweeper room in the always-free Lambda and Scheduler allowances, even beside 5,000 symbols’ runs', () => {
    const runs = monthlyCost({ ...inputs, symbols: 5000 }).lines;
    const quantity = (item: string) => runs.find((l) => l.item === item)?.quantity as number;
    expect(quantity('Lambda requests') + SWEEPS_PER_MONTH).toBeLessThan(FREE_TIER.lambdaRequests / 10);
    expect(quantity('Lambda compute') + 540).toBeLessThan(FREE_TIER.lambdaGbSeconds / 10);
    expect(quantity('Scheduler') + SWEEPS_PER_MONTH).toBeLessThan(FREE_TIER.schedulerInvocations / 10);
  });
});
