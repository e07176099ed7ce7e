import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunSummaryBuilder } from '../../functions/core/run-summary.js';
import { scanSymbol } from '../../functions/core/scan-symbol.js';
import { planScan } from '../../functions/core/scanners.js';
import { DiscordClient } from '../../functions/adapters/discord/discord-client.js';
import { alertRun } from '../../functions/adapters/discord/run-alert.js';
import { ResultStore } from '../../functions/adapters/store/result-store.js';
import { bundledBars } from '../helpers/bars.js';
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

/** A complete run of GE and MDB on 2024-03-08: one buy, one sell. */
async function completedRun(runId: string) {
  const store = new ResultStore(db.client(), { tableName: db.store().tableName });
  const plan = planScan(['vpb']);
  const scans = await Promise.all(['GE', 'MDB'].map(async (s) => scanSymbol(await bundledBars(s, '2024-03-08', 150), plan)));
  const summary = new RunSummaryBuilder(['vpb']);
  scans.forEach((s) => summary.add(s));
  const scheduledAt = '2026-11-24T14:30:00.000Z';
  await store.createRun({ runId, watchlist: 'full', scheduledAt, startedAt: scheduledAt, sessionDate: '2026-11-24', symbols: ['GE', 'MDB'], scanners: ['vpb'], batchSize: 30, batchesExpected: 1 });
  await store.writeOutcomes({ runId, scheduledAt }, scans.flatMap((s) => s.outcomes));
  await store.recordBatch(runId, 0, { summary: summary.build(), dataIssues: {}, barDates: ['2024-03-08'] });
  await store.completeRun(runId);
  return { store, run: (await store.getRun(runId))! };
}

describe('run alerts', () => {
  it('waits out a 429 for its retry_after and sends once', async () => {
    const { store, run } = await completedRun('20261124T143000Z-a');
    discord.failNext(429, 1);
    const before = discord.received.length;
    expect(await alertRun(run, store, client, webhook())).toEqual({ status: 'sent', newSignals: 2 });
    expect(discord.received.length - before).toBe(2); // the 429, then the message
    expect(waits).toEqual([50]); // retry_after: 0.05 s
    expect((await store.getRun(run.runId))?.alert).toMatchObject({ status: 'sent', newSignals: 2 });
  });

  it('records a failed alert on the run, gives the signals back, and a later run sends them', async () => {
    // Run a's claims hold GE buy and MDB sell on 2024-03-08: run b finds nothing new.
    const { store, run } = await completedRun('20261124T153000Z-b');
    expect(await alertRun(run, store, client, webhook())).toEqual({ status: 'nothing_new', newSignals: 0 });

    const failing = new DiscordClient({ maxAttempts: 2, sleep: async () => {} });
    const c = await completedRun('20261124T163000Z-c');
    // Release run a's claims as if its post had failed, then fail run c's post too.
    await store.releaseAlert('20261124T143000Z-a', 'vpb', 'GE', '2024-03-08', 'buy');
    await store.releaseAlert('20261124T143000Z-a', 'vpb', 'MDB', '2024-03-08', 'sell');
    discord.failNext(500, 2);
    const failed = await alertRun(c.run, c.store, failing, webhook());
    expect(failed).toEqual({ status: 'failed', newSignals: 2, error: 'alert webhook: HTTP 500 after 2 attempts' });
    expect((await store.getRun(c.run.runId))?.alert).toMatchObject({ status: 'failed', newSignals: 2, error: 'alert webhook: HTTP 500 after 2 attempts' });
    expect((await store.getRun(c.run.runId))?.status).toBe('complete');
    expect(JSON.stringify(failed)).not.toContain('fake-token');

    const d = await completedRun('20261124T173000Z-d');
    expect(await alertRun(d.run, d.store, client, webhook())).toEqual({ status: 'sent', newSignals: 2 });
  });
});
