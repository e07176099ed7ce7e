// npm run bench [-- --smoke]: memory, cold start, throughput and scale of scanfleet's functions,
// measured side by side in one run. Prints a table and writes bench/results.json
// (bench/results.smoke.json with --smoke).
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { lambdaDurationMs, monthlyCost, PRICES } from './cost-model.js';
import { type ScanMessage } from '../functions/core/run/scan-message.js';
import { scanSymbol } from '../functions/core/scan/scan-symbol.js';
import { planScan, SCANNER_NAMES } from '../functions/core/scan/scanners.js';
import { parseWatchlist } from '../functions/core/scan/symbols.js';
import { CsvMarketData } from '../functions/adapters/market-data/csv-market-data.js';
import { createDocumentClient } from '../functions/adapters/store/dynamodb-client.js';
import { openStores } from '../functions/adapters/store/stores.js';
import { BUNDLED_DATA_DIR } from '../functions/local/cli/scan-command.js';
import { startEmbeddedStore } from '../functions/local/embedded-store.js';
import { configureLocalEnvironment, runLocalPipeline } from '../functions/local/local-pipeline.js';
import { renderTable } from '../functions/local/text-table.js';
import { DEFAULT_CONFIG } from '../lib/config.js';
// The loopback provider that answers in Yahoo's chart format, shared with the tests.
import { startYahooServer } from '../test/helpers/provider-servers.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const smoke = process.argv.includes('--smoke');
const SOAK = smoke ? 30 : 1000;
// The smoke run's figures never replace the full run's, which docs/benchmark.md quotes.
const RESULTS_FILE = smoke ? 'bench/results.smoke.json' : 'bench/results.json';
const SCALES = smoke ? [150, 300] : [150, 1500, 5000];
const REPEATS = smoke ? 2 : 5;
/** The functions' memory in the stack (lib/config.ts), which sets their CPU share. */
const MEMORY_MB = DEFAULT_CONFIG.scanBatch.memoryMb;
const work = mkdtempSync(join(tmpdir(), 'scanfleet-bench-'));
const log = (line: string) => process.stderr.write(`${line}\n`);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
/** Least-squares slope of y over x. */
function slope(points: [number, number][]): number {
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const sxx = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return sxx === 0 ? 0 : points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0) / sxx;
}

configureLocalEnvironment();
const watchlist = parseWatchlist(readFileSync(join(BUNDLED_DATA_DIR, 'watchlist.txt'), 'utf8'));

interface WorkerReport {
  importMs: number;
  /** Peak RSS once the bundle is loaded, and each invocation's own peak (Linux; empty elsewhere). */
  importPeakMb: number;
  durations: number[];
  peaks: number[];
  /** RSS and heap after a forced full GC, every `sampleEvery` invocations. */
  samples: { invocation: number; rssMb: number; heapUsedMb: number }[];
  maxRssMb: number;
  cpuMs: number;
  wallMs: number;
}

/** Runs bench/bench-worker.mjs in a fresh process: the bundle, and nothing else, in memory. */
function worker(
  bundle: string,
  mode: 'import' | 'sqs' | 'invoke',
  input: unknown,
  env: Record<string, string> = {},
): Promise<WorkerReport> {
  const inputFile = join(work, `input-${Math.random().toString(36).slice(2)}.json`);
  const reportFile = `${inputFile}.report`;
  writeFileSync(inputFile, JSON.stringify(input));
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--expose-gc', join(root, 'bench/bench-worker.mjs'), bundle, mode, inputFile, reportFile],
      {
        env: {
          PATH: process.env.PATH,
          POWERTOOLS_LOG_LEVEL: 'ERROR',
          POWERTOOLS_METRICS_DISABLED: 'true',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          AWS_REGION: 'local',
          ...env,
        },
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`bench worker exited with ${code}`));
      resolve({
        ...(JSON.parse(readFileSync(reportFile, 'utf8')) as Omit<WorkerReport, 'wallMs'>),
        wallMs: performance.now() - started,
      });
    });
  });
}

// A bare Node process's peak RSS in kB, read the way bench-worker.mjs reads it (VmHWM, not getrusage).
const BARE_PEAK =
  "let kb;try{kb=/^VmHWM:\\s+(\\d+) kB$/m.exec(require('fs').readFileSync('/proc/self/status','utf8'))[1]}catch{kb=process.resourceUsage().maxRSS}process.stdout.write(String(kb))";

/** A bare Node process: its start time and peak RSS are the floor everything is compared with. */
function bareFloor(): { startMs: number; maxRssMb: number } {
  const starts: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const t = performance.now();
    const out = execFileSync(process.execPath, ['-e', BARE_PEAK], { encoding: 'utf8' });
    starts.push(performance.now() - t);
    rss.push(Number(out) / 1024);
  }
  return { startMs: median(starts), maxRssMb: round(median(rss)) };
}

/** The functions bundled the way the stack bundles them (esbuild, ESM, minified). */
async function bundles(): Promise<Record<string, { file: string; bytes: number }>> {
  const out: Record<string, { file: string; bytes: number }> = {};
  for (const name of ['dispatch', 'scan-batch', 'api', 'discord', 'sweeper', 'alarm-notify', 'authorizer']) {
    const file = join(work, name, 'index.mjs');
    await build({
      entryPoints: [join(root, 'functions', name, 'handler.ts')],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      minify: true,
      outfile: file,
      mainFields: ['module', 'main'],
      banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
      logLevel: 'error',
    });
    out[name] = { file, bytes: statSync(file).size };
  }
  return out;
}

/** A data directory of n symbols: the bundled series copied under new names (AAPL.1, AAPL.2 …). */
function syntheticData(n: number): { dir: string; symbols: string[] } {
  const dir = join(work, `data-${n}`);
  mkdirSync(dir, { recursive: true });
  const symbols: string[] = [];
  for (let copy = 0; symbols.length < n; copy++) {
    for (const base of watchlist) {
      if (symbols.length === n) break;
      const symbol = copy === 0 ? base : `${base.replace(/[.-].*$/, '')}.${copy}`;
      copyFileSync(join(BUNDLED_DATA_DIR, `${base}.csv`), join(dir, `${symbol}.csv`));
      symbols.push(symbol);
    }
  }
  return { dir, symbols };
}

async function main(): Promise<void> {
  log(`scanfleet bench${smoke ? ' (smoke)' : ''}: bundling…`);
  const bundled = await bundles();
  const floor = bareFloor();
  const store = await startEmbeddedStore();
  const yahoo = await startYahooServer();
  const { runs } = openStores(createDocumentClient(store.endpoint), { tableName: store.tableName });
  const workerEnv = {
    TABLE_NAME: store.tableName,
    DYNAMODB_ENDPOINT: store.endpoint,
    PROVIDER: 'yahoo',
    YAHOO_BASE_URL: yahoo.url,
    PROVIDER_REQUESTS_PER_MINUTE: 'Infinity',
    LOOKBACK_BARS: '150',
  };
  let runCount = 0;
  const newRun = async (symbols: string[], batchSize = 30) => {
    const scheduledAt = new Date(Date.UTC(2026, 0, 1) + runCount++ * 60_000).toISOString();
    const runId = `${scheduledAt.replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '')}-bench`;
    const batches = Math.ceil(symbols.length / batchSize);
    await runs.createRun({
      runId,
      watchlist: 'bench',
      kind: 'manual',
      session: '2024-03-08',
      scheduledAt,
      startedAt: scheduledAt,
      sessionDate: '2026-01-01',
      asOf: '2024-03-08',
      symbols,
      scanners: [...SCANNER_NAMES],
      batchSize,
      batchesExpected: batches,
    });
    return Array.from({ length: batches }, (_, batch): ScanMessage => ({
      runId,
      batch,
      symbols: symbols.slice(batch * batchSize, (batch + 1) * batchSize),
      scanners: [...SCANNER_NAMES],
      scheduledAt,
      asOf: '2024-03-08',
    }));
  };

  try {
    log('cold start: importing each bundle…');
    const coldStart: Record<string, { bundleKb: number; importMs: number; startMs: number; maxRssMb: number }> = {};
    for (const [name, { file, bytes }] of Object.entries(bundled)) {
      const runs = [];
      for (let i = 0; i < REPEATS; i++) runs.push(await worker(file, 'import', {}));
      coldStart[name] = {
        bundleKb: round(bytes / 1024),
        importMs: round(median(runs.map((r) => r.importMs))),
        startMs: round(median(runs.map((r) => r.wallMs))),
        maxRssMb: round(median(runs.map((r) => r.importPeakMb))),
      };
    }

    log('worker batch: one 30-symbol message in a fresh process…');
    const batchRuns = [];
    for (let i = 0; i < REPEATS; i++)
      batchRuns.push(
        await worker(
          bundled['scan-batch'].file,
          'sqs',
          { events: (await newRun(watchlist.slice(0, 30))).slice(0, 1) },
          workerEnv,
        ),
      );
    const workerBatch = {
      maxRssMb: round(median(batchRuns.map((r) => r.maxRssMb))),
      durationMs: round(median(batchRuns.map((r) => r.durations[0]))),
      ratioToFloor: round(median(batchRuns.map((r) => r.maxRssMb)) / floor.maxRssMb, 2),
    };

    log(`warm soak: ${SOAK} invocations in one process…`);
    const soakMessages: ScanMessage[] = [];
    while (soakMessages.length < SOAK) soakMessages.push(...(await newRun(watchlist)));
    const soak = await worker(
      bundled['scan-batch'].file,
      'sqs',
      { events: soakMessages.slice(0, SOAK), sampleEvery: smoke ? 10 : 50 },
      workerEnv,
    );
    const warm = soak.samples[0];
    const end = soak.samples[soak.samples.length - 1];
    const warmSoak = {
      invocations: SOAK,
      afterWarmup: { invocation: warm.invocation, rssMb: warm.rssMb, heapUsedMb: warm.heapUsedMb },
      atEnd: { invocation: end.invocation, rssMb: end.rssMb, heapUsedMb: end.heapUsedMb },
      retainedRssRangeMb: [
        Math.min(...soak.samples.map((x) => x.rssMb)),
        Math.max(...soak.samples.map((x) => x.rssMb)),
      ],
      // Least-squares slope over every sample from the end of warm-up: one noisy end point cannot fake a trend.
      rssGrowthPer100Mb: round(slope(soak.samples.map((x) => [x.invocation, x.rssMb])) * 100, 2),
      heapGrowthPer100Mb: round(slope(soak.samples.map((x) => [x.invocation, x.heapUsedMb])) * 100, 2),
      samples: soak.samples,
      peakRssMb: soak.maxRssMb,
      invocationPeakMb: { first: soak.peaks[0], median: median(soak.peaks), last: soak.peaks[soak.peaks.length - 1] },
      medianBatchMs: round(median(soak.durations)),
    };

    log('throughput: a full 150-symbol local scan, and the scanners alone…');
    const scans: { wallMs: number; cpuMs: number }[] = [];
    for (let i = 0; i < REPEATS; i++) {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      await runLocalPipeline({
        watchlist: 'bench',
        symbols: watchlist,
        scanners: SCANNER_NAMES,
        dataDir: BUNDLED_DATA_DIR,
        lookback: 150,
        asOf: '2024-03-08',
        scheduledAt: new Date(Date.UTC(2026, 3, 1, 0, i)),
        store,
      });
      const cpu = process.cpuUsage(cpu0);
      scans.push({ wallMs: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 });
    }
    const fetched = await new CsvMarketData(BUNDLED_DATA_DIR).fetchDailyBars({ symbols: watchlist, lookback: 150 });
    const plan = planScan();
    const rounds = smoke ? 5 : 40;
    const tc = performance.now();
    for (let r = 0; r < rounds; r++) for (const entry of fetched) if (entry.ok) scanSymbol(entry.bars, plan);
    const throughput = {
      wallMs: round(median(scans.map((x) => x.wallMs))),
      cpuMs: round(median(scans.map((x) => x.cpuMs))),
      scannersPerSymbolUs: round(((performance.now() - tc) * 1000) / (rounds * fetched.length)),
    };

    log('scale: local scans of synthesized watchlists…');
    const scale = [];
    for (const n of SCALES) {
      const data = syntheticData(n);
      const messages = await newRun(data.symbols);
      const report = await worker(
        bundled['scan-batch'].file,
        'sqs',
        { events: messages, sampleEvery: 1 },
        { ...workerEnv, PROVIDER: 'csv', DATA_DIR: data.dir },
      );
      scale.push({
        symbols: n,
        batches: messages.length,
        wallMs: round(report.durations.reduce((a, b) => a + b, 0)),
        peakFirstBatchMb: report.peaks[0],
        peakLastBatchMb: report.peaks[report.peaks.length - 1],
        highestBatchPeakMb: Math.max(...report.peaks),
        retainedAfterFirstMb: report.samples[0].rssMb,
        retainedAfterLastMb: report.samples[report.samples.length - 1].rssMb,
        peakRssMb: report.maxRssMb,
        maxBatchMs: round(Math.max(...report.durations)),
      });
      rmSync(data.dir, { recursive: true, force: true });
    }

    log('dispatch and API: invocation times…');
    const dispatchEvents = Array.from({ length: smoke ? 3 : 10 }, (_, i) => ({
      watchlist: 'bench',
      symbols: watchlist,
      scheduledAt: new Date(Date.UTC(2026, 5, 1, 0, i)).toISOString(),
    }));
    const { startSqsServer } = await import('../test/helpers/sqs-server.js');
    const sqs = await startSqsServer();
    const dispatchReport = await worker(
      bundled.dispatch.file,
      'invoke',
      { events: dispatchEvents },
      {
        ...workerEnv,
        QUEUE_URL: sqs.queueUrl,
        AWS_ENDPOINT_URL_SQS: sqs.endpoint,
        AWS_ACCESS_KEY_ID: 'local',
        AWS_SECRET_ACCESS_KEY: 'local',
      },
    );
    await sqs.close();
    const apiEvent = {
      version: '2.0',
      rawPath: '/api/scans/vpb',
      rawQueryString: '',
      headers: {},
      requestContext: { http: { method: 'GET' } },
    };
    const apiReport = await worker(
      bundled.api.file,
      'invoke',
      { events: Array.from({ length: smoke ? 5 : 50 }, () => apiEvent) },
      workerEnv,
    );

    const measured = {
      batchDurationMs: warmSoak.medianBatchMs,
      dispatchDurationMs: round(median(dispatchReport.durations)),
      apiDurationMs: round(median(apiReport.durations)),
      dispatchPeakRssMb: dispatchReport.maxRssMb,
      apiPeakRssMb: apiReport.maxRssMb,
    };
    // Lambda durations from the measured ones, scaled to a 256 MB function's CPU share (an upper bound).
    const onLambda = (ms: number) => round(lambdaDurationMs(ms, MEMORY_MB));
    const billed = {
      batchDurationMs: onLambda(measured.batchDurationMs),
      dispatchDurationMs: onLambda(measured.dispatchDurationMs),
      apiDurationMs: onLambda(measured.apiDurationMs),
      initDurationMs: onLambda(coldStart['scan-batch'].importMs),
    };
    const cost = [150, 1500, 5000].map((symbols) => ({
      symbols,
      ...monthlyCost({
        symbols,
        eventsPerSymbolSession: 0.18,
        batchSize: 30,
        workersPerRun: 2,
        scannersPerSymbol: 3,
        memoryMb: MEMORY_MB,
        resultsDays: 7,
        itemBytes: 700,
        copiesPerSymbolRun: 0.35,
        barsItemBytes: 4_430,
        apiRequests: 10_000,
        ...billed,
      }),
    }));

    const resultsDoc = {
      date: new Date().toISOString(),
      smoke,
      node: process.version,
      floor,
      workerBatch,
      warmSoak,
      coldStart,
      throughput,
      scale,
      measured,
      billed,
      cost,
    };
    mkdirSync(join(root, 'bench'), { recursive: true });
    writeFileSync(join(root, RESULTS_FILE), `${JSON.stringify(resultsDoc, null, 2)}\n`);
    printReport(resultsDoc);
  } finally {
    await yahoo.close();
    await store.close();
    rmSync(work, { recursive: true, force: true });
  }
}

function printReport(r: {
  floor: { startMs: number; maxRssMb: number };
  workerBatch: { maxRssMb: number; durationMs: number; ratioToFloor: number };
  warmSoak: {
    invocations: number;
    afterWarmup: { invocation: number; rssMb: number; heapUsedMb: number };
    atEnd: { invocation: number; rssMb: number; heapUsedMb: number };
    retainedRssRangeMb: number[];
    rssGrowthPer100Mb: number;
    heapGrowthPer100Mb: number;
    peakRssMb: number;
    invocationPeakMb: { first: number; median: number; last: number };
    medianBatchMs: number;
  };
  coldStart: Record<string, { bundleKb: number; importMs: number; startMs: number; maxRssMb: number }>;
  throughput: { wallMs: number; cpuMs: number; scannersPerSymbolUs: number };
  scale: {
    symbols: number;
    batches: number;
    wallMs: number;
    peakFirstBatchMb: number;
    peakLastBatchMb: number;
    highestBatchPeakMb: number;
    retainedAfterFirstMb: number;
    retainedAfterLastMb: number;
    maxBatchMs: number;
  }[];
  measured: {
    batchDurationMs: number;
    dispatchDurationMs: number;
    apiDurationMs: number;
    dispatchPeakRssMb: number;
    apiPeakRssMb: number;
  };
  billed: { batchDurationMs: number; dispatchDurationMs: number; apiDurationMs: number; initDurationMs: number };
  cost: { symbols: number; totalUsd: number; afterFreeTierUsd: number; lines: { item: string; usd: number }[] }[];
}): void {
  const out: string[] = [];
  out.push(`Bare Node floor: peak RSS ${r.floor.maxRssMb} MB, start ${round(r.floor.startMs)} ms`);
  out.push(
    `Worker batch (bundled scan-batch, 30 symbols from a loopback Yahoo server, store on loopback): peak RSS ${r.workerBatch.maxRssMb} MB = ${r.workerBatch.ratioToFloor}× the floor, ${r.workerBatch.durationMs} ms`,
  );
  const s = r.warmSoak;
  out.push(
    `Warm soak, ${s.invocations} invocations in one process (retained after a full GC): RSS ${s.afterWarmup.rssMb} MB after ${s.afterWarmup.invocation} → ${s.atEnd.rssMb} MB at ${s.atEnd.invocation}, range ${s.retainedRssRangeMb.join('–')} MB, trend ${s.rssGrowthPer100Mb >= 0 ? '+' : ''}${s.rssGrowthPer100Mb} MB per 100; heap used ${s.afterWarmup.heapUsedMb} → ${s.atEnd.heapUsedMb} MB (trend ${s.heapGrowthPer100Mb >= 0 ? '+' : ''}${s.heapGrowthPer100Mb} MB per 100); peak RSS of an invocation: first ${s.invocationPeakMb.first} MB, median ${s.invocationPeakMb.median} MB, last ${s.invocationPeakMb.last} MB, highest ${s.peakRssMb} MB; median batch ${s.medianBatchMs} ms`,
  );
  out.push('');
  out.push(
    renderTable(
      [
        {
          header: 'Function',
          cell: (e: [string, { bundleKb: number; importMs: number; startMs: number; maxRssMb: number }]) => e[0],
        },
        { header: 'Bundle KB', align: 'right', cell: (e) => String(e[1].bundleKb) },
        { header: 'Import ms', align: 'right', cell: (e) => String(e[1].importMs) },
        {
          header: 'Process start ms (floor)',
          align: 'right',
          cell: (e) => `${e[1].startMs} (${round(r.floor.startMs)})`,
        },
        { header: 'Peak RSS after import MB', align: 'right', cell: (e) => String(e[1].maxRssMb) },
      ],
      Object.entries(r.coldStart),
    ),
  );
  out.push('');
  out.push(
    `Throughput: full 150-symbol local scan (dispatch → 5 batches → store; median of the runs) ${r.throughput.wallMs} ms wall, ${r.throughput.cpuMs} ms CPU; all three scanners ${r.throughput.scannersPerSymbolUs} µs per symbol`,
  );
  out.push('');
  out.push(
    renderTable(
      [
        { header: 'Symbols', align: 'right', cell: (x: (typeof r.scale)[number]) => String(x.symbols) },
        { header: 'Batches', align: 'right', cell: (x) => String(x.batches) },
        { header: 'Wall (1 worker)', align: 'right', cell: (x) => `${round(x.wallMs / 1000, 2)} s` },
        { header: 'Peak RSS: batch 1', align: 'right', cell: (x) => `${x.peakFirstBatchMb} MB` },
        { header: 'last batch', align: 'right', cell: (x) => `${x.peakLastBatchMb} MB` },
        { header: 'highest', align: 'right', cell: (x) => `${x.highestBatchPeakMb} MB` },
        {
          header: 'Retained after batch 1 → last',
          align: 'right',
          cell: (x) => `${x.retainedAfterFirstMb} → ${x.retainedAfterLastMb} MB`,
        },
        { header: 'Slowest batch', align: 'right', cell: (x) => `${x.maxBatchMs} ms` },
      ],
      r.scale,
    ),
  );
  out.push('');
  out.push(
    `Dispatch (150 symbols → 5 messages to a loopback SQS server): ${r.measured.dispatchDurationMs} ms, peak RSS ${r.measured.dispatchPeakRssMb} MB; API (GET /api/scans/vpb): ${r.measured.apiDurationMs} ms, peak RSS ${r.measured.apiPeakRssMb} MB`,
  );
  out.push('');
  out.push(
    `Cost per month of the default schedule (${MEMORY_MB} MB functions; durations scaled to its CPU share: batch ${r.billed.batchDurationMs} ms, dispatch ${r.billed.dispatchDurationMs} ms, API ${r.billed.apiDurationMs} ms, a cold start of every function every run at ${r.billed.initDurationMs} ms; 10,000 API requests; prices of ${PRICES.date}):`,
  );
  out.push(
    renderTable(
      [
        { header: 'Symbols', align: 'right', cell: (c: (typeof r.cost)[number]) => String(c.symbols) },
        ...[
          'Lambda requests',
          'Lambda compute',
          'SQS',
          'DynamoDB writes',
          'DynamoDB reads',
          'DynamoDB storage',
          'Scheduler',
          'HTTP API',
        ].map((item) => ({
          header: item,
          align: 'right' as const,
          cell: (c: (typeof r.cost)[number]) => `$${(c.lines.find((l) => l.item === item)?.usd ?? 0).toFixed(3)}`,
        })),
        { header: 'Total', align: 'right', cell: (c) => `$${c.totalUsd.toFixed(2)}` },
        { header: 'After free tier', align: 'right', cell: (c) => `$${c.afterFreeTierUsd.toFixed(2)}` },
      ],
      r.cost,
    ),
  );
  process.stdout.write(`${out.join('\n')}\n\nWritten: ${RESULTS_FILE}\n`);
}

await main();
