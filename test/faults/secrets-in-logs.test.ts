import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SCANNER_NAMES } from '../../functions/core/scan/scanners.js';
import { BUNDLED_DATA_DIR } from '../../functions/local/cli/symbol-source.js';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { createApiHandler, apiDeps } from '../../functions/api/handler.js';
import { localLambdaContext } from '../../functions/local/lambda-context.js';
import { localSettings, runLocalPipeline } from '../../functions/local/local-pipeline.js';
import { type LocalStack, startLocalStack } from '../../functions/local/local-stack.js';
import {
  type DiscordKeys,
  discordKeys,
  type FakeDiscord,
  PERMISSIONS,
  signedHeaders,
  slashCommand,
  startFakeDiscord,
  textOptions,
} from '../helpers/discord.js';
import { captureLogs } from '../helpers/logs.js';
import { type ProviderServer, startAlpacaServer, startSchwabServer } from '../helpers/provider-servers.js';

// Every handler with obviously fake secrets configured, through the paths that handle them: a
// Schwab scan that alerts Discord, an Alpaca scan whose alert the webhook refuses, runs whose
// provider credentials are rejected, API requests with right and wrong tokens, chart requests
// (which never reach a provider, whatever its credentials), signed and forged Discord interactions with a deferred reply,
// a /subscribe that pastes a channel webhook (sealed with the store's key) and alerts posted to it, once refused.
// All output — the handlers' logs at DEBUG, anything on stdout or stderr — is kept, and no
// secret may appear in it, as written or base64-encoded.
vi.hoisted(() => {
  process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
});

const tag = randomBytes(6).toString('hex');
const WEBHOOK_PATH = `/api/webhooks/123456789/fake-webhook-token-${tag}`;
const SCHWAB = {
  appKey: `fake-schwab-app-key-${tag}`,
  appSecret: `fake-schwab-app-secret-${tag}`,
  refreshToken: `fake-schwab-refresh-token-${tag}`,
};
const ALPACA = { keyId: `fake-alpaca-key-id-${tag}`, secretKey: `fake-alpaca-secret-key-${tag}` };
const SECRETS: Record<string, string> = {
  webhookToken: `fake-webhook-token-${tag}`,
  apiToken: `fake-api-token-${tag}`,
  wrongApiToken: `fake-wrong-api-token-${tag}`,
  schwabAppKey: SCHWAB.appKey,
  schwabAppSecret: SCHWAB.appSecret,
  schwabRefreshToken: SCHWAB.refreshToken,
  schwabRevokedRefreshToken: `fake-schwab-revoked-token-${tag}`,
  alpacaKeyId: ALPACA.keyId,
  alpacaSecretKey: ALPACA.secretKey,
  alpacaWrongSecretKey: `fake-alpaca-wrong-secret-${tag}`,
  interactionToken: `fake-interaction-token-${tag}`,
};
const SYMBOLS = ['AAPL', 'GE', 'MDB', 'DDOG', 'COST'];

let keys: DiscordKeys;
let discord: FakeDiscord;
let schwab: ProviderServer;
let alpaca: ProviderServer;
let stack: LocalStack;
let logs: ReturnType<typeof captureLogs>;
const stdout: string[] = [];
const stderr: string[] = [];
/** Bodies the handlers answered with: they go back to callers, so they must not carry secrets either. */
const responses: string[] = [];
let runs = 0;
/** The handlers' provider, Discord and API settings: fake secrets, loopback endpoints. */
const env: Record<string, string> = {};
/** The channel webhook /subscribe pastes (its URL, whose path holds the token). */
let subscribed: { id: string; url: string };
const SUBSCRIBED_CHANNEL = '960000000000000001';

/** Every form a secret could be written in: as is, base64, base64url, and the forms the code builds from it. */
function forms(): [string, string][] {
  const all: [string, string][] = Object.entries({ ...SECRETS, discordPublicKey: keys.publicKey }).flatMap(
    ([name, value]): [string, string][] => [
      [name, value],
      [`${name} (base64)`, Buffer.from(value).toString('base64')],
      [`${name} (base64url)`, Buffer.from(value).toString('base64url')],
    ],
  );
  all.push(['discordPublicKey (raw bytes, base64)', Buffer.from(keys.publicKey, 'hex').toString('base64')]);
  all.push(['Schwab basic credentials', Buffer.from(`${SCHWAB.appKey}:${SCHWAB.appSecret}`).toString('base64')]);
  return all;
}

/** Where each secret form appears in `text`, with the line around it. */
function leaks(text: string, secrets: [string, string][]): string[] {
  return secrets
    .filter(([, value]) => text.includes(value))
    .map(
      ([name, value]) =>
        `${name}: …${text.slice(Math.max(0, text.indexOf(value) - 120), text.indexOf(value) + value.length + 40)}…`,
    );
}

const output = () => ({ console: logs.text(), stdout: stdout.join(''), stderr: stderr.join('') });

beforeAll(async () => {
  logs = captureLogs();
  const keep = (into: string[]) =>
    ((chunk: string | Uint8Array) => {
      into.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    }) as typeof process.stdout.write;
  vi.spyOn(process.stdout, 'write').mockImplementation(keep(stdout));
  vi.spyOn(process.stderr, 'write').mockImplementation(keep(stderr));

  keys = discordKeys();
  discord = await startFakeDiscord();
  subscribed = discord.addWebhook(SUBSCRIBED_CHANNEL);
  SECRETS.subscriptionWebhookToken = subscribed.url.split('/').at(-1) as string;
  schwab = await startSchwabServer(SCHWAB);
  alpaca = await startAlpacaServer(ALPACA);
  Object.assign(env, {
    SCHWAB_BASE_URL: schwab.url,
    SCHWAB_APP_KEY: SCHWAB.appKey,
    SCHWAB_APP_SECRET: SCHWAB.appSecret,
    SCHWAB_REFRESH_TOKEN: SCHWAB.refreshToken,
    ALPACA_DATA_URL: alpaca.url,
    ALPACA_KEY_ID: ALPACA.keyId,
    ALPACA_SECRET_KEY: ALPACA.secretKey,
    DISCORD_PUBLIC_KEY: keys.publicKey,
    DISCORD_WEBHOOK_URL: `${discord.url}${WEBHOOK_PATH}`,
    DISCORD_API_URL: discord.url,
    PROVIDER_REQUESTS_PER_MINUTE: 'Infinity',
    PROVIDER_TIMEOUT_MS: '2000',
  });
  // Every command is deferred, so its reply goes through the follow-up webhook with the interaction token.
  // The store's first run (as of 03-07) records what it sees; the tests' runs as of 03-08 alert that session's events.
  stack = await startLocalStack({
    watchlist: 'secrets',
    symbols: SYMBOLS,
    scanners: SCANNER_NAMES,
    provider: 'schwab',
    dataDir: BUNDLED_DATA_DIR,
    lookback: 150,
    asOf: '2024-03-07',
    port: 0,
    env,
    discord: { deadlineMs: 0 },
    auth: { token: SECRETS.apiToken, access: 'token' },
  });
  SECRETS.subscriptionKey = stack.store.subscriptionKey;
}, 60_000);

afterAll(async () => {
  await stack.close();
  await Promise.all([discord.close(), schwab.close(), alpaca.close()]);
  vi.restoreAllMocks();
  logs.restore();
});

/** Another run through the real handlers, on the stack's store, with the provider settings changed by `changes`. */
function scan(provider: string, symbols: string[], asOf: string, changes: Record<string, string> = {}) {
  return runLocalPipeline({
    watchlist: `secrets-${provider}`,
    symbols,
    scanners: SCANNER_NAMES,
    provider,
    dataDir: BUNDLED_DATA_DIR,
    lookback: 150,
    asOf,
    scheduledAt: new Date(Date.UTC(2026, 10, 2, 14, ++runs)),
    store: { ...stack.store, close: async () => {} },
    env: { ...env, ...changes },
  });
}

async function call(path: string, init: RequestInit = {}) {
  const response = await fetch(`${stack.url}${path}`, init);
  const text = await response.text();
  responses.push(text);
  return { status: response.status, text };
}
const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
/**
 * A chart from an API handler configured with a provider whose credentials are refused (its
 * settings changed by `changes`): its status and the bars' last day.
 */
async function chartWith(provider: string, changes: Record<string, string>) {
  const settings = localSettings(
    { provider, dataDir: BUNDLED_DATA_DIR, lookback: 150, env: { ...env, ...changes } },
    stack.store,
  );
  const deps = apiDeps(settings);
  const api = createApiHandler(() => deps);
  const event = {
    rawPath: '/api/symbols/GE/chart',
    rawQueryString: '',
    headers: bearer(SECRETS.apiToken).headers,
    requestContext: { http: { method: 'GET' } },
  } as unknown as APIGatewayProxyEventV2;
  const { statusCode, body } = await api(event, localLambdaContext('api'));
  responses.push(String(body));
  return [statusCode, (JSON.parse(String(body)) as { bars: { time: string }[] }).bars.at(-1)?.time];
}

describe('secrets in the output', () => {
  it('scans through Schwab with the fake credentials and posts the alert to the fake webhook', async () => {
    expect(stack.run).toMatchObject({ status: 'complete', symbolsDone: SYMBOLS.length, symbolsWithErrors: 0 });
    const token = schwab.requests.find((r) => r.path === '/v1/oauth/token');
    expect(token?.headers.authorization).toBe(
      `Basic ${Buffer.from(`${SCHWAB.appKey}:${SCHWAB.appSecret}`).toString('base64')}`,
    );
    expect(new URLSearchParams(token?.body).get('refresh_token')).toBe(SCHWAB.refreshToken);
    expect((await scan('schwab', SYMBOLS, '2024-03-08')).run.status).toBe('complete');
    const alerts = discord.received.filter((r) => r.path === WEBHOOK_PATH);
    expect(alerts).toHaveLength(1);
    expect((alerts[0].body as { content: string }).content).toBe('scanfleet: 2 new signals'); // COST's cross, DDOG's fire
  });

  it('answers API requests with the right token, and refuses a wrong or missing one', async () => {
    expect((await call('/api/scans/vpb', bearer(SECRETS.apiToken))).status).toBe(200);
    // The chart draws the bars the worker cached up to the as-of of the run the dashboard shows
    // (the stack's, 03-07): Schwab is not asked, nor for a symbol off the watchlist (a 404).
    const requests = schwab.requests.length;
    const chart = await call('/api/symbols/GE/chart', bearer(SECRETS.apiToken));
    expect([chart.status, (JSON.parse(chart.text) as { bars: { time: string }[] }).bars.at(-1)?.time]).toEqual([
      200,
      '2024-03-07',
    ]);
    const outside = await call('/api/symbols/NFLX/chart', bearer(SECRETS.apiToken));
    expect([outside.status, (JSON.parse(outside.text) as { error: { code: string } }).error.code]).toEqual([
      404,
      'unknown_symbol',
    ]);
    expect(schwab.requests).toHaveLength(requests);
    expect((await call('/api/runs', bearer(SECRETS.wrongApiToken))).status).toBe(403);
    expect((await call('/api/scans/vpb', { headers: { authorization: SECRETS.apiToken } })).status).toBe(403);
    expect((await call('/api/scans/vpb')).status).toBe(401);
    expect((await call('/api/health')).status).toBe(200);
  });

  it('answers signed interactions, finishes a deferred one through the follow-up webhook, and refuses forged ones', async () => {
    const status = JSON.stringify({
      type: 2,
      application_id: '123456789',
      token: SECRETS.interactionToken,
      data: { name: 'status' },
    });
    expect(
      await call('/discord/interactions', { method: 'POST', body: status, headers: signedHeaders(keys, status) }),
    ).toEqual({ status: 200, text: '{"type":5}' });
    await stack.background();
    expect(discord.received.find((r) => r.method === 'PATCH')?.path).toBe(
      `/webhooks/123456789/${SECRETS.interactionToken}/messages/@original`,
    );
    const forged = await call('/discord/interactions', {
      method: 'POST',
      body: status,
      headers: signedHeaders(discordKeys(), status),
    });
    expect(forged.status).toBe(401);
    const stale = await call('/discord/interactions', {
      method: 'POST',
      body: status,
      headers: signedHeaders(keys, status, Math.floor(Date.now() / 1000) - 3600),
    });
    expect(stale.status).toBe(401);
  });

  it('records an alert the webhook refuses (Alpaca scan of new signals), with the error logged', async () => {
    await scan('alpaca', ['ADBE', 'HD'], '2024-03-07'); // their first run: recorded, not alerted
    discord.failNext(401, 1);
    const result = await scan('alpaca', ['ADBE', 'HD'], '2024-03-08'); // ADBE's and HD's MACD crosses
    expect(result.run.status).toBe('complete');
    expect(alpaca.requests.at(-1)?.headers['apca-api-secret-key']).toBe(ALPACA.secretKey);
    expect(discord.received.at(-1)?.path).toBe(WEBHOOK_PATH);
    expect(
      logs
        .lines()
        .some(
          (l) =>
            l.service === 'scan-batch' && l.alert === 'queued' && /alert webhook: HTTP 401/.test(String(l.alertError)),
        ),
    ).toBe(true);
  });

  it('fails the batches of a run whose Schwab refresh token is rejected, naming the cause and not the token', async () => {
    const revoked = { SCHWAB_REFRESH_TOKEN: SECRETS.schwabRevokedRefreshToken };
    const result = await scan('schwab', ['AAPL', 'GE'], '2024-03-08', revoked);
    expect(
      schwab.requests.some(
        (r) => new URLSearchParams(r.body).get('refresh_token') === SECRETS.schwabRevokedRefreshToken,
      ),
    ).toBe(true);
    expect(result.deadLetters).toHaveLength(1);
    // The dead letter names its own batch's error.
    expect(result.deadLetters[0].message.batch).toBe(0);
    expect(result.deadLetters[0].reason).toMatch(/^Schwab rejected the refresh token \(HTTP 400: invalid_grant\)/);
    expect(
      logs
        .lines()
        .filter((l) => l.level === 'ERROR' && l.message === 'batch failed' && /Schwab rejected/.test(String(l.reason))),
    ).toHaveLength(3);
    const requests = schwab.requests.length;
    expect(await chartWith('schwab', revoked)).toEqual([200, '2024-03-07']);
    expect(schwab.requests).toHaveLength(requests);
  });

  it('fails the batches of a run whose Alpaca secret key is wrong; the chart needs no key', async () => {
    const wrong = { ALPACA_SECRET_KEY: SECRETS.alpacaWrongSecretKey };
    const result = await scan('alpaca', ['AAPL', 'GE'], '2024-03-08', wrong);
    expect(alpaca.requests.at(-1)?.headers['apca-api-secret-key']).toBe(SECRETS.alpacaWrongSecretKey);
    expect(result.deadLetters[0].message.batch).toBe(0);
    expect(result.deadLetters[0].reason).toMatch(/^Alpaca refused the API key \(HTTP 401\)/);
    const requests = alpaca.requests.length;
    expect(await chartWith('alpaca', wrong)).toEqual([200, '2024-03-07']);
    expect(alpaca.requests).toHaveLength(requests);
  });

  it('seals a webhook pasted in /subscribe, posts alerts to it, and logs its refusal by the subscription’s id', async () => {
    const subscribe = JSON.stringify(
      slashCommand('subscribe', textOptions({ scanner: 'macd', webhook: subscribed.url }), {
        id: '1300000000000000001',
        guild: '777000111',
        permissions: PERMISSIONS.manageServer,
        token: `${SECRETS.interactionToken}-subscribe`,
      }),
    );
    const answer = await call('/discord/interactions', {
      method: 'POST',
      body: subscribe,
      headers: signedHeaders(keys, subscribe),
    });
    expect(JSON.parse(answer.text)).toEqual({ type: 5, data: { flags: 64 } });
    await stack.background();
    const reply = discord.received.findLast((r) => r.method === 'PATCH');
    responses.push(JSON.stringify(reply?.body));
    expect((reply?.body as { content: string }).content).toContain(`<#${SUBSCRIBED_CHANNEL}>`);

    await scan('schwab', ['AMD'], '2024-02-28'); // AMD's first run: recorded, not alerted
    discord.failNext(401, 2); // the configured webhook's post, then the subscription's
    await scan('schwab', ['AMD'], '2024-02-29'); // AMD's MACD cross, its squeeze fired, its breakout
    expect(discord.postsTo(SUBSCRIBED_CHANNEL)).toEqual([]);
    expect(
      logs
        .lines()
        .some((l) => l.service === 'scan-batch' && /; subscription [0-9a-f]{8}: HTTP 401/.test(String(l.alertError))),
    ).toBe(true);
    await scan('schwab', ['AMD'], '2024-02-29'); // a later drain sends what was refused
    const posted = discord.postsTo(SUBSCRIBED_CHANNEL) as { embeds: { description: string }[] }[];
    expect(posted.flatMap((m) => m.embeds.map((e) => e.description.split(' — ')[0]))).toEqual([
      '**AMD** bullish_cross',
    ]);
  });

  it('captures every channel: a marker logged by a handler, written to stdout and, base64-encoded, to stderr is found', async () => {
    const marker = `fake-canary-secret-${tag}`;
    const markers: [string, string][] = [
      ['marker', marker],
      ['marker (base64)', Buffer.from(marker).toString('base64')],
    ];
    // The API handler logs every request's path: a marker in it goes through the handler's logger.
    expect((await call(`/api/${marker}`, bearer(SECRETS.apiToken))).status).toBe(404);
    process.stdout.write(`${marker}\n`);
    process.stderr.write(`${Buffer.from(marker).toString('base64')}\n`);
    const { console: logged, stdout: out, stderr: err } = output();
    expect(leaks(logged, markers)).toEqual([expect.stringMatching(/^marker: .*"path":"\/api\/fake-canary-secret-/s)]);
    expect(leaks(out, markers)).toHaveLength(1);
    expect(leaks(err, markers)).toEqual([expect.stringMatching(/^marker \(base64\): /)]);
  });

  it('logged the runs, requests and interactions of every handler, at every level they log at', () => {
    const lines = logs.lines();
    expect([...new Set(lines.map((l) => l.service))]).toEqual(
      expect.arrayContaining(['api', 'discord', 'dispatch', 'scan-batch']),
    );
    expect([...new Set(lines.map((l) => l.level))]).toEqual(expect.arrayContaining(['INFO', 'WARN', 'ERROR']));
    // The three requests refused for their credential are answered in front of the function, as by the gateway.
    expect(lines.filter((l) => l.service === 'api' && l.message === 'request').length).toBeGreaterThanOrEqual(6);
    expect(lines.filter((l) => l.service === 'discord' && l.message === 'interaction refused')).toHaveLength(2);
    // No API request failed: the chart reaches no provider, so refused credentials cannot fail it.
    expect(lines.filter((l) => l.service === 'api' && l.level === 'ERROR')).toEqual([]);
  });

  it('never writes a secret, nor its base64 form, to the logs, stdout, stderr or a response', () => {
    const secrets = forms();
    expect(secrets.length).toBeGreaterThan(30);
    const { console: logged, stdout: out, stderr: err } = output();
    expect(logged.length).toBeGreaterThan(10_000);
    expect(leaks(logged, secrets), 'logs').toEqual([]);
    expect(leaks(out, secrets), 'stdout').toEqual([]);
    expect(leaks(err, secrets), 'stderr').toEqual([]);
    expect(leaks(responses.join('\n'), secrets), 'responses').toEqual([]);
  });
});
