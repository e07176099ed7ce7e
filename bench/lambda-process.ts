// One function's process as Lambda runs it: the stack's Node (24) with the bootstrap's flags for
// a memory size, sampled from outside through /proc while bench-worker.mjs feeds it events.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/** The flags Lambda's Node.js bootstrap starts node with for a function of `memoryMb`. */
export function lambdaNodeFlags(memoryMb: number): string[] {
  return [
    '--expose-gc',
    `--max-semi-space-size=${Math.floor(memoryMb / 20)}`,
    `--max-old-space-size=${Math.floor(memoryMb * 0.9)}`,
  ];
}

/**
 * `command args` for spawn at the lowest priority, every thread of it: `nice` sets it before node
 * starts, so V8's compiler and GC threads (created at start-up) cannot delay the sampler either.
 */
export function belowBench(command: string, args: string[]): [string, string[]] {
  return ['nice', ['-n', '19', command, ...args]];
}

/** The /proc sampler's target interval: the bound is 5 ms. */
export const SAMPLE_INTERVAL_MS = 1;

/** One memory figure: each field a peak over its window (RssFile: at the window's end). */
export interface MemoryFigure {
  vmHwmMb: number;
  rssAnonPeakMb: number;
  rssFileMb: number;
  heapTotalMb: number;
  heapUsedMb: number;
  externalMb: number;
}

export interface ProcessReport {
  /** process.version as the child reports it. */
  node: string;
  execArgv: string[];
  import: MemoryFigure & { importMs: number };
  /** Each invocation's own figure, in order. */
  invocations: MemoryFigure[];
  durationsMs: number[];
  /**
   * Gaps between two /proc samples: the 99th percentile and the longest, and how many fell in
   * each 0.1 ms from 0 (the last bucket takes every longer one), so the runs' gaps can be pooled.
   */
  sampleGapMs: { p99: number; max: number; counts: number[] };
}

/** Gap buckets of 0.1 ms: up to 100 ms, the last holding every longer gap. */
const GAP_BUCKETS = 1_000;

/** Gaps (ms) counted in 0.1 ms buckets. */
export function gapCounts(gaps: ArrayLike<number>): number[] {
  const counts = new Array<number>(GAP_BUCKETS).fill(0);
  for (let i = 0; i < gaps.length; i++) counts[Math.min(GAP_BUCKETS - 1, Math.floor(gaps[i] * 10))]++;
  return counts;
}

/** The gap (ms, a bucket's upper edge) that `share` of the counted gaps do not exceed. */
export function gapPercentile(counts: readonly number[], share: number): number {
  const total = counts.reduce((a, b) => a + b, 0);
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i];
    if (seen >= share * total) return (i + 1) / 10;
  }
  return counts.length / 10;
}

export interface LambdaProcessInput {
  mode: 'sqs' | 'invoke';
  events: unknown[];
  /** The first invocation's event, when it differs from the rest's (a store's first batch); else events[0]. */
  first?: unknown;
  /** Invocations; event i is events[i % events.length], but for `first`. */
  count: number;
  /** A regular expression every invoke-mode result (as JSON) must match. */
  expect?: string;
}

const WORKER = fileURLToPath(new URL('./bench-worker.mjs', import.meta.url));
const SAMPLER = new URL('./proc-sampler.mjs', import.meta.url);
const now = () => Number(process.hrtime.bigint()) / 1e6;
const round = (x: number) => Math.round(x * 10) / 10;

interface Samples {
  t: Float64Array;
  VmHWM: Float64Array;
  VmRSS: Float64Array;
  RssAnon: Float64Array;
  RssFile: Float64Array;
}

interface ChildReport {
  node: string;
  execArgv: string[];
  imported: { start: number; end: number; vmHwmMb: number; heapTotal: number; heapUsed: number; external: number };
  invocations: Record<'start' | 'end' | 'vmHwm' | 'heapTotal' | 'heapUsed' | 'external', number[]>;
}

/** Index of the last sample at or before t (0 if none). */
function before(t: Float64Array, at: number): number {
  let lo = 0;
  let hi = t.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (t[mid] <= at) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Index of the first sample at or after t (the last if none). */
function after(t: Float64Array, at: number): number {
  let lo = 0;
  let hi = t.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (t[mid] >= at) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Anonymous memory's peak over [from, to], the samples either side included, and file-backed memory at its end. */
function window(samples: Samples, from: number, to: number): { rssAnonPeakMb: number; rssFileMb: number } {
  const lo = before(samples.t, from);
  const hi = after(samples.t, to);
  let peak = 0;
  for (let i = lo; i <= hi; i++) peak = Math.max(peak, samples.RssAnon[i]);
  return { rssAnonPeakMb: round(peak), rssFileMb: round(samples.RssFile[hi]) };
}

/**
 * Runs `bundle` in a fresh process of `node` with Lambda's flags for `memoryMb`, feeding it
 * `input`, while a worker thread samples the process's /proc status every 2 ms.
 */
export async function runLambdaProcess(options: {
  node: string;
  flagsMemoryMb: number;
  bundle: string;
  env: Record<string, string>;
  input: LambdaProcessInput;
  workDir: string;
  label: string;
}): Promise<ProcessReport> {
  const id = `${options.label.replace(/\W+/g, '-')}-${Math.random().toString(36).slice(2, 8)}`;
  const inputFile = join(options.workDir, `${id}.input.json`);
  const reportFile = join(options.workDir, `${id}.report.json`);
  writeFileSync(inputFile, JSON.stringify(options.input));
  const spawned = now();
  const child = spawn(
    ...belowBench(options.node, [
      ...lambdaNodeFlags(options.flagsMemoryMb),
      WORKER,
      options.bundle,
      inputFile,
      reportFile,
      String(options.flagsMemoryMb),
    ]),
    { env: options.env, stdio: ['pipe', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < 20_000) stderr += chunk.toString();
  });
  const stop = new SharedArrayBuffer(4);
  const sampler = new Worker(SAMPLER, { workerData: { pid: child.pid, intervalMs: SAMPLE_INTERVAL_MS, stop } });
  const sampled = new Promise<Samples>((resolve, reject) => {
    sampler.on('message', (message: Samples | 'started') => {
      // The child waits for this line before it imports anything.
      if (message === 'started') child.stdin.end('go\n');
      else resolve(message);
    });
    sampler.once('error', reject);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  Atomics.store(new Int32Array(stop), 0, 1);
  Atomics.notify(new Int32Array(stop), 0);
  const samples = await sampled;
  await sampler.terminate();
  if (code !== 0) throw new Error(`${options.label}: the function's process exited with ${code}\n${stderr.trim()}`);
  const report = JSON.parse(readFileSync(reportFile, 'utf8')) as ChildReport;
  if (samples.t.length < 2) throw new Error(`${options.label}: the /proc sampler saw fewer than 2 samples`);
  const gaps = Float64Array.from({ length: samples.t.length - 1 }, (_, i) => samples.t[i + 1] - samples.t[i]).sort();
  const { imported, invocations: inv } = report;
  return {
    node: report.node,
    execArgv: report.execArgv,
    import: {
      importMs: round(imported.end - imported.start),
      vmHwmMb: round(imported.vmHwmMb),
      ...window(samples, spawned, imported.end),
      heapTotalMb: round(imported.heapTotal),
      heapUsedMb: round(imported.heapUsed),
      externalMb: round(imported.external),
    },
    invocations: inv.start.map((start, i) => ({
      vmHwmMb: round(inv.vmHwm[i]),
      ...window(samples, start, inv.end[i]),
      heapTotalMb: round(inv.heapTotal[i]),
      heapUsedMb: round(inv.heapUsed[i]),
      externalMb: round(inv.external[i]),
    })),
    durationsMs: inv.start.map((start, i) => inv.end[i] - start),
    sampleGapMs: {
      p99: round(gaps[Math.floor(gaps.length * 0.99)]),
      max: round(gaps[gaps.length - 1]),
      counts: gapCounts(gaps),
    },
  };
}
