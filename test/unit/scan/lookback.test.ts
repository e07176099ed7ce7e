import { describe, expect, it } from 'vitest';
import { type Agreement, lookbackAgreement } from '../../../functions/core/scan/lookback-agreement.js';
import { DEFAULT_LOOKBACK_BARS, planScan } from '../../../functions/core/scan/scanners.js';
import { CsvMarketData } from '../../../functions/adapters/market-data/csv-market-data.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseWatchlist } from '../../../functions/core/scan/symbols.js';
import { BUNDLED_DATA_DIR } from '../../../functions/local/cli/symbol-source.js';

async function agreementAt(lookback: number): Promise<Agreement> {
  const symbols = parseWatchlist(readFileSync(join(BUNDLED_DATA_DIR, 'watchlist.txt'), 'utf8'));
  const fetched = await new CsvMarketData(BUNDLED_DATA_DIR).fetchDailyBars({
    symbols,
    lookback: Number.MAX_SAFE_INTEGER,
  });
  const total: Agreement = { compared: 0, agreed: 0, agreedByScanner: {} };
  for (const entry of fetched) if (entry.ok) lookbackAgreement(entry.bars, planScan(), lookback, 60, total);
  return total;
}

describe('default lookback', () => {
  it('agrees with the full history on at least 99.5% of symbol-sessions over the last 60 sessions', async () => {
    const result = await agreementAt(DEFAULT_LOOKBACK_BARS);
    expect(result.compared).toBe(150 * 60);
    expect(result.agreed / result.compared).toBeGreaterThanOrEqual(0.995);
  });

  it('is a measurement that can fail: 40 bars fall short', async () => {
    const result = await agreementAt(40);
    expect(result.agreed / result.compared).toBeLessThan(0.995);
    // The squeeze and the breakout need no warm-up; only MACD disagrees.
    expect(result.agreedByScanner.vpb).toBe(result.compared);
    expect(result.agreedByScanner.macd).toBeLessThan(result.compared);
  });
});
