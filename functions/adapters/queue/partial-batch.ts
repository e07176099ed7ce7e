import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

/**
 * SQS's partial batch response: every record is handled, side by side; each record whose handler
 * throws is reported by its messageId (in the event's order), and SQS redelivers only those. The
 * invocation itself succeeds, even when every record failed, so it does not count as errored.
 */
export async function partialBatchResponse(
  event: SQSEvent,
  handle: (record: SQSRecord, context: Context) => Promise<void>,
  context: Context,
): Promise<SQSBatchResponse> {
  const outcomes = await Promise.allSettled(event.Records.map(async (record) => handle(record, context)));
  return {
    batchItemFailures: event.Records.filter((_, i) => outcomes[i].status === 'rejected').map((record) => ({
      itemIdentifier: record.messageId,
    })),
  };
}
