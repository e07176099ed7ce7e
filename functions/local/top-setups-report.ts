import type { TopSetup, TopSignal } from '../core/scorecard/top-setups.js';
import { type Column, renderTable } from './text-table.js';

/** What the Top setups section shows, besides the setups. */
export interface TopSetupsView {
  readonly setups: readonly TopSetup[];
  /** The N of --top N. */
  readonly limit: number;
  readonly horizon: number;
  /** The scan's as-of: no return after it is in the scorecard. */
  readonly asOf: string;
  /** The --where text, if any. */
  readonly where?: string;
}

/** A line per signal; the first of each setup carries its rank, symbol and score. */
interface Line {
  readonly setup?: TopSetup;
  readonly signal: TopSignal;
}

const COLUMNS: Column<Line>[] = [
  { header: 'Rank', align: 'right', cell: (line) => (line.setup ? String(line.setup.rank) : '') },
  { header: 'Symbol', cell: (line) => line.setup?.symbol ?? '' },
  { header: 'Score', align: 'right', cell: (line) => (line.setup ? signed(line.setup.score, 4) : '') },
  { header: 'Scanner', cell: (line) => line.signal.scanner },
  { header: 'Signal', cell: (line) => line.signal.signal },
  { header: 'n', align: 'right', cell: (line) => line.signal.n.toLocaleString('en-US') },
  { header: 'excess %', align: 'right', cell: (line) => signed(line.signal.excessReturnPct, 2) },
  {
    header: 'hit %',
    align: 'right',
    cell: (line) => (line.signal.hitRatePct === null ? '–' : line.signal.hitRatePct.toFixed(1)),
  },
  { header: 'adds', align: 'right', cell: (line) => signed(line.signal.contribution, 4) },
  { header: 'Note', cell: (line) => line.signal.note ?? '' },
];

/**
 * The Top setups section of the scan report: a title naming the horizon, the as-of and the filter,
 * a row per signal behind each setup (its edge at the horizon, n and what it adds), the score's key.
 */
export function renderTopSetups(view: TopSetupsView): string {
  const where = view.where === undefined ? '' : `, where ${view.where}`;
  const found = view.setups.length < view.limit ? ` (${view.setups.length} found)` : '';
  const title =
    `Top ${view.limit} setups at ${view.horizon} session${view.horizon === 1 ? '' : 's'}${where}, ` +
    `scored on the scorecard of returns ending on or before ${view.asOf}${found}`;
  if (view.setups.length === 0)
    return `${title}\n(no symbol has ${view.where === undefined ? 'a signal' : 'them all'})\n`;
  const lines = view.setups.flatMap((setup) =>
    setup.signals.map((signal, i) => ({ setup: i === 0 ? setup : undefined, signal })),
  );
  return (
    [
      title,
      renderTable(COLUMNS, lines),
      "score: the signals' n/(n+30) × edge × hit/baseline, agreeing ones × (k+1)/2; + bullish, − bearish (docs/scorecard.md)",
    ].join('\n') + '\n'
  );
}

function signed(value: number | null, digits: number): string {
  if (value === null) return '–';
  const text = value.toFixed(digits);
  return Number(text) > 0 ? `+${text}` : Number(text) === 0 ? (0).toFixed(digits) : text;
}
