import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import {
  LOOKUP_WINDOW_MS,
  LOOKUPS_PER_SERVER,
  type LookupClaim,
  type Pause,
  pauseOf,
  OperatorNotices,
  type Notice,
  type TokenSource,
  type TokenStatus,
  SCAN_NOW_COOLDOWN_MS,
  DAY_SECONDS,
  type ScanNowClaim,
} from './control-store.js';
import { unlessConditionFails } from './table.js';
import { ITEM_TYPES, KEYS } from './table-schema.js';

/**
 * The runtime controls: the schedules' pause switch (read by dispatch and the sweeper, changed by
 * Discord's /pause and the CLI), the provider token's age (the sweeper's), the operator notices,
 * and Discord's claims — each server's last /scan-now, each member's and server's on-demand
 * lookups. Every decision that two callers could race on is a conditional write.
 */
export class ControlStore extends OperatorNotices {
  /** The pause in force, if the schedules are paused. */
  async paused(): Promise<Pause | undefined> {
    const item = await this.table.get(KEYS.pause());
    if (item?.active !== true) return undefined;
    return pauseOf(item);
  }

  /** The open notices, by cause. (Open notices carry no expiry, so this reads them directly, not through the TTL filter.) */
  async openNotices(): Promise<Notice[]> {
    const range = KEYS.notices();
    const notices: Notice[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const response = await this.table.client.send(
        new QueryCommand({
          TableName: this.table.name,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          FilterExpression: '#open = :true',
          ExpressionAttributeNames: { '#open': 'open' },
          ExpressionAttributeValues: { ':pk': range.pk, ':prefix': range.skPrefix, ':true': true },
          ConsistentRead: true,
          ExclusiveStartKey: startKey,
        }),
      );
      for (const item of response.Items ?? [])
        notices.push({ cause: String(item.cause), text: String(item.text), raisedAt: String(item.raisedAt) });
      startKey = response.LastEvaluatedKey;
    } while (startKey);
    return notices;
  }
  async recordTokenStatus(status: TokenStatus): Promise<void> {
    await this.table.client.send(
      new PutCommand({
        TableName: this.table.name,
        Item: {
          ...KEYS.tokenStatus(),
          type: ITEM_TYPES.control,
          provider: status.provider,
          issuedAt: status.issuedAt,
          source: status.source,
          checkedAt: status.checkedAt,
        },
      }),
    );
  }
  async tokenStatus(): Promise<TokenStatus | undefined> {
    const item = await this.table.get(KEYS.tokenStatus());
    if (!item) return undefined;
    return {
      provider: item.provider as TokenStatus['provider'],
      issuedAt: String(item.issuedAt),
      source: item.source as TokenSource,
      checkedAt: String(item.checkedAt),
    };
  }
  /**
   * Pauses the schedules unless they are paused already: `paused` false then, with the pause
   * that stands (its author and reason are kept).
   */
  async pause(by: string, reason?: string): Promise<{ paused: boolean; pause: Pause }> {
    const pause: Pause = { by, at: this.table.now().toISOString(), ...(reason && { reason }) };
    const written = await unlessConditionFails(
      this.table.client.send(
        new PutCommand({
          TableName: this.table.name,
          Item: { ...KEYS.pause(), type: ITEM_TYPES.control, active: true, ...pause },
          ConditionExpression: 'attribute_not_exists(pk) OR active = :false',
          ExpressionAttributeValues: { ':false': false },
        }),
      ),
    );
    if (written) return { paused: true, pause };
    const standing = await this.paused();
    // Resumed in between: try again.
    return standing ? { paused: false, pause: standing } : this.pause(by, reason);
  }

  /** Resumes the schedules; `resumed` false when they were not paused. `was` is the pause it ended. */
  async resume(by: string): Promise<{ resumed: boolean; was?: Pause }> {
    const ended = await unlessConditionFails(
      this.table.client.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: KEYS.pause(),
          UpdateExpression: 'SET active = :false, resumedBy = :by, resumedAt = :now',
          ConditionExpression: 'active = :true',
          ExpressionAttributeValues: {
            ':false': false,
            ':true': true,
            ':by': by,
            ':now': this.table.now().toISOString(),
          },
          ReturnValues: 'ALL_OLD',
        }),
      ),
    );
    if (!ended) return { resumed: false };
    return { resumed: true, ...(ended.Attributes && { was: pauseOf(ended.Attributes) }) };
  }

  /**
   * Claims a server's /scan-now for this interaction: it starts `runId` when the server has no
   * claim younger than the cooldown, or when the claim is this interaction's own (a command run
   * again after its reply was deferred starts the same run). Otherwise the standing claim's run
   * is returned, not started.
   */
  async claimScanNow(
    guild: string,
    interactionId: string,
    runId: string,
    now: Date,
    cooldownMs = SCAN_NOW_COOLDOWN_MS,
  ): Promise<ScanNowClaim> {
    const claimedAt = now.toISOString();
    const claimed = await unlessConditionFails(
      this.table.client.send(
        new PutCommand({
          TableName: this.table.name,
          Item: {
            ...KEYS.scanNow(guild),
            type: ITEM_TYPES.control,
            guild,
            interactionId,
            runId,
            claimedAt,
            expiresAt: Math.floor((now.getTime() + cooldownMs) / 1000) + DAY_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(pk) OR claimedAt <= :cutoff',
          ExpressionAttributeValues: { ':cutoff': new Date(now.getTime() - cooldownMs).toISOString() },
        }),
      ),
    );
    if (claimed) return { started: true, runId, claimedAt };
    // Read whatever stands, expired or not: the condition judged it by `now`, not by the table's clock.
    const { Item: standing = {} } = await this.table.client.send(
      new GetCommand({ TableName: this.table.name, Key: KEYS.scanNow(guild), ConsistentRead: true }),
    );
    return {
      started: standing.interactionId === interactionId,
      runId: String(standing.runId),
      claimedAt: String(standing.claimedAt),
    };
  }

  /**
   * Claims an on-demand /symbol lookup for this interaction: the member's one a minute (a claim of
   * the same interaction stands for itself, so a deferred reply retried is not refused by it),
   * then one of the server's LOOKUPS_PER_SERVER of the current minute. A member refused by the
   * server's count has still spent their claim: the minute is theirs to wait either way.
   */
  async claimLookup(guild: string, user: string, interactionId: string, now: Date): Promise<LookupClaim> {
    const claimedAt = now.toISOString();
    const cutoff = new Date(now.getTime() - LOOKUP_WINDOW_MS).toISOString();
    const expiresAt = Math.floor((now.getTime() + LOOKUP_WINDOW_MS) / 1000) + DAY_SECONDS;
    const mine = await unlessConditionFails(
      this.table.client.send(
        new PutCommand({
          TableName: this.table.name,
          Item: { ...KEYS.lookup(guild, user), type: ITEM_TYPES.control, interactionId, claimedAt, expiresAt },
          ConditionExpression: 'attribute_not_exists(pk) OR claimedAt <= :cutoff',
          ExpressionAttributeValues: { ':cutoff': cutoff },
        }),
      ),
    );
    if (!mine) {
      const { Item: standing = {} } = await this.table.client.send(
        new GetCommand({ TableName: this.table.name, Key: KEYS.lookup(guild, user), ConsistentRead: true }),
      );
      if (standing.interactionId === interactionId) return { granted: true };
      return { granted: false, by: 'member', retryAt: retryAfter(String(standing.claimedAt)) };
    }
    return this.countLookup(guild, now);
  }

  /** One of the server's lookups this minute: a window older than a minute starts again at one. */
  private async countLookup(guild: string, now: Date): Promise<LookupClaim> {
    const claimedAt = now.toISOString();
    const cutoff = new Date(now.getTime() - LOOKUP_WINDOW_MS).toISOString();
    const expiresAt = Math.floor((now.getTime() + LOOKUP_WINDOW_MS) / 1000) + DAY_SECONDS;
    const opened = await unlessConditionFails(
      this.table.client.send(
        new PutCommand({
          TableName: this.table.name,
          Item: { ...KEYS.lookups(guild), type: ITEM_TYPES.control, windowStart: claimedAt, lookups: 1, expiresAt },
          ConditionExpression: 'attribute_not_exists(pk) OR windowStart <= :cutoff',
          ExpressionAttributeValues: { ':cutoff': cutoff },
        }),
      ),
    );
    if (opened) return { granted: true };
    const counted = await unlessConditionFails(
      this.table.client.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: KEYS.lookups(guild),
          UpdateExpression: 'ADD lookups :one',
          ConditionExpression: 'windowStart > :cutoff AND lookups < :max',
          ExpressionAttributeValues: { ':one': 1, ':cutoff': cutoff, ':max': LOOKUPS_PER_SERVER },
        }),
      ),
    );
    if (counted) return { granted: true };
    const { Item: standing = {} } = await this.table.client.send(
      new GetCommand({ TableName: this.table.name, Key: KEYS.lookups(guild), ConsistentRead: true }),
    );
    // The window ended between the two writes: open the next one.
    if (String(standing.windowStart) <= cutoff) return this.countLookup(guild, now);
    return { granted: false, by: 'server', retryAt: retryAfter(String(standing.windowStart)) };
  }
}

/** When a claim made at `claimedAt` stops counting. */
function retryAfter(claimedAt: string): string {
  return new Date(Date.parse(claimedAt) + LOOKUP_WINDOW_MS).toISOString();
}
