import { open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isBarClosed, newYorkDayOfMs } from '../../core/market-clock.js';
import { type EpochDay, parseIsoDay } from '../../core/trading-day.js';
import { mapWithConcurrency } from './http-client.js';
import type { BarsRequest, MarketData, SymbolBars } from './market-data.js';
import { parseYahooCsv } from './yahoo-csv.js';

/** Bytes read from the end of a file for its newest date: a few rows' worth. */
const TAIL_BYTES = 512;
/** Read again this far back when the tail held no dated row (a long last line). */
const LONG_TAIL_BYTES = 65_536;

/**
 * Reads <dir>/<SYMBOL>.csv files in Yahoo Finance's CSV format: the bundled data set. Files
 * are written after the close, so they hold complete daily bars only, with no delay.
 */
export class CsvMarketData implements MarketData {
  readonly name = 'csv';
  readonly delayMs = 0;
  readonly completeBarsOnly = true;
  private newest: Promise<EpochDay | undefined> | undefined;

  constructor(readonly dir: string) {}

  fetchDailyBars(request: BarsRequest): Promise<SymbolBars[]> {
    const asOf = servedAsOf(request);
    return Promise.all(request.symbols.map((symbol) => this.readSymbol(symbol, asOf, request.lookback)));
  }

  /**
   * The newest bar date over every <SYMBOL>.csv in the directory (undefined when it has none),
   * from the last rows of each file; computed once per instance.
   */
  newestDay(): Promise<EpochDay | undefined> {
    this.newest ??= this.findNewestDay().catch((error: unknown) => {
      this.newest = undefined; // a failed listing is tried again
      throw error;
    });
    return this.newest;
  }

  private async findNewestDay(): Promise<EpochDay | undefined> {
    const entries = await readdir(this.dir, { withFileTypes: true });
    const files = entries.filter((entry) => entry.isFile() && entry.name.toLowerCase().endsWith('.csv')).map((entry) => join(this.dir, entry.name));
    const days = await mapWithConcurrency(files, 16, lastDateOf);
    let newest: EpochDay | undefined;
    for (const day of days) if (day !== undefined && (newest === undefined || day > newest)) newest = day;
    return newest;
  }

  private async readSymbol(symbol: string, asOf: EpochDay | undefined, lookback: number): Promise<SymbolBars> {
    const file = join(this.dir, `${symbol}.csv`);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return { symbol, ok: false, code: 'unknown_symbol', reason: `no data for ${symbol}: ${symbol}.csv is not in ${this.dir}` };
      }
      return { symbol, ok: false, code: 'provider_error', reason: `cannot read ${symbol}.csv: ${(error as Error).message}` };
    }
    try {
      const { bars, issues } = parseYahooCsv(bytes, symbol, { asOf, lookback });
      return { symbol, ok: true, bars, issues };
    } catch (error) {
      return { symbol, ok: false, code: 'bad_data', reason: `${symbol}.csv: ${(error as Error).message}` };
    }
  }
}

/**
 * The newest day a file can serve for the request: its as-of, and with an instant, no later than
 * that instant's New York date, and not that date while its session is still trading (a file
 * written after the close cannot hold a session still in progress).
 */
function servedAsOf({ asOf, now }: BarsRequest): EpochDay | undefined {
  if (now === undefined) return asOf;
  const today = newYorkDayOfMs(now);
  const newest = isBarClosed(today, now, 0) ? today : today - 1;
  return asOf === undefined ? newest : Math.min(asOf, newest);
}

/** The date of a CSV's last row with prices, read from the end of the file (undefined when none). */
async function lastDateOf(path: string): Promise<EpochDay | undefined> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    for (const want of [TAIL_BYTES, LONG_TAIL_BYTES]) {
      const length = Math.min(size, want);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, size - length);
      const lines = buffer.toString('utf8').split('\n');
      // The first line of a tail that starts mid-file may be cut: it is not trusted.
      const whole = length < size ? lines.slice(1) : lines;
      for (let i = whole.length - 1; i >= 0; i--) {
        const cells = whole[i].split(',').map((cell) => cell.trim());
        // Yahoo's CSV starts with the date; a row of "null" prices is no bar.
        const day = parseIsoDay(cells[0]);
        if (!Number.isNaN(day) && cells.length > 1 && !cells.some((cell) => cell === '' || cell === 'null')) return day;
      }
      if (length === size) break;
    }
    return undefined;
  } finally {
    await handle.close();
  }
}
