import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DiscordClient } from '../../functions/adapters/discord/discord-client.js';
import { drainToDiscord } from '../../functions/adapters/discord/outbox-sender.js';
import { openStores } from '../../functions/adapters/store/stores.js';
import type { AlertLogEntry } from '../../functions/core/run/alert-log.js';
import { STALE_CLAIM_MS } from '../../functions/core/run/outbox.js';
import { queueRunAlerts } from '../../functions/core/run/run-alert.js';
import { InProcessQueue } from '../../functions/local/in-process-queue.js';
import { type FakeDiscord, startFakeDiscord } from '../helpers/discord.js';
import { manualClock } from '../helpers/clock.js';
import { useEmbeddedStore } from '../helpers/store.js';

// The outbox on dynalite, posting to a loopback Discord: a run's alert log queued as messages,
// drained within the rate limits and the invocation's time, with failures, dead drainers and
// busy leases. The clock is injected; a drainer's wait advances it.
const db = useEmbeddedStore();
let discord: FakeDiscord;
beforeAll(async () => {
  discord = await startFakeDiscord();
});
afterAll(() => discord.close());

const ALERTS = '/api/webhooks/1111111/fake-token';
const OPERATOR = '/api/webhooks/2222222/fake-operator-token';
const clock = manualClock('2026-11-24T21:45:00Z');
const { sleep } = clock;
const stores = () => openStores(db.client(), { tableName: db.store().tableName, now: clock.now });
const client = new DiscordClient({ maxAttempts: 1, sleep });
let queue: InProcessQueue;
beforeEach(() => {
  clock.waits.length = 0;
  queue = new InProcessQueue();
});

/** A drain with `budgetMs` of invocation left (the deadline moves with the injected clock). */
const drain = (budgetMs = 50_000, operator = true) =>
  drainToDiscord(
    {
      outbox: stores().outbox,
      discord: client,
      webhooks: {
        webhookUrl: async () => `${discord.url}${ALERTS}`,
        operatorWebhookUrl: async () => (operator ? `${discord.url}${OPERATOR}` : undefined),
      },
      queue,
      now: clock.now,
      sleep,
    },
    clock.now().getTime() + budgetMs,
  );

const entry = (runId: string, symbol: string, signal: string, kind: AlertLogEntry['kind'], extra = {}) =>
  ({
    runId,
    symbol,
    scanner: signal === 'buy' || signal === 'sell' ? 'vpb' : 'macd',
    signal,
    kind,
    barDate: '2026-11-24',
    start: '2026-11-24',
    at: '2026-11-24T21:45:00.000Z',
    values: {
      price: 100,
      changePct: 1,
      volumeSurgePct: 80,
      pattern: 'breakout_20d_high',
      histogram: 0.1,
      trend: 'bullish',
    },
    ...extra,
  }) as AlertLogEntry;

/** A run that ended complete, whose batches logged these alerts. */
async function endedRun(runId: string, log: AlertLogEntry[]) {
  const { runs, alerts } = stores();
  const scheduledAt = '2026-11-24T21:45:00.000Z';
  await runs.createRun({
    runId,
    watchlist: 'full',
    kind: 'scheduled',
    purpose: 'after-close',
    session: '2026-11-24',
    scheduledAt,
    startedAt: scheduledAt,
    sessionDate: '2026-11-24',
    symbols: ['GE', 'MDB'],
    scanners: ['vpb', 'macd'],
    batchSize: 30,
    batchesExpected: 1,
  });
  if (log.length > 0) await alerts.writeAlertLog(log);
  await runs.recordBatch(runId, 0, {
    summary: {
      symbols: 2,
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

const queueDeps = () => {
  const s = stores();
  return { runs: s.runs, alerts: s.alerts, enqueue: s.outbox.enqueue.bind(s.outbox), now: clock.now };
};

type Posted = { content: string; embeds: { title: string; description: string; footer?: { text: string } }[] };
const postedTo = (path: string, from = 0) =>
  discord.received
    .slice(from)
    .filter((r) => r.path === path && r.method === 'POST')
    .map((r) => r.body as Posted);

describe('the alert outbox', () => {
  it('queues an ended run’s alert log as messages (a kind each), sends them once, waiting out a 429', async () => {
    const runId = '20261124T214500Z-a';
    const run = await endedRun(runId, [
      entry(runId, 'GE', 'buy', 'alert'),
      entry(runId, 'MDB', 'sell', 'alert', { late: true, barDate: '2026-11-23' }),
      entry(runId, 'AAPL', 'bullish_cross', 'confirmed'),
      entry(runId, 'MSFT', 'bearish_cross', 'retracted', { values: null }),
      entry(runId, 'NVDA', 'bullish_cross', 'alert', { suppressedBy: '2026-11-20' }),
    ]);
    expect(await queueRunAlerts(run, queueDeps())).toEqual({ status: 'queued', newSignals: 4, batchesDone: 1 });
    // Queued again (a retried invocation, the sweeper): the same lines are in the outbox already.
    const again = (await stores().runs.getRun(runId))!;
    expect(await queueRunAlerts(again, queueDeps())).toEqual({ status: 'queued', newSignals: 4, batchesDone: 1 });
    expect((await stores().outbox.pending()).map((m) => [m.target, m.seq, m.message.content])).toEqual([
      ['alerts', 0, 'scanfleet: 2 new signals'],
      ['alerts', 1, 'scanfleet: 1 confirmed'],
      ['alerts', 2, 'scanfleet: 1 retracted'],
    ]);

    const before = discord.received.length;
    discord.failNext(429, 1);
    const single = new DiscordClient({ sleep });
    const outcome = await drainToDiscord(
      {
        outbox: stores().outbox,
        discord: single,
        webhooks: { webhookUrl: async () => `${discord.url}${ALERTS}`, operatorWebhookUrl: async () => undefined },
        queue,
        now: clock.now,
        sleep,
      },
      clock.now().getTime() + 50_000,
    );
    expect(outcome).toEqual({ sent: 3, failed: 0, discarded: 0, left: 0, errors: [] });
    expect(clock.waits).toEqual([50]); // the 429's retry_after: 0.05 s
    const messages = postedTo(ALERTS, before + 1);
    expect(messages.map((m) => m.content)).toEqual([
      'scanfleet: 2 new signals',
      'scanfleet: 1 confirmed',
      'scanfleet: 1 retracted',
    ]);
    expect(messages[0].embeds[0].description).toBe(
      '**GE** buy — $100.00 (+1.00%), volume +80%, breakout_20d_high\n**MDB** sell — $100.00 (+1.00%), volume +80%, breakout_20d_high · late (from 2026-11-23)',
    );
    expect(JSON.stringify(messages)).not.toContain('NVDA'); // held back by the cooldown: logged, not sent
    expect(await stores().outbox.pending()).toEqual([]);
    const sent = (await stores().outbox.messages()).filter((m) => m.source.startsWith(runId));
    expect(sent.map((m) => [m.status, m.message])).toEqual([
      ['sent', undefined],
      ['sent', undefined],
      ['sent', undefined],
    ]);
    // A drain with nothing pending posts nothing.
    expect(await drain()).toEqual({ sent: 0, failed: 0, discarded: 0, left: 0, errors: [] });
    expect(discord.received.length).toBe(before + 4);
  });

  it('a run with nothing new queues nothing; a late batch’s lines are queued as a part of their own', async () => {
    const runId = '20261124T220000Z-b';
    const run = await endedRun(runId, []);
    expect(await queueRunAlerts(run, queueDeps())).toEqual({ status: 'nothing_new', newSignals: 0, batchesDone: 1 });
    expect(await stores().outbox.pending()).toEqual([]);
    await stores().alerts.writeAlertLog([entry(runId, 'GE', 'buy', 'alert')]);
    const later = { ...(await stores().runs.getRun(runId))!, batchesDone: 2 };
    expect(await queueRunAlerts(later, queueDeps())).toEqual({ status: 'queued', newSignals: 1, batchesDone: 2 });
    expect((await stores().outbox.pending()).map((m) => m.message.content)).toEqual(['scanfleet: 1 new signal']);
    expect((await drain()).sent).toBe(1);
  });

  it('keeps a message Discord refused pending with the error; the next drain sends it first, then the newer ones', async () => {
    const c = '20261124T230000Z-c';
    await queueRunAlerts(await endedRun(c, [entry(c, 'GE', 'buy', 'alert')]), queueDeps());
    discord.failNext(500, 1);
    const failed = await drain();
    expect(failed).toEqual({
      sent: 0,
      failed: 1,
      discarded: 0,
      left: 1,
      errors: ['alert webhook: HTTP 500 after 1 attempt'],
    });
    expect(JSON.stringify(failed)).not.toContain('fake-token');
    expect(queue.drains).toEqual([]); // a failing webhook waits for the sweeper, not for a drain loop
    const [kept] = await stores().outbox.pending();
    expect(kept).toMatchObject({ source: expect.stringMatching(/^20261124T230000Z-c#/), attempts: 1 });
    expect(kept.lastError).toBe('alert webhook: HTTP 500 after 1 attempt');

    const d = '20261125T003000Z-d';
    await queueRunAlerts(await endedRun(d, [entry(d, 'MDB', 'sell', 'forming')]), queueDeps());
    const before = discord.received.length;
    expect((await drain()).sent).toBe(2);
    expect(postedTo(ALERTS, before).map((m) => m.embeds[0].footer)).toEqual([
      { text: expect.stringContaining('run 20261124T230000Z-c') },
      { text: expect.stringContaining('run 20261125T003000Z-d') },
    ]);
  });

  it('a message whose drainer died after claiming it waits out the claim, then goes (the one possible repeat)', async () => {
    const e = '20261125T010000Z-e';
    await queueRunAlerts(await endedRun(e, [entry(e, 'GE', 'buy', 'alert')]), queueDeps());
    const [message] = await stores().outbox.pending();
    expect(await stores().outbox.claim(message, 'a-drainer-that-dies')).toBe(true);
    const before = discord.received.length;
    expect((await drain()).sent).toBe(0); // its claim is fresh: it may still be posting
    expect(discord.received.length).toBe(before);
    clock.advance(STALE_CLAIM_MS + 1);
    expect((await drain()).sent).toBe(1);
    expect(await stores().outbox.pending()).toEqual([]);
  });

  it('keeps to 5 posts per 2 s and 30 a minute, waits while its time allows, then leaves the rest to a delayed drain', async () => {
    const { outbox } = stores();
    clock.set('2026-11-26T12:00:00Z');
    const start = clock.now().getTime();
    await outbox.enqueue(
      Array.from({ length: 40 }, (_, seq) => ({
        source: '20261126T120000Z-notice-burst',
        seq,
        target: 'operator' as const,
        message: { content: `message ${seq}`, embeds: [] },
        createdAt: clock.now().toISOString(),
      })),
    );
    const before = discord.received.length;
    const first = await drain(70_000);
    // 5 every 2 s: 30 posts by t = 10 s; the 31st may not go before the first + 60 s, and a post
    // started then would not end inside the 70 s: the rest is left to a drain asked for later.
    expect(first).toEqual({ sent: 30, failed: 0, discarded: 0, left: 10, laterSeconds: 50, errors: [] });
    expect(queue.drains).toEqual([50]);
    expect(clock.waits).toEqual([2000, 2000, 2000, 2000, 2000]);
    expect(postedTo(OPERATOR, before).map((m) => m.content)).toEqual(
      Array.from({ length: 30 }, (_, i) => `message ${i}`),
    );
    // The lease carried the posts: a second drainer right away waits out the minute too.
    const second = await drain(200_000);
    expect(second).toEqual({ sent: 10, failed: 0, discarded: 0, left: 0, errors: [] });
    expect(clock.now().getTime() - start).toBe(62_000);
    expect(await stores().outbox.pending()).toEqual([]);
  });

  it('leaves a target another drainer holds, asking for a drain a minute later', async () => {
    const { outbox } = stores();
    await outbox.enqueue([
      {
        source: '20261126T130000Z-notice-busy',
        seq: 0,
        target: 'operator',
        message: { content: 'held', embeds: [] },
        createdAt: clock.now().toISOString(),
      },
    ]);
    expect(await outbox.acquireLease('operator', 'other', clock.now().getTime() + 30_000)).toBeDefined();
    expect(await drain()).toEqual({ sent: 0, failed: 0, discarded: 0, left: 1, laterSeconds: 60, errors: [] });
    await outbox.releaseLease('operator', 'other');
    expect((await drain()).sent).toBe(1);
  });

  it('operator messages go to the alert channel when no operator webhook is set', async () => {
    await stores().outbox.enqueue([
      {
        source: '20261126T140000Z-notice-fallback',
        seq: 0,
        target: 'operator',
        message: { content: 'to the alert channel', embeds: [] },
        createdAt: clock.now().toISOString(),
      },
    ]);
    const before = discord.received.length;
    expect((await drain(50_000, false)).sent).toBe(1);
    expect(postedTo(ALERTS, before).map((m) => m.content)).toEqual(['to the alert channel']);
  });

  it('a run with 400 signals is sent whole: as many messages as Discord’s limits need, every line once', async () => {
    const runId = '20261127T214500Z-big';
    const symbols = Array.from({ length: 400 }, (_, i) => `S${String(i).padStart(3, '0')}`);
    const run = await endedRun(
      runId,
      symbols.map((s, i) => entry(runId, s, i % 2 === 0 ? 'buy' : 'bullish_cross', 'alert')),
    );
    expect(await queueRunAlerts(run, queueDeps())).toMatchObject({ status: 'queued', newSignals: 400 });
    const before = discord.received.length;
    const outcome = await drain(200_000);
    const messages = postedTo(ALERTS, before);
    expect(outcome.sent).toBe(messages.length);
    expect(messages.length).toBeGreaterThan(1);
    const lines = messages.flatMap((m) => m.embeds.flatMap((e) => e.description.split('\n')));
    expect(lines.map((l) => l.replace(/^\*\*(\S+)\*\*.*$/, '$1')).sort()).toEqual(symbols);
    expect(lines.some((l) => l.includes('more'))).toBe(false);
    for (const m of messages) {
      const size = m.embeds.reduce(
        (n, e) => n + e.title.length + e.description.length + (e.footer?.text.length ?? 0),
        0,
      );
      expect(size).toBeLessThanOrEqual(6000);
      expect(m.embeds.length).toBeLessThanOrEqual(10);
    }
  });
});
