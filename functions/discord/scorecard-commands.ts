import { COLOURS, linesWithin } from '../core/discord/discord-embeds.js';
import { isScannerName, SCANNER_NAMES, SCANNERS } from '../core/scan/scanners.js';
import { edgeText, signedPct } from '../core/scorecard/edge.js';
import { DEFAULT_SCORE_HORIZON, MAX_HORIZON } from '../core/scorecard/horizons.js';
import { signalDirection } from '../core/scorecard/scorecard.js';
import { DEFAULT_TOP_COUNT, MAX_TOP_COUNT, type TopSignal } from '../core/scorecard/top-setups.js';
import { runAsOf } from '../core/run/run-record.js';
import type { DiscordMessage } from '../adapters/discord/discord-client.js';
import { shownTopSetups } from '../adapters/store/shown-top-setups.js';
import type { ReadStores } from '../adapters/store/stores.js';

export type ScorecardCommandDeps = Pick<ReadStores, 'runs' | 'results' | 'scorecard'>;

const EPHEMERAL = 64;
const ephemeral = (content: string): DiscordMessage => ({ content, flags: EPHEMERAL });
const NO_SCORECARD =
  'No scorecard yet: runs fill it as the sessions after each signal close. An operator can start it from history with `scanfleet scorecard --backfill`.';

/** A whole number in [min, max] from a slash command's integer option, or the reason it is not one. */
function wholeOption(value: unknown, name: string, min: number, max: number): number | string {
  const n = Number(value);
  return Number.isInteger(n) && n >= min && n <= max ? n : `${name} must be a whole number from ${min} to ${max}.`;
}

/** /scorecard [scanner] [horizon]: each signal's edge at the horizon, and every session's. */
export async function scorecardCommand(
  scannerOption: unknown,
  horizonOption: unknown,
  deps: ScorecardCommandDeps,
): Promise<DiscordMessage> {
  const scanner = scannerOption === undefined ? undefined : String(scannerOption);
  if (scanner !== undefined && !isScannerName(scanner))
    return ephemeral(`There is no scanner "${scanner.slice(0, 32)}". Choose one of ${SCANNER_NAMES.join(', ')}.`);
  const horizon =
    horizonOption === undefined ? DEFAULT_SCORE_HORIZON : wholeOption(horizonOption, 'horizon', 1, MAX_HORIZON);
  if (typeof horizon === 'string') return ephemeral(horizon);
  const card = await deps.scorecard.scorecard({ scanner, horizon });
  if (!card) return ephemeral(NO_SCORECARD);
  const lines = card.rows
    .filter((row) => row.horizon === horizon)
    .map(
      (row) =>
        `**${row.scanner}** ${edgeText(row.signal, horizon, signalDirection(SCANNERS[row.scanner], row.signal), row)}`,
    );
  const base = card.baseline.find((b) => b.horizon === horizon);
  if (base && base.meanReturnPct !== null && base.upRatePct !== null)
    lines.push(
      `**all sessions** · ${horizon}d: ${signedPct(base.meanReturnPct)} mean, ${Math.round(base.upRatePct)}% up (n=${base.count})`,
    );
  return {
    embeds: [
      {
        title: `Scorecard: ${horizon} ${horizon === 1 ? 'session' : 'sessions'} after each signal${scanner ? ` (${scanner})` : ''}`,
        description: linesWithin(lines),
        color: COLOURS.info,
        footer: { text: `sessions ${card.from} … ${card.to} · ${card.symbols.length} symbols · n: observations` },
      },
    ],
  };
}

/**
 * /top [n]: the shown run's signals ranked by the scorecard at the default horizon; a line of
 * why not when the scorecard is newer than the run (no look-ahead).
 */
export async function topCommand(countOption: unknown, deps: ScorecardCommandDeps): Promise<DiscordMessage> {
  const limit = countOption === undefined ? DEFAULT_TOP_COUNT : wholeOption(countOption, 'n', 1, MAX_TOP_COUNT);
  if (typeof limit === 'string') return ephemeral(limit);
  const horizon = DEFAULT_SCORE_HORIZON;
  const top = await shownTopSetups(deps, horizon, limit);
  if (top.status === 'no_complete_run') return ephemeral('No scan has completed yet. Start one with /scan-now.');
  if (top.status === 'no_scorecard') return ephemeral(NO_SCORECARD);
  if (top.status === 'stale_run')
    return ephemeral(
      `Not ranked: the latest finished run is as of ${top.asOf}, but the scorecard has sessions through ${top.scorecardTo}, so ranking that run would count returns after its as-of. /top ranks again once a run as of ${top.scorecardTo} or later finishes (/status shows the last run).`,
    );
  const { run, setups } = top;
  const footer = `run ${run.runId} · as of ${runAsOf(run) ?? '–'} · scored at ${horizon} sessions`;
  if (setups.length === 0) return { content: `No signals in the latest run to rank (${footer}).` };
  const signalText = (s: TopSignal) =>
    `${s.scanner} ${s.signal} ${s.note ? `(${s.note}, n=${s.n})` : `${signedPct(s.excessReturnPct ?? 0)} vs all, ${Math.round(s.hitRatePct ?? 0)}% hit (n=${s.n})`}`;
  return {
    embeds: [
      {
        title: `Top setups: ${setups.length} of ${top.symbolsWithSignal} symbols with a signal`,
        description: linesWithin(
          setups.map(
            (s) =>
              `${s.rank}. **${s.symbol}** ${s.score > 0 ? '+' : s.score < 0 ? '−' : ''}${Math.abs(s.score).toFixed(2)} — ${s.signals.map(signalText).join('; ')}`,
          ),
        ),
        color: COLOURS.info,
        footer: { text: footer },
      },
    ],
  };
}
