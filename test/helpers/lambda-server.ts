import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AwsCredentials } from '../../functions/adapters/aws/aws-request.js';
import { checkSignature } from './sigv4.js';

export interface Invocation {
  readonly functionName: string;
  readonly invocationType: string;
  /** The body as the function receives it. */
  readonly payload: string;
}

export interface LambdaServer {
  readonly endpoint: string;
  /** Invocations accepted, in order. */
  readonly invocations: Invocation[];
  /** Refuses the next `times` invocations as throttled (429 TooManyRequestsException). */
  throttleNext(times: number): void;
  close(): Promise<void>;
}

export interface LambdaServerOptions {
  /** The functions that exist (by name). */
  readonly functions: readonly string[];
  /** The only credentials it accepts. */
  readonly credentials: AwsCredentials;
  readonly region: string;
  /** The server's clock, for the signature's age. */
  readonly now: () => Date;
  /**
   * The functions that answer a RequestResponse invocation, by name: their answer is returned as
   * JSON (200); one that throws is answered as Lambda answers a failed function (200 with
   * X-Amz-Function-Error: Unhandled and its error). Without one, only Event is served.
   */
  readonly answers?: Readonly<Record<string, (payload: unknown) => unknown>>;
}

/** Invoke's payload limit for InvocationType Event (docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html). */
export const EVENT_PAYLOAD_LIMIT = 1_048_576;
const ACCOUNT = '000000000000';

/**
 * A loopback server speaking Lambda's Invoke (POST /2015-03-31/functions/{name}/invocations) and
 * refusing what Lambda refuses, with its status codes and error types: no signature, an unknown
 * key or session token, a signature that does not verify or is too old (sigv4.ts), an unknown function,
 * a body that is not JSON or too large, and throttling when told. No Lambda-compatible server runs
 * here, so this stands in for the real service's answers.
 */
export async function startLambdaServer(options: LambdaServerOptions): Promise<LambdaServer> {
  const invocations: Invocation[] = [];
  let throttled = 0;
  const refuse = (response: ServerResponse, status: number, type: string, body: Record<string, string>) => {
    response.writeHead(status, {
      'content-type': 'application/json',
      'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazonaws.awslambda/`,
    });
    response.end(JSON.stringify(body));
  };

  const handle = async (request: IncomingMessage, body: Buffer, response: ServerResponse) => {
    const refusal = await checkSignature(request, body, { ...options, service: 'lambda' });
    if (refusal) return refuse(response, refusal.status, refusal.type, { message: refusal.message });
    const url = new URL(request.url ?? '/', 'http://loopback');

    const route = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/.exec(url.pathname);
    if (request.method !== 'POST' || !route)
      return refuse(response, 404, 'UnknownOperationException', { message: 'Unknown operation' });
    // A function is named by its name or its ARN.
    const functionName = decodeURIComponent(route[1]).replace(/^arn:aws:lambda:[a-z0-9-]+:\d{12}:function:/, '');
    if (!options.functions.includes(functionName))
      return refuse(response, 404, 'ResourceNotFoundException', {
        Type: 'User',
        Message: `Function not found: arn:aws:lambda:${options.region}:${ACCOUNT}:function:${functionName}`,
      });
    const invocationType = String(request.headers['x-amz-invocation-type'] ?? 'RequestResponse');
    const answer = options.answers?.[functionName];
    if (invocationType === 'RequestResponse' && answer) {
      const payload = body.toString('utf8');
      invocations.push({ functionName, invocationType, payload });
      let result: unknown;
      try {
        result = await answer(JSON.parse(payload));
      } catch (error) {
        response.writeHead(200, { 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled' });
        return response.end(JSON.stringify({ errorType: 'Error', errorMessage: (error as Error).message }));
      }
      response.writeHead(200, { 'content-type': 'application/json' });
      return response.end(JSON.stringify(result));
    }
    if (invocationType !== 'Event')
      return refuse(response, 400, 'InvalidParameterValueException', {
        Type: 'User',
        Message: `this stand-in serves InvocationType Event only, not ${invocationType}`,
      });
    if (body.length > EVENT_PAYLOAD_LIMIT)
      return refuse(response, 413, 'RequestEntityTooLargeException', {
        Type: 'User',
        message: `Request must be smaller than ${EVENT_PAYLOAD_LIMIT} bytes for the Invoke operation`,
      });
    try {
      JSON.parse(body.toString('utf8'));
    } catch {
      return refuse(response, 400, 'InvalidRequestContentException', {
        Type: 'User',
        message: 'Could not parse request body into json',
      });
    }
    if (throttled > 0) {
      throttled--;
      return refuse(response, 429, 'TooManyRequestsException', {
        Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
        Type: 'User',
        message: 'Rate Exceeded.',
      });
    }
    invocations.push({ functionName, invocationType, payload: body.toString('utf8') });
    response.writeHead(202, { 'content-length': '0' });
    response.end();
  };

  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      handle(request, Buffer.concat(chunks), response).catch((error: Error) =>
        refuse(response, 500, 'ServiceException', { message: error.message }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    invocations,
    throttleNext: (times) => (throttled = times),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
