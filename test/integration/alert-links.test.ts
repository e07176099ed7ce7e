import { describe, expect, it } from 'vitest';
import { SCANNER_NAMES } from '../../functions/core/scan/scanners.js';
import { BUNDLED_DATA_DIR } from '../../functions/local/cli/symbol-source.js';
import { runLocalPipeline } from '../../functions/local/local-pipeline.js';
import { startLocalStack } from '../../functions/local/local-stack.js';
import { startFakeDiscord } from '../helpers/discord.js';
import { tempDir } from '../helpers/temp-dir.js';

type Posted = { embeds: { description: string }[] };
const CHANNEL = '950000000000000009';

describe('alert lines on the local runtime', () => {
  it('a local stack’s own scan links each symbol to its page on that stack’s dashboard', async () => {
    const discord = await startFakeDiscord();
    try {
      const env = {
        DISCORD_API_URL: discord.url,
        DISCORD_WEBHOOK_URL: discord.addWebhook(CHANNEL).url,
        // Ignored: the stack links to itself.
        DASHBOARD_URL: 'https://scans.example.com',
      };
      const run = {
        watchlist: 'semis',
        symbols: ['AMD', 'NVDA'],
        scanners: SCANNER_NAMES,
        dataDir: BUNDLED_DATA_DIR,
        lookback: 150,
        dbPath: tempDir('alert-links'),
        env,
      };
      // The store's first run records where the symbols stand and alerts nothing; the stack's, a session later, alerts.
      await runLocalPipeline({ ...run, asOf: '2024-02-28' });
      expect(discord.postsTo(CHANNEL)).toEqual([]);
      const stack = await startLocalStack({ ...run, asOf: '2024-02-29', port: 0 });
      try {
        expect(stack.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        const lines = (discord.postsTo(CHANNEL) as Posted[]).flatMap((m) =>
          m.embeds.flatMap((e) => e.description.split('\n').map((l) => l.split(' — ')[0])),
        );
        expect(lines.sort()).toEqual([
          `[**AMD**](${stack.url}/#/symbol/AMD) bullish_cross`,
          `[**AMD**](${stack.url}/#/symbol/AMD) buy`,
          `[**AMD**](${stack.url}/#/symbol/AMD) fired_long`,
        ]);
        const page = await fetch(`${stack.url}/#/symbol/AMD`);
        expect([page.status, page.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
      } finally {
        await stack.close();
      }
    } finally {
      await discord.close();
    }
  }, 60_000);
});
