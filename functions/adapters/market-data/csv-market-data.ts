import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BarsRequest, MarketData, SymbolBars } from './market-data.js';
import { parseYahooCsv } from './yahoo-csv.js';

/** Reads <dir>/<SYMBOL>.csv files in Yahoo Finance's CSV format: the bundled data set. */
export class CsvMarketData implements MarketData {
  readonly name = 'csv';

  constructor(readonly dir: string) {}

  fetchDailyBars(request: BarsRequest): Promise<SymbolBars[]> {
    return Promise.all(request.symbols.map((symbol) => this.readSymbol(symbol, request)));
  }

  private async readSymbol(symbol: string, { asOf, lookback }: BarsRequest): Promise<SymbolBars> {
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
