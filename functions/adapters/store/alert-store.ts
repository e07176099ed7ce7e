import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { AlertLogEntry, OutboxEntry } from '../../core/run/alert-log.js';
import type { AlertOutbox } from '../../core/run/run-alert.js';
import { type Table, withoutKeys } from './table.js';
import { ITEM_TYPES, KEYS } from './table-schema.js';

/**
 * Each run's alert log (what it alerts, written by the batches that found the events) and the
 * outbox of runs whose alerts are being sent or failed to be: until an entry is closed, a later
 * run sends them again.
 */
export class AlertStore implements AlertOutbox {
  constructor(
    private readonly table: Table,
    private readonly retentionDays: number,
  ) {}

  /** Adds entries to runs' alert logs (idempotent: an entry's key names its run, event and kind). */
  async writeAlertLog(entries: readonly AlertLogEntry[]): Promise<void> {
    const expiresAt = this.table.expiry(this.retentionDays);
    const requests = entries.map((e) => ({
      PutRequest: {
        Item: {
          ...KEYS.alertLog(e.runId, e.symbol, `${e.scanner}#${e.signal}#${e.start}`, e.kind),
          type: ITEM_TYPES.alert,
          ...e,
          expiresAt,
        },
      },
    }));
    await this.table.batchWrite(requests);
  }

  /** A run's alert log, in key order (symbol, then event). */
  async alertLog(runId: string): Promise<AlertLogEntry[]> {
    const items = await this.table.all(KEYS.alertLogOf(runId));
    return items.map((item) => withoutKeys(item, 'expiresAt') as unknown as AlertLogEntry);
  }

  /** Notes that a run's alerts are being sent: until closed, a later run may send them. */
  async openOutbox(runId: string): Promise<void> {
    await this.table.client.send(
      new PutCommand({
        TableName: this.table.name,
        Item: {
          ...KEYS.outbox(runId),
          type: ITEM_TYPES.outbox,
          runId,
          status: 'sending',
          at: this.table.now().toISOString(),
          expiresAt: this.table.expiry(this.retentionDays),
        },
      }),
    );
  }

  async failOutbox(runId: string, error: string): Promise<void> {
    const item = {
      ...KEYS.outbox(runId),
      type: ITEM_TYPES.outbox,
      runId,
      status: 'failed',
      at: this.table.now().toISOString(),
      error: error.slice(0, 500),
      expiresAt: this.table.expiry(this.retentionDays),
    };
    await this.table.client.send(new PutCommand({ TableName: this.table.name, Item: item }));
  }

  async closeOutbox(runId: string): Promise<void> {
    await this.table.client.send(new DeleteCommand({ TableName: this.table.name, Key: KEYS.outbox(runId) }));
  }

  /** Runs whose alerts failed, or whose sending started `staleMs` ago and never ended (the sender died). */
  async undelivered(staleMs: number): Promise<OutboxEntry[]> {
    const cutoff = new Date(this.table.now().getTime() - staleMs).toISOString();
    const items = await this.table.all(KEYS.outboxAll());
    const entries = items.map((item) => withoutKeys(item, 'expiresAt') as unknown as OutboxEntry);
    return entries.filter((e) => e.status === 'failed' || e.at < cutoff);
  }
}
