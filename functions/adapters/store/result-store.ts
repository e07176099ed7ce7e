import type { RunRecord } from '../../core/run/run-record.js';
import type { Bar } from '../../core/scan/bars.js';
import type { OutcomeStatus, ScanOutcome } from '../../core/scan/scan-symbol.js';
import type { ScanValues } from '../../core/scan/scanner.js';
import type { ScannerName } from '../../core/scan/scanners.js';
import type { Page } from './cursor.js';
import type { Table } from './table.js';
import { ITEM_TYPES, KEYS, type KeyRange } from './table-schema.js';

/** A stored scan outcome, with the run it belongs to. */
export interface StoredOutcome extends ScanOutcome {
  readonly runId: string;
  readonly scheduledAt: string;
  readonly asOf?: string;
}

/** Each run's results, one item per (scanner, symbol), also indexed by symbol over time. */
export class ResultStore {
  constructor(
    private readonly table: Table,
    private readonly retentionDays: number,
  ) {}

  /**
   * Writes one item per outcome (BatchWriteItem, 25 a call, unprocessed items retried with
   * backoff), and in the same calls a copy under the run's problems (status error or
   * insufficient_data) or its signals, so each is read without a filter. A partial outcome
   * carries its symbol's forming bar from `formingBars`: the chart of the run shows it.
   */
  async writeOutcomes(
    run: Pick<RunRecord, 'runId' | 'scheduledAt' | 'asOf'>,
    outcomes: readonly ScanOutcome[],
    formingBars: ReadonlyMap<string, Bar> = new Map(),
  ): Promise<void> {
    const expiresAt = this.table.expiry(this.retentionDays);
    const items = outcomes.flatMap((o) => {
      const formingBar = o.partial === true ? formingBars.get(o.symbol) : undefined;
      const result = {
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
        ...(formingBar && { formingBar }),
        expiresAt,
      };
      const put = (item: Record<string, unknown>) => ({ PutRequest: { Item: item } });
      return [
        put({
          ...KEYS.result(run.runId, o.scanner, o.symbol),
          ...KEYS.symbolIndex(o.symbol, run.scheduledAt, run.runId, o.scanner),
          ...result,
        }),
        ...(PROBLEM_STATUSES.includes(o.status)
          ? [put({ ...result, ...KEYS.problem(run.runId, o.scanner, o.symbol), type: ITEM_TYPES.problem })]
          : []),
        ...(o.signal !== null
          ? [
              put({
                ...result,
                ...KEYS.signalResult(run.runId, o.scanner, o.signal, o.symbol),
                type: ITEM_TYPES.signal,
              }),
            ]
          : []),
      ];
    });
    await this.table.batchWrite(items);
  }

  /** One page of a run's results, optionally of one scanner. */
  async runResults(
    runId: string,
    filter: { readonly scanner?: ScannerName } = {},
    limit = 500,
    cursor?: string,
  ): Promise<Page<StoredOutcome>> {
    return this.outcomes(KEYS.resultsOf(runId, filter.scanner), limit, cursor);
  }

  /** One page of a run's results that have a signal: one scanner's, optionally of one signal. */
  async runSignals(
    runId: string,
    scanner: ScannerName,
    signal: string | undefined,
    limit: number,
    cursor?: string,
  ): Promise<Page<StoredOutcome>> {
    return this.outcomes(KEYS.signalsOf(runId, scanner, signal), limit, cursor);
  }

  /** One page of a run's results whose status is error or insufficient_data. */
  async runProblems(runId: string, limit: number, cursor?: string): Promise<Page<StoredOutcome>> {
    return this.outcomes(KEYS.problemsOf(runId), limit, cursor);
  }

  /** The forming bar a run saw for a symbol (on its result of `scanner`), if its last bar was partial. */
  async formingBar(runId: string, scanner: ScannerName, symbol: string): Promise<Bar | undefined> {
    return (await this.table.attribute(KEYS.result(runId, scanner, symbol), 'formingBar')) as Bar | undefined;
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

  private async outcomes(range: KeyRange, limit: number, cursor?: string): Promise<Page<StoredOutcome>> {
    const page = await this.table.page(range, { limit, cursor });
    return { items: page.items.map(toStoredOutcome), cursor: page.cursor };
  }
}

/** The statuses a run's detail lists per symbol. */
const PROBLEM_STATUSES: readonly OutcomeStatus[] = ['error', 'insufficient_data'];

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
