import middy from '@middy/core';
import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerResult, Context } from 'aws-lambda';
import { coldStartTracker, createTelemetry, invocationFigures } from '../adapters/observability.js';
import { injectLambdaContext } from '../adapters/telemetry/logger.js';
import { logMetrics } from '../adapters/telemetry/metrics.js';
import { secretJson } from '../adapters/secret-json.js';
import { checkBearer, tokenOfSecret } from '../api/bearer-auth.js';

/** The environment variable naming the token secret (ENV.apiTokenSecretId; not imported: settings.ts brings Valibot). */
export const TOKEN_SECRET_ENV = 'API_TOKEN_SECRET_ID';
/** The secret is read again after this long, so a rotated or repaired token takes effect without a deploy. */
export const SECRET_MAX_AGE_MS = 300_000;

export interface AuthorizerDeps {
  /** The secret's name or ARN, for the log. */
  readonly secretId: string | undefined;
  readonly readSecret: (() => Promise<Record<string, unknown>>) & { reload(): void };
  readonly now: () => number;
}

const { logger, metrics } = createTelemetry('authorizer');
const isColdStart = coldStartTracker();

/**
 * The HTTP API's REQUEST authorizer (payload 2.0, simple responses): allows a request whose
 * Authorization header carries the token of the secret {"token": "…"}. A secret that cannot be
 * read or has no usable token denies every request, and the reason is logged once per container
 * and reason. Neither the token nor the header is ever logged.
 */
export function createAuthorizerHandler(deps: () => AuthorizerDeps) {
  let readAt: number | undefined;
  const told = new Set<string>();
  const tellOnce = (problem: string, secretId: string | undefined) => {
    if (told.has(problem)) return;
    told.add(problem);
    logger.error('API token secret unusable: every request is denied', { secret: secretId ?? 'none', problem });
  };

  const expectedToken = async (d: AuthorizerDeps): Promise<{ token: string } | { problem: string }> => {
    if (!d.secretId) return { problem: `${TOKEN_SECRET_ENV} is not set` };
    if (readAt !== undefined && d.now() - readAt >= SECRET_MAX_AGE_MS) {
      d.readSecret.reload();
      readAt = undefined;
    }
    try {
      const secret = await d.readSecret();
      readAt ??= d.now();
      return tokenOfSecret(secret);
    } catch (error) {
      readAt = undefined;
      return { problem: `the secret cannot be read: ${(error as Error).name}: ${(error as Error).message}` };
    }
  };

  const authorize = async (
    event: APIGatewayRequestAuthorizerEventV2,
    _context: Context,
  ): Promise<APIGatewaySimpleAuthorizerResult> => {
    const started = performance.now();
    const d = deps();
    const expected = await expectedToken(d);
    if ('problem' in expected) tellOnce(expected.problem, d.secretId);
    const verdict =
      'problem' in expected
        ? 'misconfigured'
        : checkBearer(event.headers?.authorization ?? event.identitySource?.[0], expected.token);
    logger.info('authorize', {
      verdict,
      routeKey: event.routeKey,
      ...invocationFigures(metrics, started, isColdStart()),
    });
    return { isAuthorized: verdict === 'ok' };
  };
  return middy(authorize).use(injectLambdaContext(logger)).use(logMetrics(metrics));
}

/** Dependencies from the environment, created once per container. */
export function authorizerDeps(env: NodeJS.ProcessEnv = process.env): AuthorizerDeps {
  const secretId = env[TOKEN_SECRET_ENV] || undefined;
  return {
    secretId,
    readSecret: secretJson(secretId ?? ''),
    now: () => Date.now(),
  };
}

let deps: AuthorizerDeps | undefined;
export const handler = createAuthorizerHandler(() => (deps ??= authorizerDeps()));
