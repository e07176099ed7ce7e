export const PROVIDERS = ['csv', 'schwab', 'alpaca', 'yahoo'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

export function isProviderName(name: string): name is ProviderName {
  return (PROVIDERS as readonly string[]).includes(name);
}

/** How far Yahoo's and Schwab's data is taken to lag the market unless PROVIDER_DELAY_MINUTES says. */
export const DEFAULT_PROVIDER_DELAY_MS = 10 * 60_000;

/**
 * How old SIP data is asked for: the free plan serves SIP data only once it is 15 minutes old,
 * so the window ends 16 minutes back (a minute's margin for clock skew).
 */
export const ALPACA_SIP_DELAY_MS = 16 * 60_000;

/** How far a provider's data lags the market: a session's bar is final this long after the close. */
export function providerDelayMs(provider: ProviderName, alpacaFeed: 'sip' | 'iex', delayMinutes?: number): number {
  switch (provider) {
    case 'csv':
      return 0;
    case 'alpaca':
      return alpacaFeed === 'iex' ? 0 : ALPACA_SIP_DELAY_MS;
    case 'schwab':
    case 'yahoo':
      return delayMinutes === undefined ? DEFAULT_PROVIDER_DELAY_MS : delayMinutes * 60_000;
  }
}

/** Requests a minute a per-symbol provider makes from one container unless configured (Schwab 50, Yahoo 100). */
export const DEFAULT_REQUESTS_PER_MINUTE = { schwab: 50, yahoo: 100 } as const;

/**
 * How long one batch of `batchSize` symbols takes at most with this provider, to derive a run's
 * deadline from: the per-symbol providers at their pacing (one request a symbol), Alpaca one
 * paged request a batch, the bundled files at once; plus 10 s of start-up, scanning and writes.
 */
export function batchTimeMs(provider: ProviderName, batchSize: number, requestsPerMinute?: number): number {
  const overhead = 10_000;
  switch (provider) {
    case 'schwab':
    case 'yahoo': {
      const rate = requestsPerMinute ?? DEFAULT_REQUESTS_PER_MINUTE[provider];
      return overhead + (Number.isFinite(rate) ? (batchSize * 60_000) / rate : 0);
    }
    case 'alpaca':
      return overhead + 5_000;
    case 'csv':
      return overhead;
  }
}
