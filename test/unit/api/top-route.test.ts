import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { StoredOutcome } from '../../../functions/adapters/store/result-store.js';
import type { DashboardAssets } from '../../../functions/api/dashboard-assets.js';
import { type ApiDeps, handleApiRequest } from '../../../functions/api/routes.js';
import { type ApiAccess, needsToken } from '../../../functions/core/api/access.js';
import type { RunRecord } from '../../../functions/core/run/run-record.js';
import { SCANNER_NAMES, type ScannerName } from '../../../functions/core/scan/scanners.js';
import type { Scorecard } from '../../../functions/core/scorecard/scorecard.js';
import { type CurrentSignal, rankTopSetups } from '../../../functions/core/scorecard/top-setups.js';

// GET /api/top over stores that answer from the committed references: the bundled data's
// scorecard as computed by test/fixtures/scorecard_reference.py (nothing from functions/), and
// the signals on its last day (2024-03-08) as test/fixtures/reference_values.py finds them.
const card = (
  JSON.parse(readFileSync(new URL('../../fixtures/scorecard-reference.json', import.meta.url), 'utf8')) as {
    default: Scorecard;
  }
).default;
const signals = (
  JSON.parse(readFileSync(new URL('../../fixtures/reference-signals-2024-03-08.json', import.meta.url), 'utf8')) as {
    signals: Record<ScannerName, Record<string, string>>;
  }
).signals;
const current: CurrentSignal[] = SCANNER_NAMES.flatMap((scanner) =>
  Object.entries(signals[scanner]).map(([symbol, signal]) => ({ symbol, scanner, signal })),
);
const SYMBOLS_WITH_SIGNAL = new Set(current.map((c) => c.symbol)).size;
const RUN = {
  runId: '20240308T210000Z-default',
  status: 'complete',
  scanners: [...SCANNER_NAMES],
  asOf: '2024-03-08',
  barDates: ['2024-03-08'],
} as unknown as RunRecord;
/** Signal copies a page of the fake store holds: the route must follow the cursor to see them all. */
const PAGE = 4;

/** The API's dependencies over the references; what was read of the scorecard, at which horizon. */
function deps(options: { run?: RunRecord | null; card?: Scorecard | null; access?: ApiAccess } = {}) {
  const scorecardReads: (number | undefined)[] = [];
  const run = options.run === undefined ? RUN : options.run;
  const live = options.card === undefined ? card : options.card;
  const stores = {
    runs: { shownRun: async () => run },
    results: {
      runSignals: async (runId: string, scanner: ScannerName, _signal: undefined, _limit: number, cursor?: string) => {
        const from = Number(cursor ?? 0);
        const items = current
          .filter((c) => runId === RUN.runId && c.scanner === scanner)
          .map((c) => ({ ...c, runId, status: 'ok', values: null }) as unknown as StoredOutcome);
        const page = items.slice(from, from + PAGE);
        return { items: page, ...(from + PAGE < items.length && { cursor: String(from + PAGE) }) };
      },
    },
    scorecard: {
      // As the live store: the document at the one horizon asked for.
      scorecard: async ({ horizon }: { horizon?: number } = {}) => {
        scorecardReads.push(horizon);
        if (!live) return null;
        const at = <T extends { horizon: number }>(rows: readonly T[]) => rows.filter((r) => r.horizon === horizon);
        return { ...live, horizons: [horizon], rows: at(live.rows), baseline: at(live.baseline) };
      },
    },
  };
  const apiDeps = {
    ...stores,
    assets: {} as DashboardAssets,
    version: 'test',
    debugMemory: false,
    access: options.access ?? 'token',
    lookbackBars: 150,
    now: () => new Date('2024-03-08T22:00:00Z'),
  } as unknown as ApiDeps;
  return { apiDeps, scorecardReads };
}

async function get(path: string, on = deps()) {
  const [route, query = ''] = path.split('?');
  const response = await handleApiRequest(
    { method: 'GET', path: route, query: Object.fromEntries(new URLSearchParams(query)), headers: {}, rawQuery: query },
    on.apiDeps,
  );
  // Bodies are asserted field by field below.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: response.statusCode, headers: response.headers, body: JSON.parse(response.body) as any };
}

describe('GET /api/top', () => {
  it('ranks the shown run’s signals as rankTopSetups does: the top 10 at 10 sessions by default', async () => {
    const on = deps();
    const { status, body, headers } = await get('/api/top', on);
    expect(status).toBe(200);
    expect(body).toEqual({
      run: { runId: RUN.runId, asOf: '2024-03-08' },
      horizon: 10,
      symbolsWithSignal: SYMBOLS_WITH_SIGNAL,
      setups: rankTopSetups({ card, current, horizon: 10, limit: 10 }),
    });
    // docs/scorecard.md's `scan --top 5` on the bundled data: the three MACD bearish crosses, then no edge.
    expect(SYMBOLS_WITH_SIGNAL).toBe(49);
    expect(body.setups.slice(0, 5).map((s: { symbol: string; score: number }) => [s.symbol, s.score])).toEqual([
      ['COST', -0.2601],
      ['HD', -0.2601],
      ['LRCX', -0.2601],
      ['ADBE', 0],
      ['ARM', 0],
    ]);
    expect(body.setups[3].signals.map((s: { note?: string }) => s.note)).toEqual(['no edge']);
    expect(on.scorecardReads).toEqual([10]);
    // Behind the token: a browser may keep the answer, no shared cache.
    expect(headers['cache-control']).toBe('private, max-age=60');
  });

  it('ranks at the horizon asked for, the top n: docs/scorecard.md’s 20-session table', async () => {
    const { body } = await get('/api/top?n=8&horizon=20');
    expect(body.horizon).toBe(20);
    expect(body.setups).toEqual(rankTopSetups({ card, current, horizon: 20, limit: 8 }));
    expect(
      body.setups.map((s: { rank: number; symbol: string; score: number }) => [s.rank, s.symbol, s.score]),
    ).toEqual([
      [1, 'COST', -0.8884],
      [2, 'HD', -0.8884],
      [3, 'LRCX', -0.8884],
      [4, 'ADBE', 0.2275],
      [5, 'PFE', 0.2275],
      [6, 'PSX', 0.2275],
      [7, 'ARM', 0],
      [8, 'BA', 0],
    ]);
    expect(body.setups[5].signals).toEqual([
      {
        scanner: 'macd',
        signal: 'bullish_cross',
        n: 1970,
        excessReturnPct: 0.2301,
        hitRatePct: 58.53,
        contribution: 0.2275,
      },
      {
        scanner: 'ttm-squeeze',
        signal: 'squeeze_on',
        n: 8080,
        excessReturnPct: -0.0992,
        hitRatePct: null,
        contribution: 0,
        note: 'no direction',
      },
    ]);
  });

  it.each([1, 5])('ranks every symbol with a signal with n=100 (horizon %i)', async (horizon) => {
    const { body } = await get(`/api/top?n=100&horizon=${horizon}`);
    expect(body.setups).toHaveLength(49);
    expect(body.setups).toEqual(rankTopSetups({ card, current, horizon }));
  });

  it.each([
    ['n=0', 'n', 'n must be a whole number from 1 to 100'],
    ['n=101', 'n', 'n must be a whole number from 1 to 100'],
    ['n=ten', 'n', 'n must be a whole number from 1 to 100'],
    ['n=2.5', 'n', 'n must be a whole number from 1 to 100'],
    ['n=', 'n', 'n must be a whole number from 1 to 100'],
    ['horizon=0', 'horizon', 'horizon: 0 is outside 1–250 sessions'],
    ['horizon=251', 'horizon', 'horizon: 251 is outside 1–250 sessions'],
    ['horizon=10d', 'horizon', 'horizon must be comma-separated whole numbers of sessions (e.g. 1,5,10,20), got "10d"'],
    ['horizon=5,10', 'horizon', 'horizon is one number of sessions, e.g. 10'],
    ['limit=5', 'limit', 'unknown query parameter "limit"; allowed: n, horizon'],
  ])('refuses ?%s: 400 naming %s', async (query, parameter, message) => {
    const on = deps();
    const { status, body } = await get(`/api/top?${query}`, on);
    expect(status).toBe(400);
    expect(body).toEqual({ error: { code: 'bad_parameter', message, parameter } });
    expect(on.scorecardReads).toEqual([]);
  });

  it('answers 404 no_complete_run before any scan completed, without reading the scorecard', async () => {
    const on = deps({ run: null });
    const { status, body } = await get('/api/top', on);
    expect(status).toBe(404);
    expect(body.error).toEqual({ code: 'no_complete_run', message: 'no scan has completed yet (or all have expired)' });
    expect(on.scorecardReads).toEqual([]);
  });

  it('answers 404 no_scorecard before any return is recorded', async () => {
    const { status, body } = await get('/api/top?horizon=5', deps({ card: null }));
    expect(status).toBe(404);
    expect(body.error).toEqual({
      code: 'no_scorecard',
      message:
        'no scorecard yet: runs fill it as the sessions after each signal close; scanfleet scorecard --backfill starts it from history',
    });
  });

  it('answers 409 stale_run, naming both days, when the scorecard has sessions after the shown run’s as-of', async () => {
    // A newer run recorded 2024-03-11 but has not completed (or failed): the run shown is as of
    // 2024-03-08, and ranking it by the live scorecard would count returns after 03-08.
    const { status, body, headers } = await get('/api/top', deps({ card: { ...card, to: '2024-03-11' } }));
    expect(status).toBe(409);
    expect(body.error).toEqual({
      code: 'stale_run',
      message:
        'the shown run 20240308T210000Z-default is as of 2024-03-08, but the scorecard has sessions through 2024-03-11: ranking the run by it would count returns after its as-of (look-ahead), so Top setups wait for a run as of 2024-03-11 or later to finish',
    });
    expect(headers['cache-control']).toBe('no-store');
    // A scorecard ending on the as-of (the reference's 2024-03-08) or before it ranks.
    expect((await get('/api/top', deps({ card: { ...card, to: '2024-03-07' } }))).status).toBe(200);
  });

  it('has no sub-resource', async () => {
    expect((await get('/api/top/COST')).body.error.code).toBe('not_found');
  });

  it('needs the token, with api.public too: it is no public read (access.ts)', async () => {
    expect(needsToken('token', 'GET', '/api/top')).toBe(true);
    expect(needsToken('public-reads', 'GET', '/api/top')).toBe(true);
    const { headers } = await get('/api/top', deps({ access: 'public-reads' }));
    expect(headers['cache-control']).toBe('private, max-age=60');
  });
});
