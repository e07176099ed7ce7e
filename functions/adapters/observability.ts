import { readFileSync } from 'node:fs';
import { Logger } from './telemetry/logger.js';
import { Metrics, MetricUnit } from './telemetry/metrics.js';

export const METRICS_NAMESPACE = 'scanfleet';

/** One logger and one metrics object per function and container (never per invocation). */
export function createTelemetry(serviceName: string): { logger: Logger; metrics: Metrics } {
  return {
    logger: new Logger({ service: serviceName }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, service: serviceName }),
  };
}

const MB = 1_048_576;

/**
 * Peak RSS of this process since it started, in bytes (what an OOM kill looks at). On Linux it
 * is VmHWM from /proc: getrusage's maxRSS also counts the pages of the parent the process was
 * forked from, and so overstates a child of a large process.
 */
export function peakRssBytes(): number {
  try {
    const kb = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
    if (kb !== undefined) return Number(kb) * 1024;
  } catch {
    // not Linux: fall back to getrusage
  }
  return process.resourceUsage().maxRSS * 1024;
}

/** This process's memory now, and its peak RSS since it started. */
export function memoryFigures(): {
  rssMb: number;
  maxRssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
  arrayBuffersMb: number;
} {
  const m = process.memoryUsage();
  const round = (bytes: number) => Math.round((bytes / MB) * 10) / 10;
  return {
    rssMb: round(m.rss),
    // VmHWM, read after the RSS, has come out below it (107.5 MB against 107.6): the peak is at
    // least what was just measured.
    maxRssMb: round(Math.max(peakRssBytes(), m.rss)),
    heapUsedMb: round(m.heapUsed),
    heapTotalMb: round(m.heapTotal),
    externalMb: round(m.external),
    arrayBuffersMb: round(m.arrayBuffers),
  };
}

/**
 * The figures every handler puts on its end-of-invocation log line (duration, memory, the
 * cold-start flag), with the MaxRss metric the stack's dashboard draws.
 */
export function invocationFigures(
  metrics: Metrics,
  startedMs: number,
  coldStart: boolean,
): { durationMs: number; rssMb: number; maxRssMb: number; heapUsedMb: number; coldStart: boolean } {
  const memory = memoryFigures();
  metrics.addMetric('MaxRss', MetricUnit.Megabytes, memory.maxRssMb);
  return {
    durationMs: Math.round(performance.now() - startedMs),
    rssMb: memory.rssMb,
    maxRssMb: memory.maxRssMb,
    heapUsedMb: memory.heapUsedMb,
    coldStart,
  };
}

/** True on the first call in a container, false after: the cold-start flag of the end-of-invocation log. */
export function coldStartTracker(): () => boolean {
  let cold = true;
  return () => {
    const was = cold;
    cold = false;
    return was;
  };
}
