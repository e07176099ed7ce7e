import { addIssueCounts, type RowIssueCounts } from '../core/bars.js';
import { DEFAULT_BATCH_SIZE, splitIntoBatches } from '../core/batching.js';
import { RunSummaryBuilder, type RunSummary } from '../core/run-summary.js';
import { failedSymbol, type ScanOutcome, scanSymbol, type SymbolScan } from '../core/scan-symbol.js';
import type { ScanPlan } from '../core/scanners.js';
import { type EpochDay, isoDay } from '../core/trading-day.js';
import type { MarketData } from '../adapters/market-data/market-data.js';

export interface LocalScanOptions {
  readonly marketData: MarketData;
  readonly symbols: readonly string[];
  readonly plan: ScanPlan;
  readonly asOf?: EpochDay;
  readonly batchSize?: number;
  readonly onProgress?: (symbolsDone: number, symbolsTotal: number) => void;
}

export interface LocalScanReport {
  /** The requested as-of date, or the newest bar date seen. */
  readonly asOf: string | null;
  readonly symbols: readonly string[];
  readonly outcomes: readonly ScanOutcome[];
  readonly summary: RunSummary;
  /** Raw rows dropped or reordered by the row rules, summed over all symbols. */
  readonly dataIssues: RowIssueCounts;
}

/** Scans the symbols batch by batch; every symbol ends with one outcome per scanner. */
export async function runLocalScan(options: LocalScanOptions): Promise<LocalScanReport> {
  const { marketData, symbols, plan, asOf } = options;
  const summary = new RunSummaryBuilder(plan.scanners.map((s) => s.name));
  const outcomes: ScanOutcome[] = [];
  const dataIssues: RowIssueCounts = {};
  let newestBar: string | null = null;
  let done = 0;
  for (const batch of splitIntoBatches(symbols, options.batchSize ?? DEFAULT_BATCH_SIZE)) {
    for (const scan of await scanBatch(marketData, batch, plan, asOf, dataIssues)) {
      summary.add(scan);
      for (const outcome of scan.outcomes) {
        outcomes.push(outcome);
        if (outcome.barDate && (newestBar === null || outcome.barDate > newestBar)) newestBar = outcome.barDate;
      }
    }
    done += batch.length;
    options.onProgress?.(done, symbols.length);
  }
  return {
    asOf: asOf === undefined ? newestBar : isoDay(asOf),
    symbols,
    outcomes,
    summary: summary.build(),
    dataIssues,
  };
}

async function scanBatch(marketData: MarketData, batch: readonly string[], plan: ScanPlan, asOf: EpochDay | undefined, dataIssues: RowIssueCounts): Promise<SymbolScan[]> {
  let fetched;
  try {
    fetched = await marketData.fetchDailyBars({ symbols: batch, asOf, lookback: plan.lookback });
  } catch (error) {
    const reason = `${marketData.name} provider failed for the whole batch: ${(error as Error).message}`;
    return batch.map((symbol) => failedSymbol(symbol, plan, reason));
  }
  return fetched.map((entry) => {
    if (!entry.ok) return failedSymbol(entry.symbol, plan, entry.reason);
    addIssueCounts(dataIssues, entry.issues);
    return scanSymbol(entry.bars, plan, asOf);
  });
}
