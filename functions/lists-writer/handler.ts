import middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import * as v from 'valibot';
import { ProviderError, ValidationError } from '../core/errors.js';
import { ListError, symbolFormOf } from '../core/lists/watchlist-rules.js';
import { checkSchema, nonArray } from '../core/schemas.js';
import { createMarketData } from '../adapters/market-data/create-market-data.js';
import { coldStartTracker, createTelemetry, invocationFigures } from '../adapters/observability.js';
import { injectLambdaContext } from '../adapters/telemetry/logger.js';
import { logMetrics } from '../adapters/telemetry/metrics.js';
import { createDocumentClient } from '../adapters/store/dynamodb-client.js';
import type { Watchlist } from '../adapters/store/list-store.js';
import { openListStore, openSubscriptionStore } from '../adapters/store/stores.js';
import { ENV, environmentSettings, required, type Settings } from '../adapters/settings.js';
import { DISCORD_API_URL } from '../adapters/discord/discord-client.js';
import { settingsCipher, type WebhookCipher } from '../adapters/webhook-cipher.js';
import type { Subscription } from '../core/lists/subscription-rules.js';
import { lookupWebhook, SubscriptionChanges } from './subscription-changes.js';
import { type ApiResponse, errorResponse, HttpError, internalError, json } from '../api/http.js';
import { type WatchlistChanges, watchlistChanges } from './watchlist-changes.js';
import { lookupSymbol, type SymbolLookup } from './symbol-lookup.js';

const { logger, metrics } = createTelemetry('lists-writer');
const isColdStart = coldStartTracker();

/** A change as the Discord function asks for it (a direct invocation): who, what, which list. */
const by = v.pipe(v.string(), v.minLength(1), v.maxLength(100));
const invocationSchema = nonArray(
  v.variant('action', [
    v.strictObject({
      action: v.picklist(['add', 'remove']),
      list: v.string(),
      symbols: v.array(v.string()),
      /** Who asked: shown as the list's last change. */
      by,
    }),
    v.strictObject({
      action: v.literal('subscribe'),
      scanner: v.string(),
      signal: v.optional(v.string()),
      list: v.optional(v.string()),
      /** The pasted webhook URL: a credential (never logged, never answered back). */
      webhook: v.pipe(v.string(), v.maxLength(300)),
      /** The Discord server asking: a webhook of another server is refused. */
      guildId: v.optional(v.string()),
      by,
    }),
    v.strictObject({ action: v.literal('unsubscribe'), id: v.string(), by }),
    /** /symbol of a symbol on no list: scanned on demand, nothing written. */
    v.strictObject({ action: v.literal('lookup'), symbol: v.pipe(v.string(), v.maxLength(32)), by }),
  ]),
);
export type ListsWriterInvocation = v.InferInput<typeof invocationSchema>;

/** The answer to an invocation: what changed, or the refusal in one line. */
export type ListsWriterAnswer =
  | { ok: true; action: 'add'; added: string[]; already: string[]; repeated: string[]; list: Watchlist }
  | { ok: true; action: 'remove'; removed: string[]; absent: string[]; list: Watchlist }
  | { ok: true; action: 'subscribe'; created: boolean; subscription: Subscription }
  | { ok: true; action: 'unsubscribe'; id: string }
  | ({ ok: true; action: 'lookup' } & SymbolLookup)
  | { ok: false; error: { code: string; message: string; parameter?: string } };

export interface ListsWriterDeps {
  readonly changes: WatchlistChanges;
  readonly subscriptions: SubscriptionChanges;
  /** Scans a symbol on demand (one bars request); makes no change. */
  readonly lookup: (symbol: string) => Promise<SymbolLookup>;
}

/**
 * The only writer of the watchlists: the API's write routes (behind the gateway's authorizer) and
 * the Discord function's /watch (a direct invocation). Every change goes through WatchlistChanges:
 * validated, checked with the provider, an atomic update. It also answers /symbol's on-demand
 * lookups, as the one function besides the workers that holds the provider's credentials.
 */
export function createListsWriterHandler(deps: () => ListsWriterDeps) {
  const write = async (
    event: APIGatewayProxyEventV2 | ListsWriterInvocation,
    context: Context,
  ): Promise<ApiResponse | ListsWriterAnswer> => {
    const started = performance.now();
    const { changes, subscriptions, lookup } = deps();
    if ('requestContext' in event) {
      const response = await httpWrite(event, changes, context);
      logger.info('request', {
        method: event.requestContext.http.method,
        path: event.rawPath.slice(0, 200),
        status: response.statusCode,
        ...invocationFigures(metrics, started, isColdStart()),
      });
      return response;
    }
    const answer = await invocationWrite(event, changes, subscriptions, lookup);
    logger.info('invocation', {
      ok: answer.ok,
      ...(!answer.ok && { code: answer.error.code }),
      ...invocationFigures(metrics, started, isColdStart()),
    });
    return answer;
  };
  return middy(write).use(injectLambdaContext(logger)).use(logMetrics(metrics));
}

async function invocationWrite(
  event: unknown,
  changes: WatchlistChanges,
  subscriptions: SubscriptionChanges,
  lookup: ListsWriterDeps['lookup'],
): Promise<ListsWriterAnswer> {
  const parsed = checkSchema(invocationSchema, event);
  if (!parsed.success) {
    const [issue] = parsed.issues;
    return {
      ok: false,
      error: { code: 'bad_parameter', message: `${issue.path}: ${issue.message}`, parameter: issue.path },
    };
  }
  const request = parsed.output;
  try {
    switch (request.action) {
      case 'add':
        return { ok: true, action: 'add', ...(await changes.add(request.list, request.symbols, request.by)) };
      case 'remove':
        return { ok: true, action: 'remove', ...(await changes.remove(request.list, request.symbols, request.by)) };
      case 'subscribe':
        return { ok: true, action: 'subscribe', ...(await subscriptions.subscribe(request, request.by)) };
      case 'unsubscribe':
        return { ok: true, action: 'unsubscribe', ...(await subscriptions.unsubscribe(request.id, request.by)) };
      case 'lookup':
        return { ok: true, action: 'lookup', ...(await lookup(request.symbol)) };
    }
  } catch (error) {
    const refusal = asHttpError(error);
    return { ok: false, error: { code: refusal.code, message: refusal.message, parameter: refusal.parameter } };
  }
}

/** A refusal as its HTTP answer: a bad request 400, a missing list 404, a stale version 409, a limit or unknown symbol 422, the provider 502. */
function asHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof ValidationError) return new HttpError(400, error.code, error.message, error.parameter);
  if (error instanceof ListError) {
    const status = { not_found: 404, conflict: 409, limit: 422, unknown_symbol: 422, unknown_webhook: 422 }[error.code];
    return new HttpError(status, error.code, error.message, error.parameter);
  }
  if (error instanceof ProviderError)
    return new HttpError(502, 'provider_error', error.message, 'symbols', { expose: true });
  throw error;
}

const putBody = v.strictObject({
  symbols: v.array(v.string()),
  /** The version read: required to replace a list that exists, absent to create one. */
  version: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
});
const postBody = v.strictObject({ symbols: v.union([v.array(v.string()), v.string()]) });

/** The routes: PUT/DELETE /api/watchlists/{name}, POST …/{name}/symbols, DELETE …/{name}/symbols/{symbol}. */
async function httpWrite(
  event: APIGatewayProxyEventV2,
  changes: WatchlistChanges,
  context: Context,
): Promise<ApiResponse> {
  const method = event.requestContext.http.method;
  const by = 'API';
  try {
    const [api, resource, name, sub, symbol, ...rest] = event.rawPath
      .split('/')
      .filter((s) => s.length > 0)
      .map(decodeSegment);
    if (api !== 'api' || resource !== 'watchlists' || name === undefined || rest.length > 0)
      throw new HttpError(404, 'not_found', `no route ${method} ${event.rawPath}`);
    if (sub === undefined && method === 'PUT') {
      const body = parseBody(event, putBody);
      return json(200, { list: await changes.replace(name, body.symbols, by, body.version) });
    }
    if (sub === undefined && method === 'DELETE') return json(200, { deleted: await changes.delete(name) });
    if (sub === 'symbols' && symbol === undefined && method === 'POST') {
      const { added, already, repeated, list } = await changes.add(name, parseBody(event, postBody).symbols, by);
      return json(200, { added, already, repeated, list });
    }
    if (sub === 'symbols' && symbol !== undefined && method === 'DELETE') {
      const { removed, absent, list } = await changes.remove(name, symbol, by);
      return json(200, { removed, absent, list });
    }
    throw new HttpError(405, 'method_not_allowed', `${method} ${event.rawPath} is not a watchlist change`);
  } catch (error) {
    try {
      return errorResponse(asHttpError(error));
    } catch {
      logger.error('request failed', { path: event.rawPath.slice(0, 200), error: error as Error });
      return internalError(context.awsRequestId);
    }
  }
}

/** A path segment as the client meant it ("Bad%20Name" → "Bad Name"), for the error to name. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(
      400,
      'bad_parameter',
      `the path segment "${segment.slice(0, 40)}" is not valid percent-encoding`,
      'path',
    );
  }
}

function parseBody<S extends v.GenericSchema>(event: APIGatewayProxyEventV2, schema: S): v.InferOutput<S> {
  const text =
    event.body === undefined
      ? ''
      : event.isBase64Encoded
        ? Buffer.from(event.body, 'base64').toString('utf8')
        : event.body;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'bad_parameter', 'the body must be JSON', 'body');
  }
  const parsed = checkSchema(schema, value);
  if (!parsed.success) {
    const [issue] = parsed.issues;
    throw new HttpError(400, 'bad_parameter', `${issue.path || 'body'}: ${issue.message}`, issue.path || 'body');
  }
  return parsed.output;
}

/** Dependencies from the settings, created once per container. */
export function listsWriterDeps(settings: Settings): ListsWriterDeps {
  const client = createDocumentClient(settings.dynamodbEndpoint);
  const tableName = required(settings, 'tableName');
  const lists = openListStore(client, { tableName });
  let marketData: ReturnType<typeof createMarketData> | undefined;
  let cipher: WebhookCipher | undefined;
  const market = () => (marketData ??= createMarketData(settings));
  return {
    changes: watchlistChanges(settings, lists, market),
    lookup: (symbol) =>
      lookupSymbol(
        {
          marketData: market,
          form: symbolFormOf(settings.provider),
          lookbackBars: settings.lookbackBars,
          now: () => new Date(),
        },
        symbol,
      ),
    subscriptions: new SubscriptionChanges({
      store: openSubscriptionStore(client, { tableName }),
      cipher: () => {
        cipher ??= settingsCipher(settings);
        if (!cipher)
          throw new ProviderError(
            'subscriptions',
            `${ENV.subscriptionKeySecretId} is not set: no key to seal webhooks with`,
          );
        return cipher;
      },
      apiUrl: settings.discordApiUrl ?? DISCORD_API_URL,
      lookup: (url) => lookupWebhook(url),
      now: () => new Date(),
    }),
  };
}

let deps: ListsWriterDeps | undefined;
export const handler = createListsWriterHandler(() => (deps ??= listsWriterDeps(environmentSettings())));
