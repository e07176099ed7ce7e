import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiscordClient } from '../../functions/adapters/discord/discord-client.js';
import { openStores } from '../../functions/adapters/store/stores.js';
import type { AlertLogEntry } from '../../functions/core/run/alert-log.js';
import { alertRun, STALE_OUTBOX_MS } from '../../functions/core/run/run-alert.js';
import { type FakeDiscord, startFakeDiscord } from '../helpers/discord.js';
import { useEmbeddedStore } from '../helpers/store.js';

const db = useEmbeddedStore();
let discord: FakeDiscord;
beforeAll(async () => {
  discord = await startFakeDiscord();
});
afterAll(() => discord.close());

const webhook = () => `${discord.url}/api/webhooks/1111111/fake-token`;
const waits: number[] = [];
const client = new DiscordClient({ sleep: async (ms) => void waits.push(ms) });
let clock = new Date('2026-11-24T21:45:00Z');
const stores = () => openStores(db.client(), { tableName: db.store().tableName, now: () => clock });
/** Posts to the test's webhook through a Discord client, as the worker does. */
const poster = (discord: DiscordClient) => (message: unknown) =>
  discord.send(webhook(), 'POST', message, 'alert webhook');

const entry = (
  runId: string,
  symbol: string,
  signal: string,
  kind: AlertLogEntry['kind'],
  extra: Partial<AlertLogEntry> = {},
): AlertLogEntry => ({
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
});

/** A complete run whose batches logged these alerts. */
async function completedRun(runId: string, log: AlertLogEntry[]) {
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
  await alerts.writeAlertLog(log);
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
  await runs.completeRun(runId);
  return { runs, alerts, run: (await runs.getRun(runId))! };
}

const posted = (from: number) =>
  discord.received
    .slice(from)
    .map((r) => r.body as { content: string; embeds: { title: string; description: string }[] });

describe('run alerts', () => {
  it('sends the run’s alert log, a message per kind, waiting out a 429 for its retry_after', async () => {
    const runId = '20261124T214500Z-a';
    const { runs, alerts, run } = await completedRun(runId, [
      entry(runId, 'GE', 'buy', 'alert'),
      entry(runId, 'MDB', 'sell', 'alert', { late: true, barDate: '2026-11-23' }),
      entry(runId, 'AAPL', 'bullish_cross', 'confirmed'),
      entry(runId, 'MSFT', 'bearish_cross', 'retracted', { values: null }),
      entry(runId, 'NVDA', 'bullish_cross', 'alert', { suppressedBy: '2026-11-20' }),
    ]);
    discord.failNext(429, 1);
    const before = discord.received.length;
    expect(await alertRun(run, { runs: runs, alerts: alerts, post: poster(client) })).toEqual({
      status: 'sent',
      newSignals: 4,
    });
    expect(waits).toEqual([50]); // retry_after: 0.05 s
    const messages = posted(before + 1); // after the 429
    expect(messages.map((m) => m.content)).toEqual([
      'scanfleet: 2 new signals',
      'scanfleet: 1 confirmed',
      'scanfleet: 1 retracted',
    ]);
    expect(messages[0].embeds[0].title).toBe('New signals as of 2026-11-24 — vpb (2)');
    expect(messages[0].embeds[0].description).toBe(
      '**GE** buy — $100.00 (+1.00%), volume +80%, breakout_20d_high\n**MDB** sell — $100.00 (+1.00%), volume +80%, breakout_20d_high · late (from 2026-11-23)',
    );
    expect(messages[2].embeds[0].description).toBe('**MSFT** bearish_cross — no longer there at the close');
    expect(JSON.stringify(messages)).not.toContain('NVDA'); // held back by the cooldown: logged, not sent
    expect((await runs.getRun(runId))?.alert).toMatchObject({ status: 'sent', newSignals: 4 });
    expect(await alerts.undelivered(0)).toEqual([]);
  });

  it('posts nothing for a run with nothing new', async () => {
    const { runs, alerts, run } = await completedRun('20261124T220000Z-b', []);
    const before = discord.received.length;
    expect(await alertRun(run, { runs: runs, alerts: alerts, post: poster(client) })).toEqual({
      status: 'nothing_new',
      newSignals: 0,
    });
    expect(discord.received.length).toBe(before);
  });

  it('records a failed alert and keeps it in the outbox; the next completed run sends it, then its own', async () => {
    const failing = new DiscordClient({ maxAttempts: 2, sleep: async () => {} });
    const c = await completedRun('20261124T230000Z-c', [entry('20261124T230000Z-c', 'GE', 'buy', 'alert')]);
    discord.failNext(500, 2);
    const failed = await alertRun(c.run, { runs: c.runs, alerts: c.alerts, post: poster(failing) });
    expect(failed).toEqual({ status: 'failed', newSignals: 1, error: 'alert webhook: HTTP 500 after 2 attempts' });
    expect((await c.runs.getRun(c.run.runId))?.alert).toMatchObject({
      status: 'failed',
      error: 'alert webhook: HTTP 500 after 2 attempts',
    });
    expect((await c.runs.getRun(c.run.runId))?.status).toBe('complete');
    expect(JSON.stringify(failed)).not.toContain('fake-token');
    expect((await c.alerts.undelivered(STALE_OUTBOX_MS)).map((o) => [o.runId, o.status])).toEqual([
      ['20261124T230000Z-c', 'failed'],
    ]);

    const d = await completedRun('20261125T003000Z-d', [entry('20261125T003000Z-d', 'MDB', 'sell', 'forming')]);
    const before = discord.received.length;
    expect(await alertRun(d.run, { runs: d.runs, alerts: d.alerts, post: poster(client) })).toEqual({
      status: 'sent',
      newSignals: 1,
    });
    expect(posted(before).map((m) => m.content)).toEqual(['scanfleet: 1 new signal', 'scanfleet: 1 forming']);
    expect((await d.runs.getRun('20261124T230000Z-c'))?.alert).toMatchObject({ status: 'sent', newSignals: 1 });
    expect(await d.alerts.undelivered(0)).toEqual([]);
  });

  it('sends again the alerts of a sender that died mid-way, once its time is up, and not before', async () => {
    const e = await completedRun('20261125T010000Z-e', [entry('20261125T010000Z-e', 'GE', 'buy', 'alert')]);
    await e.alerts.openOutbox(e.run.runId); // it started sending, then its invocation died
    const f = await completedRun('20261125T011000Z-f', []);
    const before = discord.received.length;
    expect(await alertRun(f.run, { runs: f.runs, alerts: f.alerts, post: poster(client) })).toEqual({
      status: 'nothing_new',
      newSignals: 0,
    });
    expect(discord.received.length).toBe(before); // 10 minutes: it may still be sending
    clock = new Date(clock.getTime() + STALE_OUTBOX_MS + 60_000);
    const g = await completedRun('20261125T013000Z-g', []);
    expect(await alertRun(g.run, { runs: g.runs, alerts: g.alerts, post: poster(client) })).toEqual({
      status: 'nothing_new',
      newSignals: 0,
    });
    expect(posted(before).map((m) => m.content)).toEqual(['scanfleet: 1 new signal']);
  });
});
