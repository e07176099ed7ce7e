import type { ScanMessage } from '../core/run/scan-message.js';
import type { ScanQueue } from '../adapters/queue/scan-queue.js';

/** The local stand-in for SQS: dispatch appends, the local runtime drains. */
export class InProcessQueue implements ScanQueue {
  readonly messages: ScanMessage[] = [];

  async send(messages: readonly ScanMessage[]): Promise<void> {
    this.messages.push(...messages);
  }
}
