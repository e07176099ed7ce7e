import { describe, expect, it } from 'vitest';
import { lambdaDurationMs, monthlyCost, RUNS_PER_MONTH } from '../../functions/core/cost-model.js';

const inputs = { symbols: 150, reducedSymbols: 50, batchSize: 30, scannersPerSymbol: 3, batchDurationMs: 500, dispatchDurationMs: 200, initDurationMs: 0, workersPerRun: 2, memoryMb: 256, resultsDays: 7, itemBytes: 600, apiRequests: 10_000, apiDurationMs: 50 };

describe('monthly cost model', () => {
  it('counts the default schedule’s runs: 8 full runs each weekday, 4 reduced each weekday and 6 each weekend day', () => {
    expect(RUNS_PER_MONTH.full).toBeCloseTo(173.6, 9);
    expect(RUNS_PER_MONTH.reduced).toBeCloseTo(139.0, 9);
  });

  it('prices requests, compute and writes from the worked example', () => {
    const cost = monthlyCost(inputs);
    const line = (item: string) => cost.lines.find((l) => l.item === item);
    // runs 312.6 + batches (173.6 × 5 + 139 × 2 = 1,146) + 10,000 API requests
    expect(line('Lambda requests')?.quantity).toBeCloseTo(11_458.6, 6);
    // 0.25 GB × (312.6 × 0.2 s + 1,146 × 0.5 s + 10,000 × 0.05 s) = 283.88 GB-s
    expect(line('Lambda compute')?.quantity).toBeCloseTo(283.88, 6);
    expect(line('Lambda compute')?.usd).toBeCloseTo(283.88 * 0.0000133334, 12);
    // 3 items per symbol-run (173.6 × 150 + 139 × 50 = 32,990) + 312.6 run records + 1,146 batch updates
    expect(line('DynamoDB writes')?.quantity).toBeCloseTo(100_428.6, 6);
    expect(line('DynamoDB writes')?.usd).toBeCloseTo(0.1004286 * 0.625, 9);
    expect(cost.totalUsd).toBeCloseTo(cost.lines.reduce((s, l) => s + l.usd, 0), 12);
    // Everything but the writes, reads and the HTTP API fits the always-free allowances.
    expect(cost.afterFreeTierUsd).toBeCloseTo(line('DynamoDB writes')!.usd + line('DynamoDB reads')!.usd + line('HTTP API')!.usd, 9);
  });

  it('bills a cold start of every function for every run, as the worst case', () => {
    // 312.6 runs × (1 dispatch + 2 workers) × 1 s × 0.25 GB = 234.45 GB-s more than without
    const cold = monthlyCost({ ...inputs, initDurationMs: 1000 }).lines.find((l) => l.item === 'Lambda compute');
    expect(cold?.quantity).toBeCloseTo(283.88 + 234.45, 6);
  });

  it('scales a duration measured on whole cores by Lambda’s CPU share, never below the measurement', () => {
    expect(lambdaDurationMs(100, 256)).toBeCloseTo(691.015625, 9);
    expect(lambdaDurationMs(100, 1769)).toBe(100);
    expect(lambdaDurationMs(100, 3008)).toBe(100);
  });

  it('grows with the watchlist', () => {
    const small = monthlyCost(inputs).totalUsd;
    const large = monthlyCost({ ...inputs, symbols: 5000, reducedSymbols: 50 }).totalUsd;
    expect(large).toBeGreaterThan(small * 10);
  });
});
