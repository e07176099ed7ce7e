import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ListError } from '../../core/lists/watchlist-rules.js';
import { CONFIGURED_SUBSCRIPTION, MAX_SUBSCRIPTIONS, type Subscription } from '../../core/lists/subscription-rules.js';
import type { ScannerName } from '../../core/scan/scanners.js';
import { type Table, unlessConditionFails } from './table.js';
import { ITEM_TYPES, KEYS } from './table-schema.js';

/** The subscriptions as alerts are routed by them: each explicit one, and whether the configured webhook still takes every alert. */
export interface SubscriptionRoutes {
  readonly subscriptions: Subscription[];
  /** Who removed the configured webhook's implicit subscription, and when; undefined while it stands. */
  readonly configuredRemoved?: { readonly by: string; readonly at: string };
}

/**
 * The alert subscriptions (partition SUBS): one item per subscription, its webhook URL sealed (a
 * WebhookCipher: the store never holds it in the clear), and a tombstone when the configured
 * webhook's implicit subscription was removed. Nothing here expires.
 */
export class SubscriptionStore {
  constructor(private readonly table: Table) {}

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

  /**
   * Adds a subscription unless one with its id (the same filter and webhook) exists: then that one
   * is returned, unchanged. More than MAX_SUBSCRIPTIONS is a ListError (limit), checked on a
   * consistent read just before the write.
   */
  async subscribe(
    subscription: Subscription,
    sealedWebhook: string,
  ): Promise<{ created: boolean; subscription: Subscription }> {
    const { subscriptions } = await this.routes();
    const existing = subscriptions.find((s) => s.id === subscription.id);
    if (existing) return { created: false, subscription: existing };
    if (subscriptions.length >= MAX_SUBSCRIPTIONS)
      throw new ListError(
        'limit',
        'subscription',
        `limit: at most ${MAX_SUBSCRIPTIONS} subscriptions; /unsubscribe one first`,
      );
    const written = await unlessConditionFails(
      this.table.client.send(
        new PutCommand({
          TableName: this.table.name,
          Item: {
            ...KEYS.subscription(subscription.id),
            type: ITEM_TYPES.subscription,
            ...subscription,
            webhook: sealedWebhook,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      ),
    );
    if (written) return { created: true, subscription };
    const raced = (await this.routes()).subscriptions.find((s) => s.id === subscription.id);
    if (!raced)
      throw new ListError('conflict', 'subscription', `subscription ${subscription.id} changed meanwhile; try again`);
    return { created: false, subscription: raced };
  }

  /**
   * Removes a subscription; `configured` leaves a tombstone, so the configured webhook takes no
   * more alerts. An id that is not there is a ListError (not_found).
   */
  async unsubscribe(id: string, by: string): Promise<{ id: string }> {
    if (id === CONFIGURED_SUBSCRIPTION) {
      const written = await unlessConditionFails(
        this.table.client.send(
          new PutCommand({
            TableName: this.table.name,
            Item: {
              ...KEYS.configuredRemoved(),
              type: ITEM_TYPES.configuredRemoved,
              removedBy: by,
              removedAt: this.table.now().toISOString(),
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
      if (!written)
        throw new ListError('not_found', 'subscription', "the configured webhook's subscription was removed already");
      return { id };
    }
    const removed = await this.table.client.send(
      new DeleteCommand({ TableName: this.table.name, Key: KEYS.subscription(id), ReturnValues: 'ALL_OLD' }),
    );
    if (!removed.Attributes)
      throw new ListError('not_found', 'subscription', `no subscription ${id}; /subscriptions lists them`);
    return { id };
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
