import { Hash } from '@smithy/core/serde';
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AwsCredentials } from '../../functions/adapters/aws/lambda-invoker.js';

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
}

/** Invoke's payload limit for InvocationType Event (docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html). */
export const EVENT_PAYLOAD_LIMIT = 1_048_576;
const ACCOUNT = '000000000000';
/** Lambda refuses a signature whose x-amz-date is more than 5 minutes from its clock. */
const MAX_SKEW_MS = 5 * 60_000;
const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

/**
 * A loopback server speaking Lambda's Invoke (POST /2015-03-31/functions/{name}/invocations) and
 * refusing what Lambda refuses, with its status codes and error types: no signature, an unknown
 * key or session token, a signature that does not verify (checked by signing the request again
 * with @smithy/signature-v4 and the credentials it was given), one too old, an unknown function,
 * a body that is not JSON or too large, and throttling when told. No Lambda-compatible server runs
 * here, so this stands in for the real service's answers.
 */
export async function startLambdaServer(options: LambdaServerOptions): Promise<LambdaServer> {
  const invocations: Invocation[] = [];
  let throttled = 0;
  const signer = new SignatureV4({
    service: 'lambda',
    region: options.region,
    credentials: options.credentials,
    // The SDK's own hash (not the invoker's): a wrong digest there is a refused signature here.
    sha256: Hash.bind(null, 'sha256'),
    applyChecksum: false,
  });

  const refuse = (response: ServerResponse, status: number, type: string, body: Record<string, string>) => {
    response.writeHead(status, {
      'content-type': 'application/json',
      'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazonaws.awslambda/`,
    });
    response.end(JSON.stringify(body));
  };

  const handle = async (request: IncomingMessage, body: Buffer, response: ServerResponse) => {
    const authorization = request.headers.authorization;
    if (!authorization)
      return refuse(response, 403, 'MissingAuthenticationTokenException', { message: 'Missing Authentication Token' });
    const parts =
      /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=[0-9a-f]{64}$/.exec(
        authorization,
      );
    if (!parts)
      return refuse(response, 403, 'IncompleteSignatureException', { message: 'Authorization header is malformed' });
    const [, accessKeyId, , region, service, signedHeaderList] = parts;
    const token = request.headers['x-amz-security-token'];
    if (accessKeyId !== options.credentials.accessKeyId || token !== options.credentials.sessionToken)
      return refuse(response, 403, 'UnrecognizedClientException', {
        message: 'The security token included in the request is invalid.',
      });
    if (region !== options.region || service !== 'lambda')
      return refuse(response, 403, 'InvalidSignatureException', {
        message: `Credential should be scoped to a valid region and service 'lambda', not '${region}/${service}'.`,
      });
    const signedNames = signedHeaderList.split(';');
    const unsigned = ['host', ...Object.keys(request.headers).filter((name) => name.startsWith('x-amz-'))].filter(
      (name) => !signedNames.includes(name),
    );
    if (unsigned.length > 0)
      return refuse(response, 403, 'InvalidSignatureException', {
        message: `${unsigned.join(', ')} must be signed. ${SIGNATURE_MISMATCH}`,
      });
    const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(String(request.headers['x-amz-date']));
    if (!date)
      return refuse(response, 403, 'IncompleteSignatureException', { message: 'x-amz-date is missing or malformed' });
    const signingDate = new Date(Date.UTC(+date[1], +date[2] - 1, +date[3], +date[4], +date[5], +date[6]));
    if (Math.abs(options.now().getTime() - signingDate.getTime()) > MAX_SKEW_MS)
      return refuse(response, 403, 'InvalidSignatureException', {
        message: `Signature expired: ${date[0]} is now earlier than the server's time minus 5 minutes.`,
      });
    // A signature over a stated body hash covers the body only if the hash is the body's.
    const statedHash = request.headers['x-amz-content-sha256'];
    if (statedHash !== undefined && statedHash !== createHash('sha256').update(body).digest('hex'))
      return refuse(response, 403, 'InvalidSignatureException', {
        message: 'The provided x-amz-content-sha256 header does not match what was computed.',
      });
    const url = new URL(request.url ?? '/', 'http://loopback');
    const headers: Record<string, string> = {};
    for (const name of signedNames) headers[name] = String(request.headers[name] ?? '');
    const expected = await signer.sign(
      {
        method: request.method ?? 'GET',
        protocol: 'http:',
        hostname: headers.host ?? '',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        headers,
        body,
      },
      { signingDate },
    );
    if (expected.headers.authorization !== authorization)
      return refuse(response, 403, 'InvalidSignatureException', { message: SIGNATURE_MISMATCH });

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
