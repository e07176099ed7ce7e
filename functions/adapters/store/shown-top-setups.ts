import type { RunRecord } from '../../core/run/run-record.js';
import { type CurrentSignal, rankTopSetups, type TopSetup } from '../../core/scorecard/top-setups.js';
import type { ReadStores } from './stores.js';

/** The shown run's Top setups, or which of the two reads found nothing. */
export type ShownTopSetups =
  | { readonly status: 'no_complete_run' }
  | { readonly status: 'no_scorecard' }
  | {
      readonly status: 'ranked';
      readonly run: RunRecord;
      /** How many symbols have a signal in the run: all of them are ranked, the top `limit` returned. */
      readonly symbolsWithSignal: number;
      readonly setups: TopSetup[];
    };

/** Signal copies read a page at a time. */
const PAGE = 1000;

/**
 * The signals of the run the dashboard shows (every scanner's, page by page) ranked by the live
 * scorecard at the horizon (top-setups.ts): what Discord's /top and GET /api/top answer. The
 * scorecard is read only when there is a run to rank.
 */
export async function shownTopSetups(
  stores: Pick<ReadStores, 'runs' | 'results' | 'scorecard'>,
  horizon: number,
  limit: number,
): Promise<ShownTopSetups> {
  const run = await stores.runs.shownRun();
  if (!run) return { status: 'no_complete_run' };
  const card = await stores.scorecard.scorecard({ horizon });
  if (!card) return { status: 'no_scorecard' };
  const current: CurrentSignal[] = [];
  for (const scanner of run.scanners) {
    let cursor: string | undefined;
    do {
      const page = await stores.results.runSignals(run.runId, scanner, undefined, PAGE, cursor);
      for (const r of page.items) if (r.signal) current.push({ symbol: r.symbol, scanner, signal: r.signal });
      cursor = page.cursor;
    } while (cursor);
  }
  return {
    status: 'ranked',
    run,
    symbolsWithSignal: new Set(current.map((c) => c.symbol)).size,
    setups: rankTopSetups({ card, current, horizon, limit }),
  };
}
