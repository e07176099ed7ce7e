import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CsvMarketData } from '../../../functions/adapters/market-data/csv-market-data.js';
import { type Bars, sliceBars } from '../../../functions/core/scan/bars.js';
import { scanSymbol } from '../../../functions/core/scan/scan-symbol.js';
import { DEFAULT_LOOKBACK_BARS, planScan } from '../../../functions/core/scan/scanners.js';
import { parseWatchlist } from '../../../functions/core/scan/symbols.js';
import { BUNDLED_DATA_DIR } from '../../../functions/local/cli/symbol-source.js';

async function bundledHistories(): Promise<Bars[]> {
  const symbols = parseWatchlist(readFileSync(join(BUNDLED_DATA_DIR, 'watchlist.txt'), 'utf8'));
  const fetched = await new CsvMarketData(BUNDLED_DATA_DIR).fetchDailyBars({
    symbols,
    lookback: Number.MAX_SAFE_INTEGER,
  });
  return fetched.flatMap((entry) => (entry.ok ? [entry.bars] : []));
}

describe('Scanner.signalSeries: every bar’s signal in one pass', () => {
  it('equals scan --as-of t (the last 150 bars through t) on a sample of the bundled symbol-sessions', async () => {
    const plan = planScan();
    const histories = await bundledHistories();
    expect(histories).toHaveLength(150);
    let compared = 0;
    const differences: string[] = [];
    // Every 3rd symbol (50) and the two short histories (ARM, KVUE), every 2nd session from the second bar on.
    const sample = histories.filter((b, i) => i % 3 === 0 || b.symbol === 'ARM' || b.symbol === 'KVUE');
    expect(sample).toHaveLength(52);
    for (const bars of sample) {
      const series = plan.scanners.map(({ scanner, params }) => scanner.signalSeries(bars, params));
      for (let t = 1; t < bars.length; t += 2) {
        const window = sliceBars(bars, Math.max(0, t + 1 - DEFAULT_LOOKBACK_BARS), t + 1);
        scanSymbol(window, plan).outcomes.forEach((outcome, k) => {
          compared++;
          if (outcome.signal !== series[k][t])
            differences.push(`${bars.symbol} bar ${t} ${outcome.scanner}: ${outcome.signal} vs ${series[k][t]}`);
        });
      }
    }
    expect(compared).toBe(3 * (50 * 200 + 61 + 106));
    expect(differences).toEqual([]);
  });

  it('equals a scan of the whole history through t on every session of a symbol, the MACD’s warm-up included', async () => {
    const plan = planScan();
    const bars = (await bundledHistories()).find((b) => b.symbol === 'AAPL') as Bars;
    const series = plan.scanners.map(({ scanner, params }) => scanner.signalSeries(bars, params));
    const signals = series.map((s) => s.filter((signal) => signal !== null).length);
    // A real history: every scanner fires somewhere, and is silent where it lacks bars.
    expect(signals.every((n) => n > 0)).toBe(true);
    plan.scanners.forEach(({ minBars }, k) =>
      expect(series[k].slice(0, minBars - 1).every((s) => s === null)).toBe(true),
    );
    for (let t = 0; t < bars.length; t++) {
      const outcomes = scanSymbol(sliceBars(bars, 0, t + 1), plan).outcomes;
      expect(
        outcomes.map((o) => o.signal),
        `bar ${t}`,
      ).toEqual(series.map((s) => s[t]));
    }
  });
});
