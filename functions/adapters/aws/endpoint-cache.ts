/** A discovered endpoint, as DescribeEndpoints answers it. */
export interface DiscoveredEndpoint {
  readonly Address: string;
  readonly CachePeriodInMinutes: number;
}

interface CachedEndpoint {
  readonly Address: string;
  readonly Expires: number;
}

/**
 * What the bundled functions use in place of `@aws-sdk/endpoint-cache` (lib/bundling.ts aliases
 * it here): the DynamoDB client builds its endpoint-discovery cache even with discovery off, as it
 * is for every scanfleet client, and the SDK's cache is an LRU from mnemonist (~6 KB a bundle).
 * The same interface and expiry on a Map, the oldest key dropped first when full.
 */
export class EndpointCache {
  private readonly cache = new Map<string, CachedEndpoint[]>();

  constructor(private readonly capacity: number) {}

  /** One of the key's live endpoints, at random; undefined when none. */
  getEndpoint(key: string): string | undefined {
    const endpoints = this.get(key);
    return endpoints?.[Math.floor(Math.random() * endpoints.length)].Address;
  }

  /** The key's endpoints not expired yet; undefined (and the key emptied) when none is left. */
  get(key: string): CachedEndpoint[] | undefined {
    const value = this.cache.get(key);
    if (!value || value.length === 0) return undefined;
    const now = Date.now();
    const live = value.filter((endpoint) => now < endpoint.Expires);
    if (live.length === 0) {
      this.delete(key);
      return undefined;
    }
    return live;
  }

  set(key: string, endpoints: readonly DiscoveredEndpoint[]): void {
    const now = Date.now();
    this.cache.delete(key);
    this.cache.set(
      key,
      endpoints.map(({ Address, CachePeriodInMinutes }) => ({ Address, Expires: now + CachePeriodInMinutes * 60_000 })),
    );
    if (this.cache.size > this.capacity) this.cache.delete(this.cache.keys().next().value as string);
  }

  delete(key: string): void {
    this.cache.set(key, []);
  }

  has(key: string): boolean {
    return (this.cache.get(key)?.length ?? 0) > 0;
  }

  clear(): void {
    this.cache.clear();
  }
}
