import { ValidationError } from '../errors.js';
import { fnv1a32 } from '../fnv1a.js';
import { isScannerName, type ScannerName, SCANNERS } from '../scan/scanners.js';
import { requireListName } from './watchlist-rules.js';

/** The subscription that stands for the stack's configured alert webhook: every signal of every list. */
export const CONFIGURED_SUBSCRIPTION = 'configured';

/** Subscriptions a table keeps at most (each is a webhook drained under its own rate limits). */
export const MAX_SUBSCRIPTIONS = 50;

/** What a subscription routes: a scanner's alerts, optionally one signal of it, optionally one list's symbols. */
export interface SubscriptionFilter {
  readonly scanner: ScannerName;
  readonly signal?: string;
  readonly list?: string;
}

/** A subscription as shown: never its webhook URL (a credential), only its channel and the id's last 4 digits. */
export interface Subscription extends SubscriptionFilter {
  readonly id: string;
  readonly channelId: string;
  readonly guildId?: string;
  /** The last 4 digits of the webhook's id. */
  readonly webhookLast4: string;
  readonly createdBy: string;
  readonly createdAt: string;
}

/** A Discord webhook URL taken apart: its id (a snowflake) and its token (the credential). */
export interface WebhookUrl {
  readonly id: string;
  readonly token: string;
}

/** Discord's hosts for webhook URLs (the app's "Copy Webhook URL" gives the first). */
const DISCORD_HOSTS = ['discord.com', 'discordapp.com', 'ptb.discord.com', 'canary.discord.com'];
const WEBHOOK_PATH = /^\/api(?:\/v\d{1,2})?\/webhooks\/(\d{17,20})\/([A-Za-z0-9_-]{60,100})\/?$/;

/**
 * A pasted webhook URL, checked to be a Discord channel webhook: https on a Discord host (or on
 * `apiUrl`'s host, which a test's loopback stand-in takes), path `/api/webhooks/<id>/<token>`.
 * The error never repeats the URL: it holds a credential.
 */
export function parseWebhookUrl(text: string, apiUrl: string): WebhookUrl {
  const refuse = (why: string) =>
    new ValidationError(
      'webhook',
      `webhook is not a Discord webhook URL (${why}); copy it from the channel's Integrations → Webhooks`,
    );
  let url: URL;
  try {
    url = new URL(text.trim());
  } catch {
    throw refuse('not a URL');
  }
  const api = new URL(apiUrl);
  const ownHost = url.host === api.host && url.protocol === api.protocol;
  if (!ownHost && (url.protocol !== 'https:' || !DISCORD_HOSTS.includes(url.hostname) || url.port !== ''))
    throw refuse('it must be https://discord.com/api/webhooks/…');
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '')
    throw refuse('it must have no query, fragment or credentials');
  const match = WEBHOOK_PATH.exec(url.pathname);
  if (!match) throw refuse('its path must be /api/webhooks/<id>/<token>');
  return { id: match[1], token: match[2] };
}

/** The URL scanfleet posts to for a webhook: on the configured API base, whatever host was pasted. */
export function webhookPostUrl(webhook: WebhookUrl, apiUrl: string): string {
  return `${apiUrl.replace(/\/$/, '')}/webhooks/${webhook.id}/${webhook.token}`;
}

/** The last 4 digits of a webhook's id, as a subscription is shown. */
export function last4(webhookId: string): string {
  return webhookId.slice(-4);
}

/**
 * A subscription's filter checked: a scanner scanfleet has, a signal of that scanner, a list name
 * (the list may not exist yet: a subscription can wait for it). Each refusal names the choices.
 */
export function requireSubscriptionFilter(input: {
  scanner: string;
  signal?: string;
  list?: string;
}): SubscriptionFilter {
  const scanner = input.scanner.trim();
  if (!isScannerName(scanner))
    throw new ValidationError('scanner', `unknown scanner "${scanner}"; scanners: ${Object.keys(SCANNERS).join(', ')}`);
  const signal = input.signal?.trim() || undefined;
  const signals: readonly string[] = SCANNERS[scanner].signals;
  if (signal !== undefined && !signals.includes(signal))
    throw new ValidationError(
      'signal',
      `unknown signal "${signal}" for ${scanner}; its signals: ${signals.join(', ')}`,
    );
  const list = input.list?.trim() || undefined;
  return { scanner, ...(signal && { signal }), ...(list && { list: requireListName(list) }) };
}

/**
 * A subscription's id: a digest of what it routes and where, so subscribing the same filter to the
 * same webhook twice finds the first one.
 */
export function subscriptionId(filter: SubscriptionFilter, webhookId: string): string {
  return fnv1a32(`${filter.scanner}#${filter.signal ?? ''}#${filter.list ?? ''}#${webhookId}`)
    .toString(16)
    .padStart(8, '0');
}

/** Subscription ids as /unsubscribe takes them: 8 hex digits, or `configured`. */
export function requireSubscriptionId(text: string): string {
  const id = text.trim().toLowerCase();
  if (id === CONFIGURED_SUBSCRIPTION || /^[0-9a-f]{8}$/.test(id)) return id;
  throw new ValidationError(
    'subscription',
    `subscription "${text.slice(0, 40)}" is not an id: 8 hex digits as /subscriptions shows them, or "${CONFIGURED_SUBSCRIPTION}"`,
  );
}

/** An alert line as routing reads it. */
export interface RoutedLine {
  readonly symbol: string;
  readonly scanner: string;
  readonly signal: string;
}

/**
 * Whether a subscription takes an alert line: its scanner, its signal when it names one, and a
 * symbol of its list (as the run froze the lists) when it names one.
 */
export function subscriptionTakes(
  filter: SubscriptionFilter,
  line: RoutedLine,
  lists: ReadonlyMap<string, ReadonlySet<string>>,
): boolean {
  if (line.scanner !== filter.scanner) return false;
  if (filter.signal !== undefined && line.signal !== filter.signal) return false;
  return filter.list === undefined || (lists.get(filter.list)?.has(line.symbol) ?? false);
}

/** One line describing what a subscription routes: `ttm-squeeze fired_long · list semis`. */
export function describeFilter(filter: Partial<SubscriptionFilter>): string {
  if (filter.scanner === undefined) return 'every signal of every list';
  return `${filter.scanner} ${filter.signal ?? 'every signal'} · ${filter.list ? `list ${filter.list}` : 'every list'}`;
}
