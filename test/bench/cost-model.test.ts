import { describe, expect, it } from 'vitest';
import { lambdaDurationMs, monthlyCost, RUNS_PER_MONTH } from '../../bench/cost-model.js';

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
  itemBytes: 600,
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
    // 3 items per symbol-run (189 × 150 = 28,350) + 189 run records + 945 batch updates
    // + 21 sessions × 150 event states + 2 × 21 × 150 × 0.2 events
    expect(line('DynamoDB writes')?.quantity).toBeCloseTo(85_050 + 189 + 945 + 3_150 + 1_260, 6);
    expect(line('DynamoDB writes')?.usd).toBeCloseTo(0.090594 * 0.625, 9);
    // 945 run reads + 28,350 event-state reads + 10,000 × 10 API reads
    expect(line('DynamoDB reads')?.quantity).toBeCloseTo(129_295, 6);
    expect(cost.totalUsd).toBeCloseTo(
      cost.lines.reduce((s, l) => s + l.usd, 0),
      12,
    );
    // Everything but the writes, reads and the HTTP API fits the always-free allowances.
    expect(cost.afterFreeTierUsd).toBeCloseTo(
      line('DynamoDB writes')!.usd + line('DynamoDB reads')!.usd + line('HTTP API')!.usd,
      9,
    );
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
