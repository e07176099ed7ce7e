import type { ScanOutcome, SymbolScan } from '../scan/scan-symbol.js';
import { SCANNERS, type ScannerName } from '../scan/scanners.js';

/** The market-sentiment line: how broad the trend is, and which way the signals lean. */
export interface MarketBreadth {
  /** Symbols whose close is above their 50-day SMA … */
  readonly aboveSma50: number;
  /** … out of the symbols with 50 bars or more. */
  readonly measured: number;
  readonly bullishSignals: number;
  readonly bearishSignals: number;
}

export interface RunSummary {
  readonly symbols: number;
  /** Count of each signal, per scanner (a scanner with no signals has an empty object). */
  readonly signals: Partial<Record<ScannerName, Record<string, number>>>;
  /** Symbols with at least one scanner short of bars / failed. */
  readonly symbolsInsufficient: number;
  readonly symbolsWithErrors: number;
  readonly breadth: MarketBreadth;
}

/** Accumulates symbol scans one batch at a time, so a run never holds more than its counts. */
export class RunSummaryBuilder {
  private symbols = 0;
  private symbolsInsufficient = 0;
  private symbolsWithErrors = 0;
  private aboveSma50 = 0;
  private measured = 0;
  private bullishSignals = 0;
  private bearishSignals = 0;
  private readonly signals: Partial<Record<ScannerName, Record<string, number>>> = {};

  constructor(scanners: readonly ScannerName[]) {
    for (const name of scanners) this.signals[name] = {};
  }

  add(scan: SymbolScan): this {
    this.symbols++;
    if (scan.outcomes.some((o) => o.status === 'insufficient_data')) this.symbolsInsufficient++;
    if (scan.outcomes.some((o) => o.status === 'error')) this.symbolsWithErrors++;
    if (scan.aboveSma50 !== null) {
      this.measured++;
      if (scan.aboveSma50) this.aboveSma50++;
    }
    for (const outcome of scan.outcomes) this.countSignal(outcome);
    return this;
  }

  build(): RunSummary {
    return {
      symbols: this.symbols,
      signals: this.signals,
      symbolsInsufficient: this.symbolsInsufficient,
      symbolsWithErrors: this.symbolsWithErrors,
      breadth: {
        aboveSma50: this.aboveSma50,
        measured: this.measured,
        bullishSignals: this.bullishSignals,
        bearishSignals: this.bearishSignals,
      },
    };
  }

  private countSignal({ scanner, signal }: ScanOutcome): void {
    if (signal === null) return;
    const counts = (this.signals[scanner] ??= {});
    counts[signal] = (counts[signal] ?? 0) + 1;
    const definition = SCANNERS[scanner] as { bullishSignals: readonly string[]; bearishSignals: readonly string[] };
    if (definition.bullishSignals.includes(signal)) this.bullishSignals++;
    if (definition.bearishSignals.includes(signal)) this.bearishSignals++;
  }
}

export function formatBreadth(b: MarketBreadth): string {
  const pct = b.measured > 0 ? ((b.aboveSma50 / b.measured) * 100).toFixed(0) : '–';
  const lean =
    b.bullishSignals > b.bearishSignals ? 'bullish' : b.bullishSignals < b.bearishSignals ? 'bearish' : 'neutral';
  return `Market breadth: ${b.aboveSma50}/${b.measured} above their 50-day SMA (${pct}%), signals ${b.bullishSignals} bullish vs ${b.bearishSignals} bearish (${lean})`;
}
