import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { CONFIGURED_SUBSCRIPTION, MAX_SUBSCRIPTIONS, type Subscription } from '../../core/lists/subscription-rules.js';
import { ListError } from '../../core/lists/watchlist-rules.js';
import { SubscriptionStore } from './subscription-store.js';
import { unlessConditionFails } from './table.js';
import { ITEM_TYPES, KEYS } from './table-schema.js';

/** The subscriptions with their writes: the lists-writer's alone. */
export class SubscriptionWriter extends SubscriptionStore {
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
