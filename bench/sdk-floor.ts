// The SDK's own floor: what the design card's client costs with nothing of ours around it.
// DynamoDBDocumentClient over DynamoDBClient({}) with the default credential chain, bundled like
// the functions (lib/bundling.ts, without the environment-only alias), writing a steady batch's
// items each invocation (recorded by the bench from scan-batch's batch of a store's second run).
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

const client = DynamoDBDocumentClient.from(new DynamoDBClient({}));

export const handler = async (event: { tableName: string; items: Record<string, unknown>[] }) => {
  let written = 0;
  for (let i = 0; i < event.items.length; i += 25) {
    let requests = event.items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    while (requests.length > 0) {
      const out = await client.send(new BatchWriteCommand({ RequestItems: { [event.tableName]: requests } }));
      const left = out.UnprocessedItems?.[event.tableName] ?? [];
      written += requests.length - left.length;
      requests = left as typeof requests;
    }
  }
  return { written };
};
