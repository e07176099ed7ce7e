import { COLOURS } from '../discord/discord-embeds.js';
import type { OutboxMessage } from './outbox.js';

/** The causes an operator notice is kept open for, one notice each. */
export const NOTICE_CAUSES = {
  /** A run ended partial or failed; recovers when a run completes. */
  runs: 'runs',
  /** Dispatch failed every attempt. */
  dispatch: 'dispatch',
  /** The provider refused the credentials; recovers when a batch fetches, or a run completes. */
  credentials: 'provider-credentials',
  /** Schwab's refresh token is 2 days or less from its 7-day expiry; recovers with a new token. */
  schwabToken: 'schwab-token',
} as const;

/** Something the operator must hear about, once until it recovers. */
export interface Notice {
  /** One open notice per cause (NOTICE_CAUSES). */
  readonly cause: string;
  readonly title: string;
  /** What failed and what to do. */
  readonly text: string;
}

export interface NoticeDeps {
  readonly control: {
    /** True when the cause was not open (so it is told now). */
    raiseNotice(cause: string, text: string, now: Date): Promise<boolean>;
    /** True when it was open (so its recovery is told). */
    resolveNotice(cause: string, now: Date): Promise<boolean>;
  };
  readonly outbox: { enqueue(messages: readonly Omit<OutboxMessage, 'status' | 'attempts'>[]): Promise<void> };
  /** Whether any webhook takes operator messages (the operator's, else the alert channel's). */
  readonly operatorReachable: () => Promise<boolean>;
  readonly now: () => Date;
}

/** Tells the operator (through the outbox) when the cause opens; true when it did. */
export async function tell(deps: NoticeDeps, notice: Notice): Promise<boolean> {
  if (!(await deps.control.raiseNotice(notice.cause, notice.title, deps.now()))) return false;
  await enqueueOperator(deps, notice.cause, {
    content: `scanfleet: ${notice.title}`.slice(0, 2000),
    embeds: [{ title: notice.title.slice(0, 256), description: notice.text.slice(0, 4096), color: COLOURS.bearish }],
  });
  return true;
}

/** Closes an open cause and tells its recovery once; true when it was open. */
export async function recover(deps: NoticeDeps, cause: string, title: string, text: string): Promise<boolean> {
  if (!(await deps.control.resolveNotice(cause, deps.now()))) return false;
  await enqueueOperator(deps, `${cause}-recovered`, {
    content: `scanfleet: ${title}`.slice(0, 2000),
    embeds: [{ title: 'Recovered', description: text.slice(0, 4096), color: COLOURS.bullish }],
  });
  return true;
}

async function enqueueOperator(deps: NoticeDeps, cause: string, message: OutboxMessage['message']): Promise<void> {
  if (!(await deps.operatorReachable())) return;
  const now = deps.now();
  await deps.outbox.enqueue([
    { source: `${stamp(now)}-notice-${cause}`, seq: 0, target: 'operator', message, createdAt: now.toISOString() },
  ]);
}

/** "20261124T214500Z": sorts with run ids. */
function stamp(at: Date): string {
  return at
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
}
