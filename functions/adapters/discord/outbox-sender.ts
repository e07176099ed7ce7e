import { randomUUID } from 'node:crypto';
import {
  type DrainOutcome,
  drainOutbox,
  type OutboxPort,
  type OutboxTarget,
  type PostLimits,
  subscriptionOf,
  type TargetState,
} from '../../core/run/outbox.js';
import type { SubscriptionWebhooks } from './alert-routing.js';
import type { DrainQueue } from '../queue/scan-queue.js';
import type { DiscordClient } from './discord-client.js';
import type { DiscordSettings } from './discord-settings.js';

export interface OutboxSenderDeps {
  readonly outbox: OutboxPort;
  readonly discord: DiscordClient;
  readonly webhooks: Pick<DiscordSettings, 'webhookUrl' | 'operatorWebhookUrl'>;
  /** The subscriptions' webhooks; without them a subscription's messages wait. */
  readonly subscriptions?: SubscriptionWebhooks | undefined;
  /** Where a later drain is asked for; without one (a local run) what is left waits for the next drainer. */
  readonly queue?: DrainQueue;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  /** Discord's rate limits unless said (the replay's loopback stand-in has none). */
  readonly limits?: PostLimits;
}

/**
 * The webhook a target posts to, or why there is none: the operator's falls back to the alert
 * channel; the alert channel's implicit subscription may have been removed; a subscription's
 * webhook is unsealed from its item (removed: its messages are discarded).
 */
export async function webhookFor(
  deps: Pick<OutboxSenderDeps, 'webhooks' | 'subscriptions'>,
  target: OutboxTarget,
): Promise<{ url: string } | { state: Exclude<TargetState, 'ready'> }> {
  const found = (url: string | undefined) => (url ? { url } : { state: 'unset' as const });
  const id = subscriptionOf(target);
  if (id !== undefined) {
    if (!deps.subscriptions) return { state: 'unset' };
    const url = await deps.subscriptions.webhookUrl(id);
    return url ? { url } : { state: 'removed' };
  }
  if (target === 'operator')
    return found((await deps.webhooks.operatorWebhookUrl()) ?? (await deps.webhooks.webhookUrl()));
  if (await deps.subscriptions?.configuredRemoved()) return { state: 'removed' };
  return found(await deps.webhooks.webhookUrl());
}

const LABELS: Record<string, string> = { alerts: 'alert webhook', operator: 'operator webhook' };

/** Drains the outbox to Discord until `deadlineMs` (epoch ms), asking the queue for a later drain for what is left. */
export function drainToDiscord(deps: OutboxSenderDeps, deadlineMs: number): Promise<DrainOutcome> {
  // Each target's webhook looked up once for the drain (a subscription's is read and unsealed),
  // not once a post; a lookup that failed is tried again.
  const found = new Map<OutboxTarget, ReturnType<typeof webhookFor>>();
  const lookup = (target: OutboxTarget) => {
    let webhook = found.get(target);
    if (!webhook) {
      webhook = webhookFor(deps, target);
      webhook.catch(() => found.delete(target));
      found.set(target, webhook);
    }
    return webhook;
  };
  return drainOutbox({
    outbox: deps.outbox,
    post: async (target, message) => {
      const webhook = await lookup(target);
      if (!('url' in webhook)) throw new Error(`no webhook for ${target} messages`);
      return deps.discord.send(
        webhook.url,
        'POST',
        message,
        LABELS[target] ?? `subscription ${subscriptionOf(target)}`,
      );
    },
    targetState: async (target) => {
      const webhook = await lookup(target);
      return 'url' in webhook ? 'ready' : webhook.state;
    },
    now: deps.now,
    sleep: deps.sleep,
    deadlineMs,
    drainLater: async (delaySeconds) => deps.queue?.requestDrain(delaySeconds),
    token: randomUUID,
    ...(deps.limits && { limits: deps.limits }),
  });
}
