import type { RunRecord } from '../../core/run/run-record.js';
import type { OutcomeStatus, ScanOutcome } from '../../core/scan/scan-symbol.js';
import type { ScanValues } from '../../core/scan/scanner.js';
import type { ScannerName } from '../../core/scan/scanners.js';
import type { Page } from './cursor.js';
import type { Filter, Table } from './table.js';
import { ITEM_TYPES, KEYS } from './table-schema.js';

/** A stored scan outcome, with the run it belongs to. */
export interface StoredOutcome extends ScanOutcome {
  readonly runId: string;
  readonly scheduledAt: string;
  readonly asOf?: string;
}

/** What a page of a run's results may be narrowed to. */
export interface ResultFilter {
  readonly scanner?: ScannerName;
  readonly signal?: string;
  readonly status?: OutcomeStatus;
}

/** Each run's results, one item per (scanner, symbol), also indexed by symbol over time. */
export class ResultStore {
  constructor(
    private readonly table: Table,
    private readonly retentionDays: number,
  ) {}

  /** Writes one item per outcome (BatchWriteItem, 25 a call, unprocessed items retried with backoff). */
  async writeOutcomes(
    run: Pick<RunRecord, 'runId' | 'scheduledAt' | 'asOf'>,
    outcomes: readonly ScanOutcome[],
  ): Promise<void> {
    const expiresAt = this.table.expiry(this.retentionDays);
    const items = outcomes.map((o) => ({
      PutRequest: {
        Item: {
          ...KEYS.result(run.runId, o.scanner, o.symbol),
          ...KEYS.symbolIndex(o.symbol, run.scheduledAt, run.runId, o.scanner),
          type: ITEM_TYPES.result,
          runId: run.runId,
          scheduledAt: run.scheduledAt,
          asOf: run.asOf,
          symbol: o.symbol,
          scanner: o.scanner,
          status: o.status,
          signal: o.signal,
          values: o.values,
          barDate: o.barDate,
          partial: o.partial,
          reason: o.reason,
          expiresAt,
        },
      },
    }));
    await this.table.batchWrite(items);
  }

  /** One page of a run's results, optionally of one scanner, signal or status. */
  async runResults(
    runId: string,
    filter: ResultFilter = {},
    limit = 500,
    cursor?: string,
  ): Promise<Page<StoredOutcome>> {
    const page = await this.table.page(KEYS.resultsOf(runId, filter.scanner), {
      limit,
      cursor,
      filter: resultFilter(filter),
    });
    return { items: page.items.map(toStoredOutcome), cursor: page.cursor };
  }

  /** Every result of a run, page by page. */
  async *allRunResults(runId: string): AsyncGenerator<StoredOutcome> {
    let cursor: string | undefined;
    do {
      const page = await this.runResults(runId, {}, 1000, cursor);
      yield* page.items;
      cursor = page.cursor;
    } while (cursor);
  }

  /** A symbol's results, newest run first (each run has one item per scanner). */
  async symbolHistory(symbol: string, limit: number, cursor?: string): Promise<Page<StoredOutcome>> {
    const page = await this.table.page(KEYS.symbolResults(symbol), { limit, cursor, newestFirst: true });
    return { items: page.items.map(toStoredOutcome), cursor: page.cursor };
  }
}

function resultFilter(filter: ResultFilter): Filter {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const conditions: string[] = [];
  if (filter.signal !== undefined) {
    names['#signal'] = 'signal';
    values[':signal'] = filter.signal;
    conditions.push('#signal = :signal');
  }
  if (filter.status !== undefined) {
    names['#status'] = 'status';
    values[':status'] = filter.status;
    conditions.push('#status = :status');
  }
  return { conditions, names, values };
}

function toStoredOutcome(item: Record<string, unknown>): StoredOutcome {
  return {
    runId: item.runId as string,
    scheduledAt: item.scheduledAt as string,
    ...(item.asOf !== undefined && { asOf: item.asOf as string }),
    symbol: item.symbol as string,
    scanner: item.scanner as ScannerName,
    status: item.status as OutcomeStatus,
    signal: (item.signal as string | null) ?? null,
    values: (item.values as ScanValues | null) ?? null,
    ...(item.barDate !== undefined && { barDate: item.barDate as string }),
    ...(item.barDate !== undefined && { partial: item.partial === true }),
    ...(item.reason !== undefined && { reason: item.reason as string }),
  };
}
