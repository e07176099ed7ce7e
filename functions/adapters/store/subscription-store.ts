import type { Subscription } from '../../core/lists/subscription-rules.js';
import type { ScannerName } from '../../core/scan/scanners.js';
import type { Table } from './table.js';
import { ITEM_TYPES, KEYS } from './table-schema.js';

/** The subscriptions as alerts are routed by them: each explicit one, and whether the configured webhook still takes every alert. */
export interface SubscriptionRoutes {
  readonly subscriptions: Subscription[];
  /** Who removed the configured webhook's implicit subscription, and when; undefined while it stands. */
  readonly configuredRemoved?: { readonly by: string; readonly at: string };
}

/**
 * The alert subscriptions as alerts are routed by them (partition SUBS): one item per subscription,
 * its webhook URL sealed (a WebhookCipher: the store never holds it in the clear), and a tombstone
 * when the configured webhook's implicit subscription was removed. Nothing here expires. The
 * writes are SubscriptionWriter's (subscription-writer.ts): the worker's bundle carries none.
 */
export class SubscriptionStore {
  constructor(protected readonly table: Table) {}

  /** Every subscription, by id, and the configured webhook's state: one consistent Query. */
  async routes(): Promise<SubscriptionRoutes> {
    const items = await this.table.all({ pk: KEYS.subscriptions().pk }, { kept: true });
    const tombstone = items.find((item) => item.type === ITEM_TYPES.configuredRemoved);
    return {
      subscriptions: items.filter((item) => item.type === ITEM_TYPES.subscription).map(subscriptionOf),
      ...(tombstone && { configuredRemoved: { by: String(tombstone.removedBy), at: String(tombstone.removedAt) } }),
    };
  }

  /** The sealed webhook URL of a subscription; undefined when it was removed. */
  async sealedWebhook(id: string): Promise<string | undefined> {
    const item = await this.table.get(KEYS.subscription(id));
    return typeof item?.webhook === 'string' ? item.webhook : undefined;
  }
}

function subscriptionOf(item: Record<string, unknown>): Subscription {
  return {
    id: String(item.id),
    scanner: item.scanner as ScannerName,
    ...(typeof item.signal === 'string' && { signal: item.signal }),
    ...(typeof item.list === 'string' && { list: item.list }),
    channelId: String(item.channelId),
    ...(typeof item.guildId === 'string' && { guildId: item.guildId }),
    webhookLast4: String(item.webhookLast4),
    createdBy: String(item.createdBy),
    createdAt: String(item.createdAt),
  };
}
