import { scorecardReading } from '../core/scorecard/reading.js';
import type { Scorecard, ScorecardRow } from '../core/scorecard/scorecard.js';
import { toCsv } from './csv.js';
import { type Column, renderTable } from './text-table.js';

/** The figures of one horizon's column group; null where there is nothing to show. */
interface HorizonCells {
  readonly n: number;
  readonly mean: number | null;
  readonly median: number | null;
  readonly hit: number | null;
  readonly excess: number | null;
}

interface Line {
  readonly scanner: string;
  readonly signal: string;
  readonly cells: HorizonCells[];
}

const CSV_COLUMNS: readonly (keyof ScorecardRow)[] = [
  'scanner',
  'signal',
  'horizon',
  'count',
  'missing',
  'meanReturnPct',
  'medianReturnPct',
  'hitRatePct',
  'excessReturnPct',
];

/** `scorecard --format csv`: a header row, then the JSON's rows (one per scanner, signal and horizon); null is an empty field. */
export function scorecardCsv(card: Pick<Scorecard, 'rows'>): string {
  return toCsv([CSV_COLUMNS, ...card.rows.map((row) => CSV_COLUMNS.map((column) => String(row[column] ?? '')))]);
}

/**
 * The human scorecard: one row per scanner × signal and the baseline last, a column group per
 * horizon (n, mean %, median %, hit %, excess %), then the reading.
 */
export function renderScorecard(card: Scorecard): string {
  const bySignal = new Map<string, Line>();
  for (const row of card.rows) {
    const key = `${row.scanner}/${row.signal}`;
    const line = bySignal.get(key) ?? { scanner: row.scanner, signal: row.signal, cells: [] };
    line.cells[card.horizons.indexOf(row.horizon)] = {
      n: row.count,
      mean: row.meanReturnPct,
      median: row.medianReturnPct,
      hit: row.hitRatePct,
      excess: row.excessReturnPct,
    };
    bySignal.set(key, line);
  }
  const lines = [...bySignal.values()];
  lines.push({
    scanner: 'all',
    signal: 'baseline',
    cells: card.baseline.map((b) => ({
      n: b.count,
      mean: b.meanReturnPct,
      median: null,
      hit: b.upRatePct,
      excess: null,
    })),
  });
  const columns: Column<Line>[] = [
    { header: 'Scanner', cell: (line) => line.scanner },
    { header: 'Signal', cell: (line) => line.signal },
    ...card.horizons.flatMap((h, k): Column<Line>[] => {
      const group = `${h} session${h === 1 ? '' : 's'}`;
      const cell = (f: (c: HorizonCells) => string) => (line: Line) => f(line.cells[k]);
      return [
        { group, header: 'n', align: 'right', cell: cell((c) => c.n.toLocaleString('en-US')) },
        { group, header: 'mean %', align: 'right', cell: cell((c) => signed(c.mean)) },
        { group, header: 'median %', align: 'right', cell: cell((c) => signed(c.median)) },
        { group, header: 'hit %', align: 'right', cell: cell((c) => (c.hit === null ? '–' : c.hit.toFixed(1))) },
        { group, header: 'excess %', align: 'right', cell: cell((c) => signed(c.excess)) },
      ];
    }),
  ];
  const symbols = `${card.symbols.length} symbol${card.symbols.length === 1 ? '' : 's'}`;
  return (
    [
      `Scorecard: ${symbols}, sessions ${card.from} … ${card.to}: returns from each session's close to the close h sessions later`,
      renderTable(columns, lines),
      "hit %: returns in the signal's direction (baseline: returns above 0); excess %: mean − the baseline's mean",
      scorecardReading(card),
    ].join('\n') + '\n'
  );
}

function signed(value: number | null): string {
  if (value === null) return '–';
  const text = value.toFixed(2);
  return Number(text) > 0 ? `+${text}` : Number(text) === 0 ? '0.00' : text;
}
