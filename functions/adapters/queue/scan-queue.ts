import {
  type SendMessageBatchRequestEntry,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { DRAIN_MESSAGE, type ScanMessage } from '../../core/run/scan-message.js';
import { ScanfleetError } from '../../core/errors.js';

/** Where dispatch puts the batches of a run. */
export interface ScanQueue {
  /** Enqueues every message or rejects naming the batches that could not be enqueued. */
  send(messages: readonly ScanMessage[]): Promise<void>;
}

/** Where a drainer asks for a later drain of the outbox (the scan queue, delayed). */
export interface DrainQueue {
  requestDrain(delaySeconds: number): Promise<void>;
}

export class QueueError extends ScanfleetError {
  override readonly name = 'QueueError';
  override readonly code = 'queue_error';
}

const ENTRIES_PER_CALL = 10;

/**
 * SQS: SendMessageBatch, 10 entries a call. Entries SQS reports as failed are sent again with
 * capped exponential backoff; a sender fault (a message SQS will never take) is not retried.
 */
export class SqsScanQueue implements ScanQueue, DrainQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    private readonly options: { maxAttempts?: number; sleep?: (ms: number) => Promise<void> } = {},
  ) {}

  async send(messages: readonly ScanMessage[]): Promise<void> {
    const maxAttempts = this.options.maxAttempts ?? 5;
    const sleep = this.options.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
    let pending: SendMessageBatchRequestEntry[] = messages.map((m) => ({
      Id: `batch-${m.batch}`,
      MessageBody: JSON.stringify(m),
    }));
    const reasons = new Map<string, string>();
    for (let attempt = 1; pending.length > 0; attempt++) {
      const retry: SendMessageBatchRequestEntry[] = [];
      for (let i = 0; i < pending.length; i += ENTRIES_PER_CALL) {
        const entries = pending.slice(i, i + ENTRIES_PER_CALL);
        const { Failed = [] } = await this.client.send(
          new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }),
        );
        for (const failure of Failed) {
          const entry = entries.find((e) => e.Id === failure.Id);
          reasons.set(failure.Id ?? '?', `${failure.Code ?? 'error'}: ${failure.Message ?? 'no message'}`);
          if (failure.SenderFault)
            throw new QueueError(`SQS refused ${failure.Id} (${failure.Code}: ${failure.Message}); not retried`);
          if (entry) retry.push(entry);
        }
      }
      pending = retry;
      if (pending.length === 0) return;
      if (attempt >= maxAttempts) {
        const failed = pending.map((e) => `${e.Id} (${reasons.get(e.Id ?? '') ?? 'unknown'})`);
        throw new QueueError(
          `could not enqueue ${pending.length} of ${messages.length} batches after ${attempt} attempts: ${failed.join(', ')}`,
        );
      }
      await sleep(Math.random() * Math.min(2000, 100 * 2 ** (attempt - 1)));
    }
  }

  /** A drain message, delayed (SQS takes at most 900 s). */
  async requestDrain(delaySeconds: number): Promise<void> {
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.queueUrl,
        MessageBody: JSON.stringify(DRAIN_MESSAGE),
        DelaySeconds: Math.min(900, Math.max(0, Math.round(delaySeconds))),
      }),
    );
  }
}
