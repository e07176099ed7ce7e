import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lambdaNodeFlags } from '../../bench/lambda-process.js';
import { type BenchResults, breaches, type FunctionResult, sizeFor, type Thresholds } from '../../bench/results.js';
import { gapCounts, gapPercentile } from '../../bench/lambda-process.js';
import { MEMORY_ALARM_SHARE } from '../../lib/observability.js';

const thresholds = (file: string) =>
  JSON.parse(readFileSync(new URL(`../../bench/${file}`, import.meta.url), 'utf8')) as Thresholds;
const full = thresholds('thresholds.json');
const smoke = thresholds('thresholds.smoke.json');

const figure = (vmHwmMb: number, rssAnonPeakMb = 40) => ({
  vmHwmMb,
  rssAnonPeakMb,
  rssFileMb: 50,
  heapTotalMb: 30,
  heapUsedMb: 15,
  externalMb: 5,
});

function fn(over: Partial<FunctionResult> = {}): FunctionResult {
  return {
    memoryMb: 128,
    bundleKb: 250,
    import: { ...figure(62), importMs: 90 },
    firstBatch: figure(75),
    soak: { invocations: 2000, peak: figure(100, 60), samples: [{ invocation: 25, ...figure(100, 60) }] },
    medianDurationMs: 90,
    importToSdkFloor: 1,
    firstBatchToSdkFloor: 1,
    soakToSdkFloor: 1,
    ...over,
  };
}

function results(functions: Record<string, FunctionResult>): BenchResults {
  return {
    runtime: {
      node: 'v24.21.0',
      flags: lambdaNodeFlags(128),
      memoryMb: 128,
      sampleIntervalMs: 2,
      sampleGapMs: { p99: 2.3, max: 12, worstProcessP99: 4.1 },
    },
    bareNode: figure(47, 9),
    cli: { bareStartMs: 40, helpMs: 60, helpPeakMb: 49, helpToBareStart: 1.5, scanMs: 3400, scanPeakMb: 146 },
    sdkFloor: {
      bundleKb: 337,
      import: { ...figure(62), importMs: 100 },
      firstBatch: figure(78),
      soak: { invocations: 2000, peak: figure(102), samples: [] },
      soakVmHwmMb: 101,
      soakPeaksMb: [102, 100],
      medianDurationMs: 40,
      writesPerInvocation: { first: { items: 409, kb: 291 }, later: { items: 99, kb: 52.6 } },
    },
    synths: { default: { context: {}, functions } },
    throughput: {
      node: 'v20.20.2',
      wallMs: 900,
      cpuMs: 540,
      scorecard: { symbols: 150, observations: 16021, wallMs: 2100 },
      scorecardFold: { symbols: 5000, largestAggregateKb: 153, documentKb: 36, wallMs: 900 },
    },
  };
}

describe('the bench’s bounds', () => {
  it('are the issue’s: 1.10× the floor, 96 MB anonymous, 300 KB, the alarm’s 85% line, at 128 MB flags', () => {
    for (const t of [full, smoke]) {
      expect([t.importToSdkFloor, t.firstBatchToSdkFloor, t.soakToSdkFloor]).toEqual([1.1, 1.1, 1.1]);
      expect([t.soakRssAnonPeakMb, t.bundleKb, t.flagsMemoryMb]).toEqual([96, 300, 128]);
      expect(t.memoryAlarmShare).toBe(MEMORY_ALARM_SHARE);
    }
    expect(full.soak).toMatchObject({ long: 2000, short: 500, sampleEvery: 25, floor: 2000 });
    // The floor's soak is at least as long as any function's, in two processes or more.
    for (const t of [full, smoke]) {
      expect(t.soak.floor).toBeGreaterThanOrEqual(t.soak.long);
      expect(t.soak.floorProcesses).toBeGreaterThanOrEqual(2);
    }
    expect([full.maxSampleGapMs, smoke.maxSampleGapMs]).toEqual([5, 5]);
    expect([full.freshProcesses, smoke.freshProcesses]).toEqual([3, 3]);
    expect(smoke.soak.long).toBeLessThan(full.soak.long);
  });

  it('start Node as Lambda’s bootstrap does for a memory size', () => {
    expect(lambdaNodeFlags(128)).toEqual(['--expose-gc', '--max-semi-space-size=6', '--max-old-space-size=115']);
    expect(lambdaNodeFlags(256)).toEqual(['--expose-gc', '--max-semi-space-size=12', '--max-old-space-size=230']);
  });

  it('size a function at 128 MB up to 108.8 MB of VmHWM, else the next step that holds 85%', () => {
    expect(sizeFor(108.8, 0.85, 64)).toBe(128);
    expect(sizeFor(108.9, 0.85, 64)).toBe(192);
    expect(sizeFor(170, 0.85, 64)).toBe(256);
  });

  it('pass a function within every bound, and name each breach of one that is not', () => {
    expect(breaches(results({ api: fn() }), full)).toEqual([]);
    const found = breaches(
      results({
        'scan-batch': fn({
          bundleKb: 415,
          import: { ...figure(70), importMs: 90 },
          importToSdkFloor: 1.129,
          firstBatchToSdkFloor: 1.2,
          firstBatch: figure(93.6),
          soakToSdkFloor: 1.23,
          soak: { invocations: 2000, peak: figure(112, 97), samples: [] },
        }),
      }),
      full,
    );
    expect(found).toEqual([
      'default scan-batch: bundle 415 KB > 300 KB',
      "default scan-batch: import VmHWM 70 MB = 1.129× the SDK floor's 62 MB > 1.1×",
      "default scan-batch: first batch VmHWM 93.6 MB = 1.2× the SDK floor's 78 MB > 1.1×",
      "default scan-batch: soak VmHWM 112 MB = 1.23× the SDK floor's soak (101 MB) > 1.1×",
      'default scan-batch: anonymous memory peaks at 97 MB in the soak > 96 MB',
      "default scan-batch: VmHWM 112 MB passes the memory alarm's line (108.8 MB, 85% of its 128 MB): size it 192 MB",
    ]);
  });

  it('say when a function is given more memory than it needs, in the full run only', () => {
    const roomy = results({ dispatch: fn({ memoryMb: 256 }), api: fn({ memoryMb: 192 }) });
    expect(breaches(roomy, full)).toEqual([
      'default dispatch: 256 MB is more than it needs: VmHWM 100 MB holds 85% of 192 MB with 10 MB to spare',
    ]);
    // 100 MB fits 128 MB's line (108.8 MB), but not by the 10 MB one soak moves from run to run.
    expect(full.sizeMarginMb).toBe(10);
    expect(breaches(roomy, smoke)).toEqual([]);
    // Measured for its first batch alone (the second synth's unchanged functions): sized by its soak in the first.
    const once = fn({ memoryMb: 256, soak: { invocations: 1, peak: figure(75), samples: [] }, soakToSdkFloor: null });
    expect(breaches(results({ dispatch: once }), full)).toEqual([]);
  });

  it('hold the scorecard of the bundled history to 10 s', () => {
    const slow = results({ api: fn() });
    expect(breaches(slow, full)).toEqual([]);
    slow.throughput = { ...slow.throughput, scorecard: { symbols: 150, observations: 16021, wallMs: 10_400 } };
    expect(breaches(slow, full)).toEqual(['throughput: the scorecard of 150 symbols took 10400 ms > 10 s']);
  });

  it('hold the built CLI’s --help to twice a bare Node start', () => {
    const slow = results({ api: fn() });
    expect(breaches(slow, full)).toEqual([]);
    slow.cli = { ...slow.cli, helpMs: 84, helpToBareStart: 2.1 };
    expect(breaches(slow, full)).toEqual(["cli: scanfleet --help took 84 ms, 2.1× a bare Node's 40 ms > 2×"]);
  });

  it('hold the live scorecard’s items at its largest watchlist to DynamoDB’s 400 KB', () => {
    const large = results({ api: fn() });
    large.throughput = {
      ...large.throughput,
      scorecardFold: { symbols: 14000, largestAggregateKb: 428, documentKb: 101, wallMs: 2500 },
    };
    expect(breaches(large, full)).toEqual([
      "throughput: at 14000 symbols an aggregate of the live scorecard is 428 KB > DynamoDB's 400 KB item limit",
    ]);
    large.throughput.scorecardFold = { ...large.throughput.scorecardFold, largestAggregateKb: 400, documentKb: 401 };
    expect(breaches(large, full)).toEqual([
      "throughput: at 14000 symbols the document of the live scorecard is 401 KB > DynamoDB's 400 KB item limit",
    ]);
  });

  it('refuse figures from another runtime or other flags', () => {
    const other = results({ api: fn() });
    other.runtime = {
      ...other.runtime,
      node: 'v20.20.2',
      memoryMb: 256,
      sampleGapMs: { p99: 9.5, max: 20, worstProcessP99: 11 },
    };
    expect(breaches(other, full)).toEqual([
      'runtime: measured with 256 MB flags, the bounds are for 128 MB',
      'runtime: measured on Node v20.20.2, not 24.x',
      'runtime: /proc reads were 9.5 ms apart 1 time in 100 (over every process) > 5 ms',
    ]);
  });
});

describe('the /proc sampler’s gaps', () => {
  it('pool over processes in 0.1 ms buckets: the 99th percentile of every read, not of the noisiest process', () => {
    // A soak of 990 reads 1.0–1.09 ms apart, and a short process of 10 reads, 3 of them 8 ms apart.
    const soak = gapCounts(Array.from({ length: 990 }, (_, i) => 1 + (i % 10) / 100));
    const short = gapCounts([1, 1, 1, 1, 1, 1, 1, 8, 8, 8]);
    expect(gapPercentile(short, 0.99)).toBe(8.1);
    const pooled = soak.map((n, i) => n + short[i]);
    expect(pooled.reduce((a, b) => a + b, 0)).toBe(1000);
    // 997 of the 1,000 gaps are in the bucket [1.0, 1.1): the 99th percentile is its upper edge.
    expect(gapPercentile(pooled, 0.99)).toBe(1.1);
    expect(gapPercentile(pooled, 0.999)).toBe(8.1);
    // Gaps of 100 ms and more share the last bucket.
    expect(gapPercentile(gapCounts([250]), 0.99)).toBe(100);
  });
});
