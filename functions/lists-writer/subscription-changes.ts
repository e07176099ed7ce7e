import { ProviderError } from '../core/errors.js';
import {
  last4,
  parseWebhookUrl,
  requireSubscriptionFilter,
  requireSubscriptionId,
  type Subscription,
  subscriptionId,
  webhookPostUrl,
} from '../core/lists/subscription-rules.js';
import { ListError } from '../core/lists/watchlist-rules.js';
import { send, TransportError } from '../adapters/http-transport.js';
import type { SubscriptionWriter } from '../adapters/store/subscription-writer.js';
import type { WebhookCipher } from '../adapters/webhook-cipher.js';

/** What Discord says of a webhook (GET /webhooks/{id}/{token}, no bot token needed). */
export interface WebhookFacts {
  readonly channelId: string;
  readonly guildId?: string;
}

export interface SubscribeRequest {
  readonly scanner: string;
  readonly signal?: string;
  readonly list?: string;
  /** The pasted webhook URL: a credential, never logged nor returned. */
  readonly webhook: string;
  /** The Discord server the request came from: a webhook of another server is refused. */
  readonly guildId?: string;
}

export interface SubscriptionChangesDeps {
  readonly store: Pick<SubscriptionWriter, 'subscribe' | 'unsubscribe'>;
  /** Made on first use: a container that only changes lists never reads the key's secret. */
  readonly cipher: () => WebhookCipher;
  /** Discord's REST API base: webhooks are looked up and posted to there. */
  readonly apiUrl: string;
  readonly lookup: (url: string) => Promise<WebhookFacts>;
  readonly now: () => Date;
}

/**
 * Subscribing and unsubscribing, as the lists-writer makes them: the filter checked against the
 * scanners and their signals, the webhook URL checked to be Discord's and looked up there (its
 * channel, its server), then stored sealed. Subscribing the same filter to the same webhook again
 * finds the first subscription.
 */
export class SubscriptionChanges {
  constructor(private readonly deps: SubscriptionChangesDeps) {}

  async subscribe(request: SubscribeRequest, by: string): Promise<{ created: boolean; subscription: Subscription }> {
    const filter = requireSubscriptionFilter(request);
    const webhook = parseWebhookUrl(request.webhook, this.deps.apiUrl);
    const url = webhookPostUrl(webhook, this.deps.apiUrl);
    const facts = await this.deps.lookup(url);
    if (request.guildId !== undefined && facts.guildId !== undefined && facts.guildId !== request.guildId)
      throw new ListError(
        'unknown_webhook',
        'webhook',
        "webhook belongs to another Discord server; paste one of this server's",
      );
    const id = subscriptionId(filter, webhook.id);
    const subscription: Subscription = {
      id,
      ...filter,
      channelId: facts.channelId,
      ...(facts.guildId !== undefined && { guildId: facts.guildId }),
      webhookLast4: last4(webhook.id),
      createdBy: by,
      createdAt: this.deps.now().toISOString(),
    };
    return this.deps.store.subscribe(subscription, await this.deps.cipher().seal(url, id));
  }

  async unsubscribe(id: string, by: string): Promise<{ id: string }> {
    return this.deps.store.unsubscribe(requireSubscriptionId(id), by);
  }
}

/**
 * Looks a webhook up at Discord: one GET of its URL (which answers with its channel and server,
 * no bot token needed). Discord's 401 or 404 is an unknown webhook; no answer is a ProviderError.
 * Neither message carries the URL.
 */
export async function lookupWebhook(url: string, timeoutMs = 5_000): Promise<WebhookFacts> {
  let status: number;
  let body: string;
  try {
    ({ status, body } = await send(url, { method: 'GET', timeoutMs }));
  } catch (error) {
    if (error instanceof TransportError)
      throw new ProviderError('discord', `webhook lookup: ${error.message}`, undefined, { cause: error });
    throw error;
  }
  if (status === 401 || status === 403 || status === 404)
    throw new ListError(
      'unknown_webhook',
      'webhook',
      `Discord does not know this webhook (HTTP ${status}): it was deleted, or the URL is incomplete`,
    );
  if (status < 200 || status >= 300) throw new ProviderError('discord', `webhook lookup: HTTP ${status}`);
  let answer: { channel_id?: unknown; guild_id?: unknown; type?: unknown };
  try {
    answer = JSON.parse(body) as typeof answer;
  } catch {
    // JSON.parse's message quotes the body, which may echo the URL's token.
    throw new ProviderError('discord', 'webhook lookup: the answer is not JSON');
  }
  if (typeof answer.channel_id !== 'string')
    throw new ListError('unknown_webhook', 'webhook', 'that webhook posts to no channel (not a channel webhook)');
  return { channelId: answer.channel_id, ...(typeof answer.guild_id === 'string' && { guildId: answer.guild_id }) };
}
