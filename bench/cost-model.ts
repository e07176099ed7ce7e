import { SCORECARD_SHARDS } from '../functions/core/scorecard/live-scorecard.js';

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
  /** The scorecard's sessions and observations retention (days). */
  readonly scorecardDays: number;
  readonly itemBytes: number;
  /**
   * Results copied under their run's signals or problems (one item each, < 1 KB), per symbol-run:
   * measured over the bundled 150 symbols' last 27 sessions, 1,414 signals and no problem in
   * 4,050 symbol-sessions (0.35).
   */
  readonly copiesPerSymbolRun: number;
  /**
   * One symbol's cached closed bars: 28 bytes a bar (Int32 day, 4 × Float32 prices, Float64
   * volume) × the bars a batch fetches (lookback + gap-fill + 1: 156 by default), with its keys.
   * Written once a session per symbol (when its last closed bar moves), kept as long as results.
   */
  readonly barsItemBytes: number;
  /**
   * The live scorecard's aggregates a recording batch updates (each once per shard its symbols
   * fall in): measured on the bundled data, ~25 of the 40.
   */
  readonly scorecardAggregatesPerBatch: number;
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

/**
 * The live scorecard's layout (docs/scorecard.md): 8 tallies × 5 horizons (0 and the default 4),
 * each in the store's 16 shards; an aggregate item holds ~32 bytes per symbol of its shard (the
 * guard range) and ~2 KB besides (its tally and histogram). A session or observation item is
 * ~160 bytes.
 */
const SCORECARD = {
  aggregates: 40,
  shards: SCORECARD_SHARDS,
  bytesPerSymbol: 32,
  itemBytes: 2_048,
  observationBytes: 160,
} as const;

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
  // One item per symbol × scanner (< 1 KB: one write unit) and the copies of its signals and
  // problems, the run record's creation and one update per batch; each symbol's event state once a
  // session, and each event's claim and alert-log line; each symbol's cached bars once a session
  // (one write unit per KB).
  const barsWrites = SESSIONS_PER_MONTH * inputs.symbols * Math.ceil(inputs.barsItemBytes / 1024);
  const writes =
    symbolRuns * (inputs.scannersPerSymbol + inputs.copiesPerSymbolRun) +
    runs +
    batches +
    SESSIONS_PER_MONTH * inputs.symbols +
    events * 2 +
    barsWrites;
  // Each batch reads its run once and each symbol's event state (consistent reads: one unit each); the API reads a page per request.
  const reads = batches + symbolRuns + inputs.apiRequests * 10;
  const retained = inputs.resultsDays / 30;
  // The scorecard keeps a session item and its observations (one per signal) per symbol-session
  // for scorecardDays.
  const storedGb =
    (inputs.symbols * runs * retained * (inputs.scannersPerSymbol + inputs.copiesPerSymbolRun) * inputs.itemBytes +
      inputs.symbols * SESSIONS_PER_MONTH * retained * inputs.barsItemBytes +
      inputs.symbols *
        SESSIONS_PER_MONTH *
        (inputs.scorecardDays / 30) *
        (1 + inputs.copiesPerSymbolRun) *
        SCORECARD.observationBytes) /
    1e9;

  // The live scorecard: two runs a session record it — the 16:45 run, and the 20:00 re-fetch, which
  // derives the same closed session: it rewrites the session items and its aggregate updates fail
  // their condition (billed as writes) and read the ranges. Each writes a symbol's new session,
  // the 4 whose returns came due and its observations (one per signal: its copies), and reads
  // the 5 sessions the returns fall on. Batches are cut in shard order, so a run's batches touch
  // the shards + batches − 1 (batch, shard) pairs. The end of each of the two folds all
  // aggregates (consistent reads); the other runs record nothing and fold nothing.
  const batchesPerRun = Math.ceil(inputs.symbols / inputs.batchSize);
  const shardPairs = Math.min(batchesPerRun * SCORECARD.shards, SCORECARD.shards + batchesPerRun - 1);
  const aggregateBytes = (inputs.symbols / SCORECARD.shards) * SCORECARD.bytesPerSymbol + SCORECARD.itemBytes;
  const aggregateWritesPerRun = shardPairs * inputs.scorecardAggregatesPerBatch * Math.ceil(aggregateBytes / 1024);
  const scorecardWrites =
    SESSIONS_PER_MONTH * 2 * (inputs.symbols * (5 + inputs.copiesPerSymbolRun) + aggregateWritesPerRun);
  const foldReads = SESSIONS_PER_MONTH * 2 * ((SCORECARD.aggregates * SCORECARD.shards * aggregateBytes) / 4096);
  const scorecardReads =
    SESSIONS_PER_MONTH *
      (2 * inputs.symbols * 5 + shardPairs * inputs.scorecardAggregatesPerBatch * Math.ceil(aggregateBytes / 4096)) +
    foldReads;

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
    {
      item: 'Scorecard writes',
      quantity: scorecardWrites,
      unit: 'write units',
      usd: (scorecardWrites / 1e6) * PRICES.dynamoPerMillionWrites,
    },
    {
      item: 'Scorecard reads',
      quantity: scorecardReads,
      unit: 'read units',
      usd: (scorecardReads / 1e6) * PRICES.dynamoPerMillionReads,
    },
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

/**
 * The fixed monthly items the operations issue brings, whatever the runs: us-east-1 list prices
 * from the CloudWatch, KMS and Secrets Manager pricing pages, of the same date as PRICES.
 */
export const FIXED_PRICES = {
  date: '2025-06',
  /** A customer-managed KMS key (the alarm topic's), rotation included. */
  kmsKeyPerMonth: 1.0,
  kmsPer10kRequests: 0.03,
  /** A standard-resolution alarm on one metric. */
  alarmPerMonth: 0.1,
  /** A custom metric (one name × dimension set), prorated by the hours it is published: this is the whole month. */
  customMetricPerMonth: 0.3,
  dashboardPerMonth: 3.0,
  secretPerMonth: 0.4,
} as const;

/** The always-free allowances these items have: per account, shared with whatever else the account runs. */
export const FIXED_FREE_TIER = {
  alarms: 10,
  customMetrics: 10,
  /** Up to 50 metrics each (the stack's one dashboard draws fewer). */
  dashboards: 3,
  kmsRequests: 20_000,
} as const;

/** Sweeps a month: every 15 minutes of a 30-day month (2,976 in a 31-day one). */
export const SWEEPS_PER_MONTH = 30 * 24 * 4;

/** What a deployed stack holds that is billed by the month. */
export interface StackInventory {
  readonly kmsKeys: number;
  readonly alarms: number;
  /** Custom metrics the handlers publish (namespace scanfleet, one per metric name and service). */
  readonly customMetrics: number;
  readonly dashboards: number;
  /** Secrets: the API token's (generated, or named in api.tokenSecret), the provider's and Discord's, and with Discord the subscriptions' key (generated). */
  readonly secrets: number;
}

/** The metrics each handler publishes besides MaxRss (which every handler publishes). */
export const HANDLER_METRICS: Readonly<Record<string, readonly string[]>> = {
  dispatch: ['BatchesDispatched'],
  'scan-batch': [
    'MalformedMessages',
    'SignalsFound',
    'SymbolsFailed',
    'BatchesFailed',
    'RunsCompleted',
    'AlertsSent',
    'AlertsFailed',
  ],
  sweeper: ['FullRunOverdue', 'ResultsStale', 'RunsEnded', 'BatchesDeadLettered', 'AlertsSent', 'AlertsFailed'],
};

/**
 * What lib/ creates (the infra tests compare it with the synthesized template): dispatch,
 * scan-batch, the API, its authorizer, the sweeper and the lists-writer, plus the Discord and
 * alarm-notify functions with a Discord secret; 7 stack-wide alarms (2 DLQ depths, queue age, API 5xx, failed batches, overdue run, stale
 * results) and 3 per function (errors, throttles, peak memory); one dashboard; one KMS key; the API
 * token's secret, and with Discord the subscriptions' key.
 */
export function stackInventory(shape: {
  readonly discord: boolean;
  /** The provider and Discord secrets named in the configuration; the API token's is always one more. */
  readonly secrets: number;
}): StackInventory {
  const functions = 6 + (shape.discord ? 2 : 0);
  const handlerMetrics = Object.values(HANDLER_METRICS).reduce((n, names) => n + names.length, 0);
  return {
    kmsKeys: 1,
    alarms: 7 + 3 * functions,
    customMetrics: functions + handlerMetrics,
    dashboards: 1,
    secrets: shape.secrets + 1 + (shape.discord ? 1 : 0),
  };
}

export interface FixedCostInputs extends StackInventory {
  /** Messages on the alarm topic a month (alarm state changes, budget notifications): each costs 2 KMS requests. */
  readonly alarmNotifications: number;
  /** One sweep's billed duration and the sweeper's memory. */
  readonly sweepDurationMs: number;
  readonly sweepMemoryMb: number;
  /** Read units one sweep takes (the runs index, pending outbox messages, controls). */
  readonly sweepReadUnits: number;
}

/**
 * The fixed monthly items, beside monthlyCost's per-run ones. afterFreeTierUsd counts CloudWatch's
 * and KMS's allowances, and the always-free Lambda and Scheduler allowances for the sweeper (the
 * runs use a few percent of them even at 5,000 symbols: see the tests).
 */
export function fixedMonthlyCost(inputs: FixedCostInputs): CostEstimate {
  const sweeps = SWEEPS_PER_MONTH;
  const kmsRequests = inputs.alarmNotifications * 2;
  const sweepGbSeconds = sweeps * (inputs.sweepMemoryMb / 1024) * (inputs.sweepDurationMs / 1000);
  const sweepReads = sweeps * inputs.sweepReadUnits;
  const lines: CostLine[] = [
    { item: 'KMS key', quantity: inputs.kmsKeys, unit: 'keys', usd: inputs.kmsKeys * FIXED_PRICES.kmsKeyPerMonth },
    {
      item: 'KMS requests',
      quantity: kmsRequests,
      unit: 'requests',
      usd: (kmsRequests / 10_000) * FIXED_PRICES.kmsPer10kRequests,
    },
    {
      item: 'CloudWatch alarms',
      quantity: inputs.alarms,
      unit: 'alarms',
      usd: inputs.alarms * FIXED_PRICES.alarmPerMonth,
    },
    {
      item: 'Custom metrics',
      quantity: inputs.customMetrics,
      unit: 'metrics',
      usd: inputs.customMetrics * FIXED_PRICES.customMetricPerMonth,
    },
    {
      item: 'Dashboards',
      quantity: inputs.dashboards,
      unit: 'dashboards',
      usd: inputs.dashboards * FIXED_PRICES.dashboardPerMonth,
    },
    { item: 'Secrets', quantity: inputs.secrets, unit: 'secrets', usd: inputs.secrets * FIXED_PRICES.secretPerMonth },
    {
      item: 'Sweeper requests',
      quantity: sweeps,
      unit: 'requests',
      usd: (sweeps / 1e6) * PRICES.lambdaPerMillionRequests,
    },
    { item: 'Sweeper compute', quantity: sweepGbSeconds, unit: 'GB-s', usd: sweepGbSeconds * PRICES.lambdaPerGbSecond },
    {
      item: 'Sweep schedule',
      quantity: sweeps,
      unit: 'invocations',
      usd: (sweeps / 1e6) * PRICES.schedulerPerMillionInvocations,
    },
    {
      item: 'Sweeper DynamoDB reads',
      quantity: sweepReads,
      unit: 'read units',
      usd: (sweepReads / 1e6) * PRICES.dynamoPerMillionReads,
    },
  ];
  const line = (item: string) => lines.find((l) => l.item === item) as CostLine;
  const unitPrice = (l: CostLine) => (l.quantity > 0 ? l.usd / l.quantity : 0);
  /** The part of a line an allowance of `free` units covers. */
  const covered = (item: string, free: number) => Math.min(free, line(item).quantity) * unitPrice(line(item));
  const freeUsd =
    covered('KMS requests', FIXED_FREE_TIER.kmsRequests) +
    covered('CloudWatch alarms', FIXED_FREE_TIER.alarms) +
    covered('Custom metrics', FIXED_FREE_TIER.customMetrics) +
    covered('Dashboards', FIXED_FREE_TIER.dashboards) +
    line('Sweeper requests').usd +
    line('Sweeper compute').usd +
    line('Sweep schedule').usd;
  const totalUsd = lines.reduce((sum, l) => sum + l.usd, 0);
  return { lines, totalUsd, afterFreeTierUsd: Math.max(0, totalUsd - freeUsd) };
}
