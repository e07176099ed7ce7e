import { DeleteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { alertRoutes } from '../../functions/adapters/discord/alert-routing.js';
import { DiscordClient } from '../../functions/adapters/discord/discord-client.js';
import { drainToDiscord } from '../../functions/adapters/discord/outbox-sender.js';
import { openStores, openSubscriptionStore } from '../../functions/adapters/store/stores.js';
import { KEYS } from '../../functions/adapters/store/table-schema.js';
import { webhookCipher } from '../../functions/adapters/webhook-cipher.js';
import { MAX_SUBSCRIPTIONS } from '../../functions/core/lists/subscription-rules.js';
import type { AlertLogEntry } from '../../functions/core/run/alert-log.js';
import { queueRunAlerts } from '../../functions/core/run/run-alert.js';
import type { ScannerName } from '../../functions/core/scan/scanners.js';
import { lookupWebhook, SubscriptionChanges } from '../../functions/lists-writer/subscription-changes.js';
import { type FakeDiscord, startFakeDiscord } from '../helpers/discord.js';
import { manualClock } from '../helpers/clock.js';
import { useEmbeddedStore } from '../helpers/store.js';

// Subscriptions on dynalite, their webhooks looked up at and posted to a loopback Discord that
// answers GET /webhooks/{id}/{token} as Discord does (its channel and server; 404 unknown, 401 a
// wrong token). The clock is injected; a drainer's wait advances it.
const db = useEmbeddedStore();
let discord: FakeDiscord;
beforeAll(async () => {
  discord = await startFakeDiscord();
});
afterAll(() => discord.close());

const GUILD = '880000000000000001';
const KEY = 'a-test-key-that-is-obviously-fake-000000000000';
const clock = manualClock('2024-02-29T22:00:00Z');
const { sleep } = clock;
const stores = () => openStores(db.client(), { tableName: db.store().tableName, now: clock.now });
const writer = () => openSubscriptionStore(db.client(), { tableName: db.store().tableName, now: clock.now });
const cipher = webhookCipher(async () => KEY);
const changes = () =>
  new SubscriptionChanges({
    store: writer(),
    cipher: () => cipher,
    apiUrl: discord.url,
    lookup: (url) => lookupWebhook(url),
    now: clock.now,
  });

/** Every subscription and the tombstone removed: each test starts from none. */
async function clearSubscriptions() {
  const subscriptions = writer();
  for (const s of (await subscriptions.routes()).subscriptions) await subscriptions.unsubscribe(s.id, 'test');
  const { configuredRemoved } = await subscriptions.routes();
  if (configuredRemoved)
    await db.client().send(new DeleteCommand({ TableName: db.store().tableName, Key: KEYS.configuredRemoved() }));
}
beforeEach(clearSubscriptions);

describe('subscribing', () => {
  it('stores the webhook sealed: the item holds neither its URL nor its token, and it opens for its own id only', async () => {
    const hook = discord.addWebhook('900000000000000001', GUILD);
    const { created, subscription } = await changes().subscribe(
      { scanner: 'ttm-squeeze', signal: 'fired_long', list: 'semis', webhook: hook.url, guildId: GUILD },
      '@alice',
    );
    expect(created).toBe(true);
    expect(subscription).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8}$/),
      scanner: 'ttm-squeeze',
      signal: 'fired_long',
      list: 'semis',
      channelId: '900000000000000001',
      guildId: GUILD,
      webhookLast4: hook.id.slice(-4),
      createdBy: '@alice',
      createdAt: clock.now().toISOString(),
    });
    const { Item } = await db
      .client()
      .send(new GetCommand({ TableName: db.store().tableName, Key: KEYS.subscription(subscription.id) }));
    const token = hook.url.split('/').at(-1) as string;
    expect(JSON.stringify(Item)).not.toContain(token);
    expect(JSON.stringify(Item)).not.toContain(hook.id);
    expect(Item?.webhook).toMatch(/^v1\.[\w-]{16}\.[\w-]+\.[\w-]{22}$/);
    // Opened, it is the URL scanfleet posts to (on the API base); not for another id, nor with another key.
    expect(await cipher.open(Item?.webhook as string, subscription.id)).toBe(
      `${discord.url}/webhooks/${hook.id}/${token}`,
    );
    await expect(cipher.open(Item?.webhook as string, '00000000')).rejects.toThrow(
      /subscription 00000000: its webhook does not open with this stack's key/,
    );
    const other = webhookCipher(async () => 'another-obviously-fake-key-111111111111111111');
    await expect(other.open(Item?.webhook as string, subscription.id)).rejects.not.toThrow(token);

    // The same filter to the same webhook again finds the first, unchanged.
    const again = await changes().subscribe(
      { scanner: 'ttm-squeeze', signal: 'fired_long', list: 'semis', webhook: hook.url, guildId: GUILD },
      '@bob',
    );
    expect(again).toEqual({ created: false, subscription });
  });

  it('refuses bad input with one line naming it, never quoting the URL, and changes nothing', async () => {
    const hook = discord.addWebhook('900000000000000002', GUILD);
    const token = hook.url.split('/').at(-1) as string;
    const forged = hook.url.replace(token, `${token.slice(0, -4)}zzzz`);
    const base = { scanner: 'vpb', webhook: hook.url, guildId: GUILD };
    const cases: [Record<string, string>, RegExp][] = [
      [{ scanner: 'rsi' }, /^unknown scanner "rsi"; scanners: macd, ttm-squeeze, vpb$/],
      [{ signal: 'fired_long' }, /^unknown signal "fired_long" for vpb; its signals: buy, sell$/],
      [{ list: 'Bad Name' }, /^list name "Bad Name" is not valid/],
      [{ list: 'full' }, /^list name "full" is reserved/],
      [{ webhook: 'not a url' }, /^webhook is not a Discord webhook URL \(not a URL\)/],
      [
        { webhook: `https://example.com/api/webhooks/${hook.id}/${token}` },
        /^webhook is not a Discord webhook URL \(it must be https:\/\/discord\.com\/api\/webhooks\/…\)/,
      ],
      [
        { webhook: `http://discord.com/api/webhooks/${hook.id}/${token}` },
        /^webhook is not a Discord webhook URL \(it must be https/,
      ],
      [{ webhook: `${hook.url}?wait=true` }, /^webhook is not a Discord webhook URL \(it must have no query/],
      [
        { webhook: `${discord.url}/api/channels/${hook.id}/${token}` },
        /its path must be \/api\/webhooks\/<id>\/<token>/,
      ],
      [
        { webhook: `${discord.url}/api/webhooks/1300000000000009999/${token}` },
        /^Discord does not know this webhook \(HTTP 404\)/,
      ],
      [{ webhook: forged }, /^Discord does not know this webhook \(HTTP 401\)/],
      [{ guildId: '880000000000000999' }, /^webhook belongs to another Discord server/],
    ];
    for (const [change, message] of cases) {
      const error = await changes()
        .subscribe({ ...base, ...change }, '@alice')
        .then(
          () => undefined,
          (e: Error) => e,
        );
      expect(error?.message, JSON.stringify(change)).toMatch(message);
      expect(error?.message.split('\n')).toHaveLength(1);
      expect(error?.message).not.toContain(token.slice(0, 20));
    }
    expect(await stores().subscriptions.routes()).toEqual({ subscriptions: [] });
  });

  it(`holds to ${MAX_SUBSCRIPTIONS} subscriptions; removes by id; the configured webhook's is removed by a tombstone, once`, async () => {
    const hook = discord.addWebhook('900000000000000003', GUILD);
    const { subscriptions } = stores();
    const signals: [ScannerName, string][] = [
      ['macd', 'bullish_cross'],
      ['macd', 'bearish_cross'],
      ['vpb', 'buy'],
      ['vpb', 'sell'],
      ['ttm-squeeze', 'fired_long'],
    ];
    for (let i = 0; i < MAX_SUBSCRIPTIONS; i++) {
      const [scanner, signal] = signals[i % signals.length];
      await changes().subscribe({ scanner, signal, list: `l${Math.floor(i / 5)}`, webhook: hook.url }, '@alice');
    }
    await expect(changes().subscribe({ scanner: 'macd', webhook: hook.url }, '@alice')).rejects.toThrow(
      `limit: at most ${MAX_SUBSCRIPTIONS} subscriptions; /unsubscribe one first`,
    );
    const [first] = (await subscriptions.routes()).subscriptions;
    expect(await changes().unsubscribe(first.id.toUpperCase(), '@alice')).toEqual({ id: first.id });
    await expect(changes().unsubscribe(first.id, '@alice')).rejects.toThrow(
      `no subscription ${first.id}; /subscriptions lists them`,
    );
    await expect(changes().unsubscribe('nonsense', '@alice')).rejects.toThrow(/is not an id: 8 hex digits/);
    expect((await subscriptions.routes()).subscriptions).toHaveLength(MAX_SUBSCRIPTIONS - 1);

    expect(await changes().unsubscribe('configured', '@alice')).toEqual({ id: 'configured' });
    expect((await subscriptions.routes()).configuredRemoved).toEqual({ by: '@alice', at: clock.now().toISOString() });
    await expect(changes().unsubscribe('configured', '@bob')).rejects.toThrow(
      "the configured webhook's subscription was removed already",
    );
  });
});

const line = (runId: string, symbol: string, scanner: ScannerName, signal: string): AlertLogEntry => ({
  runId,
  symbol,
  scanner,
  signal,
  kind: 'alert',
  barDate: '2024-02-29',
  start: '2024-02-29',
  at: '2024-02-29T22:00:00.000Z',
  values: { price: 192.53, changePct: 9.06 },
});

/** A run of these symbols (the lists as dispatch froze them) that ended complete with this alert log. */
async function endedRun(runId: string, symbols: string[], lists: Record<string, string[]>, log: AlertLogEntry[]) {
  const { runs, alerts } = stores();
  const scheduledAt = clock.now().toISOString();
  await runs.createRun({
    runId,
    watchlist: 'full',
    kind: 'manual',
    session: '2024-02-29',
    scheduledAt,
    startedAt: scheduledAt,
    sessionDate: '2024-02-29',
    symbols,
    lists,
    scanners: ['macd', 'ttm-squeeze', 'vpb'],
    batchSize: 30,
    batchesExpected: 1,
  });
  await alerts.writeAlertLog(log);
  await runs.recordBatch(runId, 0, {
    summary: {
      symbols: symbols.length,
      signals: {},
      symbolsInsufficient: 0,
      symbolsWithErrors: 0,
      breadth: { aboveSma50: 0, measured: 0, bullishSignals: 0, bearishSignals: 0 },
    },
    dataIssues: {},
  });
  await runs.completeRun({ runId, scheduledAt });
  return (await runs.getRun(runId))!;
}

type Posted = { content: string; embeds: { title: string; description: string }[] };
/** The `**SYMBOL** signal` pairs of the messages a channel received, in the order they arrived. */
const linesPostedTo = (channelId: string) =>
  (discord.postsTo(channelId) as Posted[]).flatMap((m) =>
    m.embeds.flatMap((e) => [...e.description.matchAll(/\*\*(\S+)\*\* (\w+)/g)].map((x) => `${x[1]} ${x[2]}`)),
  );

/** The worker's routes and drain over this store, the configured webhook given (or not). */
function pipeline(configured: string | undefined, client = new DiscordClient({ maxAttempts: 4, sleep })) {
  const s = stores();
  const routes = alertRoutes({
    subscriptions: s.subscriptions,
    runs: s.runs,
    webhookUrl: async () => configured,
    cipher,
  });
  return {
    routes,
    queue: (run: Awaited<ReturnType<typeof endedRun>>) =>
      queueRunAlerts(run, {
        runs: s.runs,
        alerts: s.alerts,
        enqueue: s.outbox.enqueue.bind(s.outbox),
        routing: routes.routing,
        now: clock.now,
      }),
    drain: (budgetMs = 60_000) =>
      drainToDiscord(
        {
          outbox: s.outbox,
          discord: client,
          webhooks: { webhookUrl: async () => configured, operatorWebhookUrl: async () => undefined },
          subscriptions: routes.webhooks,
          now: clock.now,
          sleep,
        },
        clock.now().getTime() + budgetMs,
      ),
  };
}

describe('routing alerts', () => {
  it('sends each subscription the lines of its scanner, signal and list as the run froze its lists, and the configured webhook every line', async () => {
    const configured = discord.addWebhook('910000000000000000', GUILD);
    const squeeze = discord.addWebhook('910000000000000001', GUILD);
    const semisBreakouts = discord.addWebhook('910000000000000002', GUILD);
    const crosses = discord.addWebhook('910000000000000003', GUILD);
    await changes().subscribe(
      { scanner: 'ttm-squeeze', signal: 'fired_long', list: 'semis', webhook: squeeze.url },
      '@a',
    );
    await changes().subscribe({ scanner: 'vpb', list: 'semis', webhook: semisBreakouts.url }, '@a');
    await changes().subscribe({ scanner: 'macd', webhook: crosses.url }, '@a');
    const runId = '20240229T220000Z-full';
    const run = await endedRun(runId, ['AMD', 'GE', 'NVDA'], { semis: ['AMD', 'NVDA'], industrials: ['GE'] }, [
      line(runId, 'AMD', 'ttm-squeeze', 'fired_long'),
      line(runId, 'AMD', 'macd', 'bullish_cross'),
      line(runId, 'GE', 'vpb', 'buy'),
      line(runId, 'GE', 'ttm-squeeze', 'fired_long'),
      line(runId, 'NVDA', 'ttm-squeeze', 'squeeze_on'),
    ]);
    const { queue, drain } = pipeline(`${configured.url}`);
    expect(await queue(run)).toEqual({ status: 'queued', newSignals: 5, batchesDone: 1 });
    const ids = new Map((await stores().subscriptions.routes()).subscriptions.map((s) => [s.scanner, s.id]));
    // The breakouts' subscription takes no line: it gets no message.
    expect(new Set((await stores().outbox.pending()).map((m) => m.target))).toEqual(
      new Set(['alerts', `sub:${ids.get('ttm-squeeze')}`, `sub:${ids.get('macd')}`]),
    );
    expect(await drain()).toMatchObject({ sent: 3, failed: 0, discarded: 0, left: 0 });

    expect(linesPostedTo('910000000000000001')).toEqual(['AMD fired_long']);
    expect(linesPostedTo('910000000000000002')).toEqual([]); // GE's breakout is not on semis
    expect(linesPostedTo('910000000000000003')).toEqual(['AMD bullish_cross']);
    expect(linesPostedTo('910000000000000000').sort()).toEqual(
      ['AMD bullish_cross', 'AMD fired_long', 'GE buy', 'GE fired_long', 'NVDA squeeze_on'].sort(),
    );
  });

  it('sends nothing to the configured webhook once its subscription is removed, and discards what a removed subscription had pending', async () => {
    const configured = discord.addWebhook('920000000000000000', GUILD);
    const squeeze = discord.addWebhook('920000000000000001', GUILD);
    const { subscription } = await changes().subscribe({ scanner: 'ttm-squeeze', webhook: squeeze.url }, '@a');
    await changes().unsubscribe('configured', '@a');
    const runId = '20240229T230000Z-full';
    const run = await endedRun(runId, ['AMD'], { semis: ['AMD'] }, [line(runId, 'AMD', 'ttm-squeeze', 'fired_long')]);
    const { queue, drain, routes } = pipeline(configured.url);
    await queue(run);
    expect((await stores().outbox.pending()).map((m) => m.target)).toEqual([`sub:${subscription.id}`]);
    await changes().unsubscribe(subscription.id, '@a');
    expect(await drain()).toMatchObject({ sent: 0, discarded: 1, left: 0 });
    expect(await stores().outbox.pending()).toEqual([]);
    expect(discord.postsTo('920000000000000000')).toEqual([]);
    expect(discord.postsTo('920000000000000001')).toEqual([]);
    // With no webhook configured and no subscription, an ended run's alerts have nowhere to go.
    expect(await pipeline(undefined).routes.alertsOn()).toBe(false);
    expect(await routes.alertsOn()).toBe(true);
  });

  it('delivers 600 alerts to one subscription in order, none dropped, Discord’s 429s waited out', async () => {
    const hook = discord.addWebhook('930000000000000001', GUILD);
    await changes().subscribe({ scanner: 'macd', signal: 'bullish_cross', webhook: hook.url }, '@a');
    const runId = '20240229T233000Z-full';
    const symbols = Array.from({ length: 600 }, (_, i) => `S${String(i).padStart(3, '0')}`);
    const run = await endedRun(
      runId,
      symbols,
      {},
      symbols.flatMap((s) => [line(runId, s, 'macd', 'bullish_cross'), line(runId, s, 'macd', 'bearish_cross')]),
    );
    const { queue, drain } = pipeline(undefined);
    await queue(run);
    const pending = await stores().outbox.pending();
    expect(pending.length).toBeGreaterThanOrEqual(6);
    expect(new Set(pending.map((m) => m.target)).size).toBe(1);
    const before = discord.received.length;
    discord.failNext(429, 2);
    const opened = vi.spyOn(cipher, 'open');
    const outcome = await drain(10 * 60_000);
    expect(outcome).toMatchObject({ sent: pending.length, failed: 0, left: 0, errors: [] });
    // The subscription's webhook was read and unsealed once for the drain, not once a post.
    expect(opened).toHaveBeenCalledTimes(1);
    opened.mockRestore();
    // The two refused posts were answered 429 and posted again after retry_after; nothing else was refused.
    const statuses = discord.received.slice(before).filter((r) => r.method === 'POST');
    expect(statuses).toHaveLength(pending.length + 2);
    expect(linesPostedTo('930000000000000001')).toEqual(symbols.map((s) => `${s} bullish_cross`));
    expect(await stores().outbox.pending()).toEqual([]);
  });
});
