import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { ScanfleetError } from '../../core/errors.js';
import { headerValue, send, TransportError } from '../http-transport.js';

/** Starts a function with a payload; resolves once Lambda has accepted it (it runs on its own). */
export type Invoker = (payload: unknown) => Promise<void>;

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface LambdaInvokerOptions {
  /** Where AWS_REGION and AWS_ENDPOINT_URL_LAMBDA / AWS_ENDPOINT_URL are read (default process.env). */
  readonly env?: Record<string, string | undefined>;
  /** Default: the SDK's chain (environment-only in the bundles: lib/bundling.ts). */
  readonly credentials?: () => Promise<AwsCredentials>;
  /** The signature's time. */
  readonly now?: () => Date;
}

/** Lambda did not accept the invocation; `errorType` is its error (ResourceNotFoundException, …). */
export class InvokeError extends ScanfleetError {
  override readonly name = 'InvokeError';
  override readonly code = 'invoke_error';

  constructor(
    readonly functionName: string,
    readonly errorType: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The answer Discord waits for is 3 s: an invocation not accepted by then is of no use. */
const INVOKE_TIMEOUT_MS = 3000;
/** Invoke's answer to an Event invocation is empty, or a short JSON error. */
const MAX_ANSWER_BYTES = 65_536;

/**
 * Lambda's Invoke with InvocationType Event, as one signed REST call (POST
 * /2015-03-31/functions/{name}/invocations, answered 202): the SDK's Lambda client for this one
 * call cost the discord bundle 84 KB (425 → 341). Signed with SigV4 by the SDK's own signer, with the SDK's
 * credentials and region (AWS_REGION) and its endpoint variables. Not retried: a refusal is
 * answered to the user at once.
 */
export function lambdaInvoker(functionName: string, options: LambdaInvokerOptions = {}): Invoker {
  const env = options.env ?? process.env;
  const credentials = options.credentials ?? defaultProvider();
  const now = options.now ?? (() => new Date());
  return async (payload) => {
    const region = env.AWS_REGION;
    if (!region)
      throw new InvokeError(
        functionName,
        'MissingRegion',
        `cannot invoke ${functionName}: environment variable AWS_REGION is not set`,
      );
    const endpoint = new URL(endpointOf(region, env));
    const body = JSON.stringify(payload);
    const signer = new SignatureV4({ service: 'lambda', region, credentials, sha256: Sha256, applyChecksum: false });
    const signed = await signer.sign(
      {
        method: 'POST',
        protocol: endpoint.protocol,
        hostname: endpoint.hostname,
        port: endpoint.port ? Number(endpoint.port) : undefined,
        path: `${endpoint.pathname.replace(/\/$/, '')}/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`,
        query: {},
        headers: {
          host: endpoint.host,
          'content-type': 'application/json',
          'content-length': String(Buffer.byteLength(body)),
          'x-amz-invocation-type': 'Event',
        },
        body,
      },
      { signingDate: now() },
    );
    let response;
    try {
      response = await send(`${endpoint.origin}${signed.path}`, {
        method: 'POST',
        headers: signed.headers,
        body,
        timeoutMs: INVOKE_TIMEOUT_MS,
        maxBytes: MAX_ANSWER_BYTES,
      });
    } catch (error) {
      if (!(error instanceof TransportError)) throw error;
      throw new InvokeError(functionName, 'TransportError', `could not invoke ${functionName}: ${error.message}`, {
        cause: error,
      });
    }
    if (response.status >= 200 && response.status < 300) return;
    const { type, message } = lambdaError(headerValue(response.headers['x-amzn-errortype']), response.body);
    throw new InvokeError(
      functionName,
      type,
      `Lambda refused to invoke ${functionName}: ${type} (HTTP ${response.status})${message ? `: ${message}` : ''}`,
    );
  };
}

/** As the SDK: AWS_ENDPOINT_URL_LAMBDA, then AWS_ENDPOINT_URL, then the region's own. */
function endpointOf(region: string, env: Record<string, string | undefined>): string {
  return (
    env.AWS_ENDPOINT_URL_LAMBDA ||
    env.AWS_ENDPOINT_URL ||
    `https://lambda.${region}.${region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com'}`
  );
}

/**
 * Lambda's error: its type in the x-amzn-ErrorType header ("Type:url" at times) or the body's
 * __type, its message in the body's Message or message; one line, however long the answer.
 */
function lambdaError(header: string | null, body: string): { type: string; message: string } {
  let fields: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed === 'object' && parsed !== null) fields = parsed as Record<string, unknown>;
  } catch {
    // Not JSON (a proxy's page): the status says what there is to say.
  }
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const type = header?.split(':')[0] || text(fields.__type)?.split('#').at(-1) || 'UnknownError';
  const message = (text(fields.Message) ?? text(fields.message) ?? '').replace(/\s+/g, ' ').trim().slice(0, 300);
  return { type, message };
}

/** SHA-256 and its HMAC for the signer, from node:crypto. */
class Sha256 {
  private readonly hash: Hash | Hmac;

  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }

  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.hash.update(bytes(data));
  }

  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

function bytes(data: string | ArrayBuffer | ArrayBufferView): Uint8Array {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new Uint8Array(data);
}
