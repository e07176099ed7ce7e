// npm run bench [-- --smoke] [-- --check]: each function run as Lambda runs it (Node 24 with the
// bootstrap's flags for 128 MB, sampled through /proc every 2 ms), beside the SDK's own floor, for
// the default stack and a Schwab + Discord one; the local scan's throughput; the monthly cost.
// Writes bench/results.json and docs/bench-soak.svg (--smoke: only bench/results.smoke.json);
// --check compares the results with bench/thresholds.json (--smoke: thresholds.smoke.json) and
// exits 1 naming each breach.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { lambdaDurationMs, monthlyCost, PRICES } from './cost-model.js';
import {
  gapCounts,
  gapPercentile,
  type LambdaProcessInput,
  lambdaNodeFlags,
  type MemoryFigure,
  type ProcessReport,
  runLambdaProcess,
  SAMPLE_INTERVAL_MS,
} from './lambda-process.js';
import { measureCli } from './cli-figures.js';
// @ts-expect-error a plain ES module (CI runs it before anything is compiled)
import { node24 } from './node24.mjs';
import {
  type BenchResults,
  breaches,
  type FunctionResult,
  type MeasuredProcess,
  type Soak,
  type SynthResult,
  type Thresholds,
  type Throughput,
} from './results.js';
import { soakChartSvg } from './soak-chart.js';
import { startStoreProcess } from './store-process.js';
import { type SynthesizedFunction, synthesize } from './synth.js';
import {
  AS_OF,
  lambdaEnvironment,
  scanMessages,
  scaledScorecard,
  BENCH_AWS,
  SECRET_IDS,
  type Services,
  WEBHOOK_PATH,
  workload,
} from './workloads.js';
import { startWriteRecorder } from './write-recorder.js';
import { createDocumentClient } from '../functions/adapters/store/dynamodb-client.js';
import { openStores } from '../functions/adapters/store/stores.js';
import { DEFAULT_BATCH_SIZE } from '../functions/core/run/batching.js';
import { SCANNER_NAMES } from '../functions/core/scan/scanners.js';
import { parseWatchlist } from '../functions/core/scan/symbols.js';
import { computeScorecard } from '../functions/local/cli/scorecard-command.js';
import { BUNDLED_DATA_DIR } from '../functions/local/cli/symbol-source.js';
import type { EmbeddedStore } from '../functions/local/embedded-store.js';
import { configureLocalEnvironment, runLocalPipeline } from '../functions/local/local-pipeline.js';
import { renderTable } from '../functions/local/text-table.js';
import { esbuildOptions, functionBundling } from '../lib/bundling.js';
import { discordKeys } from '../test/helpers/discord.js';
import { FAKE_SCHWAB, startSchwabServer, startSecretsManagerServer } from '../test/helpers/provider-servers.js';
import { startFakeDiscord } from '../test/helpers/discord.js';
import { startSqsServer } from '../test/helpers/sqs-server.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const smoke = process.argv.includes('--smoke');
const check = process.argv.includes('--check');
const RESULTS_FILE = smoke ? 'bench/results.smoke.json' : 'bench/results.json';
const CHART_FILE = 'docs/bench-soak.svg';
const thresholds = JSON.parse(
  readFileSync(join(root, smoke ? 'bench/thresholds.smoke.json' : 'bench/thresholds.json'), 'utf8'),
) as Thresholds;
const FLAGS_MB = thresholds.flagsMemoryMb;
/** The live scorecard's fold is measured at the largest watchlist total a stack allows. */
const FOLD_SYMBOLS = 5_000;
const {
  long: LONG,
  short: SHORT,
  sampleEvery: EVERY,
  floor: FLOOR_SOAK,
  floorProcesses: FLOOR_SOAKS,
} = thresholds.soak;
/** Fresh processes each import and first batch is measured in (their median is the figure). */
const FRESH = thresholds.freshProcesses;
/** The second synth: a live provider and Discord, with the functions only they add. */
const SYNTHS: Record<string, Record<string, unknown>> = {
  default: {},
  'schwab-discord': { provider: 'schwab', providerSecret: 'scanfleet/schwab', discordSecret: 'scanfleet/discord' },
};
const work = mkdtempSync(join(tmpdir(), 'scanfleet-bench-'));
const benchStart = performance.now();
/** A progress line on stderr, with the seconds since the bench started. */
const log = (line: string) =>
  process.stderr.write(`[${String(Math.round((performance.now() - benchStart) / 1000)).padStart(3)} s] ${line}\n`);
/** The middle value; with an even count, the mean of the two middle ones. */
const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return Number.isInteger(mid) ? (sorted[mid - 1] + sorted[mid]) / 2 : sorted[Math.floor(mid)];
};
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
const FIELDS = ['vmHwmMb', 'rssAnonPeakMb', 'rssFileMb', 'heapTotalMb', 'heapUsedMb', 'externalMb'] as const;

configureLocalEnvironment();
const watchlist = parseWatchlist(readFileSync(join(BUNDLED_DATA_DIR, 'watchlist.txt'), 'utf8'));

/** Each field's peak over `figures` (file-backed memory: the last one's). */
function peakOf(figures: MemoryFigure[]): MemoryFigure {
  const peak = Object.fromEntries(
    FIELDS.map((f) => [f, Math.max(...figures.map((x) => x[f]))]),
  ) as unknown as MemoryFigure;
  return { ...peak, rssFileMb: figures[figures.length - 1].rssFileMb };
}

function soakOf(invocations: MemoryFigure[]): Soak {
  const samples = [];
  for (let end = EVERY; end <= invocations.length; end += EVERY)
    samples.push({ invocation: end, ...peakOf(invocations.slice(end - EVERY, end)) });
  return { invocations: invocations.length, peak: peakOf(invocations), samples };
}

/** The figure whose VmHWM is the median of `figures`. */
function medianFigure<F extends MemoryFigure>(figures: F[]): F {
  return [...figures].sort((a, b) => a.vmHwmMb - b.vmHwmMb)[Math.floor(figures.length / 2)];
}

/** A function's figures from its processes: the first ran the soak, every one imported and ran a first batch. */
function measured(reports: ProcessReport[], bundle: string): MeasuredProcess {
  const [soaked] = reports;
  return {
    bundleKb: round(statSync(bundle).size / 1024),
    import: medianFigure(reports.map((r) => r.import)),
    firstBatch: medianFigure(reports.map((r) => r.invocations[0])),
    soak: soakOf(soaked.invocations),
    medianDurationMs: round(median(soaked.durationsMs)),
  };
}

/**
 * Runs jobs one more at a time than the machine has cores (three on two), each a function's
 * process and its store's: a function waits on its store for much of an invocation, so with one a
 * core the cores idle a third of the time (measured: 1.4 of 2 cores busy).
 */
async function pool<T>(jobs: (() => Promise<T>)[], width = cpus().length + 1): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < jobs.length) {
        const i = next++;
        results[i] = await jobs[i]();
      }
    }),
  );
  return results;
}

async function main(): Promise<void> {
  const node = node24({ log }) as string;
  log(
    `scanfleet bench${smoke ? ' (smoke)' : ''}: ${node}, flags of ${FLAGS_MB} MB; synthesizing ${Object.keys(SYNTHS).join(' and ')}…`,
  );
  const synths: Record<string, SynthesizedFunction[]> = {};
  for (const [name, context] of Object.entries(SYNTHS))
    synths[name] = synthesize(root, context, join(work, `synth-${name}`));
  const floorBundle = join(work, 'floor', 'index.mjs');
  await build({
    // Bundled like the functions, but with the SDK's default credential chain (no alias).
    ...esbuildOptions({ ...functionBundling(root), alias: {} }),
    entryPoints: [join(root, 'bench/sdk-floor.ts')],
    outfile: floorBundle,
    logLevel: 'error',
  });

  const keys = discordKeys();
  const discord = await startFakeDiscord();
  const sqs = await startSqsServer(BENCH_AWS);
  const schwab = await startSchwabServer(FAKE_SCHWAB);
  const apiToken = 'fake-bench-api-token-0123456789abcdefghij';
  const secrets = await startSecretsManagerServer(
    {
      [SECRET_IDS.apiToken]: JSON.stringify({ token: apiToken }),
      [SECRET_IDS.schwab]: JSON.stringify({ ...FAKE_SCHWAB, refreshTokenIssuedAt: new Date().toISOString() }),
      [SECRET_IDS.discord]: JSON.stringify({
        publicKey: keys.publicKey,
        webhookUrl: `${discord.url}${WEBHOOK_PATH}`,
        operatorWebhookUrl: `${discord.url}${WEBHOOK_PATH}`,
      }),
      [SECRET_IDS.subscriptionKey]: JSON.stringify({ key: 'fake-bench-subscription-key-0123456789abcdefghij' }),
    },
    {},
    BENCH_AWS,
  );
  const services: Services = {
    sqs,
    secretsEndpoint: secrets.endpoint,
    schwabUrl: schwab.url,
    discordUrl: discord.url,
    discordKeys: keys,
    apiToken,
  };
  const run = async (label: string, bundle: string, env: Record<string, string>, input: LambdaProcessInput) => {
    const report = await runLambdaProcess({ node, flagsMemoryMb: FLAGS_MB, bundle, env, input, workDir: work, label });
    log(
      `  ${label}: ${input.count} invocations, import ${report.import.vmHwmMb} MB, first ${report.invocations[0].vmHwmMb} MB, highest ${Math.max(...report.invocations.map((x) => x.vmHwmMb))} MB; samples ≤ ${report.sampleGapMs.p99} ms apart 99 times in 100`,
    );
    return report;
  };
  const withStore = async <T>(f: (store: EmbeddedStore) => Promise<T>): Promise<T> => {
    const store = await startStoreProcess();
    try {
      return await f(store);
    } finally {
      await store.close();
    }
  };

  try {
    const byName = (synth: string, name: string) => synths[synth].find((f) => f.name === name)!;
    log("recording a real batch's writes for the SDK floor…");
    const batch = byName('default', 'scan-batch');
    const floorInput = await withStore(async (store) => {
      // A store's first batch also records its symbols' sessions for the live scorecard (the
      // gap-fill's, once); the soak's later batches are later runs' over the same sessions. So
      // the floor writes what a first batch writes on its first invocation, then what a batch of
      // the second run writes.
      const messages = await scanMessages(store, watchlist, Math.ceil(watchlist.length / DEFAULT_BATCH_SIZE) + 1);
      const later = messages.find((m, i) => i > 0 && m.batch === messages[0].batch)!;
      const recorded = [];
      for (const [label, message] of [
        ['first', messages[0]],
        ['later', later],
      ] as const) {
        const recorder = await startWriteRecorder(store.endpoint);
        try {
          await run(
            `scan-batch (recording a ${label} batch)`,
            join(batch.assetDir, 'index.mjs'),
            { ...lambdaEnvironment(batch, store, services), AWS_ENDPOINT_URL_DYNAMODB: recorder.endpoint },
            { mode: 'sqs', events: [message], count: 1 },
          );
        } finally {
          await recorder.close();
        }
        recorded.push(recorder.items);
      }
      return { tableName: store.tableName, first: recorded[0], later: recorded[1] };
    });
    const writes = (items: Record<string, unknown>[]) => ({
      items: items.length,
      kb: round(Buffer.byteLength(JSON.stringify(items)) / 1024),
    });
    const floorWrites = { first: writes(floorInput.first), later: writes(floorInput.later) };
    log(
      `  first batch ${floorWrites.first.items} items (${floorWrites.first.kb} KB as JSON), later ${floorWrites.later.items} (${floorWrites.later.kb} KB)`,
    );

    type Job = { synth: string; fn: SynthesizedFunction; count: number };
    const jobs: Job[] = [];
    for (const fn of synths.default)
      jobs.push({ synth: 'default', fn, count: ['scan-batch', 'api'].includes(fn.name) ? LONG : SHORT });
    const defaults = new Set(synths.default.map((f) => f.name));
    for (const fn of synths['schwab-discord'])
      jobs.push({
        synth: 'schwab-discord',
        fn,
        // The issue's long soaks are the default synth's; here scan-batch's soak is a short one.
        count: fn.name === 'scan-batch' || !defaults.has(fn.name) ? SHORT : 1,
      });
    log(`bare process, SDK floor (${FLOOR_SOAKS} × ${FLOOR_SOAK} invocations) and ${jobs.length} functions…`);
    type Run = (count: number) => Promise<ProcessReport>;
    const runBare: Run = (count) =>
      run(
        'bare',
        join(root, 'bench/bare-handler.mjs'),
        { PATH: process.env.PATH ?? '' },
        { mode: 'invoke', events: [{}], count },
      );
    const runFloor: Run = (count) =>
      withStore((store) =>
        run(
          'sdk floor',
          floorBundle,
          lambdaEnvironment(
            { name: 'sdk-floor', memoryMb: FLAGS_MB, assetDir: join(work, 'floor'), environment: {} },
            store,
            services,
          ),
          {
            mode: 'invoke',
            first: { tableName: store.tableName, items: floorInput.first },
            events: [{ tableName: store.tableName, items: floorInput.later }],
            count,
            expect: `"written":(${floorWrites.first.items}|${floorWrites.later.items})}`,
          },
        ),
      );
    const runFunction =
      (job: Job): Run =>
      (count) =>
        withStore(async (store) => {
          const input = await workload(job.fn, store, services, watchlist, count);
          return run(
            `${job.synth} ${job.fn.name}`,
            join(job.fn.assetDir, 'index.mjs'),
            lambdaEnvironment(job.fn, store, services),
            input,
          );
        });
    // Each process measured once with its soak, and again in fresh processes for its import and
    // first batch: those figures are the median of FRESH processes. The floor is soaked in
    // FLOOR_SOAKS processes: one process's soak moves by several MB from run to run (when V8
    // tiers up what), so the figure held against every function is their median. The longest
    // runs go first.
    const specs: { run: Run; count: number; soaks: number }[] = [
      { run: runBare, count: 1, soaks: 1 },
      { run: runFloor, count: FLOOR_SOAK, soaks: FLOOR_SOAKS },
      ...jobs.map((job) => ({ run: runFunction(job), count: job.count, soaks: 1 })),
    ];
    const tasks = specs.flatMap((spec, i) => [
      ...Array.from({ length: spec.soaks }, () => ({ i, count: spec.count, go: () => spec.run(spec.count) })),
      ...Array.from({ length: Math.max(0, FRESH - spec.soaks) }, () => ({ i, count: 1, go: () => spec.run(1) })),
    ]);
    tasks.sort((a, b) => b.count - a.count);
    const done = await pool(tasks.map((task) => task.go));
    const reportsOf = specs.map((_, i) =>
      tasks
        .flatMap((task, k) => (task.i === i ? [done[k]] : []))
        .sort((a, b) => b.invocations.length - a.invocations.length),
    );
    const [bare, floor, ...reports] = reportsOf;

    const soakPeaks = floor.slice(0, FLOOR_SOAKS).map((r) => peakOf(r.invocations).vmHwmMb);
    const sdkFloor = {
      ...measured(floor, floorBundle),
      soakVmHwmMb: round(median(soakPeaks)),
      soakPeaksMb: soakPeaks,
      writesPerInvocation: floorWrites,
    };
    const synthResults: Record<string, SynthResult> = Object.fromEntries(
      Object.entries(SYNTHS).map(([name, context]) => [
        name,
        { context, functions: {} as Record<string, FunctionResult> },
      ]),
    );
    jobs.forEach((job, i) => {
      const m = measured(reports[i], join(job.fn.assetDir, 'index.mjs'));
      synthResults[job.synth].functions[job.fn.name] = {
        memoryMb: job.fn.memoryMb,
        ...m,
        importToSdkFloor: round(m.import.vmHwmMb / sdkFloor.import.vmHwmMb, 3),
        firstBatchToSdkFloor: round(m.firstBatch.vmHwmMb / sdkFloor.firstBatch.vmHwmMb, 3),
        soakToSdkFloor: m.soak.samples.length > 0 ? round(m.soak.peak.vmHwmMb / sdkFloor.soakVmHwmMb, 3) : null,
      };
    });
    const all = reportsOf.flat();

    log("throughput: a full 150-symbol local scan on this machine's Node…");
    const scans: { wallMs: number; cpuMs: number }[] = [];
    await withStore(async (store) => {
      for (let i = 0; i < (smoke ? 2 : 5); i++) {
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        await runLocalPipeline({
          watchlist: 'bench',
          symbols: watchlist,
          scanners: SCANNER_NAMES,
          dataDir: BUNDLED_DATA_DIR,
          lookback: 150,
          asOf: AS_OF,
          scheduledAt: new Date(Date.UTC(2026, 3, 1, 0, i)),
          store,
        });
        const cpu = process.cpuUsage(cpu0);
        scans.push({ wallMs: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 });
      }
    });
    log('the scorecard of the bundled history…');
    const scorecardRuns: number[] = [];
    let observed = 0;
    for (let i = 0; i < (smoke ? 1 : 3); i++) {
      const t0 = performance.now();
      const card = await computeScorecard({
        provider: 'csv',
        dataDir: BUNDLED_DATA_DIR,
        symbols: watchlist,
        nowMs: Date.now(),
      });
      scorecardRuns.push(performance.now() - t0);
      observed = card.rows.filter((row) => row.horizon === card.horizons[0]).reduce((n, row) => n + row.count, 0);
    }
    log(`the live scorecard's fold at a run's end, ${FOLD_SYMBOLS.toLocaleString('en')} symbols…`);
    const scorecardFold = await withStore(async (store) => {
      const largestAggregateKb = await scaledScorecard(store, FOLD_SYMBOLS);
      const { scorecard } = openStores(createDocumentClient(store.endpoint), { tableName: store.tableName });
      const folds: number[] = [];
      let documentKb = 0;
      for (let i = 0; i < (smoke ? 1 : 3); i++) {
        const t0 = performance.now();
        const card = await scorecard.refresh();
        folds.push(performance.now() - t0);
        documentKb = round(JSON.stringify(card).length / 1024, 1);
      }
      return { symbols: FOLD_SYMBOLS, largestAggregateKb, documentKb, wallMs: round(median(folds)) };
    });
    const throughput: Throughput = {
      node: process.version,
      wallMs: round(median(scans.map((x) => x.wallMs))),
      cpuMs: round(median(scans.map((x) => x.cpuMs))),
      scorecard: { symbols: watchlist.length, observations: observed, wallMs: round(median(scorecardRuns)) },
      scorecardFold,
    };

    log(`the CLI on ${node}: --help against a bare start, and a 150-symbol scan…`);
    const cli = measureCli(node, root, smoke ? 5 : 15);

    const results: BenchResults = {
      runtime: {
        node: floor[0].node,
        flags: lambdaNodeFlags(FLAGS_MB),
        memoryMb: FLAGS_MB,
        sampleIntervalMs: SAMPLE_INTERVAL_MS,
        // Over every read of every measured process: a process of one invocation has a few hundred
        // reads, so its own 99th percentile is nearly its longest gap.
        sampleGapMs: {
          p99: gapPercentile(
            all.reduce<number[]>((sum, r) => sum.map((n, i) => n + r.sampleGapMs.counts[i]), gapCounts([])),
            0.99,
          ),
          max: Math.max(...all.map((r) => r.sampleGapMs.max)),
          worstProcessP99: Math.max(...all.map((r) => r.sampleGapMs.p99)),
        },
      },
      bareNode: medianFigure(bare.map((r) => r.import)),
      cli,
      sdkFloor,
      synths: synthResults,
      throughput,
    };

    const fns = synthResults.default.functions;
    const onLambda = (ms: number, memoryMb: number) => round(lambdaDurationMs(ms, memoryMb));
    const billed = {
      batchDurationMs: onLambda(fns['scan-batch'].medianDurationMs, fns['scan-batch'].memoryMb),
      dispatchDurationMs: onLambda(fns.dispatch.medianDurationMs, fns.dispatch.memoryMb),
      apiDurationMs: onLambda(fns.api.medianDurationMs, fns.api.memoryMb),
      initDurationMs: onLambda(fns['scan-batch'].import.importMs, fns['scan-batch'].memoryMb),
    };
    const cost = [150, 1500, 5000].map((symbols) => ({
      symbols,
      ...monthlyCost({
        symbols,
        eventsPerSymbolSession: 0.18,
        batchSize: DEFAULT_BATCH_SIZE,
        workersPerRun: 2,
        scannersPerSymbol: 3,
        memoryMb: fns['scan-batch'].memoryMb,
        resultsDays: 7,
        scorecardDays: 400,
        itemBytes: 700,
        copiesPerSymbolRun: 0.35,
        barsItemBytes: 4_430,
        scorecardAggregatesPerBatch: 25,
        apiRequests: 10_000,
        ...billed,
      }),
    }));

    const doc = { date: new Date().toISOString(), smoke, wallSeconds: 0, ...results, billed, cost };
    doc.wallSeconds = Math.round((performance.now() - benchStart) / 1000);
    writeFileSync(join(root, RESULTS_FILE), `${JSON.stringify(doc, null, 2)}\n`);
    if (!smoke) {
      mkdirSync(join(root, 'docs'), { recursive: true });
      writeFileSync(
        join(root, CHART_FILE),
        soakChartSvg({
          title: `scan-batch warm soak: ${fns['scan-batch'].soak.invocations.toLocaleString('en')} batches of 30 symbols in one process`,
          runtime: `Node ${results.runtime.node} with Lambda's flags for ${FLAGS_MB} MB; each point the peak of ${EVERY} invocations`,
          ours: { label: 'scan-batch', samples: fns['scan-batch'].soak.samples },
          floor: { label: 'SDK floor', samples: sdkFloor.soak.samples },
        }),
      );
    }
    print(doc);
    const found = breaches(results, thresholds);
    if (check) {
      if (found.length === 0)
        process.stdout.write(
          `\ncheck: every bound of bench/${smoke ? 'thresholds.smoke.json' : 'thresholds.json'} holds\n`,
        );
      else {
        process.stdout.write(
          `\ncheck: ${found.length} breach${found.length === 1 ? '' : 'es'} of bench/${smoke ? 'thresholds.smoke.json' : 'thresholds.json'}:\n${found.map((b) => `  ${b}`).join('\n')}\n`,
        );
        process.exitCode = 1;
      }
    }
  } finally {
    await Promise.all([discord.close(), sqs.close(), schwab.close(), secrets.close()]);
    rmSync(work, { recursive: true, force: true });
  }
}

function print(
  r: BenchResults & {
    wallSeconds: number;
    cost: { symbols: number; totalUsd: number; afterFreeTierUsd: number }[];
    billed: Record<string, number>;
  },
): void {
  const out: string[] = [];
  const f = (m: MemoryFigure) => `${m.vmHwmMb} (anon ${m.rssAnonPeakMb})`;
  out.push(
    `Runtime: Node ${r.runtime.node} ${r.runtime.flags.join(' ')} (Lambda's flags for ${r.runtime.memoryMb} MB); /proc sampled every ${r.runtime.sampleIntervalMs} ms (99% of gaps ≤ ${r.runtime.sampleGapMs.p99} ms over every process; the worst process's 99th percentile ${r.runtime.sampleGapMs.worstProcessP99} ms, the longest gap ${r.runtime.sampleGapMs.max} ms)`,
  );
  out.push(`Bare process: VmHWM ${f(r.bareNode)} MB, file-backed ${r.bareNode.rssFileMb} MB`);
  const floor = r.sdkFloor;
  out.push(
    `SDK floor (DynamoDBDocumentClient, default credential chain, ${floor.bundleKb} KB, ${floor.writesPerInvocation.first.items} items in its first batch, ${floor.writesPerInvocation.later.items} in each later one): import ${f(floor.import)} MB, first batch ${f(floor.firstBatch)} MB, soaks of ${floor.soak.invocations}: ${floor.soakPeaksMb.join(' and ')} MB (median ${floor.soakVmHwmMb}; first: ${f(floor.soak.peak)} MB), heap used ${floor.soak.peak.heapUsedMb} of ${floor.soak.peak.heapTotalMb} MB`,
  );
  for (const [synth, s] of Object.entries(r.synths)) {
    out.push('', `${synth} synth (VmHWM MB, anonymous peak in brackets; × the SDK floor's)`);
    out.push(
      renderTable(
        [
          { header: 'Function', cell: (e: [string, FunctionResult]) => e[0] },
          { header: 'Memory', align: 'right', cell: (e) => `${e[1].memoryMb} MB` },
          { header: 'Bundle', align: 'right', cell: (e) => `${e[1].bundleKb} KB` },
          { header: 'Import', align: 'right', cell: (e) => `${f(e[1].import)} ${e[1].importToSdkFloor}×` },
          { header: 'First batch', align: 'right', cell: (e) => `${f(e[1].firstBatch)} ${e[1].firstBatchToSdkFloor}×` },
          {
            header: 'Soak',
            align: 'right',
            cell: (e) =>
              e[1].soak.invocations > 1
                ? `${e[1].soak.invocations}: ${f(e[1].soak.peak)} ${e[1].soakToSdkFloor ?? '–'}×`
                : '–',
          },
          {
            header: 'Heap used/total',
            align: 'right',
            cell: (e) => `${e[1].soak.peak.heapUsedMb}/${e[1].soak.peak.heapTotalMb}`,
          },
          { header: 'Median ms', align: 'right', cell: (e) => String(e[1].medianDurationMs) },
        ],
        Object.entries(s.functions),
      ),
    );
  }
  out.push(
    '',
    `Throughput (this machine's Node ${r.throughput.node}): full 150-symbol local scan ${r.throughput.wallMs} ms wall, ${r.throughput.cpuMs} ms CPU; the scorecard of the bundled history (${r.throughput.scorecard.symbols} symbols, ${r.throughput.scorecard.observations.toLocaleString('en')} observations) ${r.throughput.scorecard.wallMs} ms; the live scorecard's fold at ${r.throughput.scorecardFold.symbols.toLocaleString('en')} symbols (aggregates up to ${r.throughput.scorecardFold.largestAggregateKb} KB, a ${r.throughput.scorecardFold.documentKb} KB document) ${r.throughput.scorecardFold.wallMs} ms`,
  );
  out.push(
    `CLI (built, Node ${r.runtime.node} without Lambda's flags): --help ${r.cli.helpMs} ms (${r.cli.helpToBareStart}× a bare start's ${r.cli.bareStartMs} ms), peak ${r.cli.helpPeakMb} MB; a 150-symbol scan ${r.cli.scanMs} ms, peak ${r.cli.scanPeakMb} MB (the deployed scan-batch's soak: ${r.synths.default.functions['scan-batch'].soak.peak.vmHwmMb} MB)`,
  );
  out.push(
    `Cost a month (prices of ${PRICES.date}): ${r.cost.map((c) => `${c.symbols} symbols $${c.totalUsd.toFixed(2)} ($${c.afterFreeTierUsd.toFixed(2)} after the free tier)`).join(', ')}`,
  );
  process.stdout.write(
    `${out.join('\n')}\n\nWritten: ${RESULTS_FILE}${r.runtime && !smoke ? `, ${CHART_FILE}` : ''} in ${r.wallSeconds} s\n`,
  );
}

await main();
