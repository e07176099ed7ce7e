import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Bars, BarSeriesBuilder } from '../../functions/core/scan/bars.js';
import { parseIsoDay } from '../../functions/core/market/trading-day.js';
import { parseYahooCsv } from '../../functions/adapters/market-data/yahoo-csv.js';
import { BUNDLED_DATA_DIR } from '../../functions/local/cli/symbol-source.js';

export interface SeriesSpec {
  close: number[];
  /** Defaults: high = close + 1, low = close − 1, open = close, volume = 1,000. */
  high?: number[];
  low?: number[];
  volume?: number[];
  /** First bar's date; later bars go on weekdays. Default 2024-01-01 (a Monday). */
  start?: string;
}

/** Builds a weekday series from plain arrays, through the same builder the providers use. */
export function barsFrom(spec: SeriesSpec, symbol = 'TEST'): Bars {
  const n = spec.close.length;
  const builder = new BarSeriesBuilder(symbol, n);
  let day = parseIsoDay(spec.start ?? '2024-01-01');
  for (let i = 0; i < n; i++) {
    while ((((day + 4) % 7) + 7) % 7 === 0 || (((day + 4) % 7) + 7) % 7 === 6) day++;
    const close = spec.close[i];
    const high = spec.high?.[i] ?? close + 1;
    const low = spec.low?.[i] ?? close - 1;
    builder.push(day, close, high, low, close, spec.volume?.[i] ?? 1000);
    day++;
  }
  return builder.build();
}

/** A bundled symbol's bars as the scan sees them: the last `lookback` bars up to `asOf`. */
export async function bundledBars(symbol: string, asOf: string, lookback: number): Promise<Bars> {
  const bytes = await readFile(join(BUNDLED_DATA_DIR, `${symbol}.csv`));
  return parseYahooCsv(bytes, symbol, { asOf: parseIsoDay(asOf), lookback }).bars;
}
