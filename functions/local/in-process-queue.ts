import type { ScanMessage } from '../core/run/scan-message.js';
import type { DrainQueue, ScanQueue } from '../adapters/queue/scan-queue.js';

/** The local stand-in for SQS: dispatch appends, the local runtime drains. */
export class InProcessQueue implements ScanQueue, DrainQueue {
  readonly messages: ScanMessage[] = [];
  /** The delays of the drains asked for. */
  readonly drains: number[] = [];

  async requestDrain(delaySeconds: number): Promise<void> {
    this.drains.push(delaySeconds);
  }

  async send(messages: readonly ScanMessage[]): Promise<void> {
    this.messages.push(...messages);
  }
}
