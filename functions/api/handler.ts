import middy from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { coldStartTracker, createTelemetry, invocationFigures } from '../adapters/observability.js';
import { injectLambdaContext } from '../adapters/telemetry/logger.js';
import { logMetrics } from '../adapters/telemetry/metrics.js';
import { createDocumentClient } from '../adapters/store/dynamodb-client.js';
import { openStoresWithLists, readStores } from '../adapters/store/stores.js';
import { environmentSettings, required, type Settings } from '../adapters/settings.js';
import { DashboardAssets } from './dashboard-assets.js';
import { type ApiResponse, internalError } from './http.js';
import { type ApiDeps, handleApiRequest } from './routes.js';

const { logger, metrics } = createTelemetry('api');
const isColdStart = coldStartTracker();

/** API Gateway HTTP API (payload 2.0) → the API's routes → JSON or dashboard files. */
export function createApiHandler(deps: () => ApiDeps) {
  const api = async (event: APIGatewayProxyEventV2, context: Context): Promise<ApiResponse> => {
    const started = performance.now();
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(event.headers ?? {}))
      if (value !== undefined) headers[name.toLowerCase()] = value;
    const request = {
      method: event.requestContext.http.method,
      path: event.rawPath,
      query: Object.fromEntries(
        Object.entries(event.queryStringParameters ?? {}).filter((e): e is [string, string] => e[1] !== undefined),
      ),
      headers,
      rawQuery: event.rawQueryString ?? '',
    };
    let response: ApiResponse;
    try {
      response = await handleApiRequest(request, deps());
    } catch (error) {
      // Whatever went wrong stays in the log; the client gets the request id, nothing internal.
      logger.error('request failed', { path: request.path, error: error as Error });
      response = internalError(context.awsRequestId);
    }
    // A failure carries the request id its log line has, for the dashboard to show and a user to quote.
    if (response.statusCode >= 400)
      response = { ...response, headers: { ...response.headers, 'x-request-id': context.awsRequestId } };
    logger.info('request', {
      method: request.method,
      path: request.path.slice(0, 200),
      status: response.statusCode,
      ...invocationFigures(metrics, started, isColdStart()),
    });
    return response;
  };
  return middy(api).use(injectLambdaContext(logger)).use(logMetrics(metrics));
}

/** Dependencies from the settings, created once per container. */
export function apiDeps(settings: Settings): ApiDeps {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const client = createDocumentClient(settings.dynamodbEndpoint);
  const tableName = required(settings, 'tableName');
  return {
    ...readStores(openStoresWithLists(client, { tableName })),
    assets: new DashboardAssets(
      settings.dashboardDir ?? `${here}dashboard`,
      () => settings.chartsFile ?? standaloneChartsBuild(),
    ),
    version: settings.appVersion,
    debugMemory: settings.debugMemory,
    access: settings.apiAccess,
    corsOrigin: settings.corsOrigin,
    lookbackBars: settings.lookbackBars,
    now: () => new Date(),
  };
}

/** lightweight-charts' exports map hides dist/; its standalone build sits beside the entry. */
function standaloneChartsBuild(): string {
  return join(
    dirname(fileURLToPath(import.meta.resolve('lightweight-charts'))),
    'lightweight-charts.standalone.production.js',
  );
}

let deps: ApiDeps | undefined;
export const handler = createApiHandler(() => (deps ??= apiDeps(environmentSettings())));
