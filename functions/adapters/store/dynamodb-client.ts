import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * A document client for the results table. On AWS it uses the function's role; with an
 * endpoint (the local embedded store on loopback) it uses placeholder credentials, which the
 * loopback server does not check.
 */
export function createDocumentClient(endpoint?: string): DynamoDBDocumentClient {
  const client = endpoint
    ? new DynamoDBClient({ endpoint, region: 'local', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } })
    : new DynamoDBClient({});
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}
