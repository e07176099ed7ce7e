import { newYorkTime } from '../core/discord/format.js';
import { CONFIGURED_SUBSCRIPTION, describeFilter, last4, type Subscription } from '../core/lists/subscription-rules.js';
import { linesWithin } from '../core/discord/discord-embeds.js';
import type { DiscordMessage } from '../adapters/discord/discord-client.js';
import type { DiscordSettings } from '../adapters/discord/discord-settings.js';
import type { SubscriptionReader } from '../adapters/store/stores.js';
import type { SubscriptionRoutes } from '../adapters/store/subscription-store.js';
import type { WatchDeps } from './watch-command.js';

const EPHEMERAL = 64;
const ephemeral = (content: string): DiscordMessage => ({ content, flags: EPHEMERAL });
/** Discord's limit on a message's content. */
const MAX_CONTENT = 2000;

export interface SubscriptionDeps extends Pick<WatchDeps, 'askListsWriter'> {
  readonly subscriptions: SubscriptionReader;
  /** The stack's alert webhook: /subscriptions shows the last 4 digits of its id, never the URL. */
  readonly settings: Pick<DiscordSettings, 'webhookUrl'>;
}

/** A command's options as the interaction carries them: `/subscribe scanner:… webhook:…`. */
type Options = readonly { name: string; value?: unknown }[] | undefined;

/**
 * /subscribe scanner [signal] [list] webhook: the lists-writer checks the filter and looks the
 * webhook up at Discord (its channel, its server: the interaction's `guildId`), then stores it
 * sealed. The answer names the channel and the webhook's last 4 digits, never its URL.
 */
export async function subscribeCommand(
  options: Options,
  deps: SubscriptionDeps,
  admit: () => DiscordMessage | undefined,
  by: string,
  guildId: string | undefined,
): Promise<DiscordMessage> {
  const refused = admit();
  if (refused) return refused;
  const option = (name: string) => {
    const value = options?.find((o) => o.name === name)?.value;
    return typeof value === 'string' ? value : undefined;
  };
  const answer = await deps.askListsWriter({
    action: 'subscribe',
    scanner: option('scanner') ?? '',
    ...(option('signal') !== undefined && { signal: option('signal') }),
    ...(option('list') !== undefined && { list: option('list') }),
    webhook: option('webhook') ?? '',
    ...(guildId !== undefined && { guildId }),
    by,
  });
  if (!answer.ok) return ephemeral(`Nothing changed: ${answer.error.message}`);
  if (answer.action !== 'subscribe') throw new Error(`lists-writer answered ${answer.action} to subscribe`);
  const { subscription } = answer;
  return answer.created
    ? { content: `${by} subscribed ${routeOf(subscription)}: subscription \`${subscription.id}\`.` }
    : {
        content: `Already subscribed: subscription \`${subscription.id}\` routes ${routeOf(subscription)} (since ${subscription.createdBy} at ${newYorkTime(subscription.createdAt)}); nothing changed.`,
      };
}

/** /unsubscribe id: an id /subscriptions shows, or `configured` (the stack's alert webhook, tombstoned). */
export async function unsubscribeCommand(
  options: Options,
  deps: SubscriptionDeps,
  admit: () => DiscordMessage | undefined,
  by: string,
): Promise<DiscordMessage> {
  const refused = admit();
  if (refused) return refused;
  const id = options?.find((o) => o.name === 'id')?.value;
  const answer = await deps.askListsWriter({ action: 'unsubscribe', id: typeof id === 'string' ? id : '', by });
  if (!answer.ok) return ephemeral(`Nothing changed: ${answer.error.message}`);
  if (answer.action !== 'unsubscribe') throw new Error(`lists-writer answered ${answer.action} to unsubscribe`);
  return {
    content:
      answer.id === CONFIGURED_SUBSCRIPTION
        ? `${by} removed subscription \`${CONFIGURED_SUBSCRIPTION}\`: the stack's alert webhook takes no more alerts.`
        : `${by} removed subscription \`${answer.id}\`: its webhook takes no more alerts.`,
  };
}

/**
 * /subscriptions: the configured webhook's implicit subscription first (so a long list, cut at
 * Discord's limit, never hides it), then each subscription. No URL, no token.
 */
export async function subscriptionsCommand(deps: SubscriptionDeps): Promise<DiscordMessage> {
  const [routes, configuredUrl] = await Promise.all([deps.subscriptions.routes(), deps.settings.webhookUrl()]);
  const lines = [
    `\`${CONFIGURED_SUBSCRIPTION}\` ${configuredLine(routes, configuredUrl)}`,
    ...routes.subscriptions.map((s) => `\`${s.id}\` ${routeOf(s)}, by ${s.createdBy} at ${newYorkTime(s.createdAt)}`),
  ];
  return { content: linesWithin(lines, MAX_CONTENT) };
}

/** What a subscription routes, and where: `macd every signal · list semis → <#123> (webhook …4321)`. */
function routeOf(s: Subscription): string {
  return `${describeFilter(s)} → <#${s.channelId}> (webhook …${s.webhookLast4})`;
}

function configuredLine(routes: SubscriptionRoutes, url: string | undefined): string {
  if (routes.configuredRemoved)
    return `${describeFilter({})}: removed by ${routes.configuredRemoved.by} at ${newYorkTime(routes.configuredRemoved.at)}`;
  if (url === undefined) return 'none configured: the stack has no alert webhook';
  const webhookId = /\/webhooks\/(\d+)\//.exec(url)?.[1];
  return `${describeFilter({})} → the stack's alert webhook${webhookId ? ` …${last4(webhookId)}` : ''}`;
}
