import { type RunRecord, runAsOf } from '../../core/run/run-record.js';
import { type CurrentSignal, rankTopSetups, type TopSetup } from '../../core/scorecard/top-setups.js';
import type { ReadStores } from './stores.js';

/** The shown run's Top setups, which of the two reads found nothing, or why the run is not ranked. */
export type ShownTopSetups =
  | { readonly status: 'no_complete_run' }
  | { readonly status: 'no_scorecard' }
  | {
      /**
       * The scorecard has sessions after the run's as-of (a newer run, still running or ended
       * failed, recorded them; a backfill; an as-of replay shown): its returns up to `scorecardTo`
       * include some whose t + h lies after `asOf`, and the live aggregates cannot be taken back.
       */
      readonly status: 'stale_run';
      readonly run: RunRecord;
      /** The run's as-of (YYYY-MM-DD). */
      readonly asOf: string;
      /** The scorecard's last session (its `to`, YYYY-MM-DD). */
      readonly scorecardTo: string;
    }
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
 * scorecard is read only when there is a run to rank, the signals only when the scorecard is not
 * newer than the run: no look-ahead, every return counted ends on or before the run's as-of.
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
  // Both are ISO days (YYYY-MM-DD), so they compare as strings; `to` is always a session, so this
  // is the comparison with the as-of's session too when the as-of asked for is a weekend or holiday.
  // A run without an as-of saw no bar, so it has no signal to rank.
  const asOf = runAsOf(run);
  if (asOf !== null && card.to > asOf) return { status: 'stale_run', run, asOf, scorecardTo: card.to };
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
