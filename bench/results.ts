// bench/results.json's shape, and `--check`: the results held to bench/thresholds.json.
import type { MemoryFigure } from './lambda-process.js';

import type { CliFigures } from './cli-figures.js';

export interface SoakSample extends MemoryFigure {
  /** The sample covers the invocations after the previous sample's, up to this one. */
  invocation: number;
}

export interface Soak {
  invocations: number;
  /** Each field's peak over the whole soak. */
  peak: MemoryFigure;
  samples: SoakSample[];
}

export interface MeasuredProcess {
  bundleKb: number;
  import: MemoryFigure & { importMs: number };
  firstBatch: MemoryFigure;
  soak: Soak;
  medianDurationMs: number;
}

export interface FunctionResult extends MeasuredProcess {
  /** Its configured memory in the synthesized stack. */
  memoryMb: number;
  importToSdkFloor: number;
  firstBatchToSdkFloor: number;
  /** The soak's VmHWM (its highest sample) over the floor's soak VmHWM (`sdkFloor.soakVmHwmMb`); null without a soak. */
  soakToSdkFloor: number | null;
}

export interface SynthResult {
  /** cdk.json's scanfleet settings the stack was synthesized with. */
  context: Record<string, unknown>;
  functions: Record<string, FunctionResult>;
}

export interface Thresholds {
  flagsMemoryMb: number;
  importToSdkFloor: number;
  firstBatchToSdkFloor: number;
  soakToSdkFloor: number;
  soakRssAnonPeakMb: number;
  bundleKb: number;
  memoryAlarmShare: number;
  sizeStepMb: number;
  /**
   * How far one soak's VmHWM moves from run to run (V8 tiers up at different moments): a size is
   * "more than it needs" only when the soak fits the smaller size's line by this much.
   */
  sizeMarginMb: number;
  /** Whether the configured size must also be the smallest that holds the alarm line. */
  smallestSize: boolean;
  /** The longest gap the /proc sampler may leave between two reads, 99 times in 100 over all of them (a loaded machine can delay a thread now and then). */
  maxSampleGapMs: number;
  /** Fresh processes each import and first batch is measured in: the figure is their median. */
  freshProcesses: number;
  /** The longest `scanfleet scorecard` of the bundled history may take. */
  scorecardSeconds: number;
  /** How many times a bare Node's start `scanfleet --help` may take (the CLI ships built). */
  cliHelpToBareStart: number;
  /**
   * Soak lengths, a sample every `sampleEvery` invocations, and the floor's soak: `floor`
   * invocations in each of `floorProcesses` processes.
   */
  soak: { long: number; short: number; sampleEvery: number; floor: number; floorProcesses: number };
}

/** This machine's Node (not the Lambda runtime): the CLI's speed. */
export interface Throughput {
  node: string;
  /** A full 150-symbol local scan: the median run. */
  wallMs: number;
  cpuMs: number;
  /** `scanfleet scorecard` of the bundled history: the median run. */
  scorecard: { symbols: number; observations: number; wallMs: number };
  /**
   * The live scorecard's fold at a run's end over the aggregates of `symbols` symbols (each
   * carrying every symbol's guard range): the largest aggregate, the document written, the median fold.
   */
  scorecardFold: { symbols: number; largestAggregateKb: number; documentKb: number; wallMs: number };
}

export interface BenchResults {
  runtime: {
    node: string;
    flags: string[];
    memoryMb: number;
    sampleIntervalMs: number;
    /**
     * The 99th percentile of the gaps between /proc reads over every read of every measured
     * process (what `maxSampleGapMs` holds), the longest gap, and the highest of the processes'
     * own 99th percentiles (a process of one invocation has a few hundred reads).
     */
    sampleGapMs: { p99: number; max: number; worstProcessP99: number };
  };
  bareNode: MemoryFigure;
  /** The built CLI on the Lambda runtime's Node (no Lambda flags): its start and a scan's peak. */
  cli: CliFigures;
  sdkFloor: MeasuredProcess & {
    /** The median of its soaks' VmHWM: what every function's soak is held to. */
    soakVmHwmMb: number;
    /** Each soak process's VmHWM; `soak` is the first's. */
    soakPeaksMb: number[];
    /** What the floor writes: a store's first batch's items on its first invocation, a later batch's on the rest. */
    writesPerInvocation: Record<'first' | 'later', { items: number; kb: number }>;
  };
  synths: Record<string, SynthResult>;
  throughput: Throughput;
}

/** DynamoDB's largest item. */
const DYNAMODB_ITEM_KB = 400;

/** The smallest size, in steps of `step` from 128 MB, at which `vmHwmMb` stays within `share` of it. */
export function sizeFor(vmHwmMb: number, share: number, step: number): number {
  let size = 128;
  while (vmHwmMb > share * size) size += step;
  return size;
}

/** Every breach of `t` in `r`, one line each, naming the synth, the function and the figure. */
export function breaches(r: BenchResults, t: Thresholds): string[] {
  const out: string[] = [];
  if (r.runtime.memoryMb !== t.flagsMemoryMb)
    out.push(`runtime: measured with ${r.runtime.memoryMb} MB flags, the bounds are for ${t.flagsMemoryMb} MB`);
  if (!r.runtime.node.startsWith('v24.')) out.push(`runtime: measured on Node ${r.runtime.node}, not 24.x`);
  if (r.runtime.sampleGapMs.p99 > t.maxSampleGapMs)
    out.push(
      `runtime: /proc reads were ${r.runtime.sampleGapMs.p99} ms apart 1 time in 100 (over every process) > ${t.maxSampleGapMs} ms`,
    );
  if (r.cli.helpToBareStart > t.cliHelpToBareStart)
    out.push(
      `cli: scanfleet --help took ${r.cli.helpMs} ms, ${r.cli.helpToBareStart}× a bare Node's ${r.cli.bareStartMs} ms > ${t.cliHelpToBareStart}×`,
    );
  if (r.throughput.scorecard.wallMs > t.scorecardSeconds * 1000)
    out.push(
      `throughput: the scorecard of ${r.throughput.scorecard.symbols} symbols took ${r.throughput.scorecard.wallMs} ms > ${t.scorecardSeconds} s`,
    );
  const fold = r.throughput.scorecardFold;
  for (const [what, kb] of [
    ['an aggregate', fold.largestAggregateKb],
    ['the document', fold.documentKb],
  ] as const)
    if (kb > DYNAMODB_ITEM_KB)
      out.push(
        `throughput: at ${fold.symbols} symbols ${what} of the live scorecard is ${kb} KB > DynamoDB's ${DYNAMODB_ITEM_KB} KB item limit`,
      );
  for (const [synth, { functions }] of Object.entries(r.synths))
    for (const [name, f] of Object.entries(functions)) {
      const at = `${synth} ${name}`;
      if (f.bundleKb > t.bundleKb) out.push(`${at}: bundle ${f.bundleKb} KB > ${t.bundleKb} KB`);
      if (f.importToSdkFloor > t.importToSdkFloor)
        out.push(
          `${at}: import VmHWM ${f.import.vmHwmMb} MB = ${f.importToSdkFloor}× the SDK floor's ${r.sdkFloor.import.vmHwmMb} MB > ${t.importToSdkFloor}×`,
        );
      if (f.firstBatchToSdkFloor > t.firstBatchToSdkFloor)
        out.push(
          `${at}: first batch VmHWM ${f.firstBatch.vmHwmMb} MB = ${f.firstBatchToSdkFloor}× the SDK floor's ${r.sdkFloor.firstBatch.vmHwmMb} MB > ${t.firstBatchToSdkFloor}×`,
        );
      if (f.soakToSdkFloor !== null && f.soakToSdkFloor > t.soakToSdkFloor)
        out.push(
          `${at}: soak VmHWM ${f.soak.peak.vmHwmMb} MB = ${f.soakToSdkFloor}× the SDK floor's soak (${r.sdkFloor.soakVmHwmMb} MB) > ${t.soakToSdkFloor}×`,
        );
      if (f.soak.peak.rssAnonPeakMb > t.soakRssAnonPeakMb)
        out.push(
          `${at}: anonymous memory peaks at ${f.soak.peak.rssAnonPeakMb} MB in the soak > ${t.soakRssAnonPeakMb} MB`,
        );
      // A function measured for its first batch alone (the second synth's unchanged ones) is sized by its soak in the first.
      if (f.soak.invocations < t.soak.short) continue;
      const line = Math.round(t.memoryAlarmShare * f.memoryMb * 10) / 10;
      const needed = sizeFor(f.soak.peak.vmHwmMb, t.memoryAlarmShare, t.sizeStepMb);
      if (f.soak.peak.vmHwmMb > line)
        out.push(
          `${at}: VmHWM ${f.soak.peak.vmHwmMb} MB passes the memory alarm's line (${line} MB, ${t.memoryAlarmShare * 100}% of its ${f.memoryMb} MB): size it ${needed} MB`,
        );
      else {
        const enough = sizeFor(f.soak.peak.vmHwmMb + t.sizeMarginMb, t.memoryAlarmShare, t.sizeStepMb);
        if (t.smallestSize && enough < f.memoryMb)
          out.push(
            `${at}: ${f.memoryMb} MB is more than it needs: VmHWM ${f.soak.peak.vmHwmMb} MB holds ${t.memoryAlarmShare * 100}% of ${enough} MB with ${t.sizeMarginMb} MB to spare`,
          );
      }
    }
  return out;
}
