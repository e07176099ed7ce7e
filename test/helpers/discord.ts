import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DiscordSettings } from '../../functions/adapters/discord/discord-settings.js';

export interface DiscordKeys {
  /** Hex of the raw 32-byte Ed25519 public key, as the developer portal shows it. */
  readonly publicKey: string;
  readonly privateKey: KeyObject;
}

/** A real Ed25519 key pair, as Discord's application key. */
export function discordKeys(): DiscordKeys {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = Buffer.from(publicKey.export({ format: 'jwk' }).x as string, 'base64url');
  return { publicKey: raw.toString('hex'), privateKey };
}

/** The headers Discord sends: Ed25519 signature over timestamp + body. */
export function signedHeaders(
  keys: DiscordKeys,
  body: string,
  timestamp = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const signature = sign(null, Buffer.from(`${timestamp}${body}`), keys.privateKey).toString('hex');
  return {
    'content-type': 'application/json',
    'x-signature-ed25519': signature,
    'x-signature-timestamp': String(timestamp),
  };
}

export interface Received {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
}

export interface FakeDiscord {
  readonly url: string;
  readonly received: Received[];
  /**
   * A channel webhook as Discord makes one (an id, a 68-character token): its URL as the app's
   * "Copy Webhook URL" gives it, on this server. GET answers its channel and server; a wrong token is a 401.
   */
  addWebhook(channelId: string, guildId?: string): { id: string; url: string };
  /** What the registered webhooks received (POSTs), by channel, in arrival order. */
  postsTo(channelId: string): unknown[];
  /** The next `times` requests get this status (429 with retry_after, or 5xx). */
  failNext(status: number, times: number): void;
  close(): Promise<void>;
}

/**
 * A loopback server answering like Discord's REST API for what scanfleet calls: channel
 * webhooks (204), interaction follow-up edits, and bulk command registration. It records
 * every request so tests assert the exact messages.
 */
export async function startFakeDiscord(): Promise<FakeDiscord> {
  const received: Received[] = [];
  const webhooks = new Map<string, { token: string; channelId: string; guildId?: string }>();
  const posts = new Map<string, unknown[]>();
  let failures = { status: 0, times: 0 };
  const WEBHOOK = /^(?:\/api(?:\/v\d+)?)?\/webhooks\/(\d+)\/([\w-]+)$/;
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (c: Buffer) => (text += c.toString()));
    req.on('end', () => {
      const body = text ? (JSON.parse(text) as unknown) : undefined;
      received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      if (failures.times > 0) {
        failures.times--;
        res.writeHead(failures.status, {
          'content-type': 'application/json',
          ...(failures.status === 429 && { 'retry-after': '1' }),
        });
        res.end(
          JSON.stringify(
            failures.status === 429
              ? { message: 'You are being rate limited.', retry_after: 0.05, global: false }
              : { message: 'Internal Server Error', code: 0 },
          ),
        );
        return;
      }
      const webhook = WEBHOOK.exec(req.url ?? '');
      const registered = webhook && webhooks.get(webhook[1]);
      if (webhook && registered && registered.token !== webhook[2]) {
        res
          .writeHead(401, { 'content-type': 'application/json' })
          .end(JSON.stringify({ message: 'Invalid Webhook Token', code: 50027 }));
      } else if (webhook && req.method === 'GET') {
        if (!registered)
          res
            .writeHead(404, { 'content-type': 'application/json' })
            .end(JSON.stringify({ message: 'Unknown Webhook', code: 10015 }));
        else
          res.writeHead(200, { 'content-type': 'application/json' }).end(
            JSON.stringify({
              type: 1,
              id: webhook[1],
              name: 'scanfleet',
              channel_id: registered.channelId,
              ...(registered.guildId && { guild_id: registered.guildId }),
              token: webhook[2],
            }),
          );
      } else if (webhook && req.method === 'POST') {
        if (registered) posts.set(registered.channelId, [...(posts.get(registered.channelId) ?? []), body]);
        res.writeHead(204).end();
      } else if (req.method === 'PATCH' && /^\/webhooks\/\d+\/[\w.-]+\/messages\/@original$/.test(req.url ?? '')) {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ id: '1', ...(body as object) }));
      } else if (req.method === 'PUT' && /^\/applications\/\d+(\/guilds\/\d+)?\/commands$/.test(req.url ?? '')) {
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify((body as object[]).map((c, i) => ({ id: String(1000 + i), ...c }))));
      } else {
        res
          .writeHead(404, { 'content-type': 'application/json' })
          .end(JSON.stringify({ message: '404: Not Found', code: 0 }));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    received,
    addWebhook: (channelId, guildId) => {
      const id = String(1_300_000_000_000_000_000n + BigInt(webhooks.size + 1));
      const token = `FAKE-webhook-token-${channelId}-`.padEnd(68, 'x').slice(0, 68);
      webhooks.set(id, { token, channelId, ...(guildId && { guildId }) });
      return { id, url: `${base}/api/webhooks/${id}/${token}` };
    },
    postsTo: (channelId) => posts.get(channelId) ?? [],
    failNext: (status, times) => (failures = { status, times }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A Discord id (snowflake) made at this instant: its timestamp is what /scan-now keys its run by. */
export function snowflakeAt(at: Date, increment = 0): string {
  return (((BigInt(at.getTime()) - 1_420_070_400_000n) << 22n) | BigInt(increment & 0xfff)).toString();
}

/** The permission bits a member's `permissions` string carries, as Discord writes them (decimal). */
export const PERMISSIONS = {
  administrator: String(1 << 3),
  manageServer: String(1 << 5),
  sendMessages: String(1 << 11),
} as const;

/** The Discord settings of a local stack verifying with these keys: no webhooks unless given. */
export function discordSettings(
  keys: DiscordKeys,
  webhooks: { alerts?: string; operator?: string } = {},
): DiscordSettings {
  return {
    publicKey: async () => keys.publicKey,
    webhookUrl: async () => webhooks.alerts,
    operatorWebhookUrl: async () => webhooks.operator,
  };
}

export interface Sender {
  /** The interaction's id, made at this instant unless given. */
  id?: string;
  /** In a server unless undefined: then a direct message, with no member or permissions. */
  guild?: string;
  permissions?: string;
  userId?: string;
  username?: string;
  /** The interaction token; `token-<id>` unless given. */
  token?: string;
}

let sequence = 0;

/** A slash command's interaction as Discord sends it (type 2), from a member of a server or a direct message. */
export function slashCommand(name: string, options: readonly unknown[] = [], from: Sender = {}) {
  const id = from.id ?? snowflakeAt(new Date(), ++sequence);
  const user = { id: from.userId ?? '4242', username: from.username ?? 'alice' };
  return {
    type: 2,
    id,
    application_id: '123456789',
    token: from.token ?? `token-${id}`,
    ...(from.guild === undefined
      ? { user }
      : { guild_id: from.guild, member: { permissions: from.permissions ?? '0', user } }),
    data: { name, options },
  };
}

/** String options (type 3), in the order given. */
export const textOptions = (options: Record<string, string>) =>
  Object.entries(options).map(([name, value]) => ({ name, type: 3, value }));

/** POSTs an interaction to a stack's `/discord/interactions`, signed with `keys` at `at`. */
export function postInteraction(
  stackUrl: string,
  keys: DiscordKeys,
  body: unknown,
  at = new Date(),
): Promise<Response> {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return fetch(`${stackUrl}/discord/interactions`, {
    method: 'POST',
    body: text,
    headers: signedHeaders(keys, text, Math.floor(at.getTime() / 1000)),
  });
}

/** What Discord received to edit an interaction's deferred reply (its `@original` message), in order. */
export const replyEdits = (discord: FakeDiscord, token: string) =>
  discord.received.filter((r) => r.method === 'PATCH' && r.path === `/webhooks/123456789/${token}/messages/@original`);
