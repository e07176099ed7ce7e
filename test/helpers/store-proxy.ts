import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the proxy does to one DynamoDB call:
 * - error: answers DynamoDB's error document for that type without forwarding;
 * - unprocessed: (BatchWriteItem) forwards only the first half of the items and answers the rest as UnprocessedItems;
 * - lost-response: forwards the call (it takes effect), then drops the connection before answering;
 * - reset: drops the connection without forwarding.
 */
export type StoreFault =
  | {
      kind: 'error';
      type:
        | 'ThrottlingException'
        | 'ProvisionedThroughputExceededException'
        | 'InternalServerError'
        | 'ConditionalCheckFailedException';
    }
  | { kind: 'unprocessed' }
  | { kind: 'lost-response' }
  | { kind: 'reset' };

export interface StoreProxy {
  /** The endpoint to give the store client instead of the server's. */
  readonly endpoint: string;
  /** Every call seen: the operation (BatchWriteItem, UpdateItem, …) and the fault applied, if any. */
  readonly calls: { operation: string; fault?: StoreFault['kind'] }[];
  /** Applies `fault` to the next `times` calls of `operation` that `match` (on the request body) accepts. */
  inject(
    operation: string,
    fault: StoreFault,
    times?: number,
    match?: (body: Record<string, unknown>) => boolean,
  ): void;
  /** Injections not used up yet. */
  pending(): number;
  close(): Promise<void>;
}

const STATUS: Record<string, number> = { InternalServerError: 500 };

/**
 * A loopback proxy in front of a DynamoDB-compatible server (dynalite) that injects faults;
 * `onRequest` sees each call's operation and parsed body first (the bench records writes with it).
 */
export async function startStoreProxy(
  target: string,
  options: { onRequest?: (operation: string, body: Record<string, unknown>) => void } = {},
): Promise<StoreProxy> {
  const upstream = new URL(target);
  const calls: StoreProxy['calls'] = [];
  const injections: {
    operation: string;
    fault: StoreFault;
    times: number;
    match?: (body: Record<string, unknown>) => boolean;
  }[] = [];

  const forward = (
    req: IncomingMessage,
    body: Buffer,
  ): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const out = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, 'content-length': String(body.length) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 500, headers: res.headers, body: Buffer.concat(chunks) }),
          );
          res.on('error', reject);
        },
      );
      out.on('error', reject);
      out.end(body);
    });

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const body = Buffer.concat(chunks);
        const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
        const parsed = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
        options.onRequest?.(operation, parsed);
        const injection = injections.find(
          (i) => i.times > 0 && i.operation === operation && (!i.match || i.match(parsed)),
        );
        if (injection) injection.times--;
        const fault = injection?.fault;
        calls.push({ operation, ...(fault && { fault: fault.kind }) });
        if (fault?.kind === 'reset') return req.socket.destroy();
        if (fault?.kind === 'error') {
          res.writeHead(STATUS[fault.type] ?? 400, { 'content-type': 'application/x-amz-json-1.0' });
          return res.end(
            JSON.stringify({
              __type: `com.amazonaws.dynamodb.v20120810#${fault.type}`,
              message: `injected ${fault.type}`,
            }),
          );
        }
        if (fault?.kind === 'unprocessed') {
          const requestItems = parsed.RequestItems as Record<string, unknown[]>;
          const [table, items] = Object.entries(requestItems)[0];
          const keep = items.slice(0, Math.ceil(items.length / 2));
          const rest = items.slice(keep.length);
          const sent = Buffer.from(JSON.stringify({ ...parsed, RequestItems: { [table]: keep } }));
          const answer = await forward(req, sent);
          const written = JSON.parse(answer.body.toString('utf8')) as { UnprocessedItems?: Record<string, unknown[]> };
          const unprocessed = [...(written.UnprocessedItems?.[table] ?? []), ...rest];
          res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.0' });
          return res.end(
            JSON.stringify({ ...written, UnprocessedItems: unprocessed.length > 0 ? { [table]: unprocessed } : {} }),
          );
        }
        const answer = await forward(req, body);
        if (fault?.kind === 'lost-response') return req.socket.destroy();
        const headers = { ...answer.headers };
        delete headers['transfer-encoding'];
        res.writeHead(answer.status, { ...headers, 'content-length': String(answer.body.length) });
        res.end(answer.body);
      })().catch(() => req.socket.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    inject: (operation, fault, times = 1, match) => injections.push({ operation, fault, times, match }),
    pending: () => injections.reduce((n, i) => n + i.times, 0),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
