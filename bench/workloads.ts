// What each function is fed in the bench: its real event shapes, against loopback services that
// answer as the real ones do (dynalite, an SQS-protocol server, Secrets Manager's JSON protocol,
// a Schwab server, a fake Discord with real Ed25519 signatures).
import { DEFAULT_BATCH_SIZE } from '../functions/core/run/batching.js';
import { ALL_LISTS, DEFAULT_LIST_LIMITS } from '../functions/core/lists/watchlist-rules.js';
import type { ScanMessage } from '../functions/core/run/scan-message.js';
import { SCANNER_NAMES, SCANNERS } from '../functions/core/scan/scanners.js';
import { DEFAULT_HORIZONS } from '../functions/core/scorecard/horizons.js';
import {
  BASELINE,
  inShardOrder,
  RECORDED,
  SCORECARD_SHARDS,
  scorecardShard,
} from '../functions/core/scorecard/live-scorecard.js';
import { BatchWriteCommand, PutCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createDocumentClient } from '../functions/adapters/store/dynamodb-client.js';
import { openStoresWithLists } from '../functions/adapters/store/stores.js';
import { ITEM_TYPES, KEYS } from '../functions/adapters/store/table-schema.js';
import { ENV } from '../functions/adapters/settings.js';
import type { EmbeddedStore } from '../functions/local/embedded-store.js';
import { runLocalPipeline } from '../functions/local/local-pipeline.js';
import { BUNDLED_DATA_DIR } from '../functions/local/cli/symbol-source.js';
import { type DiscordKeys, signedHeaders, snowflakeAt } from '../test/helpers/discord.js';
import type { LambdaProcessInput } from './lambda-process.js';
import type { SynthesizedFunction } from './synth.js';

/** The loopback services every function's process reaches. */
export interface Services {
  readonly sqs: { endpoint: string; queueUrl: string };
  readonly secretsEndpoint: string;
  readonly schwabUrl: string;
  readonly discordUrl: string;
  readonly discordKeys: DiscordKeys;
  readonly apiToken: string;
}

/** The functions' AWS credentials and region, which the loopback SQS and Secrets Manager servers verify signatures with. */
export const BENCH_AWS = {
  region: 'us-east-1',
  credentials: {
    accessKeyId: 'FAKEBENCHACCESSKEY',
    secretAccessKey: 'fake-bench-secret-access-key',
    sessionToken: 'fake-bench-session-token',
  },
} as const;

/** Secrets Manager ids the bench's server holds, standing in for the stack's secrets. */
export const SECRET_IDS = {
  apiToken: 'bench/api-token',
  schwab: 'bench/schwab',
  discord: 'bench/discord',
  subscriptionKey: 'bench/subscription-key',
} as const;
export const WEBHOOK_PATH = '/api/webhooks/100000000000000001/fake-bench-webhook-token';
/** The session the bundled data ends with: every run stands at it. */
export const AS_OF = '2024-03-08';

/**
 * The environment Lambda gives the function: the template's variables (references resolved to
 * the loopback services, /var/task to the asset directory), Lambda's own, obviously fake
 * credentials, and the endpoints that point the SDK and the providers at loopback.
 */
export function lambdaEnvironment(
  fn: SynthesizedFunction,
  store: EmbeddedStore,
  services: Services,
): Record<string, string> {
  const references: Record<string, string> = {
    [ENV.tableName]: store.tableName,
    [ENV.queueUrl]: services.sqs.queueUrl,
    [ENV.apiTokenSecretId]: SECRET_IDS.apiToken,
    [ENV.schwabSecretId]: SECRET_IDS.schwab,
    [ENV.discordSecretId]: SECRET_IDS.discord,
    [ENV.subscriptionKeySecretId]: SECRET_IDS.subscriptionKey,
    [ENV.dispatchFunction]: 'scanfleet-dispatch',
    [ENV.listsWriterFunction]: 'scanfleet-lists-writer',
    // The HTTP API's address, which the alert lines link to (an obviously fake one: no request goes there).
    [ENV.dashboardUrl]: 'https://dashboard.example.com',
  };
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(fn.environment)) {
    if (typeof value === 'string') env[name] = value.replace(/^\/var\/task(?=\/|$)/, fn.assetDir);
    else if (references[name] !== undefined) env[name] = references[name];
    else throw new Error(`bench: ${fn.name}'s ${name} is a reference the bench has no loopback value for`);
  }
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    LAMBDA_TASK_ROOT: fn.assetDir,
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_LAMBDA_FUNCTION_NAME: `scanfleet-${fn.name}`,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memoryMb),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_REGION: BENCH_AWS.region,
    AWS_DEFAULT_REGION: BENCH_AWS.region,
    AWS_ACCESS_KEY_ID: BENCH_AWS.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: BENCH_AWS.credentials.secretAccessKey,
    AWS_SESSION_TOKEN: BENCH_AWS.credentials.sessionToken,
    AWS_ENDPOINT_URL_DYNAMODB: store.endpoint,
    AWS_ENDPOINT_URL_SQS: services.sqs.endpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: services.secretsEndpoint,
    [ENV.schwabBaseUrl]: services.schwabUrl,
    // The loopback provider has no rate limit to respect: a soak at Schwab's 50 a minute would take an hour.
    [ENV.providerRequestsPerMinute]: 'Infinity',
    [ENV.discordApiUrl]: services.discordUrl,
    ...env,
  };
}

let runClock = Date.UTC(2026, 0, 5, 14, 30);

/** Runs of `symbols` created in the store (as dispatch would), and their batches' messages. */
export async function scanMessages(store: EmbeddedStore, symbols: string[], count: number): Promise<ScanMessage[]> {
  const { runs } = openStoresWithLists(createDocumentClient(store.endpoint), { tableName: store.tableName });
  const messages: ScanMessage[] = [];
  while (messages.length < count) {
    const scheduledAt = new Date((runClock += 60_000)).toISOString();
    const runId = `${scheduledAt.replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '')}-bench`;
    const batches = Math.ceil(symbols.length / DEFAULT_BATCH_SIZE);
    // Cut as dispatch cuts them: in the live scorecard's shard order.
    const ordered = inShardOrder(symbols);
    await runs.createRun({
      runId,
      watchlist: 'bench',
      kind: 'manual',
      session: AS_OF,
      scheduledAt,
      startedAt: scheduledAt,
      sessionDate: scheduledAt.slice(0, 10),
      asOf: AS_OF,
      symbols,
      scanners: [...SCANNER_NAMES],
      batchSize: DEFAULT_BATCH_SIZE,
      batchesExpected: batches,
    });
    for (let batch = 0; batch < batches; batch++)
      messages.push({
        runId,
        batch,
        symbols: ordered.slice(batch * DEFAULT_BATCH_SIZE, (batch + 1) * DEFAULT_BATCH_SIZE),
        scanners: [...SCANNER_NAMES],
        scheduledAt,
        asOf: AS_OF,
      });
  }
  return messages.slice(0, count);
}

/** The items of one completed run of the bundled watchlist: scanned once, copied into each store. */
let seeded: Promise<Record<string, unknown>[]> | undefined;

/**
 * A completed run of the bundled watchlist in the store: what the API, the sweeper and the
 * Discord function read. The first store gets it from a local pipeline run; the others get a copy
 * of its items, so the bench's own process does not scan again beside a measured one.
 */
export async function seedStore(store: EmbeddedStore, symbols: readonly string[]): Promise<void> {
  const client = createDocumentClient(store.endpoint);
  if (seeded === undefined) {
    seeded = (async () => {
      await runLocalPipeline({
        watchlist: 'full',
        symbols,
        scanners: SCANNER_NAMES,
        dataDir: BUNDLED_DATA_DIR,
        lookback: 150,
        asOf: AS_OF,
        scheduledAt: new Date(Date.UTC(2026, 0, 2, 21)),
        store,
      });
      const items: Record<string, unknown>[] = [];
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const page = await client.send(new ScanCommand({ TableName: store.tableName, ExclusiveStartKey }));
        items.push(...(page.Items ?? []));
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      return items;
    })();
    await seeded;
    return;
  }
  const items = await seeded;
  for (let i = 0; i < items.length; i += 25) {
    let requests = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    while (requests.length > 0) {
      const out = await client.send(new BatchWriteCommand({ RequestItems: { [store.tableName]: requests } }));
      requests = (out.UnprocessedItems?.[store.tableName] ?? []) as typeof requests;
    }
  }
}

/** An HTTP API request (payload 2.0): a GET of the read API's, or a route's `method` with its JSON `body`. */
const http = (
  path: string,
  query = '',
  { method = 'GET', routeKey = '$default', body }: { method?: string; routeKey?: string; body?: unknown } = {},
) => ({
  version: '2.0',
  routeKey,
  rawPath: path,
  rawQueryString: query,
  headers: {
    host: 'bench.execute-api.us-east-1.amazonaws.com',
    'accept-encoding': 'gzip',
    ...(body !== undefined && { 'content-type': 'application/json' }),
  },
  requestContext: { http: { method, path }, requestId: 'bench', stage: '$default' },
  ...(body !== undefined && { body: JSON.stringify(body) }),
  isBase64Encoded: false,
});

/** Each function's events; `count` invocations of them. */
export async function workload(
  fn: SynthesizedFunction,
  store: EmbeddedStore,
  services: Services,
  symbols: string[],
  count: number,
): Promise<LambdaProcessInput> {
  switch (fn.name) {
    case 'scan-batch':
      return { mode: 'sqs', events: await scanMessages(store, symbols, count), count };
    case 'api': {
      await seedStore(store, symbols);
      const paths = [
        http('/api/scans/macd'),
        http('/api/scans/vpb', 'signal=buy'),
        http('/api/scans/ttm-squeeze'),
        http('/api/runs'),
        http('/api/symbols/AAPL'),
        http('/api/symbols/AAPL/chart'),
        http('/api/health'),
        http('/'),
      ];
      return { mode: 'invoke', events: paths, count, expect: '"statusCode":200' };
    }
    case 'lists-writer': {
      // The list writes as the gateway sends them: two symbols POSTed to a list, then one of them
      // DELETEd, alternating. Each POST adds MSFT back, a new symbol checked with the provider (the
      // csv one reads the function's bundled copy of the data), and each DELETE removes it.
      let removed = 'MSFT';
      if (fn.environment[ENV.provider] !== 'csv') {
        // The loopback providers serve the bundled history, which ends at AS_OF: a new symbol
        // checked against today's sessions would be refused (422). Here the list holds both
        // symbols already, so the POST checks none, and the DELETE removes one it does not hold.
        const client = createDocumentClient(store.endpoint);
        await openStoresWithLists(client, { tableName: store.tableName }).lists.add(
          'bench',
          ['AAPL', 'MSFT'],
          'bench',
          DEFAULT_LIST_LIMITS,
        );
        client.destroy();
        removed = 'NVDA';
      }
      const events = [
        http('/api/watchlists/bench/symbols', '', {
          method: 'POST',
          routeKey: 'POST /api/watchlists/{name}/symbols',
          body: { symbols: ['AAPL', 'MSFT'] },
        }),
        http(`/api/watchlists/bench/symbols/${removed}`, '', {
          method: 'DELETE',
          routeKey: 'DELETE /api/watchlists/{name}/symbols/{symbol}',
        }),
      ];
      return { mode: 'invoke', events, count, expect: '"statusCode":200' };
    }
    case 'dispatch': {
      // The schedules' run: every list, seeded with the bundled watchlist file on the first.
      const events = Array.from({ length: count }, () => ({
        watchlist: ALL_LISTS,
        scheduledAt: new Date((runClock += 60_000)).toISOString(),
        asOf: AS_OF,
      }));
      return { mode: 'invoke', events, count, expect: '"runId"' };
    }
    case 'sweeper':
      await seedStore(store, symbols);
      return { mode: 'invoke', events: [{ sweep: true }], count };
    case 'authorizer': {
      const request = (authorization: string) => ({
        version: '2.0',
        type: 'REQUEST',
        routeArn: 'arn:aws:execute-api:us-east-1:000000000000:bench/$default/GET/api/runs',
        identitySource: [authorization],
        routeKey: 'GET /api/{proxy+}',
        rawPath: '/api/runs',
        rawQueryString: '',
        headers: { authorization },
        requestContext: { http: { method: 'GET', path: '/api/runs' }, requestId: 'bench' },
      });
      return {
        mode: 'invoke',
        events: [request(`Bearer ${services.apiToken}`), request('Bearer fake-wrong-token')],
        count,
        expect: '"isAuthorized"',
      };
    }
    case 'discord': {
      await seedStore(store, symbols);
      const started = Date.now();
      const events = Array.from({ length: count }, (_, i) => {
        const at = new Date(started + i);
        const body = JSON.stringify(
          i % 3 === 0
            ? { type: 1, id: snowflakeAt(at), application_id: '100000000000000002', token: 'fake-bench-token' }
            : {
                type: 2,
                id: snowflakeAt(at, i),
                application_id: '100000000000000002',
                token: 'fake-bench-token',
                guild_id: '100000000000000003',
                member: { permissions: '0', user: { id: '42', username: 'bench' } },
                data:
                  i % 3 === 1
                    ? { name: 'status', options: [] }
                    : { name: 'scan', options: [{ name: 'scanner', value: 'macd' }] },
              },
        );
        return {
          version: '2.0',
          rawPath: '/',
          rawQueryString: '',
          headers: signedHeaders(services.discordKeys, body, Math.floor(at.getTime() / 1000)),
          requestContext: { http: { method: 'POST', path: '/' }, requestId: 'bench' },
          body,
          isBase64Encoded: false,
        };
      });
      return { mode: 'invoke', events, count, expect: '"statusCode":200' };
    }
    case 'alarm-notify': {
      const message = {
        AlarmName: 'scanfleet-ScanBatchErrors',
        AlarmDescription: 'scan-batch: an invocation failed. What to do: read its log.',
        NewStateValue: 'ALARM',
        OldStateValue: 'OK',
        NewStateReason: 'Threshold Crossed: 1 datapoint [2.0] was greater than or equal to the threshold (1.0).',
        StateChangeTime: '2026-01-05T14:35:00.000+0000',
        Region: 'US East (N. Virginia)',
        AWSAccountId: '000000000000',
      };
      const event = {
        Records: [
          {
            EventSource: 'aws:sns',
            EventVersion: '1.0',
            EventSubscriptionArn: 'arn:aws:sns:us-east-1:000000000000:alarms:bench',
            Sns: {
              Type: 'Notification',
              MessageId: 'bench',
              TopicArn: 'arn:aws:sns:us-east-1:000000000000:alarms',
              Subject: 'ALARM',
              Message: JSON.stringify(message),
              Timestamp: '2026-01-05T14:35:00.000Z',
              MessageAttributes: {},
            },
          },
        ],
      };
      return { mode: 'invoke', events: [event], count, expect: '"posted":1' };
    }
    default:
      throw new Error(`bench: no workload for the function ${fn.name}`);
  }
}

/**
 * The live scorecard's aggregates as `symbols` symbols leave them, written into the store in
 * their stored format (docs/store.md): every signal at every horizon of the default set (and 0,
 * the observations), in every shard, each with its symbols' guard ranges — the worst case, every
 * symbol having shown every signal — and a histogram of 300 buckets. Returns the largest item's
 * size in KB (its attribute names and values, as DynamoDB counts them).
 */
export async function scaledScorecard(store: EmbeddedStore, symbols: number): Promise<number> {
  const client = createDocumentClient(store.endpoint);
  const ranges = Array.from({ length: SCORECARD_SHARDS }, () => ({}) as Record<string, string>);
  for (let i = 0; i < symbols; i++) {
    const symbol = `S${String(i).padStart(4, '0')}`;
    Object.assign(ranges[scorecardShard(symbol)], { [`f#${symbol}`]: '2025-01-02', [`l#${symbol}`]: '2026-01-05' });
  }
  const buckets = Object.fromEntries(Array.from({ length: 300 }, (_, k) => [`b${k - 150}`, 3]));
  const tallies = [
    BASELINE,
    ...SCANNER_NAMES.flatMap((scanner) => SCANNERS[scanner].signals.map((signal) => ({ scanner, signal }))),
  ];
  const expiresAt = Math.floor(Date.now() / 1000) + 86_400;
  let largest = 0;
  for (const { scanner, signal } of tallies)
    for (const horizon of [RECORDED, ...DEFAULT_HORIZONS])
      for (let shard = 0; shard < SCORECARD_SHARDS; shard++) {
        const item = {
          ...KEYS.aggregate(horizon, scanner, signal, shard),
          type: ITEM_TYPES.aggregate,
          scanner,
          signal,
          horizon,
          shard,
          expiresAt,
          count: 900,
          ...(horizon === RECORDED
            ? { horizons: [...DEFAULT_HORIZONS] }
            : { sum: 0, sumSq: 900_000_000, hits: 450, ...buckets }),
          ...ranges[shard],
        };
        const bytes = Object.entries(item).reduce((n, [name, value]) => n + name.length + String(value).length, 0);
        largest = Math.max(largest, bytes / 1024);
        await client.send(new PutCommand({ TableName: store.tableName, Item: item }));
      }
  client.destroy();
  return Math.round(largest * 10) / 10;
}
