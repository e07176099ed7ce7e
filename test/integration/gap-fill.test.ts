import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunPurpose } from '../../functions/core/run/dispatch-plan.js';
import { createDocumentClient } from '../../functions/adapters/store/dynamodb-client.js';
import { openStores } from '../../functions/adapters/store/stores.js';
import { BUNDLED_DATA_DIR } from '../../functions/local/cli/symbol-source.js';
import { type EmbeddedStore, startEmbeddedStore } from '../../functions/local/embedded-store.js';
import { configureLocalEnvironment, runLocalPipeline } from '../../functions/local/local-pipeline.js';
import { ReplayMarketData } from '../../functions/local/replay/replay-market-data.js';
import { type FakeDiscord, startFakeDiscord } from '../helpers/discord.js';
import { tempDir } from '../helpers/temp-dir.js';

const WEBHOOK = '/api/webhooks/123456789/fake-webhook-token';
let discord: FakeDiscord;
beforeAll(async () => {
  configureLocalEnvironment();
  discord = await startFakeDiscord();
});
afterAll(async () => {
  await discord.close();
});

/** Runs of the schedule at New York instants over one store; each run's alert log, as `symbol signal kind`. */
async function schedule(
  db: EmbeddedStore,
  dataDir: string | (() => string),
  symbols: string[],
  runs: [string, RunPurpose][],
) {
  const { alerts, events } = openStores(createDocumentClient(db.endpoint), { tableName: db.tableName });
  const logs: string[][] = [];
  for (const [at, purpose] of runs) {
    const dir = typeof dataDir === 'string' ? dataDir : dataDir();
    const { run } = await runLocalPipeline({
      store: db,
      watchlist: 'gaps',
      symbols,
      scanners: ['macd', 'ttm-squeeze', 'vpb'],
      dataDir: dir,
      lookback: 150,
      marketData: new ReplayMarketData(dir),
      now: new Date(at),
      kind: 'replay',
      purpose,
      env: { DISCORD_WEBHOOK_URL: `${discord.url}${WEBHOOK}` },
    });
    logs.push(
      (await alerts.alertLog(run.runId)).map(
        (e) =>
          `${e.symbol} ${e.signal} ${e.kind}${e.late ? ` late from ${e.barDate}` : ''}${e.suppressedBy ? ` held back by ${e.suppressedBy}` : ''}`,
      ),
    );
  }
  return { logs, events };
}

describe('a missed after-close run', () => {
  it('loses nothing: the next run alerts the missed session’s events as late, and its own on time', async () => {
    const db = await startEmbeddedStore();
    try {
      const before = discord.received.length;
      // The store's first run on the evening of 03-04; every run of 03-05 missed; then 03-06's after-close run.
      const { logs } = await schedule(
        db,
        BUNDLED_DATA_DIR,
        ['AAPL', 'AMZN', 'TSLA', 'NFLX', 'TMO', 'TGT'],
        [
          ['2024-03-04T20:00:00-05:00', 'refetch'],
          ['2024-03-06T16:45:00-05:00', 'after-close'],
        ],
      );
      expect(logs[0]).toEqual([]);
      expect(logs[1].sort()).toEqual(
        [
          'AAPL sell alert late from 2024-03-05',
          'AMZN bearish_cross alert late from 2024-03-05',
          'TMO buy alert late from 2024-03-05',
          'TGT buy alert late from 2024-03-05',
          'TSLA bearish_cross alert',
          'NFLX bearish_cross alert',
          // A breakout a session after the late one is held back as usual.
          'TMO buy alert held back by 2024-03-05',
          'TGT buy alert held back by 2024-03-05',
        ].sort(),
      );
      const message = discord.received.slice(before).find((r) => r.path === WEBHOOK)?.body as {
        embeds: { description: string }[];
      };
      const text = message.embeds.map((e) => e.description).join('\n');
      expect(text).toContain('**AAPL** sell — ');
      expect(text).toMatch(/\*\*AAPL\*\* sell — .* · late \(from 2024-03-05\)/);
      expect(text).not.toMatch(/\*\*TSLA\*\* .*late/);
    } finally {
      await db.close();
    }
  });
});

describe('the evening re-fetch', () => {
  it('alerts an event a corrected print brings, and retracts nothing already sent', async () => {
    const db = await startEmbeddedStore();
    const dir = tempDir('refetch');
    // GE and COST both broke out on 2024-03-07 on volume. At 16:45 GE's day volume is still
    // missing most of its prints (a tenth), COST's is full; at 20:00 GE's is corrected and
    // COST's has shrunk: GE's breakout appears, COST's is gone.
    const write = (symbol: string, factor: number) => {
      const lines = readFileSync(join(BUNDLED_DATA_DIR, `${symbol}.csv`), 'utf8').split('\n');
      const i = lines.findIndex((l) => l.startsWith('2024-03-07,'));
      const cells = lines[i].split(',');
      cells[6] = String(Math.round(Number(cells[6]) * factor));
      lines[i] = cells.join(',');
      writeFileSync(join(dir, `${symbol}.csv`), lines.slice(0, i + 1).join('\n'));
    };
    for (const s of ['GE', 'COST']) copyFileSync(join(BUNDLED_DATA_DIR, `${s}.csv`), join(dir, `${s}.csv`));
    let step = 0;
    const prints = () => {
      if (step === 1) {
        write('GE', 0.1);
        write('COST', 1);
      }
      if (step === 2) {
        write('GE', 1);
        write('COST', 0.1);
      }
      step++;
      return dir;
    };
    try {
      const { logs, events } = await schedule(
        db,
        prints,
        ['GE', 'COST'],
        [
          ['2024-03-06T20:00:00-05:00', 'refetch'],
          ['2024-03-07T16:45:00-05:00', 'after-close'],
          ['2024-03-07T20:00:00-05:00', 'refetch'],
        ],
      );
      expect(logs).toEqual([[], ['COST buy alert'], ['GE buy alert']]);
      expect((await events.eventsOf('COST', 10)).find((e) => e.barDate === '2024-03-07')).toMatchObject({
        signal: 'buy',
        status: 'alerted',
      });
      const ge = (await events.eventsOf('GE', 10)).find((e) => e.barDate === '2024-03-07');
      expect(ge).toMatchObject({ signal: 'buy', status: 'alerted', firstSeenAt: '2024-03-08T01:00:00.000Z' });
      expect(ge).not.toHaveProperty('late');
    } finally {
      await db.close();
    }
  });
});
