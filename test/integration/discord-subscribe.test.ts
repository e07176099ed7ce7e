import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_DATA_DIR } from '../../functions/local/cli/symbol-source.js';
import { type LocalStack, startLocalStack } from '../../functions/local/local-stack.js';
import {
  type DiscordKeys,
  discordKeys,
  discordSettings,
  type FakeDiscord,
  PERMISSIONS,
  postInteraction,
  replyEdits,
  slashCommand,
  startFakeDiscord,
  textOptions,
} from '../helpers/discord.js';
import { captureLogs } from '../helpers/logs.js';

// /subscribe, /subscriptions and /unsubscribe through signed interactions to the local stack's
// Discord handler, which asks the lists-writer (in this process); the lists-writer looks each
// webhook up on the loopback stand-in for Discord. Then GET /api/subscriptions behind the token.
// A webhook URL is a credential: none may come back in an answer, a follow-up or a log line.
const GUILD = '777000111';
const CHANNEL = '900000000000000001';
const TOKEN = 'fake-api-token-for-subscriptions';
const TIME = /\d{4}-\d\d-\d\d \d\d:\d\d E[SD]T/.source;
let keys: DiscordKeys;
let discord: FakeDiscord;
let stack: LocalStack;
let logs: ReturnType<typeof captureLogs>;
let level: string | undefined;
/** The channel's webhook, another server's, and the stack's configured one. */
let webhook: { id: string; url: string };
let foreign: { id: string; url: string };
let configured: { id: string; url: string };
/** Every answer to an interaction, as Discord received it. */
const answers: string[] = [];

beforeAll(async () => {
  // At INFO, so that every line the handlers write is captured and checked.
  level = process.env.POWERTOOLS_LOG_LEVEL;
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  logs = captureLogs();
  keys = discordKeys();
  discord = await startFakeDiscord();
  webhook = discord.addWebhook(CHANNEL, GUILD);
  foreign = discord.addWebhook('900000000000000002', '888000222');
  configured = discord.addWebhook('900000000000000003', GUILD);
  stack = await startLocalStack({
    symbols: ['AAPL'],
    scanners: ['macd'],
    dataDir: BUNDLED_DATA_DIR,
    lookback: 150,
    asOf: '2024-03-08',
    port: 0,
    watchlist: 'subscribe',
    env: { DISCORD_API_URL: discord.url },
    auth: { token: TOKEN, access: 'public-reads' },
    discord: { settings: discordSettings(keys, { alerts: configured.url }) },
  });
}, 60_000);

afterAll(async () => {
  logs?.restore();
  if (level === undefined) delete process.env.POWERTOOLS_LOG_LEVEL;
  else process.env.POWERTOOLS_LOG_LEVEL = level;
  await stack?.close();
  await discord?.close();
});

function command(name: string, options: Record<string, string>, permissions: string = PERMISSIONS.manageServer) {
  const body = slashCommand(name, textOptions(options), { guild: GUILD, permissions });
  return { id: body.id, body };
}

async function interact(body: unknown) {
  const answer = await (await postInteraction(stack.url, keys, body)).text();
  answers.push(answer);
  return JSON.parse(answer) as { type: number; data?: { content?: string; flags?: number } };
}

/** A deferred command: its immediate answer, then its reply's one edit once the follow-up has run. */
async function deferred(name: string, options: Record<string, string>, permissions?: string) {
  const { id, body } = command(name, options, permissions);
  const first = await interact(body);
  await stack.background();
  const edits = replyEdits(discord, `token-${id}`);
  expect(edits).toHaveLength(1);
  return { first, edit: edits[0].body as { content: string; flags?: number } };
}

async function subscriptions() {
  const answer = await interact(command('subscriptions', {}).body);
  expect(answer.type).toBe(4);
  return answer.data?.content;
}

async function api(path: string, token?: string) {
  const response = await fetch(`${stack.url}${path}`, {
    ...(token && { headers: { authorization: `Bearer ${token}` } }),
  });
  return { status: response.status, text: await response.text() };
}

describe('/subscribe, /subscriptions, /unsubscribe', () => {
  it('refuses a member without the admin permission, in a private deferred reply, asking nothing of the lists-writer', async () => {
    const { first, edit } = await deferred(
      'subscribe',
      { scanner: 'macd', webhook: webhook.url },
      PERMISSIONS.sendMessages,
    );
    expect(first).toEqual({ type: 5, data: { flags: 64 } });
    expect(edit).toEqual({
      content: 'You need the Manage Server permission to subscribe a webhook to alerts.',
      flags: 64,
    });
    const { edit: removal } = await deferred('unsubscribe', { id: 'configured' }, PERMISSIONS.sendMessages);
    expect(removal.content).toBe('You need the Manage Server permission to remove a subscription.');
    expect(discord.received.filter((r) => r.method === 'GET')).toEqual([]);
  });

  it('answers each refusal in one private line, changing nothing', async () => {
    const unknown = `${discord.url}/api/webhooks/1399999999999999999/${'u'.repeat(68)}`;
    const cases: [Record<string, string>, string][] = [
      [
        { scanner: 'rsi', webhook: webhook.url },
        'Nothing changed: unknown scanner "rsi"; scanners: macd, ttm-squeeze, vpb',
      ],
      [
        { scanner: 'macd', signal: 'fired_long', webhook: webhook.url },
        'Nothing changed: unknown signal "fired_long" for macd; its signals: bullish_cross, bearish_cross',
      ],
      [
        { scanner: 'macd', webhook: `https://example.com/api/webhooks/1300000000000000001/${'e'.repeat(68)}` },
        "Nothing changed: webhook is not a Discord webhook URL (it must be https://discord.com/api/webhooks/…); copy it from the channel's Integrations → Webhooks",
      ],
      [
        { scanner: 'macd', webhook: unknown },
        'Nothing changed: Discord does not know this webhook (HTTP 404): it was deleted, or the URL is incomplete',
      ],
      [
        { scanner: 'macd', webhook: foreign.url },
        "Nothing changed: webhook belongs to another Discord server; paste one of this server's",
      ],
    ];
    for (const [options, message] of cases) {
      const { first, edit } = await deferred('subscribe', options);
      expect(first, JSON.stringify(options)).toEqual({ type: 5, data: { flags: 64 } });
      expect(edit, JSON.stringify(options)).toEqual({ content: message, flags: 64 });
    }
    expect(await subscriptions()).toBe(
      `\`configured\` every signal of every list → the stack's alert webhook …${configured.id.slice(-4)}`,
    );
  });

  it('subscribes once, lists the subscription and the configured webhook, and removes both', async () => {
    const options = { scanner: 'macd', signal: 'bullish_cross', list: 'semis', webhook: webhook.url };
    const created = await deferred('subscribe', options);
    expect(created.first).toEqual({ type: 5, data: { flags: 64 } });
    const route = `macd bullish_cross · list semis → <#${CHANNEL}> \\(webhook …${webhook.id.slice(-4)}\\)`;
    expect(created.edit.content).toMatch(new RegExp(`^@alice subscribed ${route}: subscription \`([0-9a-f]{8})\`\\.$`));
    const id = /`([0-9a-f]{8})`/.exec(created.edit.content)?.[1] as string;

    const again = await deferred('subscribe', options);
    expect(again.edit.content).toMatch(
      new RegExp(
        `^Already subscribed: subscription \`${id}\` routes ${route} \\(since @alice at ${TIME}\\); nothing changed\\.$`,
      ),
    );

    const listed = await subscriptions();
    expect(listed).toMatch(
      new RegExp(
        `^\`configured\` every signal of every list → the stack's alert webhook …${configured.id.slice(-4)}\n\`${id}\` ${route}, by @alice at ${TIME}$`,
      ),
    );

    // The read API: behind the token even with public reads, and without any webhook.
    expect((await api('/api/runs')).status).toBe(200);
    expect((await api('/api/subscriptions')).status).toBe(401);
    const read = await api('/api/subscriptions', TOKEN);
    expect(read.status).toBe(200);
    expect(JSON.parse(read.text)).toEqual({
      subscriptions: [
        {
          id,
          scanner: 'macd',
          signal: 'bullish_cross',
          list: 'semis',
          channelId: CHANNEL,
          guildId: GUILD,
          webhookLast4: webhook.id.slice(-4),
          createdBy: '@alice',
          createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        },
      ],
      configured: { id: 'configured' },
    });
    expect(read.text).not.toMatch(/webhook"/i);

    const removed = await deferred('unsubscribe', { id });
    expect(removed.first).toEqual({ type: 5 });
    expect(removed.edit.content).toBe(`@alice removed subscription \`${id}\`: its webhook takes no more alerts.`);
    const gone = await deferred('unsubscribe', { id });
    expect(gone.edit).toEqual({
      content: `Nothing changed: no subscription ${id}; /subscriptions lists them`,
      flags: 64,
    });

    const tombstone = await deferred('unsubscribe', { id: 'configured' });
    expect(tombstone.edit.content).toBe(
      "@alice removed subscription `configured`: the stack's alert webhook takes no more alerts.",
    );
    expect(await subscriptions()).toMatch(
      new RegExp(`^\`configured\` every signal of every list: removed by @alice at ${TIME}$`),
    );
    const after = await api('/api/subscriptions', TOKEN);
    expect(JSON.parse(after.text)).toEqual({
      subscriptions: [],
      configured: { id: 'configured', removed: { by: '@alice', at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) } },
    });
  });

  it('never lets a webhook URL or token out: no answer, no follow-up, no log line carries one', () => {
    const secrets = [webhook, foreign, configured].flatMap(({ url }) => [url, url.split('/').at(-1) as string]);
    const followUps = discord.received.filter((r) => r.method === 'PATCH').map((r) => JSON.stringify(r.body));
    // What was checked: every answer and edit of the tests above, and the handlers' log lines.
    expect(answers).toHaveLength(15);
    expect(followUps).toHaveLength(12);
    const lines = logs.lines();
    expect(lines.filter((l) => l.message === 'interaction').map((l) => l.command)).toContain('subscribe');
    expect(lines.filter((l) => l.message === 'invocation')).toHaveLength(10);
    const logged = logs.text();
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThanOrEqual(60);
      for (const answer of answers) expect(answer).not.toContain(secret);
      for (const body of followUps) expect(body).not.toContain(secret);
      expect(logged).not.toContain(secret);
    }
  });
});
