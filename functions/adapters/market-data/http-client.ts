import { ProviderError } from '../../core/errors.js';
import { headerValue, send, TransportError, type TransportResponse } from '../http-transport.js';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  /** Per-request timeout. */
  readonly timeoutMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 250, maxDelayMs: 8_000, timeoutMs: 10_000 };

/**
 * A provider is taken to be down once this many requests in a row (no answer between them) have
 * failed every retry on 5xx, 429, timeouts or dropped connections: for the next minute its
 * requests fail at once instead of each retrying; then one is tried again.
 */
export const PROVIDER_DOWN = { afterFailures: 3, forMs: 60_000 };

export interface HttpRequest {
  readonly url: string;
  readonly method?: 'GET' | 'POST';
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** How the request is named in errors: never the URL with its query, which may carry keys. */
  readonly label: string;
  /**
   * Answers that are final as they stand: thrown at once as an HttpStatusError, never retried
   * (e.g. a 429 whose body says the session is refused, which backing off cannot cure).
   */
  readonly isFinal?: (status: number, body: string) => boolean;
}

/** A response outside 2xx that retries did not cure (or that is not worth retrying). */
export class HttpStatusError extends ProviderError {
  constructor(
    provider: string,
    readonly status: number,
    message: string,
    readonly body: string,
  ) {
    super(provider, message);
  }
}

/**
 * JSON over HTTP with the provider rules: a timeout on every request; retries with capped
 * exponential backoff and full jitter on 429 (waiting at least what Retry-After asks), on 5xx,
 * on timeouts and on dropped connections; no retry on other 4xx, nor on a body over the limit. Bodies that are not JSON
 * (truncated, HTML error pages) are a ProviderError naming the request.
 */
export class HttpJsonClient {
  constructor(
    readonly provider: string,
    private readonly policy: RetryPolicy = DEFAULT_RETRY,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    private readonly now: () => number = Date.now,
  ) {}

  /** Requests that failed every retry since the provider last answered; when it was taken to be down. */
  private failedInARow = 0;
  private downAt = Number.NEGATIVE_INFINITY;

  async json(request: HttpRequest): Promise<unknown> {
    const text = await this.text(request);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new ProviderError(
        this.provider,
        `${request.label}: the response is not valid JSON (${text.length} bytes${text.length > 0 ? `, starts "${text.slice(0, 40).replace(/\s+/g, ' ')}"` : ''})`,
      );
    }
  }

  async text(request: HttpRequest): Promise<string> {
    const { response, exhausted, attempts } = await this.exchange(request);
    if (response.status >= 200 && response.status < 300) return response.body;
    throw new HttpStatusError(
      this.provider,
      response.status,
      `${request.label}: HTTP ${response.status}${exhausted ? ` (after ${attempts} attempts)` : ''}`,
      response.body.slice(0, 2000),
    );
  }

  /**
   * The final response whatever its status, headers included (a cookie endpoint answers 404
   * with the cookie): retried like text() on 429, 5xx, timeouts and dropped connections.
   */
  async response(request: HttpRequest): Promise<TransportResponse> {
    return (await this.exchange(request)).response;
  }

  private async exchange(
    request: HttpRequest,
  ): Promise<{ response: TransportResponse; exhausted: boolean; attempts: number }> {
    if (this.now() - this.downAt < PROVIDER_DOWN.forMs)
      throw new ProviderError(
        this.provider,
        `${request.label}: not sent: ${this.provider} looks down (${this.failedInARow} requests in a row failed every retry)`,
      );
    const exchanged = await this.attempts(request);
    if (exchanged.exhausted) this.failed();
    else this.failedInARow = 0;
    return exchanged;
  }

  private failed(): void {
    if (++this.failedInARow >= PROVIDER_DOWN.afterFailures) this.downAt = this.now();
  }

  private async attempts(
    request: HttpRequest,
  ): Promise<{ response: TransportResponse; exhausted: boolean; attempts: number }> {
    for (let attempt = 1; ; attempt++) {
      let response: TransportResponse;
      try {
        response = await send(request.url, {
          method: request.method,
          headers: request.headers,
          body: request.body,
          timeoutMs: this.policy.timeoutMs,
        });
      } catch (error) {
        if (!(error instanceof TransportError)) throw error;
        // A connection dropped mid-body is as retryable as one that never answered.
        const reason = `${error.message}${error.duringBody ? ' while reading the body' : ''}`;
        if (error.final)
          throw new ProviderError(this.provider, `${request.label}: ${reason}`, undefined, { cause: error });
        if (attempt >= this.policy.maxAttempts) {
          this.failed();
          throw new ProviderError(this.provider, `${request.label}: ${reason} (after ${attempt} attempts)`, undefined, {
            cause: error,
          });
        }
        await this.sleep(this.backoff(attempt));
        continue;
      }
      if (response.status >= 200 && response.status < 300) return { response, exhausted: false, attempts: attempt };
      const retryable =
        (response.status === 429 || response.status >= 500) && !request.isFinal?.(response.status, response.body);
      if (!retryable) return { response, exhausted: false, attempts: attempt };
      if (attempt >= this.policy.maxAttempts) return { response, exhausted: true, attempts: attempt };
      const retryAfter =
        response.status === 429 ? parseRetryAfter(headerValue(response.headers['retry-after'])) : undefined;
      await this.sleep(Math.min(this.policy.maxDelayMs, Math.max(retryAfter ?? 0, this.backoff(attempt))));
    }
  }

  /** Full jitter: a random wait up to base × 2^(attempt−1), capped. */
  private backoff(attempt: number): number {
    return Math.random() * Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** (attempt - 1));
  }
}

/** Retry-After in seconds or as an HTTP date → milliseconds. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Runs `task` over `items` with at most `limit` in flight; results in input order. */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Spaces request starts to at most `perMinute` a minute within this container. With the
 * pipeline's maxConcurrency workers each pacing itself, the provider sees at most
 * perMinute × maxConcurrency. State: the next free slot, one number.
 */
export class RequestPacer {
  private nextSlot = 0;

  constructor(
    readonly perMinute: number,
    private readonly clock: () => number = Date.now,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  ) {}

  async wait(): Promise<void> {
    if (!Number.isFinite(this.perMinute)) return;
    const now = this.clock();
    const slot = Math.max(now, this.nextSlot);
    this.nextSlot = slot + 60_000 / this.perMinute;
    if (slot > now) await this.sleep(slot - now);
  }
}
