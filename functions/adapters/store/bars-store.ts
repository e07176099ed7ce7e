import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { allocateBars, type Bars, sliceBars } from '../../core/scan/bars.js';
import { isoDay, parseIsoDay } from '../../core/market/trading-day.js';
import type { Table } from './table.js';
import { ITEM_TYPES, KEYS } from './table-schema.js';

/**
 * Bytes a bar takes in the `bars` attribute: the day as Int32 epoch days, open/high/low/close as
 * Float32 (7 significant digits: a cent up to $100,000) and the volume as Float64 (exact).
 */
export const BAR_BYTES = 4 + 4 * 4 + 8;

/**
 * Each symbol's closed bars as the worker fetched them, one item per last closed bar date, so the
 * chart reads them (one item, no provider call) as of any retained run. Kept as long as results.
 */
export class BarsStore {
  constructor(
    private readonly table: Table,
    private readonly retentionDays: number,
  ) {}

  /** One item per symbol, keyed by its last bar (BatchWriteItem, 25 a call); bars are closed bars only. */
  async writeBars(series: readonly Bars[]): Promise<void> {
    const expiresAt = this.table.expiry(this.retentionDays);
    await this.table.batchWrite(
      series
        .filter((bars) => bars.length > 0)
        .map((bars) => ({
          PutRequest: {
            Item: {
              ...KEYS.bars(bars.symbol, isoDay(bars.day[bars.length - 1])),
              type: ITEM_TYPES.bars,
              symbol: bars.symbol,
              bars: encodeBars(bars),
              expiresAt,
            },
          },
        })),
    );
  }

  /**
   * The newest cached bars of a symbol whose last bar is on or before `through` (YYYY-MM-DD; the
   * newest of all without it), with any bar after `through` cut: one eventually consistent item.
   */
  async closedBars(symbol: string, through?: string): Promise<Bars | undefined> {
    const range = KEYS.barsOf(symbol);
    const { Items } = await this.table.client.send(
      new QueryCommand({
        TableName: this.table.name,
        KeyConditionExpression: through === undefined ? 'pk = :pk' : 'pk = :pk AND sk <= :through',
        ExpressionAttributeValues: { ':pk': range.pk, ...(through !== undefined && { ':through': through }) },
        ScanIndexForward: false,
        Limit: 1,
      }),
    );
    const item = Items?.[0];
    if (!item || this.table.expired(item)) return undefined;
    const bars = decodeBars(symbol, item.bars as Uint8Array);
    if (through === undefined) return bars;
    const last = parseIsoDay(through);
    let end = bars.length;
    while (end > 0 && bars.day[end - 1] > last) end--;
    return sliceBars(bars, 0, end);
  }
}

/** Column after column, little-endian: volume (Float64), day (Int32), open, high, low, close (Float32). */
export function encodeBars(bars: Bars): Uint8Array {
  const n = bars.length;
  const view = new DataView(new ArrayBuffer(n * BAR_BYTES));
  for (let i = 0; i < n; i++) {
    view.setFloat64(i * 8, bars.volume[i], true);
    view.setInt32(n * 8 + i * 4, bars.day[i], true);
    view.setFloat32(n * 12 + i * 4, bars.open[i], true);
    view.setFloat32(n * 16 + i * 4, bars.high[i], true);
    view.setFloat32(n * 20 + i * 4, bars.low[i], true);
    view.setFloat32(n * 24 + i * 4, bars.close[i], true);
  }
  return new Uint8Array(view.buffer);
}

export function decodeBars(symbol: string, bytes: Uint8Array): Bars {
  if (bytes.length % BAR_BYTES !== 0)
    throw new Error(`cached bars of ${symbol} are ${bytes.length} bytes, not a multiple of ${BAR_BYTES}`);
  const n = bytes.length / BAR_BYTES;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bars = allocateBars(symbol, n);
  for (let i = 0; i < n; i++) {
    bars.volume[i] = view.getFloat64(i * 8, true);
    bars.day[i] = view.getInt32(n * 8 + i * 4, true);
    bars.open[i] = price(view.getFloat32(n * 12 + i * 4, true));
    bars.high[i] = price(view.getFloat32(n * 16 + i * 4, true));
    bars.low[i] = price(view.getFloat32(n * 20 + i * 4, true));
    bars.close[i] = price(view.getFloat32(n * 24 + i * 4, true));
  }
  return bars;
}

/** A Float32 price back to the decimal it was (151.37, not 151.3699951171875): 7 significant digits. */
function price(value: number): number {
  return Number(value.toPrecision(7));
}
