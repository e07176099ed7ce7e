import { createHash } from 'node:crypto';
import { type AwsJsonCaller, awsJson, SQS } from '../aws/aws-json.js';
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

/** An entry of SendMessageBatch, as SQS takes it. */
interface BatchEntry {
  readonly Id: string;
  readonly MessageBody: string;
  readonly DelaySeconds?: number;
}

/** SendMessageBatch's answer: each entry is in one list or the other. */
interface BatchAnswer {
  readonly Successful?: readonly { Id: string; MessageId: string; MD5OfMessageBody: string }[];
  readonly Failed?: readonly { Id: string; SenderFault: boolean; Code: string; Message?: string }[];
}

/**
 * SQS: SendMessageBatch, 10 entries a call (aws-json.ts: the call itself is retried when throttled
 * or unanswered). Entries SQS reports as failed are sent again with capped exponential backoff; a
 * sender fault (a message SQS will never take) is not retried. Each accepted body's MD5 is checked
 * against SQS's, as the SDK checks it: a mismatch is a QueueError.
 */
export class SqsScanQueue implements ScanQueue, DrainQueue {
  private readonly client: AwsJsonCaller;

  constructor(
    private readonly queueUrl: string,
    private readonly options: {
      /** Default: SQS's endpoint for the SDK's region and credentials. */
      client?: AwsJsonCaller;
      maxAttempts?: number;
      sleep?: (ms: number) => Promise<void>;
    } = {},
  ) {
    this.client = options.client ?? awsJson(SQS, { sleep: options.sleep });
  }

  async send(messages: readonly ScanMessage[]): Promise<void> {
    const maxAttempts = this.options.maxAttempts ?? 5;
    const sleep = this.options.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
    let pending: BatchEntry[] = messages.map((m) => ({
      Id: `batch-${m.batch}`,
      MessageBody: JSON.stringify(m),
    }));
    const reasons = new Map<string, string>();
    for (let attempt = 1; pending.length > 0; attempt++) {
      const retry: BatchEntry[] = [];
      for (let i = 0; i < pending.length; i += ENTRIES_PER_CALL) {
        const entries = pending.slice(i, i + ENTRIES_PER_CALL);
        const { Failed = [] } = await this.sendBatch(entries);
        for (const failure of Failed) {
          const entry = entries.find((e) => e.Id === failure.Id);
          reasons.set(failure.Id, `${failure.Code}: ${failure.Message ?? 'no message'}`);
          if (failure.SenderFault)
            throw new QueueError(`SQS refused ${failure.Id} (${failure.Code}: ${failure.Message}); not retried`);
          if (entry) retry.push(entry);
        }
      }
      pending = retry;
      if (pending.length === 0) return;
      if (attempt >= maxAttempts) {
        const failed = pending.map((e) => `${e.Id} (${reasons.get(e.Id) ?? 'unknown'})`);
        throw new QueueError(
          `could not enqueue ${pending.length} of ${messages.length} batches after ${attempt} attempts: ${failed.join(', ')}`,
        );
      }
      await sleep(Math.random() * Math.min(2000, 100 * 2 ** (attempt - 1)));
    }
  }

  /**
   * A drain message, delayed (SQS takes at most 900 s): a batch of one, so the queue speaks one
   * operation (sqs:SendMessage allows both).
   */
  async requestDrain(delaySeconds: number): Promise<void> {
    const { Failed = [] } = await this.sendBatch([
      {
        Id: 'drain',
        MessageBody: JSON.stringify(DRAIN_MESSAGE),
        DelaySeconds: Math.min(900, Math.max(0, Math.round(delaySeconds))),
      },
    ]);
    const [failure] = Failed;
    if (failure)
      throw new QueueError(`SQS refused the drain message (${failure.Code}: ${failure.Message ?? 'no message'})`);
  }

  /** One SendMessageBatch; the accepted entries' MD5 checked. */
  private async sendBatch(entries: readonly BatchEntry[]): Promise<BatchAnswer> {
    const answer = await this.client<BatchAnswer>('SendMessageBatch', { QueueUrl: this.queueUrl, Entries: entries });
    const mismatched = (answer.Successful ?? []).filter((accepted) => {
      const entry = entries.find((e) => e.Id === accepted.Id);
      return !entry || createHash('md5').update(entry.MessageBody).digest('hex') !== accepted.MD5OfMessageBody;
    });
    if (mismatched.length > 0)
      throw new QueueError(
        `SQS answered an MD5 that is not the body's for ${mismatched.map((m) => m.Id).join(', ')}: the messages may be corrupt`,
      );
    return answer;
  }
}
