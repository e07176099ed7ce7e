import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ScanfleetError } from '../../core/errors.js';

/** The table did not take or give what was asked, after the retries. */
export class StoreError extends ScanfleetError {
  override readonly name = 'StoreError';
  override readonly code = 'store_error';
}

const BATCH_WRITE_LIMIT = 25;

/** Capped exponential backoff with full jitter for a batch call's unprocessed part: 50 ms, 100 ms … up to 2 s. */
export function backoffMs(attempt: number): number {
  return Math.random() * Math.min(2000, 50 * 2 ** (attempt - 1));
}

export interface BatchWriteOptions {
  readonly maxAttempts: number;
  readonly sleep: (ms: number) => Promise<void>;
}

/** BatchWriteItem in calls of 25, retrying unprocessed items with capped exponential backoff and full jitter. */
export async function batchWriteAll(
  client: DynamoDBDocumentClient,
  tableName: string,
  requests: readonly Record<string, unknown>[],
  options: BatchWriteOptions,
): Promise<void> {
  for (let i = 0; i < requests.length; i += BATCH_WRITE_LIMIT) {
    const chunk = requests.slice(i, i + BATCH_WRITE_LIMIT);
    let pending = chunk;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const { UnprocessedItems } = await client.send(new BatchWriteCommand({ RequestItems: { [tableName]: pending } }));
      pending = (UnprocessedItems?.[tableName] ?? []) as Record<string, unknown>[];
      if (pending.length === 0) break;
      if (attempt >= options.maxAttempts) {
        throw new StoreError(
          `${pending.length} of ${chunk.length} items still unprocessed after ${attempt} BatchWriteItem attempts`,
        );
      }
      await options.sleep(backoffMs(attempt));
    }
  }
}
