/**
 * Monthly AWS cost of the default schedule, from measured durations and the configured memory.
 * Prices: us-east-1 list prices as published in 2025 (checked 2025-06); Lambda on ARM64,
 * DynamoDB on-demand, SQS standard, EventBridge Scheduler, API Gateway HTTP API.
 */
export const PRICES = {
  date: '2025-06',
  lambdaPerGbSecond: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  sqsPerMillionRequests: 0.4,
  dynamoPerMillionWrites: 0.625,
  dynamoPerMillionReads: 0.125,
  dynamoStoragePerGbMonth: 0.25,
  schedulerPerMillionInvocations: 1.0,
  httpApiPerMillionRequests: 1.0,
} as const;

/** The always-free allowances (Lambda, SQS, Scheduler, DynamoDB storage); the HTTP API's is for 12 months only. */
export const FREE_TIER = {
  lambdaRequests: 1_000_000,
  lambdaGbSeconds: 400_000,
  sqsRequests: 1_000_000,
  schedulerInvocations: 14_000_000,
  dynamoStorageGb: 25,
} as const;

export interface CostInputs {
  /** Symbols in the watchlist: every run scans them all. */
  readonly symbols: number;
  /**
   * Signal events a symbol has per session, each claimed once and logged on its run: measured by
   * the replay of the bundled 150 symbols over 26 sessions, 692 events (0.18 a symbol-session).
   */
  readonly eventsPerSymbolSession: number;
  readonly batchSize: number;
  readonly scannersPerSymbol: number;
  /** Measured: one scan-batch invocation and one dispatch, in ms. */
  readonly batchDurationMs: number;
  readonly dispatchDurationMs: number;
  /** A cold start's init (billed since 2025-08), counted for every function of every run: a worst case. */
  readonly initDurationMs: number;
  /** Workers in flight at once (the event source's maxConcurrency): the containers a run may start. */
  readonly workersPerRun: number;
  readonly memoryMb: number;
  /** Results retention (days) and an item's size, for storage. */
  readonly resultsDays: number;
  readonly itemBytes: number;
  /** Dashboard / API requests a month (a guess the user can change). */
  readonly apiRequests: number;
  readonly apiDurationMs: number;
}

/** Lambda gives a function one full vCPU at this much memory, and a proportional share below it. */
export const FULL_VCPU_MB = 1769;

/**
 * A duration measured on a machine with whole cores, as it may run on Lambda with `memoryMb`:
 * scaled by the CPU share as if all of it were CPU work, which overstates I/O-bound work.
 */
export function lambdaDurationMs(measuredMs: number, memoryMb: number): number {
  return measuredMs * Math.max(1, FULL_VCPU_MB / memoryMb);
}

/** Sessions a month (about 252 a year). */
export const SESSIONS_PER_MONTH = 21;

/** Runs a month of the default schedule: 7 hourly market-hours runs, the 16:45 and the 20:00 run, each session. */
export const RUNS_PER_MONTH = SESSIONS_PER_MONTH * 9;

export interface CostLine {
  readonly item: string;
  readonly quantity: number;
  readonly unit: string;
  readonly usd: number;
}

export interface CostEstimate {
  readonly lines: CostLine[];
  readonly totalUsd: number;
  /** What remains after the always-free allowances. */
  readonly afterFreeTierUsd: number;
}

export function monthlyCost(inputs: CostInputs): CostEstimate {
  const runs = RUNS_PER_MONTH;
  const batches = runs * Math.ceil(inputs.symbols / inputs.batchSize);
  const symbolRuns = runs * inputs.symbols;
  const events = SESSIONS_PER_MONTH * inputs.symbols * inputs.eventsPerSymbolSession;
  const gb = inputs.memoryMb / 1024;

  const lambdaRequests = runs + batches + inputs.apiRequests;
  const coldStarts = runs * (1 + inputs.workersPerRun);
  const gbSeconds =
    gb *
    ((runs * inputs.dispatchDurationMs +
      batches * inputs.batchDurationMs +
      inputs.apiRequests * inputs.apiDurationMs +
      coldStarts * inputs.initDurationMs) /
      1000);
  // Per batch: its share of a SendMessageBatch, then receive, delete and (empty) polls of the event source.
  const sqsRequests = batches * (1 / 10 + 3);
  // One item per symbol × scanner (< 1 KB: one write unit), the run record's creation and one update
  // per batch; each symbol's event state once a session, and each event's claim and alert-log line.
  const writes =
    symbolRuns * inputs.scannersPerSymbol + runs + batches + SESSIONS_PER_MONTH * inputs.symbols + events * 2;
  // Each batch reads its run once and each symbol's event state (consistent reads: one unit each); the API reads a page per request.
  const reads = batches + symbolRuns + inputs.apiRequests * 10;
  const storedGb =
    (inputs.symbols * inputs.scannersPerSymbol * runs * (inputs.resultsDays / 30) * inputs.itemBytes) / 1e9;

  const lines: CostLine[] = [
    {
      item: 'Lambda requests',
      quantity: lambdaRequests,
      unit: 'requests',
      usd: (lambdaRequests / 1e6) * PRICES.lambdaPerMillionRequests,
    },
    { item: 'Lambda compute', quantity: gbSeconds, unit: 'GB-s', usd: gbSeconds * PRICES.lambdaPerGbSecond },
    { item: 'SQS', quantity: sqsRequests, unit: 'requests', usd: (sqsRequests / 1e6) * PRICES.sqsPerMillionRequests },
    {
      item: 'DynamoDB writes',
      quantity: writes,
      unit: 'write units',
      usd: (writes / 1e6) * PRICES.dynamoPerMillionWrites,
    },
    { item: 'DynamoDB reads', quantity: reads, unit: 'read units', usd: (reads / 1e6) * PRICES.dynamoPerMillionReads },
    { item: 'DynamoDB storage', quantity: storedGb, unit: 'GB-month', usd: storedGb * PRICES.dynamoStoragePerGbMonth },
    {
      item: 'Scheduler',
      quantity: runs,
      unit: 'invocations',
      usd: (runs / 1e6) * PRICES.schedulerPerMillionInvocations,
    },
    {
      item: 'HTTP API',
      quantity: inputs.apiRequests,
      unit: 'requests',
      usd: (inputs.apiRequests / 1e6) * PRICES.httpApiPerMillionRequests,
    },
  ];
  // The part of a line's cost an allowance covers.
  const free = (item: string, allowance: number) => {
    const line = lines.find((l) => l.item === item) as CostLine;
    return line.quantity > 0 ? line.usd * Math.min(1, allowance / line.quantity) : 0;
  };
  const freeUsd =
    free('Lambda requests', FREE_TIER.lambdaRequests) +
    free('Lambda compute', FREE_TIER.lambdaGbSeconds) +
    free('SQS', FREE_TIER.sqsRequests) +
    free('Scheduler', FREE_TIER.schedulerInvocations) +
    free('DynamoDB storage', FREE_TIER.dynamoStorageGb);
  const totalUsd = lines.reduce((sum, l) => sum + l.usd, 0);
  return { lines, totalUsd, afterFreeTierUsd: Math.max(0, totalUsd - freeUsd) };
}
