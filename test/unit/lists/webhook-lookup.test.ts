import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../../../functions/core/errors.js';
import { lookupWebhook } from '../../../functions/lists-writer/subscription-changes.js';

// Discord's answer to a webhook's GET, as lookupWebhook reads it: a refusal never repeats the
// URL's token, even when the answer it cannot read quotes it.
const TOKEN = 'FAKE-lookup-token-'.padEnd(68, 'x');
let server: Server;
let base: string;
let answer: { status: number; body: string };

beforeAll(async () => {
  server = createServer((_req, res) => {
    res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('lookupWebhook', () => {
  it('reads the channel and the server of a channel webhook', async () => {
    answer = {
      status: 200,
      body: JSON.stringify({ type: 1, channel_id: '900000000000000001', guild_id: '777000111', token: TOKEN }),
    };
    expect(await lookupWebhook(`${base}/webhooks/1300000000000000001/${TOKEN}`)).toEqual({
      channelId: '900000000000000001',
      guildId: '777000111',
    });
  });

  it('refuses an answer that is not JSON without quoting it (it may echo the token)', async () => {
    answer = { status: 200, body: `<html>proxy error for /webhooks/1300000000000000001/${TOKEN}</html>` };
    const refusal = await lookupWebhook(`${base}/webhooks/1300000000000000001/${TOKEN}`).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(ProviderError);
    expect((refusal as Error).message).toBe('webhook lookup: the answer is not JSON');
  });
});
