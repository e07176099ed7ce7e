import { mkdirSync, writeFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SCANNER_NAMES } from '../../functions/core/scan/scanners.js';
import { type EmbeddedStore, startEmbeddedStore } from '../../functions/local/embedded-store.js';
import {
  configureLocalEnvironment,
  type LocalPipelineResult,
  runLocalPipeline,
} from '../../functions/local/local-pipeline.js';
import { BUNDLED_DATA_DIR } from '../../functions/local/cli/symbol-source.js';
import { expectRunAccountedFor, signalLines } from '../helpers/invariants.js';
import {
  gzipBomb,
  type ProviderServer,
  type SeenRequest,
  startAlpacaServer,
  startYahooServer,
} from '../helpers/provider-servers.js';
import { type StoreProxy, startStoreProxy } from '../helpers/store-proxy.js';
import { startFakeDiscord } from '../helpers/discord.js';
import { KEYS } from '../../functions/adapters/store/table-schema.js';
import { MAX_RESPONSE_BYTES } from '../../functions/adapters/http-transport.js';
import { MB, peakRss } from '../helpers/memory.js';

// Full local runs: the dispatch and scan-batch handlers, the Yahoo provider over HTTP to a
// loopback server answering in Yahoo's format, the store through a fault-injecting proxy in
// front of dynalite. Batches of 4, so 14 symbols make 4 batches.
const SYMBOLS = [
  'AAPL',
  'MSFT',
  'NVDA',
  'GE',
  'MDB',
  'DDOG',
  'COST',
  'ARM',
  'AMD',
  'INTC',
  'META',
  'NFLX',
  'TSLA',
  'ZZZZ',
];
const ALPACA_KEYS = { keyId: 'fake-alpaca-key-id', secretKey: 'fake-alpaca-secret-key' };
let db: EmbeddedStore;
let proxy: StoreProxy;
let yahoo: ProviderServer;
let baseline: LocalPipelineResult;
let runs = 0;
const tally = { runs: 0, symbols: 0, faults: 0 };
/** The providers' endpoints, pacing and credentials the runs' settings take. */
const env: Record<string, string> = {};

beforeAll(async () => {
  // The handlers' error logs are expected here; the assertions read the runs instead.
  process.env.POWERTOOLS_LOG_LEVEL = 'CRITICAL';
  configureLocalEnvironment();
  db = await startEmbeddedStore();
  proxy = await startStoreProxy(db.endpoint);
  yahoo = await startYahooServer();
  Object.assign(env, {
    YAHOO_BASE_URL: yahoo.url,
    PROVIDER_REQUESTS_PER_MINUTE: 'Infinity',
    PROVIDER_TIMEOUT_MS: '300',
  });
  baseline = await run();
}, 60_000);
afterEach(() => yahoo.clearFaults());
afterAll(async () => {
  await yahoo.close();
  await proxy.close();
  await db.close();
  tally.faults += proxy.calls.filter((c) => c.fault).length + yahoo.faultsApplied();
  // The figures docs/reliability.md quotes.
  mkdirSync('test-artifacts', { recursive: true });
  writeFileSync('test-artifacts/faults-pipeline.json', `${JSON.stringify(tally, null, 2)}\n`);
  process.stdout.write(
    `fault suite (pipeline): ${tally.faults} faults injected over ${tally.runs} runs, ${tally.symbols} symbols × ${SCANNER_NAMES.length} scanners accounted for\n`,
  );
});

/** One full local run on the proxy, then the invariants; faults used up are counted. */
async function run(provider = 'yahoo'): Promise<LocalPipelineResult> {
  const result = await runLocalPipeline({
    watchlist: 'faults',
    symbols: SYMBOLS,
    scanners: SCANNER_NAMES,
    provider,
    dataDir: BUNDLED_DATA_DIR,
    lookback: 150,
    asOf: '2024-03-08',
    batchSize: 4,
    scheduledAt: new Date(Date.UTC(2026, 10, 2, 14, 30 + runs++)),
    store: {
      endpoint: proxy.endpoint,
      tableName: db.tableName,
      subscriptionKey: db.subscriptionKey,
      close: async () => {},
    },
    env,
  });
  expectRunAccountedFor(result, SYMBOLS, SCANNER_NAMES);
  tally.runs++;
  tally.symbols += SYMBOLS.length;
  return result;
}

const forSymbol = (symbol: string) => (r: SeenRequest) => r.path.endsWith(`/${symbol}`);
const outcome = (result: LocalPipelineResult, symbol: string) => result.outcomes.filter((o) => o.symbol === symbol);
const expectSameSignals = (result: LocalPipelineResult) => expect(signalLines(result)).toEqual(signalLines(baseline));

const providerFault = (symbol: string, fault: Parameters<ProviderServer['inject']>[1], times: number) =>
  yahoo.inject(forSymbol(symbol), fault, times);

describe('provider faults: every symbol ends with a result or an error with its reason', () => {
  it('the baseline: 13 symbols scanned, the one Yahoo does not know is an error naming it', () => {
    expect(baseline.run.status).toBe('complete');
    expect(outcome(baseline, 'ZZZZ').map((o) => [o.status, o.reason])).toEqual(
      SCANNER_NAMES.map(() => ['error', expect.stringMatching(/ZZZZ/)]),
    );
    expect(baseline.outcomes.filter((o) => o.symbol !== 'ZZZZ').every((o) => o.status === 'ok')).toBe(true);
    expect(signalLines(baseline).length).toBeGreaterThan(0);
  });

  it('a 429 storm with Retry-After, 5xx, timeouts and dropped connections are retried to the same results', async () => {
    for (const symbol of SYMBOLS.slice(0, 6))
      providerFault(symbol, { kind: 'status', status: 429, retryAfter: '0' }, 2);
    providerFault('COST', { kind: 'status', status: 503 }, 3);
    providerFault('ARM', { kind: 'status', status: 500 }, 1);
    providerFault('AMD', { kind: 'timeout' }, 1);
    providerFault('INTC', { kind: 'reset' }, 2);
    providerFault('META', { kind: 'truncated' }, 1);
    const result = await run();
    expect(result.deadLetters).toEqual([]);
    expectSameSignals(result);
  });

  it('faults that outlast the retries become that symbol’s error, and only that symbol’s', async () => {
    // Batches of 4, in the live scorecard's shard order: [MDB MSFT ARM AMD] [ZZZZ NVDA INTC COST]
    // [META GE NFLX AAPL] [DDOG TSLA]; each keeps a healthy symbol (a batch whose every symbol fails
    // is retried as a whole: next test).
    const faults: [string, Parameters<ProviderServer['inject']>[1]][] = [
      ['AAPL', { kind: 'status', status: 500 }],
      ['MSFT', { kind: 'timeout' }],
      ['MDB', { kind: 'status', status: 200, body: '<html>Service Unavailable</html>' }],
      ['DDOG', { kind: 'status', status: 429, retryAfter: '0' }],
      ['AMD', { kind: 'reset' }],
      ['INTC', { kind: 'truncated' }],
    ];
    for (const [symbol, fault] of faults) yahoo.inject(forSymbol(symbol), fault, Infinity);
    const result = await run();
    const first = (symbol: string) => outcome(result, symbol)[0];
    expect(first('AAPL')).toMatchObject({
      status: 'error',
      reason: expect.stringMatching(/HTTP 500 \(after 4 attempts\)/),
    });
    expect(first('MSFT')).toMatchObject({
      status: 'error',
      reason: expect.stringMatching(/no response within 300 ms \(after 4 attempts\)/),
    });
    expect(first('MDB')).toMatchObject({
      status: 'error',
      reason: expect.stringMatching(/not valid JSON \(\d+ bytes, starts "<html>/),
    });
    expect(first('DDOG')).toMatchObject({
      status: 'error',
      reason: expect.stringMatching(/HTTP 429 \(after 4 attempts\)/),
    });
    expect(first('AMD')).toMatchObject({
      status: 'error',
      reason: expect.stringMatching(/connection failed \(ECONNRESET\)|socket hang up|connection dropped/),
    });
    expect(first('INTC')).toMatchObject({ status: 'error', reason: expect.stringMatching(/not valid JSON/) });
    expect(result.deadLetters).toEqual([]);
    expect(result.run.symbolsWithErrors).toBe(7);
    const untouched = (r: LocalPipelineResult) =>
      signalLines(r).filter((line) => !/ (AAPL|MSFT|MDB|DDOG|AMD|INTC) /.test(line));
    expect(untouched(result)).toEqual(untouched(baseline));
  });

  it('a gzip bomb (1 GB of zeros) is that symbol’s error naming the limit, asked for once, never inflated', async () => {
    const gzip = await gzipBomb(1024 * MB);
    providerFault('NFLX', { kind: 'gzip-bomb', gzip }, Infinity);
    const asked = () => yahoo.requests.filter(forSymbol('NFLX')).length;
    const [askedBefore, peakBefore] = [asked(), peakRss()];
    const result = await run();
    expect(outcome(result, 'NFLX')).toEqual(
      SCANNER_NAMES.map(() =>
        expect.objectContaining({
          status: 'error',
          reason: expect.stringContaining(`response larger than ${MAX_RESPONSE_BYTES} bytes once gzip-decoded`),
        }),
      ),
    );
    expect(asked() - askedBefore).toBe(1);
    expect(peakRss() - peakBefore).toBeLessThan(MAX_RESPONSE_BYTES + 32 * MB);
    expect(result.run.symbolsWithErrors).toBe(2);
    expect(signalLines(result).filter((line) => !/ NFLX /.test(line))).toEqual(
      signalLines(baseline).filter((line) => !/ NFLX /.test(line)),
    );
  });

  it('empty candles, null fields and a provider down for the whole run', async () => {
    providerFault('AAPL', { kind: 'empty' }, 1);
    providerFault('MSFT', { kind: 'nulls', dates: ['2024-03-04', '2024-03-05', '2024-03-06'] }, 1);
    const result = await run();
    expect(outcome(result, 'AAPL').map((o) => [o.status, o.reason])).toEqual(
      SCANNER_NAMES.map(() => [
        'error',
        'Yahoo returned no daily bars for AAPL in the window (unknown, delisted, or not trading)',
      ]),
    );
    // The three null rows are set aside and counted; MSFT is still scanned on the rows left.
    expect(outcome(result, 'MSFT').map((o) => o.status)).toEqual(['ok', 'ok', 'ok']);
    expect(result.run.dataIssues).toMatchObject({ invalid_price: 3, malformed: 0 });

    // Down for the whole run: every batch fails all its symbols, so each message is retried as a
    // whole and, after its third delivery, dead-lettered with the error noted on the run.
    yahoo.inject(() => true, { kind: 'status', status: 503 }, Infinity);
    const before = yahoo.requests.length;
    const down = await run();
    expect(down.deadLetters.map((d) => d.message.batch).sort()).toEqual([0, 1, 2, 3]);
    // Its last batch dead-lettered, the run ends at once: failed, as no batch was done.
    expect(down.run).toMatchObject({
      status: 'failed',
      endReason: expect.stringMatching(
        /^4 of 4 batches failed every delivery: batch 0, 1, 2, 3 \(last error: batch \d: yahoo failed/,
      ),
      batchesDone: 0,
      failedBatches: [0, 1, 2, 3],
      lastBatchError: expect.stringMatching(
        /yahoo failed for all \d symbols of the batch: chart \w+: not sent: yahoo looks down \(\d+ requests in a row failed every retry\)$/,
      ),
    });
    // Every request answers 503. Once 3 requests in a row have failed all 4 attempts the provider
    // is taken to be down: only the requests already in flight (2 batches of 4 at a time) finish
    // theirs, and no later one is sent, where each of 14 symbols × 3 deliveries × 4 attempts was.
    const asked = yahoo.requests.length - before;
    expect(asked).toBeGreaterThanOrEqual(3 * 4);
    expect(asked).toBeLessThanOrEqual(2 * 4 * 4);
  }, 60_000);

  it('a batch provider (Alpaca) down for a batch fails the message: retried, then dead-lettered and noted on the run', async () => {
    const alpaca = await startAlpacaServer(ALPACA_KEYS);
    Object.assign(env, {
      ALPACA_KEY_ID: ALPACA_KEYS.keyId,
      ALPACA_SECRET_KEY: ALPACA_KEYS.secretKey,
      ALPACA_DATA_URL: alpaca.url,
    });
    try {
      // Batch 1 (ZZZZ, NVDA, INTC, COST: dispatch cuts batches in the live scorecard's shard
      // order) fails on every attempt of every delivery.
      alpaca.inject((r) => (r.query.get('symbols') ?? '').includes('INTC'), { kind: 'status', status: 502 }, Infinity);
      const result = await run('alpaca');
      expect(result.deadLetters.map((d) => d.message.batch)).toEqual([1]);
      expect(result.run).toMatchObject({
        status: 'partial',
        endReason: expect.stringMatching(
          /^1 of 4 batches failed every delivery: batch 1 \(last error: batch 1: .*HTTP 502/,
        ),
        failedBatches: [1],
        batchesDone: 3,
        lastBatchError: expect.stringMatching(/^batch 1: .*HTTP 502/),
      });
      // Three deliveries of the batch, each with the client's 4 attempts.
      expect(alpaca.requests.filter((r) => (r.query.get('symbols') ?? '').includes('INTC'))).toHaveLength(12);
    } finally {
      tally.faults += alpaca.faultsApplied();
      await alpaca.close();
    }
  }, 60_000);
});

describe('credentials refused: told once where people look', () => {
  it('Alpaca refusing the API key fails every batch: the run ends failed, the operator hears it once, and its recovery', async () => {
    const alpaca = await startAlpacaServer(ALPACA_KEYS);
    const discord = await startFakeDiscord();
    const operator = '/api/webhooks/2222222/fake-operator-token';
    Object.assign(env, {
      ALPACA_KEY_ID: ALPACA_KEYS.keyId,
      ALPACA_SECRET_KEY: 'a-wrong-fake-secret',
      ALPACA_DATA_URL: alpaca.url,
      DISCORD_WEBHOOK_URL: `${discord.url}/api/webhooks/1111111/fake-token`,
      DISCORD_OPERATOR_WEBHOOK_URL: `${discord.url}${operator}`,
    });
    try {
      const refused = await run('alpaca');
      expect(refused.run).toMatchObject({
        status: 'failed',
        batchesDone: 0,
        lastBatchError: expect.stringMatching(/Alpaca refused the API key \(HTTP 40[13]\)/),
      });
      await run('alpaca'); // the same cause again: not told twice
      const told = discord.received
        .filter((r) => r.path === operator)
        .map((r) => (r.body as { content: string }).content);
      expect(told).toEqual(['scanfleet: alpaca refused the credentials']);
      env.ALPACA_SECRET_KEY = ALPACA_KEYS.secretKey;
      expect((await run('alpaca')).run.status).toBe('complete');
      const after = discord.received
        .filter((r) => r.path === operator)
        .map((r) => (r.body as { content: string }).content);
      expect(after).toEqual([
        'scanfleet: alpaca refused the credentials',
        'scanfleet: alpaca takes the credentials again',
      ]);
    } finally {
      for (const key of [
        'ALPACA_KEY_ID',
        'ALPACA_SECRET_KEY',
        'ALPACA_DATA_URL',
        'DISCORD_WEBHOOK_URL',
        'DISCORD_OPERATOR_WEBHOOK_URL',
      ])
        delete env[key];
      tally.faults += alpaca.faultsApplied();
      await alpaca.close();
      await discord.close();
    }
  }, 60_000);
});

describe('store faults: nothing lost, nothing counted twice', () => {
  it('throttled BatchWriteItem calls and UnprocessedItems are retried to the same results', async () => {
    proxy.inject('BatchWriteItem', { kind: 'error', type: 'ThrottlingException' }, 2);
    proxy.inject('BatchWriteItem', { kind: 'error', type: 'ProvisionedThroughputExceededException' }, 1);
    proxy.inject('BatchWriteItem', { kind: 'unprocessed' }, 4);
    const result = await run();
    expect(proxy.pending()).toBe(0);
    expect(result.deadLetters).toEqual([]);
    expectSameSignals(result);
  }, 60_000);

  it('a batch retried after a partial write rewrites the same items and is counted once', async () => {
    // Batch writes of a 4-symbol batch go in one call: the second call of the run fails past the
    // SDK's own 3 attempts, so its message fails after batch 0's items were written.
    let calls = 0;
    proxy.inject('BatchWriteItem', { kind: 'error', type: 'InternalServerError' }, 3, () => ++calls >= 2);
    const result = await run();
    expect(proxy.pending()).toBe(0);
    expectSameSignals(result);
    expect(result.run.symbolsDone).toBe(SYMBOLS.length);
  }, 60_000);

  it('lost responses: a counted batch, a created run and a completed run are each recognised on retry (alert claims: queue-and-alerts)', async () => {
    proxy.inject('UpdateItem', { kind: 'lost-response' }, 2, (body) =>
      String(body.UpdateExpression).startsWith('ADD batchesDone'),
    );
    proxy.inject(
      'PutItem',
      { kind: 'lost-response' },
      1,
      (body) => String((body.Item as Record<string, { S?: string }>)?.sk?.S) === KEYS.run('').sk,
    );
    proxy.inject('UpdateItem', { kind: 'lost-response' }, 1, (body) =>
      String(body.UpdateExpression).includes('completedBy'),
    );
    const result = await run();
    expect(proxy.pending()).toBe(0);
    // Counted once despite the re-sent ADD; completed although its first response was lost.
    expect(result.run).toMatchObject({ status: 'complete', batchesDone: 4, symbolsDone: SYMBOLS.length });
    expectSameSignals(result);
  }, 60_000);

  it('a store that drops connections fails the message, which is redelivered until it succeeds', async () => {
    proxy.inject('GetItem', { kind: 'reset' }, 3);
    const result = await run();
    expect(proxy.pending()).toBe(0);
    expect(result.deadLetters).toEqual([]);
    expectSameSignals(result);
  }, 60_000);
});
