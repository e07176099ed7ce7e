import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type ApiAccess, isListWrite, needsToken } from '../core/api/access.js';
import { CHALLENGE, checkBearer } from '../api/bearer-auth.js';
import { localLambdaContext } from './lambda-context.js';

type Handler = (
  event: APIGatewayProxyEventV2,
  context: ReturnType<typeof localLambdaContext>,
) => Promise<
  { statusCode: number; headers?: Record<string, string>; body: string; isBase64Encoded?: boolean } | undefined
>;

/**
 * API Gateway's HTTP API refuses a payload over 10 MB before any function sees it; the dev server
 * does as much, while reading: never more than this is held.
 */
export const MAX_REQUEST_BYTES = 10 * 1_048_576;
/**
 * After a 413, what a client may still have in flight before it reads the answer (socket buffers
 * at both ends hold several MB on loopback) is read and dropped; a client sending more is cut off.
 */
const MAX_DROPPED_BYTES = 64 * 1_048_576;

export interface DevServer {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/** The gateway's authorizer, locally: the same route table and the same Bearer rule. */
export interface DevAuth {
  readonly token: string;
  readonly access: Exclude<ApiAccess, 'open'>;
}

/**
 * The gateway's answer to a request its authorizer refuses (401 without a credential, 403 with a
 * wrong one, the same bodies), with the challenge the gateway's own 401 cannot carry.
 */
function refusal(req: IncomingMessage, auth: DevAuth): { status: number; challenge: string; body: string } | undefined {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (!needsToken(auth.access, req.method ?? 'GET', path)) return undefined;
  const verdict = checkBearer(req.headers.authorization, auth.token);
  if (verdict === 'ok') return undefined;
  return verdict === 'missing'
    ? { status: 401, challenge: CHALLENGE.missing, body: '{"message":"Unauthorized"}' }
    : { status: 403, challenge: CHALLENGE.wrong, body: '{"message":"Forbidden"}' };
}

/**
 * 413 at once. What follows of the body is read and dropped, never held: closing with unread
 * data would reset the connection and lose the answer.
 */
function tooLarge(req: IncomingMessage, res: ServerResponse): void {
  let dropped = 0;
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > MAX_DROPPED_BYTES) req.socket.destroy();
  });
  res.writeHead(413, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      error: { code: 'payload_too_large', message: `the request body is over ${MAX_REQUEST_BYTES} bytes` },
    }),
  );
}

/**
 * Serves a Lambda HTTP handler on loopback the way API Gateway's HTTP API would call it:
 * each request becomes a payload-2.0 event, the handler's response becomes the reply. With
 * `auth`, the protected routes need the token first, as behind the stack's authorizer.
 */
export async function startDevServer(
  routes: { api: Handler; discord?: Handler; lists?: Handler },
  options: { port?: number; host?: string; auth?: DevAuth } = {},
): Promise<DevServer> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (Number(req.headers['content-length'] ?? 0) > MAX_REQUEST_BYTES) return tooLarge(req, res);
    const refused = options.auth && refusal(req, options.auth);
    if (refused) {
      res.writeHead(refused.status, { 'content-type': 'application/json', 'www-authenticate': refused.challenge });
      res.end(refused.body);
      return;
    }
    const chunks: Buffer[] = [];
    let received = 0;
    const collect = (chunk: Buffer) => {
      received += chunk.length;
      if (received <= MAX_REQUEST_BYTES) return void chunks.push(chunk);
      req.off('data', collect);
      chunks.length = 0;
      tooLarge(req, res);
    };
    req.on('data', collect);
    req.on('end', () => {
      if (received > MAX_REQUEST_BYTES) return;
      void (async () => {
        const url = new URL(req.url ?? '/', 'http://localhost');
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(req.headers))
          if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
        const query: Record<string, string> = {};
        for (const [key, value] of url.searchParams) query[key] = key in query ? `${query[key]},${value}` : value;
        const body = Buffer.concat(chunks);
        const event = {
          version: '2.0',
          routeKey: '$default',
          rawPath: url.pathname,
          rawQueryString: url.search.slice(1),
          headers,
          ...(Object.keys(query).length > 0 && { queryStringParameters: query }),
          requestContext: {
            accountId: 'local',
            apiId: 'local',
            domainName: req.headers.host ?? 'localhost',
            domainPrefix: 'local',
            http: {
              method: req.method ?? 'GET',
              path: url.pathname,
              protocol: 'HTTP/1.1',
              sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
              userAgent: req.headers['user-agent'] ?? '',
            },
            requestId: randomUUID(),
            routeKey: '$default',
            stage: '$default',
            time: new Date().toUTCString(),
            timeEpoch: Date.now(),
          },
          ...(body.length > 0 && { body: body.toString('base64'), isBase64Encoded: true }),
        } as APIGatewayProxyEventV2;
        try {
          // Three integrations on one HTTP API, as in the stack: interactions, the lists' writes, and everything else.
          const [name, handler] =
            url.pathname === '/discord/interactions' && routes.discord
              ? ['discord', routes.discord]
              : routes.lists && isListWrite(req.method ?? 'GET', url.pathname)
                ? ['lists-writer', routes.lists]
                : ['api', routes.api];
          const response = await handler(event, localLambdaContext(name));
          if (!response) throw new Error('the handler gave no response');
          res.writeHead(response.statusCode, response.headers ?? {});
          res.end(response.isBase64Encoded ? Buffer.from(response.body, 'base64') : response.body);
        } catch {
          res.writeHead(502, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: { code: 'bad_gateway', message: 'the handler failed' } }));
        }
      })();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8787, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.address}:${address.port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
