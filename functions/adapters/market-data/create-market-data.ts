import { CsvMarketData } from './csv-market-data.js';
import type { MarketData } from './market-data.js';

export const PROVIDERS = ['csv'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

/** The configured provider; live providers (Schwab, Alpaca, Yahoo) join this list later. */
export function createMarketData(provider: string, options: { dataDir?: string }): MarketData {
  switch (provider) {
    case 'csv':
      if (!options.dataDir) throw new Error('the csv provider needs a data directory (DATA_DIR)');
      return new CsvMarketData(options.dataDir);
    default:
      throw new Error(`unknown market-data provider "${provider}"; available: ${PROVIDERS.join(', ')}`);
  }
}
