import { Agent as HttpAgent, type IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { ScanfleetError } from '../core/errors.js';

export interface TransportRequest {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** The whole exchange, body included. */
  readonly timeoutMs: number;
  /** A longer body is refused (default 32 MB). */
  readonly maxBytes?: number;
}

export interface TransportResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** No response, or not all of it: the connection failed, timed out, dropped mid-body or sent too much. */
export class TransportError extends ScanfleetError {
  override readonly name = 'TransportError';
  override readonly code = 'transport_error';

  constructor(
    message: string,
    /** Whether a status line had arrived: "while reading the body". */
    readonly duringBody: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const DEFAULT_MAX_BYTES = 32 * 1_048_576;
const agents: Record<string, HttpAgent> = {
  'http:': new HttpAgent({ keepAlive: true }),
  'https:': new HttpsAgent({ keepAlive: true }),
};
const decoders: Record<string, (data: Buffer) => Buffer> = {
  gzip: gunzipSync,
  deflate: inflateSync,
  br: brotliDecompressSync,
};

/**
 * One HTTP exchange over node:http(s), which the AWS SDK loads anyway, with keep-alive. Not
 * fetch: its undici client adds ~20 MB to a worker's RSS (docs/benchmark.md).
 */
export function send(url: string, request: TransportRequest): Promise<TransportResponse> {
  const target = new URL(url);
  if (target.protocol !== 'http:' && target.protocol !== 'https:')
    return Promise.reject(new TransportError(`unsupported protocol ${target.protocol}`, false));
  const maxBytes = request.maxBytes ?? DEFAULT_MAX_BYTES;
  return new Promise((resolve, reject) => {
    let duringBody = false;
    let settled = false;
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(new TransportError(message, duringBody));
    };
    const open = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = open(
      target,
      {
        method: request.method ?? 'GET',
        headers: { 'accept-encoding': 'gzip, deflate, br', ...request.headers },
        agent: agents[target.protocol],
      },
      (res) => {
        duringBody = true;
        const chunks: Buffer[] = [];
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes > maxBytes) fail(`response larger than ${maxBytes} bytes`);
          else chunks.push(chunk);
        });
        res.on('error', (error: NodeJS.ErrnoException) => fail(describe(error)));
        res.on('aborted', () => fail('connection dropped'));
        res.on('end', () => {
          if (settled) return;
          if (!res.complete) return fail('connection dropped');
          let data: Buffer = Buffer.concat(chunks);
          const encoding = String(res.headers['content-encoding'] ?? 'identity').toLowerCase();
          try {
            if (encoding !== 'identity') {
              const decode = decoders[encoding];
              if (!decode) return fail(`unsupported content-encoding ${encoding}`);
              data = decode(data);
            }
          } catch {
            return fail(`the ${encoding} body does not decode`);
          }
          settled = true;
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data.toString('utf8') });
        });
      },
    );
    const timer = setTimeout(() => fail(`no response within ${request.timeoutMs} ms`), request.timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => fail(describe(error)));
    req.end(request.body);
  });
}

/** A header's one value (node:http gives arrays only for set-cookie). */
export function headerValue(value: string | string[] | undefined): string | null {
  return (Array.isArray(value) ? value[0] : value) ?? null;
}

function describe(error: NodeJS.ErrnoException): string {
  return error.code ? `connection failed (${error.code})` : `request failed (${error.message})`;
}
