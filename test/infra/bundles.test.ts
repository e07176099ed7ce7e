import { build, type Metafile } from 'esbuild';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type BundledConfig, esbuildOptions, functionBundling } from '../../lib/bundling.js';
import { loadConfig } from '../../lib/config.js';
import type { createMarketData } from '../../functions/adapters/market-data/create-market-data.js';
import type { discordSettings } from '../../functions/adapters/discord/discord-settings.js';
import { settingsFrom } from '../../functions/adapters/settings.js';
import { tempDir } from '../helpers/temp-dir.js';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const DEFAULT = loadConfig({}, projectRoot);
const SCHWAB_DISCORD = loadConfig(
  { provider: 'schwab', providerSecret: 'scanfleet/schwab', discordSecret: 'scanfleet/discord' },
  projectRoot,
);

/** Bundles `entry` (relative to the project) as the stack does for `config`; its output's inputs. */
async function bundle(entry: string, config: BundledConfig, outfile?: string): Promise<string[]> {
  const result = await build({
    ...esbuildOptions(functionBundling(projectRoot, config)),
    entryPoints: [join(projectRoot, entry)],
    metafile: true,
    write: outfile !== undefined,
    ...(outfile && { outfile }),
    logLevel: 'error',
  });
  const [output] = Object.values((result.metafile as Metafile).outputs);
  return Object.keys(output.inputs);
}

const PROVIDER_MODULES = {
  yahoo: /market-data\/yahoo-(market-data|session)\.ts$/,
  alpaca: /market-data\/alpaca-market-data\.ts$/,
  schwab: /market-data\/schwab-(market-data|token)\.ts$/,
};
const SECRETS_READER = /adapters\/secret-json\.ts$/;
const SQS_QUEUE = /adapters\/queue\/scan-queue\.ts$/;
const SDK_CLIENTS = /node_modules\/@aws-sdk\/client-(sqs|secrets-manager)\//;

const carries = (inputs: string[], pattern: RegExp) => inputs.some((input) => pattern.test(input));

describe('what a bundle carries', () => {
  it('the default stack (csv, no Discord secret): no network provider and no Secrets Manager reader', async () => {
    for (const name of ['scan-batch', 'sweeper', 'dispatch', 'lists-writer']) {
      const inputs = await bundle(`functions/${name}/handler.ts`, DEFAULT);
      expect(inputs.length, name).toBeGreaterThan(100);
      for (const [provider, pattern] of Object.entries(PROVIDER_MODULES))
        expect(carries(inputs, pattern), `${name} carries ${provider}`).toBe(false);
      expect(carries(inputs, SECRETS_READER), `${name} carries Secrets Manager`).toBe(false);
    }
    const scanBatch = await bundle('functions/scan-batch/handler.ts', DEFAULT);
    expect(carries(scanBatch, /market-data\/csv-market-data\.ts$/)).toBe(true);
    // The lists-writer checks a new symbol with the csv files.
    const listsWriter = await bundle('functions/lists-writer/handler.ts', DEFAULT);
    expect(carries(listsWriter, /market-data\/csv-market-data\.ts$/)).toBe(true);
  });

  it('the SQS queue only with Discord: without it nothing fills the outbox, no drain is asked for', async () => {
    for (const name of ['scan-batch', 'sweeper']) {
      expect(carries(await bundle(`functions/${name}/handler.ts`, DEFAULT), SQS_QUEUE), name).toBe(false);
      expect(carries(await bundle(`functions/${name}/handler.ts`, SCHWAB_DISCORD), SQS_QUEUE), name).toBe(true);
    }
    expect(carries(await bundle('functions/dispatch/handler.ts', DEFAULT), SQS_QUEUE)).toBe(true);
    // The lists-writer sends nothing to the queue.
    expect(carries(await bundle('functions/lists-writer/handler.ts', SCHWAB_DISCORD), SQS_QUEUE)).toBe(false);
  });

  it("no function carries the SDK's SQS or Secrets Manager client: both are signed JSON calls (aws-json.ts)", async () => {
    for (const name of ['dispatch', 'scan-batch', 'sweeper', 'discord', 'authorizer', 'alarm-notify', 'lists-writer'])
      for (const [label, config] of Object.entries({ DEFAULT, SCHWAB_DISCORD }))
        expect(carries(await bundle(`functions/${name}/handler.ts`, config), SDK_CLIENTS), `${name} ${label}`).toBe(
          false,
        );
  });

  it("leaves out the SDK's event-stream support, which only streaming operations load (none of ours)", async () => {
    const outfile = join(tempDir('scanfleet-bundle-'), 'scan-batch.mjs');
    const inputs = await bundle('functions/scan-batch/handler.ts', SCHWAB_DISCORD, outfile);
    expect(carries(inputs, /@smithy\/core\/dist-es\/submodules\/protocols\//)).toBe(true);
    expect(carries(inputs, /@smithy\/core\/dist-es\/submodules\/event-streams\//)).toBe(false);
    // Still imported on demand (never by a DynamoDB, SQS or Secrets Manager call), not bundled.
    expect(readFileSync(outfile, 'utf8')).toContain('import("@smithy/core/event-streams")');
  });

  it('a Schwab stack with Discord: Schwab and Secrets Manager, no other provider', async () => {
    const scanBatch = await bundle('functions/scan-batch/handler.ts', SCHWAB_DISCORD);
    expect(carries(scanBatch, /market-data\/schwab-market-data\.ts$/)).toBe(true);
    expect(carries(scanBatch, SECRETS_READER)).toBe(true);
    const sweeper = await bundle('functions/sweeper/handler.ts', SCHWAB_DISCORD);
    expect(carries(sweeper, /market-data\/schwab-token\.ts$/)).toBe(true);
    const listsWriter = await bundle('functions/lists-writer/handler.ts', SCHWAB_DISCORD);
    expect(carries(listsWriter, /market-data\/schwab-market-data\.ts$/)).toBe(true);
    expect(carries(listsWriter, SECRETS_READER)).toBe(true);
    for (const [name, inputs] of Object.entries({ scanBatch, sweeper, listsWriter })) {
      expect(carries(inputs, PROVIDER_MODULES.yahoo), `${name} carries yahoo`).toBe(false);
      expect(carries(inputs, PROVIDER_MODULES.alpaca), `${name} carries alpaca`).toBe(false);
      expect(carries(inputs, /market-data\/csv-market-data\.ts$/), `${name} carries csv`).toBe(false);
    }
  });

  it('a bundle asked for a provider it was not built for fails naming both', async () => {
    const outfile = join(tempDir('bundle'), 'create-market-data.mjs');
    await bundle('functions/adapters/market-data/create-market-data.ts', DEFAULT, outfile);
    const bundled = (await import(pathToFileURL(outfile).href)) as { createMarketData: typeof createMarketData };
    expect(bundled.createMarketData(settingsFrom({ PROVIDER: 'csv', DATA_DIR: projectRoot })).name).toBe('csv');
    expect(() => bundled.createMarketData(settingsFrom({ PROVIDER: 'schwab' }))).toThrow(
      'PROVIDER is schwab but this bundle was built for the csv provider only: deploy with scanfleet.provider "schwab"',
    );
  });

  it('a bundle built without a Discord secret refuses one, and takes the settings’ webhooks', async () => {
    const outfile = join(tempDir('bundle'), 'discord-settings.mjs');
    await bundle('functions/adapters/discord/discord-settings.ts', DEFAULT, outfile);
    const bundled = (await import(pathToFileURL(outfile).href)) as { discordSettings: typeof discordSettings };
    const webhookUrl = 'http://127.0.0.1:9/fake-webhook';
    expect(await bundled.discordSettings({ discordWebhookUrl: webhookUrl }).webhookUrl()).toBe(webhookUrl);
    expect(() => bundled.discordSettings({ discordSecretId: 'scanfleet/discord' })).toThrow(
      'DISCORD_SECRET_ID names a Discord secret (scanfleet/discord) but this bundle was built without one: deploy with scanfleet.discordSecret',
    );
  });

  it('unbundled (tests, the CLI, the dev server) every provider is there', async () => {
    const { createMarketData: unbundled } = await import('../../functions/adapters/market-data/create-market-data.js');
    expect(unbundled(settingsFrom({ PROVIDER: 'yahoo' })).name).toBe('yahoo');
    expect(unbundled(settingsFrom({ PROVIDER: 'csv', DATA_DIR: projectRoot })).name).toBe('csv');
  });
});
