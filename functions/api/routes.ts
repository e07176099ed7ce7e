import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import { chartSeries } from '../core/scan/chart-series.js';
import { ValidationError } from '../core/errors.js';
import type { MacdParams } from '../core/scan/macd.js';
import { isScannerName, planScan, SCANNER_NAMES, SCANNERS, type ScannerName } from '../core/scan/scanners.js';
import { isoDay, parseIsoDay } from '../core/market/trading-day.js';
import { returnsFrom } from '../core/scorecard/forward-return.js';
import { DEFAULT_HORIZONS, DEFAULT_SCORE_HORIZON } from '../core/scorecard/horizons.js';
import { DEFAULT_TOP_COUNT } from '../core/scorecard/top-setups.js';
import { sliceBars, withBar } from '../core/scan/bars.js';
import type { TtmSqueezeParams } from '../core/scan/ttm-squeeze.js';
import type { VpbParams } from '../core/scan/vpb.js';
import { memoryFigures } from '../adapters/observability.js';
import { shownTopSetups } from '../adapters/store/shown-top-setups.js';
import type { ReadStores } from '../adapters/store/stores.js';
import { runAsOf } from '../core/run/run-record.js';
import { type ApiAccess, needsToken } from '../core/api/access.js';
import { requireListName } from '../core/lists/watchlist-rules.js';
import { CONFIGURED_SUBSCRIPTION } from '../core/lists/subscription-rules.js';
import type { DashboardAssets } from './dashboard-assets.js';
import {
  allowQuery,
  notFound,
  parseHorizon,
  parseLimit,
  requireScanner,
  requireSymbolParam,
  withCursor,
} from './params.js';
import { ageSeconds, eventView, resultView, runView, subscriptionView } from './views.js';
import { type ApiRequest, type ApiResponse, errorResponse, HttpError, json } from './http.js';

/** The API reads runs, results, cached bars and signal events, writes nothing and calls no provider. */
export interface ApiDeps extends ReadStores {
  readonly assets: DashboardAssets;
  readonly version: string;
  /** /api/debug/memory answers only when this is on (off in the stack by default). */
  readonly debugMemory: boolean;
  /**
   * Who may call what (access.ts). The token itself is checked in front of the function (the
   * gateway's authorizer, the dev server); here it makes the protected routes' answers private.
   */
  readonly access: ApiAccess;
  readonly corsOrigin?: string;
  readonly lookbackBars: number;
  readonly now: () => Date;
}

const MAX_QUERY_LENGTH = 1024;
const RUN_ID = /^\d{8}T\d{6}Z-[a-z0-9][a-z0-9_-]{0,59}$/;
const RESULTS_CACHE_SECONDS = 60;
/** The most setups GET /api/top answers. */
const MAX_API_TOP_COUNT = 100;

/**
 * Every route: GET only, parameters checked strictly, errors as JSON naming the parameter. An
 * answer to a request that needed the token is never cached by a shared cache.
 */
export async function handleApiRequest(request: ApiRequest, deps: ApiDeps): Promise<ApiResponse> {
  let response: ApiResponse;
  try {
    response = await route(request, deps);
  } catch (error) {
    if (error instanceof HttpError) response = errorResponse(error);
    else if (error instanceof ValidationError)
      response = errorResponse(new HttpError(400, error.code, error.message, error.parameter, { cause: error }));
    else throw error;
  }
  const cacheControl = response.headers['cache-control'];
  const headers = {
    ...response.headers,
    ...(cacheControl?.startsWith('public') &&
      needsToken(deps.access, request.method, request.path) && {
        'cache-control': cacheControl.replace(/^public/, 'private'),
      }),
    ...(deps.corsOrigin && { 'access-control-allow-origin': deps.corsOrigin, vary: 'origin' }),
  };
  return { ...response, headers };
}

async function route(request: ApiRequest, deps: ApiDeps): Promise<ApiResponse> {
  if (request.method !== 'GET' && request.method !== 'HEAD')
    throw new HttpError(405, 'method_not_allowed', `${request.method} is not allowed; this API is read-only (GET)`);
  if (request.rawQuery.length > MAX_QUERY_LENGTH)
    throw new HttpError(
      400,
      'query_too_long',
      `the query string is ${request.rawQuery.length} characters; at most ${MAX_QUERY_LENGTH}`,
    );
  // An empty segment ("//api/runs") could reach the routes past the gateway's /api routes.
  if (request.path.includes('//')) throw notFound(request.path);
  const segments = request.path.split('/').filter((s) => s.length > 0);
  if (segments[0] !== 'api') return deps.assets.serve(request);

  const [, resource, id, sub, ...rest] = segments;
  if (resource === 'health') {
    allowQuery(request, []);
    return health(deps);
  }
  if (rest.length > 0) throw notFound(request.path);
  switch (resource) {
    case 'scans':
      if (!id || sub) throw notFound(request.path);
      return latestScan(request, deps, id);
    case 'symbols':
      if (!id) throw notFound(request.path);
      if (sub === 'chart') return symbolChart(request, deps, id);
      if (sub) throw notFound(request.path);
      return symbolResults(request, deps, id);
    case 'runs':
      if (sub) throw notFound(request.path);
      return id ? runDetail(request, deps, id) : listRuns(request, deps);
    case 'scorecard':
      if (id) throw notFound(request.path);
      return liveScorecard(request, deps);
    case 'top':
      if (id) throw notFound(request.path);
      return topSetups(request, deps);
    case 'watchlists':
      if (sub) throw notFound(request.path);
      return id ? watchlist(request, deps, id) : watchlists(request, deps);
    case 'subscriptions':
      if (id) throw notFound(request.path);
      return subscriptions(request, deps);
    case 'debug':
      if (id !== 'memory' || sub) throw notFound(request.path);
      return debugMemory(request, deps);
    default:
      throw notFound(request.path);
  }
}

/** GET /api/watchlists — every list: name, symbol count, version, who changed it and when. */
async function watchlists(request: ApiRequest, deps: ApiDeps): Promise<ApiResponse> {
  allowQuery(request, []);
  const lists = await deps.lists.lists();
  return json(200, {
    lists: lists.map(({ symbols, ...list }) => ({ ...list, symbolCount: symbols.length })),
    symbolCount: new Set(lists.flatMap((l) => l.symbols)).size,
    // Whether a change needs the token (the dashboard offers its buttons once it has one).
    writesNeedToken: deps.access !== 'open',
  });
}

/**
 * GET /api/subscriptions — where alerts go: each subscription as subscriptionView shows it (no
 * webhook), and whether the configured webhook's implicit one was removed.
 */
async function subscriptions(request: ApiRequest, deps: ApiDeps): Promise<ApiResponse> {
  allowQuery(request, []);
  const routes = await deps.subscriptions.routes();
  return json(200, {
    subscriptions: routes.subscriptions.map(subscriptionView),
    configured: {
      id: CONFIGURED_SUBSCRIPTION,
      ...(routes.configuredRemoved && { removed: routes.configuredRemoved }),
    },
  });
}

/** GET /api/watchlists/{name} — one list with its symbols. */
async function watchlist(request: ApiRequest, deps: ApiDeps, name: string): Promise<ApiResponse> {
  allowQuery(request, []);
  const list = await deps.lists.list(requireListName(name, 'name'));
  if (!list) throw new HttpError(404, 'not_found', `no list named ${name}`, 'name');
  return json(200, { list });
}

/** GET /api/scans/{scanner}?signal=&limit=&cursor= — the latest complete (or partial) run's results. */
async function latestScan(request: ApiRequest, deps: ApiDeps, scannerParam: string): Promise<ApiResponse> {
  allowQuery(request, ['signal', 'limit', 'cursor']);
  const scanner = requireScanner(scannerParam);
  const signal = request.query.signal;
  const signals = SCANNERS[scanner].signals as readonly string[];
  if (signal !== undefined && !signals.includes(signal)) {
    throw new HttpError(400, 'bad_parameter', `signal must be one of ${signals.join(', ')} for ${scanner}`, 'signal');
  }
  const limit = parseLimit(request.query.limit, 200);
  const run = await deps.runs.shownRun();
  if (!run) throw noCompleteRun();
  const page = await withCursor(request.query.cursor, (cursor) =>
    signal === undefined
      ? deps.results.runResults(run.runId, { scanner }, limit, cursor)
      : deps.results.runSignals(run.runId, scanner, signal, limit, cursor),
  );
  return json(
    200,
    {
      scanner,
      run: runView(run, deps.now()),
      results: page.items.map(resultView),
      ...(page.cursor && { cursor: page.cursor }),
    },
    RESULTS_CACHE_SECONDS,
  );
}

/**
 * GET /api/symbols/{symbol}?limit= — every scanner's latest result and the symbol's signal events,
 * each once, with the forward returns from its start session at the scorecard's horizons.
 */
async function symbolResults(request: ApiRequest, deps: ApiDeps, symbolParam: string): Promise<ApiResponse> {
  allowQuery(request, ['limit']);
  const symbol = requireSymbolParam(symbolParam);
  const limit = parseLimit(request.query.limit, 100);
  const [{ items }, events, bars] = await Promise.all([
    deps.results.symbolHistory(symbol, 10),
    deps.events.eventsOf(symbol, limit),
    deps.bars.closedBars(symbol),
  ]);
  if (items.length === 0)
    throw new HttpError(404, 'unknown_symbol', `no results for ${symbol} in the retained runs`, 'symbol');
  const latestRun = items[0].runId;
  const latest = items.filter((o) => o.runId === latestRun).map(resultView);
  // Each event's outcome so far, from the closes the worker cached (no provider is called).
  const history = events.map((e) => ({
    ...eventView(e),
    forwardReturns: bars ? returnsFrom(bars, parseIsoDay(e.start), DEFAULT_HORIZONS) : null,
  }));
  return json(200, { symbol, runId: latestRun, latest, horizons: DEFAULT_HORIZONS, history }, RESULTS_CACHE_SECONDS);
}

/**
 * GET /api/symbols/{symbol}/chart?runId= — bars with Bollinger/Keltner and MACD overlays, up to
 * the as-of of the run (the given one, else the one the dashboard shows), as it saw them: the
 * bars its worker cached (and the forming bar it saw, if any). No provider is called.
 */
async function symbolChart(request: ApiRequest, deps: ApiDeps, symbolParam: string): Promise<ApiResponse> {
  allowQuery(request, ['runId']);
  const symbol = requireSymbolParam(symbolParam);
  const runId = request.query.runId;
  if (runId !== undefined && !RUN_ID.test(runId))
    throw new HttpError(400, 'bad_parameter', 'runId is not a run id (e.g. 20261125T143000Z-full)', 'runId');
  const run = runId === undefined ? await deps.runs.shownRun() : await deps.runs.getRun(runId);
  if (runId !== undefined && !run)
    throw new HttpError(404, 'unknown_run', `no run ${runId} (it may have expired)`, 'runId');
  const asOf = run ? runAsOf(run) : null;
  const forming =
    run && run.symbolsPartial > 0 ? await deps.results.formingBar(run.runId, run.scanners[0], symbol) : undefined;
  // A run that saw a forming bar drew it after the bars closed before its day.
  const through = forming ? isoDay(forming.day - 1) : (asOf ?? undefined);
  const closed = await deps.bars.closedBars(symbol, through);
  if (!closed)
    throw new HttpError(
      404,
      'unknown_symbol',
      `no bars of ${symbol}${asOf ? ` up to ${asOf}` : ''}: charts are drawn from the watchlist's scans`,
      'symbol',
    );
  const plan = planScan(['macd', 'ttm-squeeze', 'vpb'], {}, deps.lookbackBars);
  const bars = forming ? withBar(closed, forming) : closed;
  const params = (name: ScannerName) => plan.scanners.find((s) => s.name === name)?.params;
  return json(
    200,
    chartSeries(
      sliceBars(bars, Math.max(0, bars.length - plan.lookback), bars.length),
      params('ttm-squeeze') as TtmSqueezeParams,
      params('macd') as MacdParams,
      params('vpb') as VpbParams,
    ),
    RESULTS_CACHE_SECONDS,
  );
}

/**
 * GET /api/scorecard?scanner=&horizon= — the live scorecard (`scanfleet scorecard --json`'s
 * document) from its aggregates: no observation is read.
 */
async function liveScorecard(request: ApiRequest, deps: ApiDeps): Promise<ApiResponse> {
  allowQuery(request, ['scanner', 'horizon']);
  const { scanner, horizon } = request.query;
  if (scanner !== undefined && !isScannerName(scanner))
    throw new HttpError(
      400,
      'bad_parameter',
      `scanner must be one of ${SCANNER_NAMES.join(', ')}, got "${scanner.slice(0, 40)}"`,
      'scanner',
    );
  const card = await deps.scorecard.scorecard({ scanner, horizon: parseHorizon(horizon) });
  if (!card) throw noScorecard();
  return json(200, card, RESULTS_CACHE_SECONDS);
}

/**
 * GET /api/top?n=&horizon= — the shown run's signals ranked by the live scorecard at the horizon
 * (docs/scorecard.md#top-setups): the top n setups, each with the signals behind its score; 409
 * `stale_run` when the scorecard has sessions after the run's as-of (a newer run recorded them
 * before it completed, or failed): ranking it would look ahead.
 */
async function topSetups(request: ApiRequest, deps: ApiDeps): Promise<ApiResponse> {
  allowQuery(request, ['n', 'horizon']);
  const limit = parseLimit(request.query.n, DEFAULT_TOP_COUNT, MAX_API_TOP_COUNT, 'n');
  const horizon = parseHorizon(request.query.horizon) ?? DEFAULT_SCORE_HORIZON;
  const top = await shownTopSetups(deps, horizon, limit);
  if (top.status === 'no_complete_run') throw noCompleteRun();
  if (top.status === 'no_scorecard') throw noScorecard();
  if (top.status === 'stale_run')
    throw new HttpError(
      409,
      'stale_run',
      `the shown run ${top.run.runId} is as of ${top.asOf}, but the scorecard has sessions through ${top.scorecardTo}: ranking the run by it would count returns after its as-of (look-ahead), so Top setups wait for a run as of ${top.scorecardTo} or later to finish`,
    );
  return json(
    200,
    {
      run: { runId: top.run.runId, asOf: runAsOf(top.run) },
      horizon,
      symbolsWithSignal: top.symbolsWithSignal,
      setups: top.setups,
    },
    RESULTS_CACHE_SECONDS,
  );
}

function noCompleteRun(): HttpError {
  return new HttpError(404, 'no_complete_run', 'no scan has completed yet (or all have expired)');
}

function noScorecard(): HttpError {
  return new HttpError(
    404,
    'no_scorecard',
    'no scorecard yet: runs fill it as the sessions after each signal close; scanfleet scorecard --backfill starts it from history',
  );
}

/** GET /api/runs?limit=&cursor= — newest first. */
async function listRuns(request: ApiRequest, deps: ApiDeps): Promise<ApiResponse> {
  allowQuery(request, ['limit', 'cursor']);
  const limit = parseLimit(request.query.limit, 20, 100);
  const page = await withCursor(request.query.cursor, (cursor) => deps.runs.listRuns(limit, cursor));
  return json(200, {
    runs: page.items.map((run) => runView(run, deps.now())),
    ...(page.cursor && { cursor: page.cursor }),
  });
}

/** GET /api/runs/{runId}?limit=&cursor= — progress, totals, the symbol list and a page of the per-symbol problems. */
async function runDetail(request: ApiRequest, deps: ApiDeps, runId: string): Promise<ApiResponse> {
  allowQuery(request, ['limit', 'cursor']);
  if (!RUN_ID.test(runId))
    throw new HttpError(400, 'bad_parameter', 'runId is not a run id (e.g. 20261125T143000Z-full)', 'runId');
  const limit = parseLimit(request.query.limit, 100);
  const run = await deps.runs.getRun(runId);
  if (!run) throw new HttpError(404, 'unknown_run', `no run ${runId} (it may have expired)`, 'runId');
  const [symbols, page] = await Promise.all([
    deps.runs.runSymbols(runId),
    withCursor(request.query.cursor, (cursor) => deps.results.runProblems(runId, limit, cursor)),
  ]);
  return json(200, {
    ...runView(run, deps.now()),
    symbols,
    doneBatches: run.doneBatches,
    failedBatches: run.failedBatches,
    ...(run.lastBatchError && { lastBatchError: run.lastBatchError }),
    dataIssues: run.dataIssues,
    problems: page.items.map((o) => ({ symbol: o.symbol, scanner: o.scanner, status: o.status, reason: o.reason })),
    ...(page.cursor && { cursor: page.cursor }),
  });
}

/**
 * GET /api/health — 200 while the function answers; `degraded`, with the reason, when the newest
 * run failed or ended partial (what is shown is older, or there is nothing to show).
 */
async function health(deps: ApiDeps): Promise<ApiResponse> {
  const [run, newest] = await Promise.all([deps.runs.shownRun(), deps.runs.listRuns(1)]);
  const latest = newest.items[0];
  const reason =
    latest && (latest.status === 'failed' || latest.status === 'partial')
      ? `the newest run ${latest.runId} ended ${latest.status}${latest.endReason ? `: ${latest.endReason}` : ''}`
      : undefined;
  const now = deps.now();
  const memory = memoryFigures();
  return json(200, {
    status: reason ? 'degraded' : 'ok',
    ...(reason && { reason }),
    version: deps.version,
    lastRun: run ? { runId: run.runId, finishedAt: run.finishedAt, ageSeconds: ageSeconds(run, now) } : null,
    memory: { rssMb: memory.rssMb, heapUsedMb: memory.heapUsedMb, heapTotalMb: memory.heapTotalMb },
  });
}

function debugMemory(request: ApiRequest, deps: ApiDeps): ApiResponse {
  allowQuery(request, []);
  if (!deps.debugMemory)
    throw new HttpError(
      403,
      'forbidden',
      'the memory breakdown is disabled; enable it in the configuration (debugMemory)',
    );
  const heap = getHeapStatistics();
  return json(200, {
    process: memoryFigures(),
    heap: {
      totalHeapSize: heap.total_heap_size,
      usedHeapSize: heap.used_heap_size,
      heapSizeLimit: heap.heap_size_limit,
      mallocedMemory: heap.malloced_memory,
      peakMallocedMemory: heap.peak_malloced_memory,
      nativeContexts: heap.number_of_native_contexts,
      detachedContexts: heap.number_of_detached_contexts,
    },
    heapSpaces: getHeapSpaceStatistics().map((s) => ({
      name: s.space_name,
      size: s.space_size,
      used: s.space_used_size,
      available: s.space_available_size,
    })),
  });
}
