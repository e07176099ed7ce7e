import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { ScanfleetError } from '../../core/errors.js';
import { send, type TransportResponse } from '../http-transport.js';

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** How a function reaches AWS: the SDK's own sources, unless a test gives its own. */
export interface AwsOptions {
  /** Where AWS_REGION and the endpoint variables (AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL) are read (default process.env). */
  readonly env?: Record<string, string | undefined>;
  /** Default: the SDK's chain (environment-only in the bundles: lib/bundling.ts). */
  readonly credentials?: () => Promise<AwsCredentials>;
  /** The signature's time. */
  readonly now?: () => Date;
}

/** A service as signed and addressed: `lambda` / `LAMBDA`, `sqs` / `SQS`, `secretsmanager` / `SECRETS_MANAGER`. */
export interface AwsService {
  /** SigV4's service name, also the endpoint's first label. */
  readonly signingName: string;
  /** The suffix of its endpoint variable, AWS_ENDPOINT_URL_<endpointId>. */
  readonly endpointId: string;
}

export interface AwsRequest {
  /** The path under the endpoint's. */
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly timeoutMs: number;
  readonly maxBytes: number;
}

/** AWS_REGION is not set: nothing can be signed or addressed. */
export class MissingRegionError extends ScanfleetError {
  override readonly name = 'MissingRegionError';
  override readonly code = 'missing_region';

  constructor() {
    super('environment variable AWS_REGION is not set');
  }
}

/** Signs and sends a POST as the SDK would: resolves with any answer, rejects with a TransportError or a MissingRegionError. */
export type AwsSender = (request: AwsRequest) => Promise<TransportResponse>;

/**
 * One signed POST to a service: SigV4 by the SDK's own signer, with the SDK's credentials, its
 * region (AWS_REGION) and its endpoint variables. What the answer means is the caller's.
 */
export function awsSender(service: AwsService, options: AwsOptions = {}): AwsSender {
  const env = options.env ?? process.env;
  const credentials = options.credentials ?? defaultProvider();
  const now = options.now ?? (() => new Date());
  return async (request) => {
    const region = env.AWS_REGION;
    if (!region) throw new MissingRegionError();
    const endpoint = new URL(endpointOf(service, region, env));
    const signer = new SignatureV4({
      service: service.signingName,
      region,
      credentials,
      sha256: Sha256,
      applyChecksum: false,
    });
    const signed = await signer.sign(
      {
        method: 'POST',
        protocol: endpoint.protocol,
        hostname: endpoint.hostname,
        port: endpoint.port ? Number(endpoint.port) : undefined,
        path: `${endpoint.pathname.replace(/\/$/, '')}${request.path}`,
        query: {},
        headers: {
          ...request.headers,
          host: endpoint.host,
          'content-length': String(Buffer.byteLength(request.body)),
        },
        body: request.body,
      },
      { signingDate: now() },
    );
    return send(`${endpoint.origin}${signed.path}`, {
      method: 'POST',
      headers: signed.headers,
      body: request.body,
      timeoutMs: request.timeoutMs,
      maxBytes: request.maxBytes,
    });
  };
}

/** As the SDK: AWS_ENDPOINT_URL_<SERVICE>, then AWS_ENDPOINT_URL, then the region's own. */
function endpointOf(service: AwsService, region: string, env: Record<string, string | undefined>): string {
  return (
    env[`AWS_ENDPOINT_URL_${service.endpointId}`] ||
    env.AWS_ENDPOINT_URL ||
    `https://${service.signingName}.${region}.${region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com'}`
  );
}

/**
 * A service's error: its type in the x-amzn-ErrorType header ("Type:url" at times) or the body's
 * __type ("namespace#Type" at times), its message in the body's Message or message; one line,
 * however long the answer.
 */
export function awsErrorOf(header: string | null, body: string): { type: string; message: string } {
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
