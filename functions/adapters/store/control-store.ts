import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_SCAN_NOW_COOLDOWN_MINUTES } from '../../core/discord/interaction-context.js';
import { type Table, unlessConditionFails } from './table.js';
import { ITEM_TYPES, KEYS } from './table-schema.js';

/** Who paused the schedules, when, and why. */
export interface Pause {
  readonly by: string;
  readonly at: string;
  readonly reason?: string;
}

/** An operator notice that is open: told once, not again until its cause has recovered. */
export interface Notice {
  readonly cause: string;
  readonly text: string;
  readonly raisedAt: string;
}

/** Where a token's issue time was read: the secret's `refreshTokenIssuedAt`, its version's creation, or the environment (local). */
export type TokenSource = 'secret' | 'version' | 'environment';

/** The provider's refresh token as last checked (the sweeper writes it, /status reads it). */
export interface TokenStatus {
  readonly provider: 'schwab';
  readonly issuedAt: string;
  readonly source: TokenSource;
  readonly checkedAt: string;
}

/** The answer to a /scan-now: a run this interaction starts (or started), or the one a recent start in the server began. */
export interface ScanNowClaim {
  readonly started: boolean;
  readonly runId: string;
  /** When the claim that stands was made. */
  readonly claimedAt: string;
}

/**
 * The answer to an on-demand /symbol lookup's claim: granted, or refused until `retryAt` because
 * the member (`by: 'member'`) or the server (`by: 'server'`) had its lookups of the minute.
 */
export type LookupClaim =
  { readonly granted: true } | { readonly granted: false; readonly by: 'member' | 'server'; readonly retryAt: string };

/** One on-demand lookup per member in this window. */
export const LOOKUP_WINDOW_MS = 60_000;
/** On-demand lookups per Discord server in one window: the provider's requests the server may spend. */
export const LOOKUPS_PER_SERVER = 10;

/** The default time between two /scan-now runs of one Discord server. */
export const SCAN_NOW_COOLDOWN_MS = DEFAULT_SCAN_NOW_COOLDOWN_MINUTES * 60_000;

export const DAY_SECONDS = 86_400;

/**
 * Once-per-cause operator notices (partition CONTROL): what the worker writes there. The rest of
 * the runtime controls — the pause switch, the provider token's age, Discord's claims — is
 * ControlStore's (control-changes.ts), so that the worker's bundle carries none of it. Every
 * decision that two callers could race on is a conditional write.
 */
export class OperatorNotices {
  constructor(
    protected readonly table: Table,
    protected readonly retentionDays: number,
  ) {}

  /** Opens a notice; true only for the caller that opened it (it was not open already). */
  async raiseNotice(cause: string, text: string, now: Date): Promise<boolean> {
    return (
      (await unlessConditionFails(
        this.table.client.send(
          new UpdateCommand({
            TableName: this.table.name,
            Key: KEYS.notice(cause),
            UpdateExpression:
              'SET #type = :type, #cause = :cause, #open = :true, #text = :text, raisedAt = :now REMOVE resolvedAt, expiresAt',
            ConditionExpression: 'attribute_not_exists(pk) OR #open = :false',
            ExpressionAttributeNames: { '#type': 'type', '#cause': 'cause', '#open': 'open', '#text': 'text' },
            ExpressionAttributeValues: {
              ':type': ITEM_TYPES.control,
              ':cause': cause,
              ':true': true,
              ':false': false,
              ':text': text,
              ':now': now.toISOString(),
            },
          }),
        ),
      )) !== undefined
    );
  }

  /** Closes a notice (its cause recovered); true when it was open. A closed notice expires with the runs. */
  async resolveNotice(cause: string, now: Date): Promise<boolean> {
    return (
      (await unlessConditionFails(
        this.table.client.send(
          new UpdateCommand({
            TableName: this.table.name,
            Key: KEYS.notice(cause),
            UpdateExpression: 'SET #open = :false, resolvedAt = :now, expiresAt = :expires',
            ConditionExpression: '#open = :true',
            ExpressionAttributeNames: { '#open': 'open' },
            ExpressionAttributeValues: {
              ':true': true,
              ':false': false,
              ':now': now.toISOString(),
              ':expires': Math.floor(now.getTime() / 1000) + this.retentionDays * DAY_SECONDS,
            },
          }),
        ),
      )) !== undefined
    );
  }
}

export function pauseOf(item: Record<string, unknown>): Pause {
  return {
    by: String(item.by),
    at: String(item.at),
    ...(typeof item.reason === 'string' && item.reason.length > 0 && { reason: item.reason }),
  };
}
