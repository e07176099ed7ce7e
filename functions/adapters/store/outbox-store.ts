import { PutCommand, UpdateCommand, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import {
  type OutboxMessage,
  type OutboxPort,
  type OutboxTarget,
  recentPosts,
  STALE_CLAIM_MS,
} from '../../core/run/outbox.js';
import { type Table, unlessConditionFails, withoutKeys } from './table.js';
import { ITEM_TYPES, KEYS } from './table-schema.js';

/** A sent message is kept (without its content) this long, so queueing it again writes nothing. */
const SENT_RETENTION_DAYS = 7;

/**
 * The outbox: Discord messages to send, each pending until a drainer marks it sent under its
 * claim, and one lease per target (who drains it now, and its recent posts for the rate limits).
 */
export class OutboxStore implements OutboxPort {
  constructor(
    private readonly table: Table,
    private readonly retentionDays: number,
  ) {}

  /** Adds messages; one already there (queued before, maybe sent) is left as it is. */
  async enqueue(messages: readonly Omit<OutboxMessage, 'status' | 'attempts'>[]): Promise<void> {
    for (const m of messages) {
      await unlessConditionFails(
        this.table.client.send(
          new PutCommand({
            TableName: this.table.name,
            Item: {
              ...KEYS.outboxMessage(m.source, m.seq),
              type: ITEM_TYPES.outboxMessage,
              ...m,
              status: 'pending',
              attempts: 0,
              expiresAt: this.table.expiry(this.retentionDays),
            },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        ),
      );
    }
  }

  async pending(): Promise<OutboxMessage[]> {
    const items = await this.table.all(KEYS.outboxMessages());
    return items
      .filter((item) => item.status === 'pending')
      .map((item) => withoutKeys(item, 'expiresAt', 'claimToken', 'claimedAt') as unknown as OutboxMessage);
  }

  /** Every message, sent or not (oldest first): for tests and the docs' fault table. */
  async messages(): Promise<(OutboxMessage & { sentAt?: string })[]> {
    const items = await this.table.all(KEYS.outboxMessages());
    return items.map((item) => withoutKeys(item, 'expiresAt', 'claimToken', 'claimedAt') as unknown as OutboxMessage);
  }

  async claim(message: OutboxMessage, token: string): Promise<boolean> {
    const now = this.table.now().getTime();
    return (
      (await this.updateMessage(message, {
        UpdateExpression: 'SET claimToken = :token, claimedAt = :now ADD attempts :one',
        ConditionExpression:
          '#status = :pending AND (attribute_not_exists(claimedAt) OR claimedAt < :stale OR claimToken = :token)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':token': token,
          ':now': now,
          ':one': 1,
          ':pending': 'pending',
          ':stale': now - STALE_CLAIM_MS,
        },
      })) !== undefined
    );
  }

  /**
   * Sent: its content goes (the item stays, small, until it expires) and its claim with it. When
   * the claim was taken over meanwhile (this drainer was presumed dead), the new holder marks it.
   */
  async markSent(message: OutboxMessage, token: string): Promise<void> {
    await this.close(message, 'sent', ['sentAt', this.table.now().toISOString()], 'claimToken = :token', {
      ':token': token,
    });
  }

  async release(message: OutboxMessage, token: string, error: string): Promise<void> {
    await this.updateMessage(message, {
      UpdateExpression: 'SET lastError = :error REMOVE claimToken, claimedAt',
      ConditionExpression: 'claimToken = :token',
      ExpressionAttributeValues: { ':error': error.slice(0, 500), ':token': token },
    });
  }

  /** Discarded: its content goes, as a sent message's does; a message under a fresh claim is left to its drainer. */
  async discard(message: OutboxMessage, reason: string): Promise<void> {
    await this.close(
      message,
      'discarded',
      ['lastError', reason.slice(0, 500)],
      '#status = :pending AND (attribute_not_exists(claimedAt) OR claimedAt < :stale)',
      { ':pending': 'pending', ':stale': this.table.now().getTime() - STALE_CLAIM_MS },
    );
  }

  /** A message's last state (`sent`, `discarded`) with one field saying when or why; its content and claim go. */
  private close(
    message: OutboxMessage,
    status: string,
    [field, value]: [string, string],
    condition: string,
    values: Record<string, unknown>,
  ) {
    return this.updateMessage(message, {
      UpdateExpression: `SET #status = :status, ${field} = :value, expiresAt = :expires REMOVE message, claimToken, claimedAt`,
      ConditionExpression: condition,
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':status': status,
        ':value': value,
        ':expires': this.table.expiry(SENT_RETENTION_DAYS),
        ...values,
      },
    });
  }

  /** One conditional update of a message; undefined when its condition failed. */
  private updateMessage(message: OutboxMessage, update: Omit<UpdateCommandInput, 'TableName' | 'Key'>) {
    return unlessConditionFails(
      this.table.client.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: KEYS.outboxMessage(message.source, message.seq),
          ...update,
        }),
      ),
    );
  }

  async acquireLease(target: OutboxTarget, token: string, untilMs: number): Promise<number[] | undefined> {
    const now = this.table.now().getTime();
    const acquired = await unlessConditionFails(
      this.table.client.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: KEYS.outboxLease(target),
          UpdateExpression: 'SET #type = :type, leaseToken = :token, leaseUntil = :until, expiresAt = :expires',
          ConditionExpression: 'attribute_not_exists(leaseUntil) OR leaseUntil < :now',
          ExpressionAttributeNames: { '#type': 'type' },
          ExpressionAttributeValues: {
            ':type': ITEM_TYPES.outboxLease,
            ':token': token,
            ':until': untilMs,
            ':now': now,
            ':expires': this.table.expiry(1),
          },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    if (!acquired) return undefined;
    const posts = acquired.Attributes?.posts;
    return recentPosts(Array.isArray(posts) ? posts.map(Number) : [], now);
  }

  /** False when the lease is no longer this drainer's (it outlived it, and another took it). */
  async recordPosts(target: OutboxTarget, token: string, posts: readonly number[]): Promise<boolean> {
    return (
      (await unlessConditionFails(
        this.table.client.send(
          new UpdateCommand({
            TableName: this.table.name,
            Key: KEYS.outboxLease(target),
            UpdateExpression: 'SET posts = :posts',
            ConditionExpression: 'leaseToken = :token',
            ExpressionAttributeValues: { ':posts': [...posts], ':token': token },
          }),
        ),
      )) !== undefined
    );
  }

  async releaseLease(target: OutboxTarget, token: string): Promise<void> {
    await unlessConditionFails(
      this.table.client.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: KEYS.outboxLease(target),
          UpdateExpression: 'REMOVE leaseUntil, leaseToken',
          ConditionExpression: 'leaseToken = :token',
          ExpressionAttributeValues: { ':token': token },
        }),
      ),
    );
  }
}
