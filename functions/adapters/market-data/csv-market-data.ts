import { open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isBarClosed, newYorkDayOfMs } from '../../core/market/market-clock.js';
import type { EpochDay } from '../../core/market/trading-day.js';
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
    const files = entries
      .filter((entry) => entry.isFile() && entry.name.toLowerCase().endsWith('.csv'))
      .map((entry) => join(this.dir, entry.name));
    const days = await mapWithConcurrency(files, 16, lastDateOf);
    let newest: EpochDay | undefined;
    for (const day of days) if (day !== undefined && (newest === undefined || day > newest)) newest = day;
    return newest;
  }

  /** Reasons name the file, never its directory: they reach the API's answers (a chart's 404). */
  private async readSymbol(symbol: string, asOf: EpochDay | undefined, lookback: number): Promise<SymbolBars> {
    const file = join(this.dir, `${symbol}.csv`);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(file);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        return {
          symbol,
          ok: false,
          code: 'unknown_symbol',
          reason: `no data for ${symbol}: ${symbol}.csv is not in the data directory`,
        };
      }
      return {
        symbol,
        ok: false,
        code: 'provider_error',
        reason: `cannot read ${symbol}.csv (${(error as NodeJS.ErrnoException).code ?? 'unknown error'})`,
      };
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

/**
 * The date of a CSV's newest bar, from the end of the file: its header and its last whole rows
 * go through the same parser and row rules as a scan (a row of nulls, zero volume or a weekend
 * date is no bar). Undefined when the tail holds no bar.
 */
async function lastDateOf(path: string): Promise<EpochDay | undefined> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(Math.min(size, 512));
    await handle.read(head, 0, head.length, 0);
    const headerEnd = head.indexOf(0x0a);
    const header = head.subarray(0, headerEnd < 0 ? head.length : headerEnd + 1);
    for (const want of [TAIL_BYTES, LONG_TAIL_BYTES]) {
      const length = Math.min(size - header.length, want);
      const tail = Buffer.alloc(Math.max(0, length));
      await handle.read(tail, 0, tail.length, size - tail.length);
      // A tail that starts mid-file begins with a cut row: it is left out.
      const whole = tail.length < size - header.length ? tail.subarray(tail.indexOf(0x0a) + 1) : tail;
      const { bars } = parseYahooCsv(Buffer.concat([header, whole]), 'tail');
      if (bars.length > 0) return bars.day[bars.length - 1];
      if (tail.length >= size - header.length) break;
    }
    return undefined;
  } catch {
    return undefined; // not a Yahoo CSV: it holds no bar to count
  } finally {
    await handle.close();
  }
}
