import type { AlertLogEntry } from '../../core/run/alert-log.js';
import type { AlertLogPort } from '../../core/run/run-alert.js';
import { type Table, withoutKeys } from './table.js';
import { ITEM_TYPES, KEYS } from './table-schema.js';

/**
 * Each run's alert log: what it alerts, written by the batches that found the events, and
 * marked once its lines are in the outbox.
 */
export class AlertStore implements AlertLogPort {
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

  /** Notes lines as in the outbox (a put of each with the flag: the log is written once, then only read). */
  async markQueued(entries: readonly AlertLogEntry[]): Promise<void> {
    await this.writeAlertLog(entries.map((e) => ({ ...e, queued: true })));
  }
}
