import { ENV } from '../env.js';
import { AlpacaMarketData } from './alpaca-market-data.js';
import { alpacaCredentials, schwabCredentials } from '../secrets.js';
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
  if (!(timeoutMs > 0))
    throw new Error(
      `${ENV.providerTimeoutMs} must be a positive number of milliseconds, got "${env[ENV.providerTimeoutMs]}"`,
    );
  const delayMs = providerDelayMs(env);
  const http = new HttpJsonClient(provider, { ...DEFAULT_RETRY, timeoutMs });
  switch (provider) {
    case 'csv': {
      const dataDir = env[ENV.dataDir];
      if (!dataDir) throw new Error(`the csv provider needs a data directory (${ENV.dataDir})`);
      return new CsvMarketData(dataDir);
    }
    case 'schwab': {
      const credentials = schwabCredentials(env);
      return new SchwabMarketData({
        credentials: credentials.load,
        reloadCredentials: credentials.reload,
        credentialsSource: credentials.description,
        baseUrl: env[ENV.schwabBaseUrl],
        concurrency,
        requestsPerMinute,
        http,
        delayMs,
      });
    }
    case 'alpaca':
      // SIP (every exchange, 15 minutes old on the free plan) unless IEX is asked for.
      return new AlpacaMarketData({
        credentials: alpacaCredentials(env).load,
        baseUrl: env[ENV.alpacaDataUrl],
        feed: env[ENV.alpacaFeed] || 'sip',
        http,
      });
    case 'yahoo':
      return new YahooMarketData({
        baseUrl: env[ENV.yahooBaseUrl],
        cookieUrl: env[ENV.yahooCookieUrl] || undefined,
        concurrency,
        requestsPerMinute,
        http,
        delayMs,
      });
    default:
      throw new Error(`unknown market-data provider "${provider}"; available: ${PROVIDERS.join(', ')}`);
  }
}

/** PROVIDER_DELAY_MINUTES in ms (undefined when unset: the provider's default, 10 minutes). */
function providerDelayMs(env: Record<string, string | undefined>): number | undefined {
  const raw = env[ENV.providerDelayMinutes];
  if (raw === undefined || raw.trim() === '') return undefined;
  const minutes = Number(raw);
  if (!Number.isFinite(minutes) || minutes < 0)
    throw new Error(
      `${ENV.providerDelayMinutes} must be a non-negative number of minutes (how far the provider's data lags the market), got "${raw}"`,
    );
  return minutes * 60_000;
}
