import { describe, expect, it } from 'vitest';
import type { MarketData } from '../../functions/adapters/market-data/market-data.js';
import { computeScorecard } from '../../functions/local/cli/scorecard-command.js';
import { BUNDLED_DATA_DIR } from '../../functions/local/cli/symbol-source.js';
import { bundledBars } from '../helpers/bars.js';

/** A live provider (no complete-bars-only promise) serving AAPL's bundled bars through 2024-03-08. */
async function liveProvider(): Promise<MarketData> {
  const bars = await bundledBars('AAPL', '2024-03-08', 1000);
  return {
    name: 'live',
    delayMs: 15 * 60_000,
    completeBarsOnly: false,
    fetchDailyBars: ({ symbols }) => Promise.resolve(symbols.map((symbol) => ({ symbol, ok: true, bars, issues: {} }))),
  };
}

describe('computeScorecard', () => {
  const run = async (instant: string) =>
    computeScorecard({
      provider: 'yahoo',
      dataDir: BUNDLED_DATA_DIR,
      symbols: ['AAPL'],
      horizons: [1],
      nowMs: Date.parse(instant),
      marketData: await liveProvider(),
    });

  it('leaves out a last bar whose session is still trading: no signal or return stands on it', async () => {
    const trading = await run('2024-03-08T12:00:00-05:00');
    expect(trading.to).toBe('2024-03-07');
    expect(trading.baseline[0].count).toBe(400 - 39 - 2);
  });

  it('counts it once the close and the provider’s delay have passed', async () => {
    const closed = await run('2024-03-08T16:15:00-05:00');
    expect(closed.to).toBe('2024-03-08');
    expect(closed.baseline[0].count).toBe(400 - 39 - 1);
    expect((await run('2024-03-08T16:14:59-05:00')).to).toBe('2024-03-07');
  });
});
