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
  /** A longer body, as received or once decoded, is refused (default MAX_RESPONSE_BYTES). */
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
  /** An answer that asking again cannot cure (too large, an unknown encoding): not retried. */
  readonly final: boolean;

  constructor(
    message: string,
    /** Whether a status line had arrived: "while reading the body". */
    readonly duringBody: boolean,
    options?: { cause?: unknown; final?: boolean },
  ) {
    super(message, options);
    this.final = options?.final ?? false;
  }
}

/**
 * A response body's limit, as received and once decoded. The largest real answer is an Alpaca
 * bars page (10,000 daily bars, about 1 MB of JSON); Yahoo's and Schwab's histories at the lookback
 * are tens of KB. 32 MB is 30 times the largest, and a 256 MB worker holds it; a compressed body
 * that would inflate past it (a gzip bomb: 1 GB of zeros is 1 to 5 MB of gzip) is refused, never held.
 */
export const MAX_RESPONSE_BYTES = 32 * 1_048_576;
const agents: Record<string, HttpAgent> = {
  'http:': new HttpAgent({ keepAlive: true }),
  'https:': new HttpsAgent({ keepAlive: true }),
};
const decoders: Record<string, (data: Buffer, options: { maxOutputLength: number }) => Buffer> = {
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
  const maxBytes = request.maxBytes ?? MAX_RESPONSE_BYTES;
  return new Promise((resolve, reject) => {
    let duringBody = false;
    let settled = false;
    const fail = (message: string, final = false) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(new TransportError(message, duringBody, { final }));
    };
    const tooLarge = () => fail(`response larger than ${maxBytes} bytes`, true);
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
        if (Number(res.headers['content-length'] ?? 0) > maxBytes) return tooLarge();
        const chunks: Buffer[] = [];
        let bytes = 0;
        res.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes > maxBytes) tooLarge();
          else chunks.push(chunk);
        });
        res.on('error', (error: NodeJS.ErrnoException) => fail(describe(error)));
        res.on('aborted', () => fail('connection dropped'));
        res.on('end', () => {
          if (settled) return;
          if (!res.complete) return fail('connection dropped');
          let data: Buffer = Buffer.concat(chunks);
          const encoding = String(res.headers['content-encoding'] ?? 'identity').toLowerCase();
          if (encoding !== 'identity') {
            const decode = decoders[encoding];
            if (!decode) return fail(`unsupported content-encoding ${encoding}`, true);
            try {
              data = decode(data, { maxOutputLength: maxBytes });
            } catch (error) {
              return (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE'
                ? fail(`response larger than ${maxBytes} bytes once ${encoding}-decoded`, true)
                : fail(`the ${encoding} body does not decode`);
            }
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
