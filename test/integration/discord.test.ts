import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discordCommands } from '../../functions/core/discord/discord-commands.js';
import { createDocumentClient } from '../../functions/adapters/store/dynamodb-client.js';
import { openStores } from '../../functions/adapters/store/stores.js';
import { type ScorecardCommandDeps, topCommand } from '../../functions/discord/scorecard-commands.js';
import { backfillScorecard, computeScorecard } from '../../functions/local/cli/scorecard-command.js';
import { BUNDLED_DATA_DIR } from '../../functions/local/cli/symbol-source.js';
import { type LocalStack, startLocalStack } from '../../functions/local/local-stack.js';
import { runCliAsync } from '../helpers/cli.js';
import { countingStores } from '../helpers/store.js';
import {
  type DiscordKeys,
  discordKeys,
  discordSettings,
  type FakeDiscord,
  PERMISSIONS,
  postInteraction,
  signedHeaders,
  slashCommand,
  snowflakeAt,
  startFakeDiscord,
} from '../helpers/discord.js';

const SYMBOLS = ['AAPL', 'GE', 'MDB', 'DDOG', 'COST'];
const HISTORY = { provider: 'csv' as const, dataDir: BUNDLED_DATA_DIR, symbols: SYMBOLS, nowMs: Date.now() };
const client = () => createDocumentClient(stack.store.endpoint);
const WEBHOOK_PATH = '/api/webhooks/123456789/fake-webhook-token';
let keys: DiscordKeys;
let discord: FakeDiscord;
let stack: LocalStack;
const counted = countingStores(() => stack.store);

beforeAll(async () => {
  keys = discordKeys();
  discord = await startFakeDiscord();
  stack = await startLocalStack({
    watchlist: 'discord-test',
    symbols: SYMBOLS,
    scanners: ['macd', 'ttm-squeeze', 'vpb'],
    dataDir: BUNDLED_DATA_DIR,
    lookback: 150,
    asOf: '2024-03-07',
    port: 0,
    env: { DISCORD_WEBHOOK_URL: `${discord.url}${WEBHOOK_PATH}` },
    discord: {
      ...counted.stores,
      settings: discordSettings(keys, { alerts: `${discord.url}${WEBHOOK_PATH}` }),
      apiUrl: discord.url,
    },
  });
}, 60_000);

afterAll(async () => {
  await stack.close();
  await discord.close();
});

async function interact(body: unknown, headers?: Record<string, string>) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const response = headers
    ? await fetch(`${stack.url}/discord/interactions`, { method: 'POST', body: text, headers })
    : await postInteraction(stack.url, keys, text);
  return { status: response.status, body: (await response.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}
// Each interaction a second after the last (a /scan-now run's id is its interaction's time, to the second).
let interactionClock = Date.now();
/** A member without permissions, unless given (Manage Server, 32, for /scan-now). */
const command = (
  name: string,
  options: { name: string; value: string }[] = [],
  guild = '555000111',
  permissions = '0',
) =>
  slashCommand(name, options, {
    id: snowflakeAt(new Date((interactionClock += 1_000))),
    guild,
    permissions,
    userId: '42',
    username: 'member',
    token: 'fake-interaction-token',
  });

describe('alerts', () => {
  it('records what the store’s first run sees, as of 2024-03-07, and alerts nothing of it', () => {
    expect(discord.received.filter((r) => r.path === WEBHOOK_PATH)).toHaveLength(0);
    expect(stack.run.alert).toMatchObject({ status: 'nothing_new', newSignals: 0 });
  });

  it('posts the events of the next closed session once, crosses and breakouts inside their cooldown held back, each with its edge', async () => {
    // The live scorecard, backfilled from the five symbols' history: each alert line quotes its
    // signal's figures at 10 sessions, the CLI's for the same observations.
    await backfillScorecard({
      ...HISTORY,
      store: openStores(client(), { tableName: stack.store.tableName }).scorecard,
    });
    const card = await computeScorecard(HISTORY);
    const edge = (scanner: string, signal: string) => {
      const row = card.rows.find((r) => r.scanner === scanner && r.signal === signal && r.horizon === 10)!;
      const excess = row.excessReturnPct!;
      if (row.count < 30) return ` · 10d: not enough history (n=${row.count})`;
      return ` · 10d: ${Math.round(row.hitRatePct!)}% down (n=${row.count}), ${excess < 0 ? '−' : '+'}${Math.abs(excess).toFixed(1)}% vs all`;
    };
    // Both kinds of line: MACD's bearish crosses are many in five symbols' history, DDOG's fires few.
    expect(edge('macd', 'bearish_cross')).toMatch(/% down \(n=\d+\)/);
    expect(edge('ttm-squeeze', 'fired_short')).toMatch(/not enough history \(n=\d+\)$/);
    // /scan-now scans the latest bars: 2024-03-08. GE's buy (one on 03-07) and MDB's sell (one on
    // 03-05) fall within 3 sessions of an alerted one; COST's cross and DDOG's fire are new.
    const { body } = await interact(command('scan-now', [], '555000111', PERMISSIONS.manageServer));
    expect(body.type).toBe(4);
    await stack.background();
    const posts = discord.received.filter((r) => r.path === WEBHOOK_PATH);
    expect(posts).toHaveLength(1);
    const message = posts[0].body as {
      content: string;
      embeds: { title: string; description: string; color: number; footer: { text: string } }[];
    };
    expect(message.content).toBe('scanfleet: 2 new signals');
    expect(message.embeds.map((e) => [e.title, e.color])).toEqual([
      ['New signals as of 2024-03-08 — macd (1)', 0xe0464e],
      ['New signals as of 2024-03-08 — ttm-squeeze (1)', 0xe0464e],
    ]);
    // Each symbol links to its page on this stack's own dashboard.
    expect(stack.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(message.embeds[0].description).toBe(
      `[**COST**](${stack.url}/#/symbol/COST) bearish_cross — $725.56 (−7.64%), hist −0.736, trend bullish${edge('macd', 'bearish_cross')}`,
    );
    expect(message.embeds[1].description).toBe(
      `[**DDOG**](${stack.url}/#/symbol/DDOG) fired_short — $121.31, 17 bars, momentum −6.324 falling${edge('ttm-squeeze', 'fired_short')}`,
    );
    const [, link] = /^\[\*\*COST\*\*\]\((\S+)\) /.exec(message.embeds[0].description) ?? [];
    expect(new URL(link).hash).toBe('#/symbol/COST');
    const page = await fetch(link);
    expect([page.status, page.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
    expect(message.embeds[0].footer.text).toMatch(
      /^run \d{8}T\d{6}Z-full · as of 2024-03-08 · 5 symbols · 0 with errors$/,
    );
  });

  it('does not send a signal again: a second run of the same bars alerts nothing', async () => {
    const before = discord.received.filter((r) => r.path === WEBHOOK_PATH).length;
    // Another server: this one's /scan-now is within its 10-minute cooldown.
    const { body } = await interact(command('scan-now', [], '555000222', PERMISSIONS.manageServer));
    expect(body.type).toBe(4);
    expect(body.data.content).toMatch(/^Started a scan of the full watchlist: run \d{8}T\d{6}Z-full\./);
    await stack.background();
    expect(discord.received.filter((r) => r.path === WEBHOOK_PATH)).toHaveLength(before);
    const runs = (await (await fetch(`${stack.url}/api/runs`)).json()) as { runs: { runId: string; status: string }[] };
    expect(runs.runs.map((r) => r.status)).toEqual(['complete', 'complete', 'complete']);
  });
});

describe('interactions endpoint: signatures', () => {
  const ping = JSON.stringify({ type: 1, application_id: '123456789', token: 't' });

  it('answers a signed PING with PONG', async () => {
    expect(await interact(ping)).toEqual({ status: 200, body: { type: 1 } });
  });

  it.each([
    ['no signature headers', () => ({ 'content-type': 'application/json' }), ping, 401, 'missing signature headers'],
    [
      'a malformed signature',
      () => ({ ...signedHeaders(keys, ping), 'x-signature-ed25519': 'zz' }),
      ping,
      401,
      'malformed signature',
    ],
    [
      'a tampered body',
      () => signedHeaders(keys, ping),
      ping.replace('"type":1', '"type":2'),
      401,
      'invalid signature',
    ],
    ['another key', () => signedHeaders(discordKeys(), ping), ping, 401, 'invalid signature'],
    [
      'a replayed, stale request (6 minutes old)',
      () => signedHeaders(keys, ping, Math.floor(Date.now() / 1000) - 360),
      ping,
      401,
      'stale timestamp',
    ],
    [
      'a request from the future',
      () => signedHeaders(keys, ping, Math.floor(Date.now() / 1000) + 3600),
      ping,
      401,
      'stale timestamp',
    ],
  ])('refuses %s', async (_, headers, body, status, reason) => {
    const calls = counted.calls();
    const response = await fetch(`${stack.url}/discord/interactions`, { method: 'POST', body, headers: headers() });
    expect(response.status).toBe(status);
    expect(await response.json()).toEqual({ error: reason });
    expect(counted.calls()).toBe(calls);
  });

  it('refuses an oversized body before checking it, and a signed non-JSON body as a bad request', async () => {
    const big = 'x'.repeat(70_000);
    expect((await interact(big, signedHeaders(keys, big))).status).toBe(413);
    expect(await interact('not json')).toEqual({ status: 400, body: { error: 'body is not JSON' } });
  });
});

describe('slash commands', () => {
  it('/scan answers the latest signals of a scanner as an embed, optionally one signal', async () => {
    const { body } = await interact(command('scan', [{ name: 'scanner', value: 'vpb' }]));
    expect(body.type).toBe(4);
    expect(body.data.embeds[0].title).toBe('Latest signals — vpb (2)');
    expect(body.data.embeds[0].description).toContain('**GE** buy');
    const sell = await interact(
      command('scan', [
        { name: 'scanner', value: 'vpb' },
        { name: 'signal', value: 'sell' },
      ]),
    );
    expect(sell.body.data.embeds[0].title).toBe('Latest sell — vpb (1)');
    expect(sell.body.data.embeds[0].description).not.toContain('GE');
  });

  it('/symbol answers every scanner for one symbol', async () => {
    const { body } = await interact(command('symbol', [{ name: 'ticker', value: 'ddog' }]));
    const embed = body.data.embeds[0];
    expect(embed.title).toBe('DDOG — as of 2024-03-08');
    expect(embed.fields.map((f: { name: string }) => f.name).sort()).toEqual(['macd', 'ttm-squeeze', 'vpb']);
    expect(embed.fields.find((f: { name: string }) => f.name === 'ttm-squeeze').value).toMatch(
      /^fired_short — \$121\.31, 17 bars, momentum −6\.324 falling$/,
    );
    expect(embed.description).toMatch(/Signal history:\n2024-03-08 ttm-squeeze fired_short/);
  });

  it('/scorecard answers each signal’s edge at a horizon, the live figures equal to the CLI’s', async () => {
    const card = await computeScorecard(HISTORY);
    const { body } = await interact(
      command('scorecard', [
        { name: 'scanner', value: 'vpb' },
        { name: 'horizon', value: '5' as never },
      ]),
    );
    const embed = body.data.embeds[0];
    expect(embed.title).toBe('Scorecard: 5 sessions after each signal (vpb)');
    const [buy, sell] = ['buy', 'sell'].map((signal) => card.rows.find((r) => r.signal === signal && r.horizon === 5)!);
    const base = card.baseline.find((b) => b.horizon === 5)!;
    const pct = (v: number) => `${v > 0 ? '+' : v < 0 ? '−' : ''}${Math.abs(v).toFixed(1)}%`;
    const line = (r: typeof buy, way: string) =>
      r.count < 30
        ? `**vpb** ${r.signal} · 5d: not enough history (n=${r.count})`
        : `**vpb** ${r.signal} · 5d: ${Math.round(r.hitRatePct!)}% ${way} (n=${r.count}), ${pct(r.excessReturnPct!)} vs all`;
    expect(embed.description).toBe(
      [
        line(buy, 'up'),
        line(sell, 'down'),
        `**all sessions** · 5d: ${pct(base.meanReturnPct!)} mean, ${Math.round(base.upRatePct!)}% up (n=${base.count})`,
      ].join('\n'),
    );
    expect(embed.footer.text).toBe(`sessions ${card.from} … ${card.to} · 5 symbols · n: observations`);
    const bad = await interact(command('scorecard', [{ name: 'horizon', value: '0' }]));
    expect(bad.body.data).toEqual({ content: 'horizon must be a whole number from 1 to 250.', flags: 64 });
  });

  it('/top ranks the latest run’s signals by the scorecard, as scan --top does', async () => {
    const { body } = await interact(command('top', [{ name: 'n', value: '3' as never }]));
    const embed = body.data.embeds[0];
    // The latest run (2024-03-08) has signals on COST (bearish cross), DDOG (fired_short), GE (buy) and MDB (sell).
    expect(embed.title).toMatch(/^Top setups: 3 of \d+ symbols with a signal$/);
    const lines = embed.description.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines.map((l: string) => /^(\d)\. \*\*([A-Z]+)\*\* /.exec(l)?.slice(1))).toEqual([
      ['1', expect.any(String)],
      ['2', expect.any(String)],
      ['3', expect.any(String)],
    ]);
    expect(embed.footer.text).toMatch(/^run \d{8}T\d{6}Z-full · as of 2024-03-08 · scored at 10 sessions$/);
  });

  it('/top does not rank a run older than the scorecard: an ephemeral line naming both days', async () => {
    // The stack's first run (as of 2024-03-07) as the one shown, as while the run after it is still
    // going; the live scorecard backfilled above has sessions through 2024-03-08.
    expect(stack.run.asOf).toBe('2024-03-07');
    const stores = openStores(client(), { tableName: stack.store.tableName });
    const runs = { shownRun: async () => stack.run } as unknown as ScorecardCommandDeps['runs'];
    expect(await topCommand(undefined, { ...stores, runs })).toEqual({
      content:
        'Not ranked: the latest finished run is as of 2024-03-07, but the scorecard has sessions through 2024-03-08, so ranking that run would count returns after its as-of. /top ranks again once a run as of 2024-03-08 or later finishes (/status shows the last run).',
      flags: 64,
    });
  });

  it('/status answers the last run, its age and errors, and the next scheduled run', async () => {
    const { body } = await interact(command('status'));
    const fields = Object.fromEntries(
      body.data.embeds[0].fields.map((f: { name: string; value: string }) => [f.name, f.value]),
    );
    expect(fields['Last run']).toMatch(
      /^\d{8}T\d{6}Z-full \(manual, session \d{4}-\d{2}-\d{2}\): complete, 1\/1 batches, started \d+ min ago$/,
    );
    expect(fields.Alerts).toBe('closed bars only: each event once, after the close');
    expect(fields['Last complete run']).toMatch(
      /^as of 2024-03-08, finished \d+ min ago: 5 symbols, 0 with errors, 0 short of data$/,
    );
    expect(fields['Next scheduled run']).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} E[SD]T \(in \d+ (min|h)\)$/);
  });

  it.each([
    [
      command('scan', [{ name: 'scanner', value: 'rsi' }]),
      'There is no scanner "rsi". Choose one of macd, ttm-squeeze, vpb.',
    ],
    [
      command('scan', [
        { name: 'scanner', value: 'vpb' },
        { name: 'signal', value: 'squeeze_on' },
      ]),
      'vpb has no signal "squeeze_on"; its signals are buy, sell.',
    ],
    [
      command('symbol', [{ name: 'ticker', value: '$$$' }]),
      '"$$$" is not a ticker symbol (letters and digits, e.g. AAPL or BRK.B).',
    ],
    [
      command('buy-everything'),
      'Unknown command /buy-everything. Try /scan scanner:<macd|ttm-squeeze|vpb> [signal], /symbol ticker:<SYMBOL>, /scorecard, /top, /status, /watch, /subscriptions, /scan-now, /pause or /resume.',
    ],
  ])('answers a bad command or option with an ephemeral, helpful message', async (interaction, message) => {
    const { body } = await interact(interaction);
    expect(body).toEqual({ type: 4, data: { content: message, flags: 64 } });
  });
});

describe('deferred replies', () => {
  it('defers a command that misses the deadline and edits the reply through the follow-up webhook', async () => {
    const slow = await startLocalStack({
      watchlist: 'deferred',
      symbols: ['GE'],
      scanners: ['vpb'],
      dataDir: BUNDLED_DATA_DIR,
      lookback: 150,
      asOf: '2024-03-08',
      port: 0,
      discord: {
        settings: discordSettings(keys),
        apiUrl: discord.url,
        deadlineMs: 0,
      },
    });
    try {
      const response = await postInteraction(slow.url, keys, command('scan', [{ name: 'scanner', value: 'vpb' }]));
      expect(await response.json()).toEqual({ type: 5 });
      await slow.background();
      const edit = discord.received.find((r) => r.method === 'PATCH');
      expect(edit?.path).toBe('/webhooks/123456789/fake-interaction-token/messages/@original');
      expect((edit?.body as { embeds: { title: string }[] }).embeds[0].title).toBe('Latest signals — vpb (1)');
    } finally {
      await slow.close();
    }
  });
});

describe('scanfleet discord register', () => {
  const env = {
    DISCORD_API_URL: '',
    DISCORD_APPLICATION_ID: '123456789',
    DISCORD_BOT_TOKEN: 'fake-bot-token-7777',
  };
  const GUILD = '987654321098765432';
  const puts = () => discord.received.filter((r) => r.method === 'PUT');
  const gates = (body: unknown) =>
    (body as { name: string; default_member_permissions?: string }[])
      .filter((c) => c.default_member_permissions !== undefined)
      .map((c) => `${c.name}:${c.default_member_permissions}`);

  it('puts the commands in one server with --guild, and everywhere with --global, with the bot token', async () => {
    env.DISCORD_API_URL = discord.url;
    const before = puts().length;
    const guild = await runCliAsync(['discord', 'register', '--guild', GUILD], env);
    expect(guild.status, guild.stderr).toBe(0);
    expect(guild.stdout).toBe(
      `Registered 12 commands in server ${GUILD}: /scan, /symbol, /scorecard, /top, /status, /watch, /subscribe, /unsubscribe, /subscriptions, /scan-now, /pause, /resume; /subscribe, /unsubscribe, /scan-now, /pause, /resume and /watch add|remove for members with Manage Server\n`,
    );
    const [put] = puts().slice(before);
    expect(put.path).toBe(`/applications/123456789/guilds/${GUILD}/commands`);
    expect(put.headers.authorization).toBe('Bot fake-bot-token-7777');
    expect(put.body).toEqual(JSON.parse(JSON.stringify(discordCommands())));
    expect(gates(put.body)).toEqual(['subscribe:32', 'unsubscribe:32', 'scan-now:32', 'pause:32', 'resume:32']);
    const global = await runCliAsync(['discord', 'register', '--global'], env);
    expect(global.status, global.stderr).toBe(0);
    expect(global.stdout).toContain('globally');
    expect(puts()[before + 1].path).toBe('/applications/123456789/commands');
    expect(`${guild.stdout}${guild.stderr}${global.stdout}${global.stderr}`).not.toContain('fake-bot-token-7777');
  });

  it('registers the state-changing commands for the permission given (the deployment’s discord.adminPermission)', async () => {
    env.DISCORD_API_URL = discord.url;
    const before = puts().length;
    const run = await runCliAsync(['discord', 'register', '--global', '--permission', 'ADMINISTRATOR'], env);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /; \/subscribe, \/unsubscribe, \/scan-now, \/pause, \/resume and \/watch add\|remove for members with Administrator\n$/,
    );
    expect(gates(puts()[before].body)).toEqual(['subscribe:8', 'unsubscribe:8', 'scan-now:8', 'pause:8', 'resume:8']);
  });

  it.each([
    [[], 'discord register needs --guild ID (one server) or --global (every server)'],
    [['--guild', GUILD, '--global'], 'discord register takes --guild ID or --global, not both'],
    [['--guild', '123'], '--guild must be a server id (a snowflake of 17 to 20 digits), got "123"'],
    [
      ['--guild', '9876543210987654321098'],
      '--guild must be a server id (a snowflake of 17 to 20 digits), got "9876543210987654321098"',
    ],
    [['--guild'], '--guild needs a value'],
    [
      ['--global', '--permission', 'Manage Server'],
      '--permission must be one of ADMINISTRATOR, MANAGE_GUILD, MANAGE_CHANNELS, MANAGE_ROLES, MANAGE_WEBHOOKS, MANAGE_MESSAGES, MANAGE_EVENTS, KICK_MEMBERS, BAN_MEMBERS, MODERATE_MEMBERS, got "Manage Server"',
    ],
    [['--everywhere'], 'unknown option "--everywhere" for discord register'],
  ])('refuses register %j: exit 2, one line, nothing sent', async (args, message) => {
    env.DISCORD_API_URL = discord.url;
    const before = puts().length;
    const run = await runCliAsync(['discord', 'register', ...args], env);
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(`scanfleet: ${message}\n`);
    expect(run.stdout).toBe('');
    expect(puts().length).toBe(before);
  });

  it('prints its usage for register --help, exit 0', async () => {
    const run = await runCliAsync(['discord', 'register', '--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Usage: scanfleet discord register \(--guild ID \| --global\) \[--permission NAME\]\n/);
    expect(run.stdout).toContain('--guild ID');
    expect(run.stdout).toContain('--global');
  });

  it('names what is missing', async () => {
    const run = await runCliAsync(['discord', 'register', '--global'], {
      DISCORD_APPLICATION_ID: '123456789',
      DISCORD_BOT_TOKEN: '',
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toBe('scanfleet: set DISCORD_BOT_TOKEN to your bot token (Discord developer portal → Bot)\n');
  });
});
