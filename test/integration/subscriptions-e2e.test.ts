import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { BUNDLED_DATA_DIR } from '../../functions/local/cli/symbol-source.js';
import { type LocalStack, startLocalStack } from '../../functions/local/local-stack.js';
import { chromiumPath } from '../helpers/chromium.js';
import { runCliAsync } from '../helpers/cli.js';
import {
  discordKeys,
  type FakeDiscord,
  PERMISSIONS,
  postInteraction,
  slashCommand,
  startFakeDiscord,
  textOptions,
} from '../helpers/discord.js';
import { tempDir } from '../helpers/temp-dir.js';

// The "done when", on the local runtime: the list `semis` gets NVDA and AMD (from Discord's
// /watch, the API, the dashboard's Lists tab in Chromium, or `scanfleet watchlist add` on the
// store), /subscribe routes ttm-squeeze's
// fired_long on semis to one channel's webhook and macd's bearish crosses on semis to another's,
// then `scanfleet scan --db DIR --as-of 2024-02-29` delivers AMD's fired_long to the first channel
// and nothing else to it, nothing to the second, and every new signal to the configured webhook
// (the implicit subscription to every signal of every list). Discord is the loopback stand-in.
const GUILD = '777000111';
const TOKEN = 'fake-api-token-for-the-done-when';
const keys = discordKeys();

type Posted = { embeds: { description: string }[] };
const linesOf = (posts: unknown[]) =>
  (posts as Posted[]).flatMap((m) =>
    m.embeds.flatMap((e) => [...e.description.matchAll(/\*\*(\S+)\*\* (\w+)/g)].map((x) => `${x[1]} ${x[2]}`)),
  );

async function interact(stack: LocalStack, name: string, options: unknown[]): Promise<void> {
  const body = slashCommand(name, options, { guild: GUILD, permissions: PERMISSIONS.manageServer });
  const response = await postInteraction(stack.url, keys, body);
  expect(((await response.json()) as { type: number }).type).toBe(5);
  await stack.background();
}

/** The dashboard's Lists tab, in Debian's Chromium: the form a trader fills in. */
async function addThroughDashboard(stack: LocalStack): Promise<void> {
  const browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: ['--no-sandbox', '--disable-gpu'],
  });
  try {
    const page = await browser.newPage();
    await page.goto(`${stack.url}/`);
    await page.click('[role=tab][data-view=lists]');
    await page.fill('#list-add-name', 'semis');
    await page.fill('#list-add-symbols', 'NVDA AMD');
    await page.click('#list-add button[type=submit]');
    await page.waitForFunction(() => document.getElementById('lists-note')?.textContent?.startsWith('Added'));
    expect(await page.textContent('#lists-note')).toBe('Added 2 to semis: 2 symbols.');
  } finally {
    await browser.close();
  }
}

async function doneWhen(how: 'discord' | 'api' | 'dashboard' | 'cli') {
  const discord: FakeDiscord = await startFakeDiscord();
  const dir = tempDir(`done-when-${how}`);
  try {
    const squeezes = discord.addWebhook('950000000000000001', GUILD);
    const crosses = discord.addWebhook('950000000000000002', GUILD);
    const configured = discord.addWebhook('950000000000000003', GUILD);
    const env = {
      DISCORD_API_URL: discord.url,
      DISCORD_PUBLIC_KEY: keys.publicKey,
      DISCORD_WEBHOOK_URL: configured.url,
    };
    if (how === 'cli') {
      const added = await runCliAsync(['watchlist', 'add', 'semis', 'NVDA', 'AMD', '--db', dir]);
      expect(added.stdout).toBe('added 2 symbols to semis (NVDA AMD). semis has 2 symbols (version 1).\n');
    }
    // The stack's own first scan, as of the session before, records where the symbols stand.
    const stack = await startLocalStack({
      symbols: ['AMD', 'NVDA'],
      scanners: ['macd', 'ttm-squeeze', 'vpb'],
      dataDir: BUNDLED_DATA_DIR,
      lookback: 150,
      asOf: '2024-02-28',
      port: 0,
      watchlist: 'semis-seed',
      dbPath: dir,
      env,
      // The dashboard's add form is offered at once when the API needs no token (`scanfleet dev`).
      ...(how !== 'dashboard' && { auth: { token: TOKEN, access: 'token' as const } }),
    });
    try {
      if (how === 'discord')
        await interact(stack, 'watch', [
          { name: 'add', type: 1, options: textOptions({ symbols: 'NVDA AMD', list: 'semis' }) },
        ]);
      if (how === 'api') {
        const put = await fetch(`${stack.url}/api/watchlists/semis`, {
          method: 'PUT',
          headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ symbols: ['NVDA', 'AMD'] }),
        });
        expect(put.status).toBe(200);
      }
      if (how === 'dashboard') await addThroughDashboard(stack);
      await interact(
        stack,
        'subscribe',
        textOptions({
          scanner: 'ttm-squeeze',
          signal: 'fired_long',
          list: 'semis',
          webhook: squeezes.url,
        }),
      );
      await interact(
        stack,
        'subscribe',
        textOptions({
          scanner: 'macd',
          signal: 'bearish_cross',
          list: 'semis',
          webhook: crosses.url,
        }),
      );
      const subscriptions = await fetch(`${stack.url}/api/subscriptions`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(((await subscriptions.json()) as { subscriptions: unknown[] }).subscriptions).toHaveLength(2);
    } finally {
      await stack.close();
    }
    const before = linesOf(discord.postsTo('950000000000000003')).length;

    const scan = await runCliAsync(['scan', '--db', dir, '--as-of', '2024-02-29', '--json'], env);
    expect(scan.status, scan.stderr).toBe(0);
    expect((JSON.parse(scan.stdout) as { symbols: string[] }).symbols.sort()).toEqual(['AMD', 'NVDA']);
    expect(linesOf(discord.postsTo('950000000000000001'))).toEqual(['AMD fired_long']);
    expect(linesOf(discord.postsTo('950000000000000002'))).toEqual([]);
    expect(linesOf(discord.postsTo('950000000000000003')).slice(before).sort()).toEqual([
      'AMD bullish_cross',
      'AMD buy',
      'AMD fired_long',
    ]);
  } finally {
    await discord.close();
  }
}

describe('subscriptions, end to end on the local runtime', () => {
  it.each(['discord', 'api', 'dashboard', 'cli'] as const)(
    'semis filled through %s: a run as of 2024-02-29 delivers AMD’s fired_long to the subscribed channel alone',
    (how) => doneWhen(how),
    120_000,
  );
});
