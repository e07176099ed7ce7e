import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

export const METRICS_NAMESPACE = 'scanfleet';

/** One logger and one metrics object per function and container (never per invocation). */
export function createTelemetry(serviceName: string): { logger: Logger; metrics: Metrics } {
  return {
    logger: new Logger({ serviceName }),
    metrics: new Metrics({ namespace: METRICS_NAMESPACE, serviceName }),
  };
}

const MB = 1_048_576;

/** This process's memory now, and its peak RSS since it started (what an OOM kill looks at). */
export function memoryFigures(): { rssMb: number; maxRssMb: number; heapUsedMb: number; heapTotalMb: number; externalMb: number; arrayBuffersMb: number } {
  const m = process.memoryUsage();
  const round = (bytes: number) => Math.round((bytes / MB) * 10) / 10;
  return {
    rssMb: round(m.rss),
    maxRssMb: round(process.resourceUsage().maxRSS * 1024),
    heapUsedMb: round(m.heapUsed),
    heapTotalMb: round(m.heapTotal),
    externalMb: round(m.external),
    arrayBuffersMb: round(m.arrayBuffers),
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
