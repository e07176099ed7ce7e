import { Hash } from '@smithy/core/serde';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  InvokeError,
  lambdaInvoker,
  type LambdaInvokerOptions,
  lambdaRequester,
} from '../../functions/adapters/aws/lambda-invoker.js';
import { send } from '../../functions/adapters/http-transport.js';
import { settingsFrom } from '../../functions/adapters/settings.js';
import { discordDeps, type Interaction } from '../../functions/discord/handler.js';
import { EVENT_PAYLOAD_LIMIT, type LambdaServer, startLambdaServer } from '../helpers/lambda-server.js';

const CREDENTIALS = {
  accessKeyId: 'AKIAFAKEINVOKERTEST',
  secretAccessKey: 'fake-invoker-secret-access-key',
  sessionToken: 'fake-invoker-session-token',
};
const REGION = 'us-east-1';
const INVOKE_PATH = '/2015-03-31/functions/scanfleet-dispatch/invocations';
let clock = new Date('2026-01-05T14:30:00.000Z');
let lambda: LambdaServer;

beforeAll(async () => {
  lambda = await startLambdaServer({
    functions: ['scanfleet-dispatch', 'scanfleet-discord', 'scanfleet-lists-writer'],
    answers: {
      'scanfleet-lists-writer': (payload) => {
        if ((payload as { list?: string }).list === 'crash') throw new Error('Task timed out after 29.00 seconds');
        return { ok: true, echo: payload };
      },
    },
    credentials: CREDENTIALS,
    region: REGION,
    now: () => clock,
  });
});
afterAll(() => lambda.close());
afterEach(() => {
  lambda.invocations.length = 0;
  lambda.throttleNext(0);
  vi.unstubAllEnvs();
});

const invoker = (functionName: string, options: LambdaInvokerOptions = {}) =>
  lambdaInvoker(functionName, {
    env: { AWS_REGION: REGION, AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint },
    credentials: async () => CREDENTIALS,
    now: () => clock,
    ...options,
  });

/** Rejects with an InvokeError; returns it. */
async function refusal(promise: Promise<unknown>): Promise<InvokeError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(InvokeError);
  return error as InvokeError;
}

describe('the Lambda requester (RequestResponse)', () => {
  const requester = (functionName: string) =>
    lambdaRequester(functionName, {
      env: { AWS_REGION: REGION, AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint },
      credentials: async () => CREDENTIALS,
      now: () => clock,
      timeoutMs: 2000,
    });

  it('waits for the function and returns its answer', async () => {
    const change = { action: 'add', list: 'semis', symbols: ['NVDA'], by: '@alice' };
    await expect(requester('scanfleet-lists-writer')(change)).resolves.toEqual({ ok: true, echo: change });
    expect(lambda.invocations).toEqual([
      { functionName: 'scanfleet-lists-writer', invocationType: 'RequestResponse', payload: JSON.stringify(change) },
    ]);
  });

  it('is an InvokeError when the function failed, or Lambda refused the call', async () => {
    const failed = await refusal(requester('scanfleet-lists-writer')({ list: 'crash' }));
    expect([failed.errorType, failed.message]).toEqual(['FunctionError', 'scanfleet-lists-writer failed (Unhandled)']);
    const missing = await refusal(requester('scanfleet-missing')({}));
    expect(missing.errorType).toBe('ResourceNotFoundException');
  });
});

describe('the Lambda invoker', () => {
  it('invokes asynchronously: Lambda answers 202 and the function receives the payload as sent', async () => {
    const payload = { watchlist: 'full', kind: 'manual', scheduledAt: '2026-01-05T14:30:00.000Z', requestId: '42' };
    await expect(invoker('scanfleet-dispatch')(payload)).resolves.toBeUndefined();
    expect(lambda.invocations).toEqual([
      { functionName: 'scanfleet-dispatch', invocationType: 'Event', payload: JSON.stringify(payload) },
    ]);
  });

  it('names a function by its ARN (its colons encoded in the path, and again in the signature)', async () => {
    await invoker(`arn:aws:lambda:${REGION}:000000000000:function:scanfleet-discord`)({ followUp: { type: 2 } });
    expect(lambda.invocations.map((i) => [i.functionName, JSON.parse(i.payload)])).toEqual([
      ['scanfleet-discord', { followUp: { type: 2 } }],
    ]);
  });

  it('is refused with a signature from another secret key, naming the function and the error type', async () => {
    const error = await refusal(
      invoker('scanfleet-dispatch', {
        credentials: async () => ({ ...CREDENTIALS, secretAccessKey: 'fake-other-secret-access-key' }),
      })({ watchlist: 'full' }),
    );
    expect(error.errorType).toBe('InvalidSignatureException');
    expect(error.message).toBe(
      'Lambda refused to invoke scanfleet-dispatch: InvalidSignatureException (HTTP 403): The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
    expect(lambda.invocations).toEqual([]);
  });

  it('is refused with a session token Lambda does not know', async () => {
    const error = await refusal(
      invoker('scanfleet-dispatch', {
        credentials: async () => ({ ...CREDENTIALS, sessionToken: 'fake-expired-session-token' }),
      })({}),
    );
    expect([error.errorType, error.message]).toEqual([
      'UnrecognizedClientException',
      'Lambda refused to invoke scanfleet-dispatch: UnrecognizedClientException (HTTP 403): The security token included in the request is invalid.',
    ]);
  });

  it('is refused when its clock is more than 5 minutes from Lambda’s', async () => {
    const error = await refusal(
      invoker('scanfleet-dispatch', { now: () => new Date(clock.getTime() - 6 * 60_000) })({}),
    );
    expect(error.errorType).toBe('InvalidSignatureException');
    expect(error.message).toMatch(
      /^Lambda refused to invoke scanfleet-dispatch: .*Signature expired: 20260105T142400Z/,
    );
  });

  it('reports an unknown function as Lambda does: 404 ResourceNotFoundException', async () => {
    const error = await refusal(invoker('scanfleet-missing')({ watchlist: 'full' }));
    expect([error.functionName, error.errorType, error.message]).toEqual([
      'scanfleet-missing',
      'ResourceNotFoundException',
      'Lambda refused to invoke scanfleet-missing: ResourceNotFoundException (HTTP 404): Function not found: arn:aws:lambda:us-east-1:000000000000:function:scanfleet-missing',
    ]);
  });

  it('reports a payload over the Event limit: 413 RequestEntityTooLargeException, nothing invoked', async () => {
    const error = await refusal(invoker('scanfleet-dispatch')({ padding: 'x'.repeat(EVENT_PAYLOAD_LIMIT) }));
    expect(error.errorType).toBe('RequestEntityTooLargeException');
    expect(error.message).toBe(
      `Lambda refused to invoke scanfleet-dispatch: RequestEntityTooLargeException (HTTP 413): Request must be smaller than ${EVENT_PAYLOAD_LIMIT} bytes for the Invoke operation`,
    );
    expect(lambda.invocations).toEqual([]);
  });

  it('reports throttling (429 TooManyRequestsException) without asking again; the next invocation goes through', async () => {
    lambda.throttleNext(1);
    const invoke = invoker('scanfleet-dispatch');
    const error = await refusal(invoke({ attempt: 1 }));
    expect([error.errorType, error.message]).toEqual([
      'TooManyRequestsException',
      'Lambda refused to invoke scanfleet-dispatch: TooManyRequestsException (HTTP 429): Rate Exceeded.',
    ]);
    expect(lambda.invocations).toEqual([]);
    await invoke({ attempt: 2 });
    expect(lambda.invocations.map((i) => i.payload)).toEqual(['{"attempt":2}']);
  });

  it('takes AWS_ENDPOINT_URL when no Lambda endpoint is set, and names the function when nothing answers', async () => {
    await invoker('scanfleet-dispatch', { env: { AWS_REGION: REGION, AWS_ENDPOINT_URL: lambda.endpoint } })({ n: 1 });
    expect(lambda.invocations).toHaveLength(1);
    const error = await refusal(
      invoker('scanfleet-dispatch', {
        env: { AWS_REGION: REGION, AWS_ENDPOINT_URL_LAMBDA: 'http://127.0.0.1:1', AWS_ENDPOINT_URL: lambda.endpoint },
      })({ n: 2 }),
    );
    expect(error.message).toBe('could not invoke scanfleet-dispatch: connection failed (ECONNREFUSED)');
  });

  it('needs a region, as the SDK does', async () => {
    const error = await refusal(
      invoker('scanfleet-dispatch', { env: { AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint } })({}),
    );
    expect(error.message).toBe('cannot invoke scanfleet-dispatch: environment variable AWS_REGION is not set');
  });
});

describe('the stand-in Lambda', () => {
  const signed = async (body: string, sentBody = body, applyChecksum = true) => {
    const { port } = new URL(lambda.endpoint);
    const host = `127.0.0.1:${port}`;
    const signer = new SignatureV4({
      service: 'lambda',
      region: REGION,
      credentials: CREDENTIALS,
      sha256: Hash.bind(null, 'sha256'),
      applyChecksum,
    });
    const request = await signer.sign(
      {
        method: 'POST',
        protocol: 'http:',
        hostname: '127.0.0.1',
        path: INVOKE_PATH,
        query: {},
        headers: { host, 'x-amz-invocation-type': 'Event' },
        body,
      },
      { signingDate: clock },
    );
    return send(`${lambda.endpoint}${INVOKE_PATH}`, {
      method: 'POST',
      headers: request.headers,
      body: sentBody,
      timeoutMs: 5000,
    });
  };

  it('accepts a request the SDK’s signer signed (with its x-amz-content-sha256)', async () => {
    expect((await signed('{"ok":true}')).status).toBe(202);
    expect(lambda.invocations.map((i) => i.payload)).toEqual(['{"ok":true}']);
  });

  it('refuses an unsigned request and one whose body is not the body signed', async () => {
    const unsigned = await send(`${lambda.endpoint}${INVOKE_PATH}`, {
      method: 'POST',
      headers: { 'x-amz-invocation-type': 'Event' },
      body: '{}',
      timeoutMs: 5000,
    });
    expect([unsigned.status, unsigned.headers['x-amzn-errortype'], unsigned.body]).toEqual([
      403,
      'MissingAuthenticationTokenException:http://internal.amazon.com/coral/com.amazonaws.awslambda/',
      '{"message":"Missing Authentication Token"}',
    ]);
    // With the body's hash in a header (checked against the body) and without (the signature covers it).
    for (const applyChecksum of [true, false]) {
      const tampered = await signed('{"watchlist":"full"}', '{"watchlist":"all"}', applyChecksum);
      expect([tampered.status, String(tampered.headers['x-amzn-errortype']).split(':')[0]]).toEqual([
        403,
        'InvalidSignatureException',
      ]);
    }
    expect(lambda.invocations).toEqual([]);
  });
});

describe('the discord function on Lambda', () => {
  it('invokes dispatch for /scan-now and itself for a deferred command, with the environment’s credentials', async () => {
    vi.stubEnv('AWS_REGION', REGION);
    vi.stubEnv('AWS_ENDPOINT_URL_LAMBDA', lambda.endpoint);
    vi.stubEnv('AWS_ACCESS_KEY_ID', CREDENTIALS.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', CREDENTIALS.secretAccessKey);
    vi.stubEnv('AWS_SESSION_TOKEN', CREDENTIALS.sessionToken);
    // Its signature carries the real time; the stand-in's clock is set to it.
    clock = new Date();
    const deps = discordDeps(
      settingsFrom({
        TABLE_NAME: 'scanfleet-results',
        DISPATCH_FUNCTION: 'scanfleet-dispatch',
        AWS_LAMBDA_FUNCTION_NAME: 'scanfleet-discord',
      }),
    );
    const interaction: Interaction = {
      type: 2,
      id: '1200000000000000000',
      application_id: '100000000000000002',
      token: 'fake-interaction-token',
      data: { name: 'scan-now', options: [] },
    };
    await deps.startScan('full', new Date('2026-01-05T14:30:00.000Z'), interaction.id);
    await deps.deferToSelf(interaction);
    expect(lambda.invocations.map((i) => [i.functionName, i.invocationType, JSON.parse(i.payload)])).toEqual([
      [
        'scanfleet-dispatch',
        'Event',
        { watchlist: 'full', kind: 'manual', scheduledAt: '2026-01-05T14:30:00.000Z', requestId: interaction.id },
      ],
      ['scanfleet-discord', 'Event', { followUp: interaction }],
    ]);
  });
});
