import { ENV } from '../env.js';
import { AlpacaMarketData } from './alpaca-market-data.js';
import { alpacaCredentials, schwabCredentials } from './credentials.js';
import { CsvMarketData } from './csv-market-data.js';
import { DEFAULT_RETRY, HttpJsonClient } from './http-client.js';
import type { MarketData } from './market-data.js';
import { SchwabMarketData } from './schwab-market-data.js';
import { YahooMarketData } from './yahoo-market-data.js';

export const PROVIDERS = ['csv', 'schwab', 'alpaca', 'yahoo'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

export function isProviderName(name: string): name is ProviderName {
  return (PROVIDERS as readonly string[]).includes(name);
}

/** The configured provider, from the environment the stack (or the local runtime) sets. */
export function createMarketData(env: Record<string, string | undefined>): MarketData {
  const provider = env[ENV.provider] ?? 'csv';
  const concurrency = env[ENV.providerConcurrency] ? Number(env[ENV.providerConcurrency]) : undefined;
  const requestsPerMinute = env[ENV.providerRequestsPerMinute] ? Number(env[ENV.providerRequestsPerMinute]) : undefined;
  const timeoutMs = env[ENV.providerTimeoutMs] ? Number(env[ENV.providerTimeoutMs]) : DEFAULT_RETRY.timeoutMs;
  if (!(timeoutMs > 0)) throw new Error(`${ENV.providerTimeoutMs} must be a positive number of milliseconds, got "${env[ENV.providerTimeoutMs]}"`);
  const http = new HttpJsonClient(provider, { ...DEFAULT_RETRY, timeoutMs });
  switch (provider) {
    case 'csv': {
      const dataDir = env[ENV.dataDir];
      if (!dataDir) throw new Error(`the csv provider needs a data directory (${ENV.dataDir})`);
      return new CsvMarketData(dataDir);
    }
    case 'schwab': {
      const credentials = schwabCredentials(env);
      return new SchwabMarketData({ credentials: credentials.load, credentialsSource: credentials.description, baseUrl: env[ENV.schwabBaseUrl], concurrency, requestsPerMinute, http });
    }
    case 'alpaca':
      return new AlpacaMarketData({ credentials: alpacaCredentials(env).load, baseUrl: env[ENV.alpacaDataUrl], feed: env[ENV.alpacaFeed], http });
    case 'yahoo':
      return new YahooMarketData({ baseUrl: env[ENV.yahooBaseUrl], concurrency, requestsPerMinute, http });
    default:
      throw new Error(`unknown market-data provider "${provider}"; available: ${PROVIDERS.join(', ')}`);
  }
}
