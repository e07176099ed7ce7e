import type { AlertMessage } from '../discord/alert-messages.js';

/**
 * Where a message goes: the configured alert channel, the operator's (failures; the alert channel
 * when none), or a subscription's webhook.
 */
export type OutboxTarget = 'alerts' | 'operator' | `sub:${string}`;

export function subscriptionTarget(id: string): OutboxTarget {
  return `sub:${id}`;
}

/** The subscription a target posts to; undefined for the configured targets. */
export function subscriptionOf(target: OutboxTarget): string | undefined {
  return target.startsWith('sub:') ? target.slice(4) : undefined;
}

/** A Discord message waiting in the outbox, or sent from it. */
export interface OutboxMessage {
  /** What it comes from, sorting by time: a run id and its part, or a stamped notice. */
  readonly source: string;
  readonly seq: number;
  readonly target: OutboxTarget;
  readonly message: AlertMessage;
  readonly createdAt: string;
  /** Discarded: its subscription was removed before it went. */
  readonly status: 'pending' | 'sent' | 'discarded';
  readonly attempts: number;
  readonly lastError?: string;
}

/** A drainer that started a post this long ago and never marked it has died: the message may go again. */
export const STALE_CLAIM_MS = 15 * 60_000;

/**
 * Discord's webhook limits as scanfleet keeps to them: 5 posts per 2 s per webhook and 30 a
 * minute per channel (one webhook per channel here, so per target).
 */
export type PostLimits = readonly { readonly posts: number; readonly windowMs: number }[];

export const POST_LIMITS: PostLimits = [
  { posts: 5, windowMs: 2_000 },
  { posts: 30, windowMs: 60_000 },
];

/** A drainer keeps this much of its invocation for the posts it starts (Discord's answer, the store's). */
export const POST_BUDGET_MS = 12_000;

/** The earliest instant a post may go, given the instants of the recent posts to that target. */
export function nextPostAt(recent: readonly number[], nowMs: number, limits: PostLimits = POST_LIMITS): number {
  let at = nowMs;
  const sorted = [...recent].sort((a, b) => b - a);
  for (const { posts, windowMs } of limits) {
    // The posts-th newest post must have left the window.
    if (sorted.length >= posts) at = Math.max(at, sorted[posts - 1] + windowMs);
  }
  return at;
}

/** The recent posts worth keeping: those inside the widest window. */
export function recentPosts(posts: readonly number[], nowMs: number, limits: PostLimits = POST_LIMITS): number[] {
  const widest = Math.max(0, ...limits.map((l) => l.windowMs));
  return posts.filter((t) => t > nowMs - widest).sort((a, b) => a - b);
}

/** The outbox as the drainer uses it. */
export interface OutboxPort {
  /** Pending messages, oldest first. */
  pending(): Promise<OutboxMessage[]>;
  /** Takes a message for posting; false when another drainer holds a fresh claim or it was sent. */
  claim(message: OutboxMessage, token: string): Promise<boolean>;
  /** Marks it sent, if this claim still holds it. */
  markSent(message: OutboxMessage, token: string): Promise<void>;
  /** Gives the message back with the reason it was not sent. */
  release(message: OutboxMessage, token: string, error: string): Promise<void>;
  /** Drops a pending message whose target was removed, with the reason. */
  discard(message: OutboxMessage, reason: string): Promise<void>;
  /** The right to post to a target until `untilMs`, with the instants of its recent posts; undefined when held. */
  acquireLease(target: OutboxTarget, token: string, untilMs: number): Promise<number[] | undefined>;
  /** Keeps the lease's record of recent posts current; false when the lease is no longer this drainer's. */
  recordPosts(target: OutboxTarget, token: string, posts: readonly number[]): Promise<boolean>;
  releaseLease(target: OutboxTarget, token: string): Promise<void>;
}

export type TargetState = 'ready' | 'unset' | 'removed';

export interface DrainDeps {
  readonly outbox: OutboxPort;
  /** Posts to the target's webhook; throws when Discord did not take it. Undefined target: no webhook, kept. */
  readonly post: (target: OutboxTarget, message: AlertMessage) => Promise<unknown>;
  /**
   * Whether a target can be posted to: `ready`; `unset` (no webhook configured: its messages wait
   * for one); `removed` (the subscription was removed, or the configured webhook's: its messages are discarded).
   */
  readonly targetState: (target: OutboxTarget) => Promise<TargetState>;
  readonly now: () => Date;
  readonly sleep: (ms: number) => Promise<void>;
  /** The instant (epoch ms) by which this drainer must have stopped: its invocation's end less a margin. */
  readonly deadlineMs: number;
  /** Asks for a drain later (a delayed queue message), for what this one leaves for want of time or a busy target. */
  readonly drainLater: (delaySeconds: number) => Promise<void>;
  readonly token: () => string;
  /** The webhook's rate limits: Discord's unless said (a local stand-in has none). */
  readonly limits?: PostLimits;
}

export interface DrainOutcome {
  readonly sent: number;
  readonly failed: number;
  /** Messages dropped because their target was removed. */
  readonly discarded: number;
  /** Pending messages this drainer left (out of time, a target busy or failing). */
  readonly left: number;
  /** Seconds until the drain asked for, when it asked for one. */
  readonly laterSeconds?: number;
  readonly errors: string[];
}

/**
 * Sends pending outbox messages, oldest first, within Discord's rate limits: one drainer per
 * target at a time (a lease, which also carries the recent posts across invocations), each
 * message claimed before it is posted and marked sent after. It waits out a rate window while
 * its remaining time allows; what it leaves (time, a busy target, a failing webhook) gets a
 * delayed drain. Dying anywhere loses nothing: an unmarked message is claimed again once its
 * claim is stale — if Discord had taken it, that one message is sent twice (webhooks take no
 * idempotency key).
 */
export async function drainOutbox(deps: DrainDeps): Promise<DrainOutcome> {
  const pending = await deps.outbox.pending();
  const byTarget = new Map<OutboxTarget, OutboxMessage[]>();
  for (const message of pending) byTarget.set(message.target, [...(byTarget.get(message.target) ?? []), message]);
  let sent = 0;
  let failed = 0;
  let discarded = 0;
  let left = 0;
  let laterMs: number | undefined;
  const errors: string[] = [];
  const later = (ms: number) => (laterMs = Math.min(laterMs ?? ms, ms));

  for (const [target, messages] of byTarget) {
    const state = await deps.targetState(target);
    if (state === 'removed') {
      for (const message of messages) await deps.outbox.discard(message, `${target} was removed`);
      discarded += messages.length;
    }
    if (state !== 'ready') continue;
    const token = deps.token();
    const recent = await deps.outbox.acquireLease(target, token, deps.deadlineMs);
    if (recent === undefined) {
      // Another drainer posts to this target now; look again once its lease may have ended.
      left += messages.length;
      later(60_000);
      continue;
    }
    let posts = recent;
    try {
      for (let i = 0; i < messages.length; i++) {
        const now = deps.now().getTime();
        const at = nextPostAt(posts, now, deps.limits);
        if (at + POST_BUDGET_MS > deps.deadlineMs) {
          left += messages.length - i;
          later(Math.max(1_000, at - now));
          break;
        }
        if (at > now) await deps.sleep(at - now);
        const message = messages[i];
        if (!(await deps.outbox.claim(message, token))) continue;
        try {
          await deps.post(target, message.message);
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          await deps.outbox.release(message, token, reason);
          errors.push(reason);
          failed++;
          // Order matters within a target, and a failing webhook is not hammered: the rest waits
          // for the sweeper's next drain (every 15 minutes), not for a drain message of its own.
          left += messages.length - i;
          break;
        }
        posts = recentPosts([...posts, deps.now().getTime()], deps.now().getTime(), deps.limits);
        await deps.outbox.markSent(message, token);
        sent++;
        if (!(await deps.outbox.recordPosts(target, token, posts))) {
          // This drainer outlived its lease and another took the target over: it goes on from here.
          left += messages.length - i - 1;
          break;
        }
      }
    } finally {
      await deps.outbox.releaseLease(target, token);
    }
  }
  let laterSeconds: number | undefined;
  if (laterMs !== undefined) {
    laterSeconds = Math.min(900, Math.max(1, Math.ceil(laterMs / 1000)));
    await deps.drainLater(laterSeconds);
  }
  return { sent, failed, discarded, left, errors, ...(laterSeconds !== undefined && { laterSeconds }) };
}
