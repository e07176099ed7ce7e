// The items a function writes (BatchWriteItem puts, PutItem, UpdateItem's key and values), as
// plain objects, seen through the tests' loopback store proxy: the SDK floor writes the same items.
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { startStoreProxy } from '../test/helpers/store-proxy.js';

type Wire = Record<string, never>;

export interface WriteRecorder {
  readonly endpoint: string;
  readonly items: Record<string, unknown>[];
  close(): Promise<void>;
}

export async function startWriteRecorder(target: string): Promise<WriteRecorder> {
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
  const proxy = await startStoreProxy(target, { onRequest: record });
  return { endpoint: proxy.endpoint, items, close: () => proxy.close() };
}
