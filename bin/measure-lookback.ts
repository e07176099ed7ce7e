// Measures how many bars the scanners need: signals from the last N bars vs the full history.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CsvMarketData } from '../functions/adapters/market-data/csv-market-data.js';
import { type Agreement, lookbackAgreement } from '../functions/core/scan/lookback-agreement.js';
import { DEFAULT_LOOKBACK_BARS, planScan } from '../functions/core/scan/scanners.js';
import { parseWatchlist } from '../functions/core/scan/symbols.js';
import { BUNDLED_DATA_DIR } from '../functions/local/cli/symbol-source.js';
import { renderTable } from '../functions/local/text-table.js';

const CANDIDATE_LOOKBACKS = [60, 80, 100, 125, DEFAULT_LOOKBACK_BARS, 200, 250];
const SESSIONS = 60;

const symbols = parseWatchlist(readFileSync(join(BUNDLED_DATA_DIR, 'watchlist.txt'), 'utf8'));
const plan = planScan();
const fetched = await new CsvMarketData(BUNDLED_DATA_DIR).fetchDailyBars({
  symbols,
  lookback: Number.MAX_SAFE_INTEGER,
});
const rows = CANDIDATE_LOOKBACKS.map((lookback) => {
  const total: Agreement = { compared: 0, agreed: 0, agreedByScanner: {} };
  for (const entry of fetched) if (entry.ok) lookbackAgreement(entry.bars, plan, lookback, SESSIONS, total);
  return { lookback, total };
});
const pct = (n: number, of: number) => `${((n / of) * 100).toFixed(2)}%`;
process.stdout.write(
  `Signal agreement with the full history, last ${SESSIONS} sessions of ${symbols.length} symbols (${rows[0].total.compared} symbol-sessions)\n\n` +
    renderTable(
      [
        {
          header: 'Lookback',
          align: 'right',
          cell: (r) => `${r.lookback}${r.lookback === DEFAULT_LOOKBACK_BARS ? ' (default)' : ''}`,
        },
        { header: 'All scanners', align: 'right', cell: (r) => pct(r.total.agreed, r.total.compared) },
        ...plan.scanners.map((s) => ({
          header: s.name,
          align: 'right' as const,
          cell: (r: (typeof rows)[number]) => pct(r.total.agreedByScanner[s.name] ?? 0, r.total.compared),
        })),
        { header: 'Disagreeing', align: 'right', cell: (r) => String(r.total.compared - r.total.agreed) },
      ],
      rows,
    ) +
    '\n',
);
