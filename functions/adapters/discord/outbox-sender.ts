import { randomUUID } from 'node:crypto';
import {
  type DrainOutcome,
  drainOutbox,
  type OutboxPort,
  type OutboxTarget,
  type PostLimits,
} from '../../core/run/outbox.js';
import type { DrainQueue } from '../queue/scan-queue.js';
import type { DiscordClient } from './discord-client.js';
import type { DiscordSettings } from './discord-settings.js';

export interface OutboxSenderDeps {
  readonly outbox: OutboxPort;
  readonly discord: DiscordClient;
  readonly webhooks: Pick<DiscordSettings, 'webhookUrl' | 'operatorWebhookUrl'>;
  /** Where a later drain is asked for; without one (a local run) what is left waits for the next drainer. */
  readonly queue?: DrainQueue;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  /** Discord's rate limits unless said (the replay's loopback stand-in has none). */
  readonly limits?: PostLimits;
}

/** The webhook a target posts to: the operator's falls back to the alert channel. */
export async function webhookFor(
  webhooks: OutboxSenderDeps['webhooks'],
  target: OutboxTarget,
): Promise<string | undefined> {
  if (target === 'operator') return (await webhooks.operatorWebhookUrl()) ?? (await webhooks.webhookUrl());
  return webhooks.webhookUrl();
}

/** Drains the outbox to Discord until `deadlineMs` (epoch ms), asking the queue for a later drain for what is left. */
export function drainToDiscord(deps: OutboxSenderDeps, deadlineMs: number): Promise<DrainOutcome> {
  return drainOutbox({
    outbox: deps.outbox,
    post: async (target, message) => {
      const url = await webhookFor(deps.webhooks, target);
      if (!url) throw new Error(`no webhook for ${target} messages`);
      return deps.discord.send(url, 'POST', message, target === 'alerts' ? 'alert webhook' : 'operator webhook');
    },
    hasTarget: async (target) => (await webhookFor(deps.webhooks, target)) !== undefined,
    now: deps.now,
    sleep: deps.sleep,
    deadlineMs,
    drainLater: async (delaySeconds) => deps.queue?.requestDrain(delaySeconds),
    token: randomUUID,
    ...(deps.limits && { limits: deps.limits }),
  });
}
