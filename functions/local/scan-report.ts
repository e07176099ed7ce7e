import { ROW_ISSUES } from '../core/scan/bars.js';
import { formatBreadth } from '../core/run/run-summary.js';
import type { RowIssueCounts } from '../core/scan/bars.js';
import type { RunSummary } from '../core/run/run-summary.js';
import type { ScanOutcome } from '../core/scan/scan-symbol.js';
import { SCANNERS, type ScannerName } from '../core/scan/scanners.js';
import { type Column, renderTable } from './text-table.js';

/** What a scan report shows: a finished run's outcomes and totals. */
export interface ScanReport {
  readonly runId: string;
  /** The requested as-of date, or the newest bar date seen. */
  readonly asOf: string | null;
  readonly symbols: readonly string[];
  readonly outcomes: readonly ScanOutcome[];
  readonly summary: RunSummary;
  /** Raw rows dropped or reordered by the row rules, summed over all symbols. */
  readonly dataIssues: RowIssueCounts;
  /** --signal: only these signals' rows are shown; the summary and the problems stay the run's. */
  readonly shownSignals?: readonly string[];
}

/** The outcomes a report shows: all of them, or with --signal those with one of its signals. */
export function shownOutcomes(report: ScanReport): readonly ScanOutcome[] {
  const shown = report.shownSignals;
  return shown ? report.outcomes.filter((o) => o.signal !== null && shown.includes(o.signal)) : report.outcomes;
}

export interface ReportStyle {
  readonly color: boolean;
}

export interface RunFigures {
  readonly wallMs: number;
  readonly peakRssBytes: number;
}

type Row = ScanOutcome & { values: Record<string, unknown> };

const num =
  (key: string, digits = 2) =>
  (row: Row) =>
    formatNumber(row.values[key], digits);
const text = (key: string) => (row: Row) => String(row.values[key] ?? '–');

/** The columns a trader reads for each scanner, after symbol, signal, price and change %. */
const SCANNER_COLUMNS: Record<ScannerName, Column<Row>[]> = {
  macd: [
    { header: 'MACD', align: 'right', cell: num('macd', 3) },
    { header: 'Signal line', align: 'right', cell: num('signalLine', 3) },
    { header: 'Histogram', align: 'right', cell: num('histogram', 3) },
    { header: 'Trend', cell: text('trend') },
  ],
  'ttm-squeeze': [
    { header: 'Momentum', align: 'right', cell: num('momentum', 3) },
    { header: 'Direction', cell: text('momentumDirection') },
    {
      header: 'Duration',
      align: 'right',
      cell: (row) => (row.values.duration === 1 ? '1 bar' : `${String(row.values.duration)} bars`),
    },
  ],
  vpb: [
    { header: 'Vol surge %', align: 'right', cell: num('volumeSurgePct', 0) },
    { header: 'Pattern', cell: text('pattern') },
    { header: 'Prior high', align: 'right', cell: num('priorHigh') },
    { header: 'Prior low', align: 'right', cell: num('priorLow') },
  ],
};

/** The human report: a table per scanner of the symbols with a signal, then the problems and the summary. */
export function renderScanReport(report: ScanReport, figures: RunFigures, style: ReportStyle): string {
  const paint = painter(style.color);
  const sections: string[] = [];
  const scanners = Object.keys(report.summary.signals) as ScannerName[];
  const shown = shownOutcomes(report);
  // With --signal, only the scanners that give one of its signals have a table.
  const tabled = scanners.filter((name) =>
    (SCANNERS[name].signals as readonly string[]).some((signal) => report.shownSignals?.includes(signal) ?? true),
  );
  for (const name of tabled) {
    const scanner = SCANNERS[name];
    const rows = shown
      .filter((o): o is Row => o.scanner === name && o.signal !== null)
      .sort(
        (a, b) =>
          (scanner.signals as readonly string[]).indexOf(a.signal as string) -
            (scanner.signals as readonly string[]).indexOf(b.signal as string) || a.symbol.localeCompare(b.symbol),
      );
    const tone = (signal: string | null) =>
      (scanner.bullishSignals as readonly string[]).includes(signal ?? '')
        ? 'green'
        : (scanner.bearishSignals as readonly string[]).includes(signal ?? '')
          ? 'red'
          : 'yellow';
    const columns: Column<Row>[] = [
      { header: 'Symbol', cell: (row) => row.symbol },
      {
        header: 'Signal',
        cell: (row) => `${row.signal ?? ''}${row.partial ? ' (forming)' : ''}`,
        style: (t, row) => paint(tone(row.signal), t),
      },
      { header: 'Price', align: 'right', cell: num('price') },
      { header: 'Chg %', align: 'right', cell: (row) => formatSigned(row.values.changePct) },
      ...SCANNER_COLUMNS[name],
    ];
    const title = paint(
      'bold',
      `${name} — ${scanner.description}: ${rows.length} signal${rows.length === 1 ? '' : 's'}`,
    );
    sections.push(rows.length > 0 ? `${title}\n${renderTable(columns, rows)}` : `${title}\n(no signals)`);
  }

  const problems = renderProblems(report.outcomes);
  if (problems) sections.push(problems);

  const { summary } = report;
  const perScanner = scanners
    .map((name) => {
      const counts = summary.signals[name] ?? {};
      const total = Object.values(counts).reduce((a, b) => a + b, 0);
      const detail = Object.entries(counts).map(([signal, n]) => `${n} ${signal}`);
      return `${name} ${total}${detail.length > 0 ? ` (${detail.join(', ')})` : ''}`;
    })
    .join(', ');
  const forming = new Set(report.outcomes.filter((o) => o.partial).map((o) => o.symbol)).size;
  const dropped = ROW_ISSUES.filter((issue) => report.dataIssues[issue]).map(
    (issue) => `${report.dataIssues[issue]} ${issue}`,
  );
  sections.push(
    [
      formatBreadth(summary.breadth),
      `Data rows set aside by the row rules: ${dropped.length > 0 ? dropped.join(', ') : 'none'}`,
      paint(
        'bold',
        `Run ${report.runId}: ${scanned(summary.symbols, report.symbols.length, report.asOf)}` +
          `${forming > 0 ? ` (${forming} on a bar still trading: forming, may change by the close)` : ''} · signals: ${perScanner} · ` +
          `${summary.symbolsWithErrors} with errors, ${summary.symbolsInsufficient} with insufficient data · ` +
          `${(figures.wallMs / 1000).toFixed(2)} s · peak RSS ${(figures.peakRssBytes / 1_048_576).toFixed(0)} MB`,
      ),
    ].join('\n'),
  );
  return `${sections.join('\n\n')}\n`;
}

/** `scanned 150 symbols as of 2024-03-08`, or what is missing: `scanned 0 of 12 symbols (12 in batches that failed every delivery)`. */
function scanned(done: number, total: number, asOf: string | null): string {
  const when = asOf ? ` as of ${asOf}` : '';
  if (done >= total) return `scanned ${done} ${done === 1 ? 'symbol' : 'symbols'}${when}`;
  return `scanned ${done} of ${total} symbols${when} (${total - done} in batches that failed every delivery)`;
}

/** One line per symbol that lacks a result, grouped so a short history reads as one line. */
function renderProblems(outcomes: readonly ScanOutcome[]): string {
  const bySymbol = new Map<string, string[]>();
  for (const o of outcomes) {
    if (o.status === 'ok') continue;
    const label = o.status === 'insufficient_data' ? 'insufficient data' : 'error';
    const list = bySymbol.get(o.symbol) ?? [];
    list.push(`${label} — ${o.reason ?? 'no reason given'}`);
    bySymbol.set(o.symbol, list);
  }
  if (bySymbol.size === 0) return '';
  const lines = [...bySymbol].map(([symbol, reasons]) => `  ${symbol}: ${[...new Set(reasons)].join('; ')}`);
  return `Symbols without a full result (${bySymbol.size}):\n${lines.join('\n')}`;
}

function formatNumber(value: unknown, digits: number): string {
  return typeof value === 'number'
    ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : '–';
}

function formatSigned(value: unknown): string {
  return typeof value === 'number' ? `${value > 0 ? '+' : ''}${value.toFixed(2)}` : '–';
}

const ANSI = { bold: [1, 22], green: [32, 39], red: [31, 39], yellow: [33, 39] } as const;

function painter(enabled: boolean) {
  return (tone: keyof typeof ANSI, text: string) =>
    enabled ? `\u001b[${ANSI[tone][0]}m${text}\u001b[${ANSI[tone][1]}m` : text;
}
