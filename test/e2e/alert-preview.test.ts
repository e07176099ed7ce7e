import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser } from 'playwright-core';
import { createDocumentClient } from '../../functions/adapters/store/dynamodb-client.js';
import { openListStore, openSubscriptionStore } from '../../functions/adapters/store/stores.js';
import { webhookCipher } from '../../functions/adapters/webhook-cipher.js';
import type { AlertMessage } from '../../functions/core/discord/alert-messages.js';
import { DEFAULT_LIST_LIMITS } from '../../functions/core/lists/watchlist-rules.js';
import { SCANNER_NAMES } from '../../functions/core/scan/scanners.js';
import { lookupWebhook, SubscriptionChanges } from '../../functions/lists-writer/subscription-changes.js';
import { BUNDLED_DATA_DIR } from '../../functions/local/cli/symbol-source.js';
import { type EmbeddedStore, startEmbeddedStore } from '../../functions/local/embedded-store.js';
import { runLocalPipeline } from '../../functions/local/local-pipeline.js';
import { alertPreviewHtml } from '../helpers/alert-preview.js';
import { chromiumPath } from '../helpers/chromium.js';
import { type FakeDiscord, startFakeDiscord } from '../helpers/discord.js';

// There is no Discord client here: the docs show an alert as a labelled preview of the exact
// payload a subscribed channel received, drawn in Chromium. The payload comes from a real run:
// semis holds NVDA and AMD, ttm-squeeze's fired_long on semis is subscribed to one channel's
// webhook, and the run as of 2024-02-29 posts AMD's fire there. docs/alert-preview.html must be
// what this test draws (it fails when the alert's format changes and the docs were not redrawn).
const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);
const DOCS_PREVIEW = new URL('../../docs/alert-preview.html', import.meta.url);
const CHANNEL = '970000000000000001';
let discord: FakeDiscord;
let store: EmbeddedStore;
let browser: Browser;
let payload: AlertMessage;

beforeAll(async () => {
  discord = await startFakeDiscord();
  store = await startEmbeddedStore();
  const client = createDocumentClient(store.endpoint);
  const at = new Date('2024-02-29T22:00:00Z');
  await openListStore(client, { tableName: store.tableName }).add(
    'semis',
    ['NVDA', 'AMD'],
    'docs',
    DEFAULT_LIST_LIMITS,
  );
  await new SubscriptionChanges({
    store: openSubscriptionStore(client, { tableName: store.tableName }),
    cipher: () => webhookCipher(async () => store.subscriptionKey),
    apiUrl: discord.url,
    lookup: (url) => lookupWebhook(url),
    now: () => at,
  }).subscribe(
    { scanner: 'ttm-squeeze', signal: 'fired_long', list: 'semis', webhook: discord.addWebhook(CHANNEL).url },
    'docs',
  );
  client.destroy();
  for (const [asOf, scheduledAt] of [
    ['2024-02-28', new Date('2024-02-28T22:00:00Z')],
    ['2024-02-29', at],
  ] as const)
    await runLocalPipeline({
      watchlist: 'full',
      symbols: ['AMD', 'NVDA'],
      scanners: SCANNER_NAMES,
      dataDir: BUNDLED_DATA_DIR,
      lookback: 150,
      asOf,
      scheduledAt,
      store,
      env: { DISCORD_API_URL: discord.url },
    });
  [payload] = discord.postsTo(CHANNEL) as AlertMessage[];
  browser = await chromium.launch({ executablePath: chromiumPath(), args: ['--no-sandbox', '--disable-gpu'] });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await store?.close();
  await discord?.close();
});

describe('the alert preview in the docs', () => {
  it('draws the payload the subscribed channel received, labelled as a preview, and is the docs’ copy', async () => {
    expect(discord.postsTo(CHANNEL)).toHaveLength(1);
    const html = alertPreviewHtml(
      payload,
      'Preview of the webhook payload #semis-squeezes received (subscription: ttm-squeeze fired_long · list semis) — drawn from its JSON, not by Discord',
    );
    const page = await browser.newPage({ viewport: { width: 680, height: 300 } });
    await page.setContent(html);
    expect(await page.textContent('.label')).toMatch(/^Preview of the webhook payload #semis-squeezes received/);
    expect(await page.textContent('.content')).toBe('scanfleet: 1 new signal');
    expect(await page.$$eval('.embed h2', (h) => h.map((x) => x.textContent))).toEqual([
      'New signals as of 2024-02-29 — ttm-squeeze (1)',
    ]);
    expect(await page.textContent('.embed p')).toMatch(/^AMD fired_long — /);
    expect(await page.textContent('.embed footer')).toBe(
      'run 20240229T220000Z-full-asof20240229 · as of 2024-02-29 · 2 symbols · 0 with errors',
    );
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(new URL('alert-preview.html', ARTIFACTS), html);
    // `npm run screenshots` draws the docs' image.
    const shots = process.env.SCANFLEET_SCREENSHOTS === 'docs' ? new URL('../../docs/', import.meta.url) : ARTIFACTS;
    await page.screenshot({ path: new URL('alert-preview.png', shots).pathname, fullPage: true });
    await page.close();
    expect(
      readFileSync(DOCS_PREVIEW, 'utf8'),
      'docs/alert-preview.html is stale: copy test-artifacts/alert-preview.html',
    ).toBe(html);
  });
});
