import { checkBundledProvider } from '../bundled.js';
import { ENV, type Settings } from '../settings.js';
import { AlpacaMarketData } from './alpaca-market-data.js';
import { alpacaCredentials, schwabCredentials } from '../secrets.js';
import { CsvMarketData } from './csv-market-data.js';
import { DEFAULT_RETRY, HttpJsonClient } from './http-client.js';
import type { MarketData } from './market-data.js';
import type { ProviderName } from './providers.js';
import { SchwabMarketData } from './schwab-market-data.js';
import { YahooMarketData } from './yahoo-market-data.js';

/**
 * The configured provider, from the settings the stack (or the local runtime) gives the handler.
 * A bundle carries the provider it was built for alone (functions/adapters/bundled.ts): the switch
 * is on that constant, so the minifier keeps its one case and the other providers are left out.
 */
export function createMarketData(settings: Settings): MarketData {
  const { provider, providerConcurrency: concurrency, providerRequestsPerMinute: requestsPerMinute } = settings;
  checkBundledProvider(provider, process.env.SCANFLEET_BUNDLED_PROVIDER);
  const delayMs = settings.providerDelayMinutes === undefined ? undefined : settings.providerDelayMinutes * 60_000;
  // Each network provider's case makes its client: a local left unused is not dropped, its class would stay.
  const retry = { ...DEFAULT_RETRY, timeoutMs: settings.providerTimeoutMs };
  switch ((process.env.SCANFLEET_BUNDLED_PROVIDER as ProviderName | undefined) ?? provider) {
    case 'csv': {
      if (!settings.dataDir) throw new Error(`the csv provider needs a data directory (${ENV.dataDir})`);
      return new CsvMarketData(settings.dataDir);
    }
    case 'schwab': {
      const credentials = schwabCredentials(settings);
      return new SchwabMarketData({
        credentials: credentials.load,
        reloadCredentials: credentials.reload,
        credentialsSource: credentials.description,
        baseUrl: settings.schwabBaseUrl,
        concurrency,
        requestsPerMinute,
        http: new HttpJsonClient(provider, retry),
        delayMs,
      });
    }
    case 'alpaca':
      // SIP (every exchange, 15 minutes old on the free plan) unless IEX is asked for.
      return new AlpacaMarketData({
        credentials: alpacaCredentials(settings).load,
        baseUrl: settings.alpacaDataUrl,
        feed: settings.alpacaFeed,
        http: new HttpJsonClient(provider, retry),
      });
    case 'yahoo':
      return new YahooMarketData({
        baseUrl: settings.yahooBaseUrl,
        cookieUrl: settings.yahooCookieUrl,
        concurrency,
        requestsPerMinute,
        http: new HttpJsonClient(provider, retry),
        delayMs,
      });
  }
}
