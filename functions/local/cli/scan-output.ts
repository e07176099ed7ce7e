// What `scanfleet scan` prints on stdout, in the format asked for: the tables, one JSON
// document, or CSV. --signal narrows the results shown; the summary stays the run's.
import type { ScannerName } from '../../core/scan/scanners.js';
import type { ScanOutcome } from '../../core/scan/scan-symbol.js';
import { toCsv } from '../csv.js';
import { renderScanReport, type ReportStyle, type RunFigures, type ScanReport, shownOutcomes } from '../scan-report.js';
import { renderTopSetups, type TopSetupsView } from '../top-setups-report.js';
import { jsonDocument, type OutputFormat } from './output-format.js';

export interface ScanOutput {
  readonly report: ScanReport;
  readonly scanners: readonly ScannerName[];
  readonly top?: TopSetupsView;
}

/** The CSV's first columns; the results' value keys follow, sorted. */
const CSV_COLUMNS = ['symbol', 'scanner', 'status', 'signal', 'barDate', 'partial', 'reason'] as const;

export function renderScanOutput(
  format: OutputFormat,
  { report, scanners, top }: ScanOutput,
  figures: RunFigures,
  style: ReportStyle,
): string {
  switch (format) {
    case 'json': {
      const document = {
        runId: report.runId,
        asOf: report.asOf,
        symbols: report.symbols,
        scanners,
        results: shownOutcomes(report),
        summary: report.summary,
        dataIssues: report.dataIssues,
        ...(top && { top: top.setups }),
      };
      return jsonDocument(document);
    }
    case 'csv':
      return scanCsv(shownOutcomes(report));
    case 'table':
      return `${renderScanReport(report, figures, style)}${top ? `\n${renderTopSetups(top)}` : ''}`;
  }
}

/** A header row, then one row per result; an absent or null value is an empty field. */
function scanCsv(results: readonly ScanOutcome[]): string {
  const valueKeys = [...new Set(results.flatMap((r) => Object.keys(r.values ?? {})))].sort();
  const field = (value: unknown) => (value === null || value === undefined ? '' : String(value));
  return toCsv([
    [...CSV_COLUMNS, ...valueKeys],
    ...results.map((r) => [
      ...CSV_COLUMNS.map((column) => field(r[column])),
      ...valueKeys.map((key) => field(r.values?.[key])),
    ]),
  ]);
}
