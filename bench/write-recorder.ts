// A loopback proxy in front of the bench's DynamoDB-compatible server that keeps every item a
// function writes (BatchWriteItem puts, PutItem, UpdateItem's key and values), as plain objects:
// the SDK floor writes the same items.
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

type Wire = Record<string, never>;

export interface WriteRecorder {
  readonly endpoint: string;
  readonly items: Record<string, unknown>[];
  close(): Promise<void>;
}

export async function startWriteRecorder(target: string): Promise<WriteRecorder> {
  const upstream = new URL(target);
  const items: Record<string, unknown>[] = [];
  const record = (operation: string, body: Record<string, unknown>) => {
    if (operation === 'BatchWriteItem')
      for (const requests of Object.values(body.RequestItems as Record<string, { PutRequest?: { Item: Wire } }[]>))
        for (const r of requests) if (r.PutRequest) items.push(unmarshall(r.PutRequest.Item));
    if (operation === 'PutItem') items.push(unmarshall(body.Item as Wire));
    if (operation === 'UpdateItem') {
      const values = Object.fromEntries(
        Object.entries((body.ExpressionAttributeValues ?? {}) as Wire).map(([k, v]) => [`v_${k.slice(1)}`, v]),
      );
      items.push(unmarshall({ ...(body.Key as Wire), ...values }));
    }
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      record(operation, JSON.parse(body.toString() || '{}'));
      const out = request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 500, answer.headers);
          answer.pipe(res);
        },
      );
      out.on('error', () => res.destroy());
      out.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    items,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
