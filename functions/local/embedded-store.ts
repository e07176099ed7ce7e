import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ResourceInUseException,
} from '@aws-sdk/client-dynamodb';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import dynalite from 'dynalite';
import { TABLE_KEYS } from '../adapters/store/table-schema.js';

export const LOCAL_TABLE_NAME = 'scanfleet-results';

export interface EmbeddedStore {
  /** http://127.0.0.1:<port> — a DynamoDB API server on loopback. */
  readonly endpoint: string;
  readonly tableName: string;
  /**
   * The key subscriptions' webhook URLs are sealed with (the stack's generated secret, locally):
   * kept in the store's directory when it has one, so a later process opens what an earlier sealed.
   */
  readonly subscriptionKey: string;
  close(): Promise<void>;
}

/**
 * Starts dynalite (a DynamoDB-compatible server, LevelDB underneath) on loopback, in memory or
 * persisted under `path`, and creates the results table with the stack's key schema.
 */
export async function startEmbeddedStore(options: { path?: string; tableName?: string } = {}): Promise<EmbeddedStore> {
  const { port, close } = await listen(options.path);
  const endpoint = `http://127.0.0.1:${port}`;
  const tableName = options.tableName ?? LOCAL_TABLE_NAME;
  await createResultsTableAt(endpoint, tableName);
  return { endpoint, tableName, subscriptionKey: options.path ? keptKey(options.path) : newKey(), close };
}

const KEY_FILE = 'SCANFLEET-SUBSCRIPTION-KEY';
const newKey = () => randomBytes(32).toString('base64url');

/** The store directory's key, made on first use (readable by its owner only); LevelDB ignores a file it did not write. */
function keptKey(path: string): string {
  const file = join(path, KEY_FILE);
  try {
    writeFileSync(file, newKey(), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  return readFileSync(file, 'utf8').trim();
}

/** Creates the results table, with the stack's key schema, on a DynamoDB-compatible server. */
export async function createResultsTableAt(endpoint: string, tableName: string): Promise<void> {
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    await createResultsTable(client, tableName);
  } finally {
    client.destroy();
  }
}

async function listen(path?: string): Promise<{ port: number; close: () => Promise<void> }> {
  const server = dynalite({ createTableMs: 0, ...(path && { path }) });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve, reject) => server.close((error?: Error) => (error ? reject(error) : resolve()))),
  };
}

async function createResultsTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const { partitionKey, sortKey, runsIndex, symbolIndex } = TABLE_KEYS;
  const attributes = [
    partitionKey,
    sortKey,
    runsIndex.partitionKey,
    runsIndex.sortKey,
    symbolIndex.partitionKey,
    symbolIndex.sortKey,
  ];
  const index = (i: typeof runsIndex | typeof symbolIndex) => ({
    IndexName: i.name,
    KeySchema: [
      { AttributeName: i.partitionKey, KeyType: 'HASH' as const },
      { AttributeName: i.sortKey, KeyType: 'RANGE' as const },
    ],
    Projection: { ProjectionType: 'ALL' as const },
  });
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: attributes.map((name) => ({ AttributeName: name, AttributeType: 'S' as const })),
        KeySchema: [
          { AttributeName: partitionKey, KeyType: 'HASH' },
          { AttributeName: sortKey, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [index(runsIndex), index(symbolIndex)],
      }),
    );
  } catch (error) {
    // A persisted store (--db DIR) already has the table.
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  await client.send(new DescribeTableCommand({ TableName: tableName }));
}
