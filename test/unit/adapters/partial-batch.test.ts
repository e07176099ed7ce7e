import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { partialBatchResponse } from '../../../functions/adapters/queue/partial-batch.js';
import { localLambdaContext } from '../../../functions/local/lambda-context.js';

const event = (...ids: string[]): SQSEvent => ({
  Records: ids.map((messageId): SQSRecord => ({
    messageId,
    receiptHandle: `receipt-${messageId}`,
    body: JSON.stringify({ id: messageId }),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1795962600000',
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: '1795962600000',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:scanfleet-scan',
    awsRegion: 'us-east-1',
  })),
});

describe('the SQS partial batch response', () => {
  it('reports no failure when every record is handled, each with the invocation’s context', async () => {
    const context = localLambdaContext('scanfleet-scan-batch');
    const seen: [string, string][] = [];
    const response = await partialBatchResponse(
      event('a', 'b'),
      async (record, lambda) => {
        seen.push([record.messageId, lambda.awsRequestId]);
      },
      context,
    );
    expect(response).toEqual({ batchItemFailures: [] });
    expect(seen).toEqual([
      ['a', context.awsRequestId],
      ['b', context.awsRequestId],
    ]);
  });

  it('reports each failed record by its messageId, in the event’s order, and still handles the others', async () => {
    const handled: string[] = [];
    const response = await partialBatchResponse(
      event('a', 'b', 'c', 'd'),
      async (record) => {
        if (record.messageId === 'a') throw new Error('malformed scan message');
        if (record.messageId === 'c') await Promise.reject(new Error('provider down'));
        handled.push(record.messageId);
      },
      localLambdaContext('scanfleet-scan-batch'),
    );
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'a' }, { itemIdentifier: 'c' }] });
    expect(handled).toEqual(['b', 'd']);
  });

  it('reports every record, without throwing, when all of them fail', async () => {
    const response = await partialBatchResponse(
      event('a', 'b'),
      () => {
        throw new Error('store unreachable');
      },
      localLambdaContext('scanfleet-scan-batch'),
    );
    expect(response).toEqual({ batchItemFailures: [{ itemIdentifier: 'a' }, { itemIdentifier: 'b' }] });
  });

  it('handles the records side by side: each starts before any finishes', async () => {
    const started: string[] = [];
    let open: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const response = partialBatchResponse(
      event('a', 'b', 'c'),
      async (record) => {
        started.push(record.messageId);
        await gate;
      },
      localLambdaContext('scanfleet-scan-batch'),
    );
    await Promise.resolve();
    expect(started).toEqual(['a', 'b', 'c']);
    open();
    expect(await response).toEqual({ batchItemFailures: [] });
  });
});
