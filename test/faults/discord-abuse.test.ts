import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_DATA_DIR } from '../../functions/local/cli/symbol-source.js';
import { type LocalStack, startLocalStack } from '../../functions/local/local-stack.js';
import { countingStores } from '../helpers/store.js';
import {
  type DiscordKeys,
  discordKeys,
  discordSettings,
  PERMISSIONS,
  signedHeaders,
  slashCommand,
  snowflakeAt,
} from '../helpers/discord.js';
import { createDocumentClient } from '../../functions/adapters/store/dynamodb-client.js';
import { openStores } from '../../functions/adapters/store/stores.js';

// The real interactions handler on loopback, over the store of one local run, with every call
// to the store counted: a refused request must be refused before anything is looked up.
// The limits are docs/discord.md's: signatures older (or newer) than 5 minutes, bodies over 64 KB.
const WINDOW_SECONDS = 5 * 60;
const MAX_BODY_BYTES = 64 * 1024;
let keys: DiscordKeys;
let stack: LocalStack;
const counted = countingStores(() => stack.store);

beforeAll(async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'CRITICAL';
  keys = discordKeys();
  stack = await startLocalStack({
    watchlist: 'discord-abuse',
    symbols: ['GE', 'MDB'],
    scanners: ['vpb'],
    dataDir: BUNDLED_DATA_DIR,
    lookback: 150,
    asOf: '2024-03-08',
    port: 0,
    discord: {
      ...counted.stores,
      settings: discordSettings(keys),
    },
  });
}, 60_000);
afterAll(() => stack.close());

async function post(body: string, headers: Record<string, string>) {
  const response = await fetch(`${stack.url}/discord/interactions`, { method: 'POST', body, headers });
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type'), text };
}

const now = () => Math.floor(Date.now() / 1000);
const ping = JSON.stringify({ type: 1, application_id: '123456789', token: 'abuse-token' });
const status = JSON.stringify({ type: 2, application_id: '123456789', token: 'abuse-token', data: { name: 'status' } });
const big = JSON.stringify({ type: 1, padding: 'x'.repeat(MAX_BODY_BYTES) });
const signed = (body: string) => ({ body, headers: signedHeaders(keys, body) });
/** The status command, properly signed, then one header replaced (or dropped, when undefined). */
function altered(name: 'x-signature-ed25519' | 'x-signature-timestamp', value: string | undefined, timestamp = now()) {
  const headers = signedHeaders(keys, status, timestamp);
  if (value === undefined) delete headers[name];
  else headers[name] = value;
  return { body: status, headers };
}
const realSignature = () => signedHeaders(keys, status)['x-signature-ed25519'];

describe('the interactions endpoint under abuse', () => {
  it('is watched by a store counter that counts (a signed command reads the store)', async () => {
    const before = counted.calls();
    const { status: code, text } = await post(status, signedHeaders(keys, status));
    expect(code).toBe(200);
    expect(JSON.parse(text)).toMatchObject({ type: 4, data: { embeds: [{ title: 'scanfleet status' }] } });
    expect(counted.calls()).toBeGreaterThan(before);
  });

  it('accepts a signature just inside the window, either side of now', async () => {
    for (const offset of [-(WINDOW_SECONDS - 5), WINDOW_SECONDS - 5]) {
      expect(await post(ping, signedHeaders(keys, ping, now() + offset))).toMatchObject({
        status: 200,
        text: '{"type":1}',
      });
    }
  });

  const cases: [string, number, string, () => { body: string; headers: Record<string, string> }][] = [
    [
      'no signature headers',
      401,
      'missing signature headers',
      () => ({ body: status, headers: { 'content-type': 'application/json' } }),
    ],
    [
      'a signature without its timestamp',
      401,
      'missing signature headers',
      () => altered('x-signature-timestamp', undefined),
    ],
    [
      'a timestamp without its signature',
      401,
      'missing signature headers',
      () => altered('x-signature-ed25519', undefined),
    ],
    ['an empty signature', 401, 'missing signature headers', () => altered('x-signature-ed25519', '')],
    [
      'a signature by another key',
      401,
      'invalid signature',
      () => ({ body: status, headers: signedHeaders(discordKeys(), status) }),
    ],
    [
      'a tampered body (signed over another body)',
      401,
      'invalid signature',
      () => ({ body: status, headers: signedHeaders(keys, ping) }),
    ],
    [
      'a body with one byte appended',
      401,
      'invalid signature',
      () => ({ body: `${status} `, headers: signedHeaders(keys, status) }),
    ],
    [
      'a timestamp swapped after signing',
      401,
      'invalid signature',
      () => altered('x-signature-timestamp', String(now()), now() - 10),
    ],
    ['an all-zero signature', 401, 'invalid signature', () => altered('x-signature-ed25519', '0'.repeat(128))],
    [
      'a replayed request, signed properly, just past the window',
      401,
      'stale timestamp',
      () => ({ body: status, headers: signedHeaders(keys, status, now() - WINDOW_SECONDS - 2) }),
    ],
    [
      'a replayed request a day old',
      401,
      'stale timestamp',
      () => ({ body: status, headers: signedHeaders(keys, status, now() - 86_400) }),
    ],
    [
      'a timestamp in the future beyond the window',
      401,
      'stale timestamp',
      () => ({ body: status, headers: signedHeaders(keys, status, now() + WINDOW_SECONDS + 2) }),
    ],
    [
      'a timestamp at the epoch',
      401,
      'stale timestamp',
      () => ({ body: status, headers: signedHeaders(keys, status, 0) }),
    ],
    ['a non-hex signature', 401, 'malformed signature', () => altered('x-signature-ed25519', 'z'.repeat(128))],
    [
      'a base64 signature',
      401,
      'malformed signature',
      () => altered('x-signature-ed25519', Buffer.from(realSignature(), 'hex').toString('base64')),
    ],
    [
      'a signature one hex digit short',
      401,
      'malformed signature',
      () => altered('x-signature-ed25519', realSignature().slice(1)),
    ],
    [
      'a signature one hex digit long',
      401,
      'malformed signature',
      () => altered('x-signature-ed25519', `${realSignature()}0`),
    ],
    ['a negative timestamp', 401, 'malformed timestamp', () => altered('x-signature-timestamp', '-1')],
    ['a fractional timestamp', 401, 'malformed timestamp', () => altered('x-signature-timestamp', `${now()}.5`)],
    [
      'a timestamp as a date',
      401,
      'malformed timestamp',
      () => altered('x-signature-timestamp', new Date().toISOString()),
    ],
    ['an oversized body, signed', 413, 'body too large', () => signed(big)],
    [
      'an oversized body, unsigned',
      413,
      'body too large',
      () => ({ body: big, headers: { 'content-type': 'application/json' } }),
    ],
    [
      'an empty body, unsigned',
      401,
      'missing signature headers',
      () => ({ body: '', headers: { 'content-type': 'application/json' } }),
    ],
    ['an empty body, signed', 400, 'body is not JSON', () => signed('')],
    ['a signed body that is not JSON', 400, 'body is not JSON', () => signed('type=2&data=status')],
    [
      'a signed body of exactly 64 KB that is not JSON (at the limit, not over it)',
      400,
      'body is not JSON',
      () => signed('x'.repeat(MAX_BODY_BYTES)),
    ],
    ['a signed JSON null', 400, 'body is not an interaction', () => signed('null')],
    ['a signed JSON array', 400, 'body is not an interaction', () => signed('[1]')],
    ['a signed interaction whose type is a string', 400, 'body is not an interaction', () => signed('{"type":"1"}')],
    ['a signed command without a name', 400, 'body is not an interaction', () => signed('{"type":2,"data":{}}')],
    [
      'a signed command whose options are not a list',
      400,
      'body is not an interaction',
      () => signed('{"type":2,"data":{"name":"scan","options":"vpb"}}'),
    ],
    [
      'a signed command with a null option',
      400,
      'body is not an interaction',
      () => signed('{"type":2,"data":{"name":"scan","options":[null]}}'),
    ],
    [
      'a signed interaction of an unsupported type',
      400,
      'unsupported interaction type 3',
      () => signed('{"type":3,"data":{"name":"x"}}'),
    ],
  ];

  it.each(cases)('refuses %s: %i %s, before any store call', async (_, code, reason, request) => {
    const { body, headers } = request();
    const before = counted.calls();
    const response = await post(body, headers);
    expect(response.status).toBe(code);
    expect(response.type).toBe('application/json');
    expect(JSON.parse(response.text)).toEqual({ error: reason });
    expect(counted.calls()).toBe(before);
  });
});

describe('/scan-now under abuse', () => {
  const scanNow = (id: string, permissions: string, guild = '888000111000111000') =>
    JSON.stringify(
      slashCommand('scan-now', [], {
        id,
        guild,
        permissions,
        userId: '666',
        username: 'clicker',
        token: 'abuse-token',
      }),
    );
  /** The full-watchlist runs /scan-now started, read past the counter. */
  const scanNowRuns = async () =>
    (
      await openStores(createDocumentClient(stack.store.endpoint), { tableName: stack.store.tableName }).runs.listRuns(
        100,
      )
    ).items.filter((r) => r.kind === 'manual' && r.runId.endsWith('-full'));

  it('refuses a member without Manage Server every time, privately, before any store call: no run', async () => {
    const before = counted.calls();
    for (let i = 0; i < 5; i++) {
      const body = scanNow(snowflakeAt(new Date(), i), PERMISSIONS.sendMessages);
      const response = await post(body, signedHeaders(keys, body));
      expect(response.status).toBe(200);
      expect(JSON.parse(response.text)).toEqual({
        type: 4,
        data: { content: 'You need the Manage Server permission to start a scan.', flags: 64 },
      });
    }
    await stack.background();
    expect(counted.calls()).toBe(before);
    expect(await scanNowRuns()).toEqual([]);
  });

  it('starts one run for an admin clicking five times; the other four are told privately when they may', async () => {
    const answers: { content: string; flags?: number }[] = [];
    for (let i = 0; i < 5; i++) {
      const body = scanNow(snowflakeAt(new Date(), 100 + i), PERMISSIONS.manageServer);
      answers.push(
        (JSON.parse((await post(body, signedHeaders(keys, body))).text) as { data: (typeof answers)[0] }).data,
      );
      await stack.background();
    }
    expect(answers[0].content).toMatch(/^Started a scan of the full watchlist: run \d{8}T\d{6}Z-full\./);
    expect(answers[0].flags).toBeUndefined();
    for (const refused of answers.slice(1)) {
      expect(refused.flags).toBe(64);
      expect(refused.content).toMatch(
        /^A scan was started here 0 min ago: run \d{8}T\d{6}Z-full, .*\/scan-now can start another in 10 min\.$/,
      );
    }
    expect(await scanNowRuns()).toHaveLength(1);
  });
});
