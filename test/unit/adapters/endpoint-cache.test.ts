import { afterEach, describe, expect, it, vi } from 'vitest';
import { EndpointCache } from '../../../functions/adapters/aws/endpoint-cache.js';

describe('the bundles’ endpoint cache (in place of @aws-sdk/endpoint-cache)', () => {
  afterEach(() => vi.useRealTimers());

  it('keeps a key’s endpoints until they expire', () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 10, 30, 12) });
    const cache = new EndpointCache(10);
    expect([cache.has('k'), cache.getEndpoint('k')]).toEqual([false, undefined]);
    cache.set('k', [{ Address: 'a.example', CachePeriodInMinutes: 1 }]);
    expect([cache.has('k'), cache.getEndpoint('k')]).toEqual([true, 'a.example']);
    vi.setSystemTime(Date.UTC(2026, 10, 30, 12, 1));
    expect([cache.get('k'), cache.has('k')]).toEqual([undefined, false]);
  });

  it('drops the oldest key when full, and empties a key on delete', () => {
    const cache = new EndpointCache(2);
    for (const key of ['a', 'b', 'c']) cache.set(key, [{ Address: `${key}.example`, CachePeriodInMinutes: 5 }]);
    expect(['a', 'b', 'c'].map((key) => cache.has(key))).toEqual([false, true, true]);
    cache.delete('b');
    expect([cache.has('b'), cache.getEndpoint('c')]).toEqual([false, 'c.example']);
    cache.clear();
    expect(cache.has('c')).toBe(false);
  });
});
