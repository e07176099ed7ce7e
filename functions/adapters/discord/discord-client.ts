import { ProviderError } from '../../core/errors.js';
import type { Embed } from '../../core/discord/discord-embeds.js';
import { headerValue, send, TransportError, type TransportResponse } from '../http-transport.js';

export const DISCORD_API_URL = 'https://discord.com/api/v10';

export interface DiscordMessage {
  readonly content?: string;
  readonly embeds?: Embed[];
  /** 64: visible only to the user who ran the command. */
  readonly flags?: number;
}

/**
 * Posts to Discord webhooks (channel alerts, interaction follow-ups). A 429 is waited out for
 * as long as its retry_after says (capped), 5xx and dropped connections are retried; errors
 * never carry the webhook URL, whose path holds its token.
 */
export class DiscordClient {
  constructor(
    private readonly options: {
      maxAttempts?: number;
      maxWaitMs?: number;
      sleep?: (ms: number) => Promise<void>;
      timeoutMs?: number;
    } = {},
  ) {}

  async send(
    url: string,
    method: 'POST' | 'PATCH' | 'PUT',
    body: unknown,
    label: string,
    headers: Record<string, string> = {},
  ): Promise<unknown> {
    const maxAttempts = this.options.maxAttempts ?? 4;
    const sleep = this.options.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
    for (let attempt = 1; ; attempt++) {
      let response: TransportResponse;
      try {
        response = await send(url, {
          method,
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify(body),
          timeoutMs: this.options.timeoutMs ?? 10_000,
        });
      } catch (error) {
        if (!(error instanceof TransportError)) throw error;
        if (error.final) throw new ProviderError('discord', `${label}: ${error.message}`, undefined, { cause: error });
        if (attempt >= maxAttempts)
          throw new ProviderError('discord', `${label}: no response after ${attempt} attempts`, undefined, {
            cause: error,
          });
        await sleep(250 * 2 ** (attempt - 1));
        continue;
      }
      const text = response.body;
      if (response.status >= 200 && response.status < 300) return text ? (JSON.parse(text) as unknown) : undefined;
      if ((response.status === 429 || response.status >= 500) && attempt < maxAttempts) {
        const retryAfter =
          response.status === 429
            ? retryAfterMs(text, headerValue(response.headers['retry-after']))
            : 250 * 2 ** (attempt - 1);
        await sleep(Math.min(this.options.maxWaitMs ?? 30_000, retryAfter));
        continue;
      }
      throw new ProviderError(
        'discord',
        `${label}: HTTP ${response.status}${response.status === 429 ? ' (rate limited)' : ''} after ${attempt} attempt${attempt === 1 ? '' : 's'}`,
      );
    }
  }
}

/** Discord answers 429 with {"retry_after": seconds} (and a Retry-After header). */
function retryAfterMs(body: string, header: string | null): number {
  try {
    const seconds = (JSON.parse(body) as { retry_after?: unknown }).retry_after;
    if (typeof seconds === 'number' && seconds >= 0) return seconds * 1000;
  } catch {
    // fall back to the header
  }
  const seconds = Number(header);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 1000;
}
