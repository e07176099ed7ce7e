import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Bars } from '../../core/scan/bars.js';
import { isBarClosed, sessionElapsed, sessionOn } from '../../core/market/market-clock.js';
import { isoDay } from '../../core/market/trading-day.js';
import type { BarsRequest, MarketData, SymbolBars } from '../../adapters/market-data/market-data.js';
import { parseYahooCsv } from '../../adapters/market-data/yahoo-csv.js';
import { partialBar } from './intraday-model.js';

/**
 * The replay's provider: the daily bars of a data directory as a live provider would have served
 * them at the request's instant. Bars after that New York date do not exist yet, and a session
 * still trading is the partial bar of the synthetic intraday model. No delay: the data is
 * "real time". Each file is parsed once for the whole replay (a local command, not a Lambda).
 */
export class ReplayMarketData implements MarketData {
  readonly name = 'replay';
  readonly delayMs = 0;
  readonly completeBarsOnly = false;
  private readonly series = new Map<string, Promise<Bars | undefined>>();

  constructor(readonly dir: string) {}

  fetchDailyBars(request: BarsRequest): Promise<SymbolBars[]> {
    return Promise.all(request.symbols.map((symbol) => this.symbolBars(symbol, request)));
  }

  /** All bars of a symbol's file, or undefined when there is no such file. */
  load(symbol: string): Promise<Bars | undefined> {
    let loaded = this.series.get(symbol);
    if (!loaded) {
      loaded = readFile(join(this.dir, `${symbol}.csv`)).then(
        (bytes) => parseYahooCsv(bytes, symbol).bars,
        () => undefined,
      );
      this.series.set(symbol, loaded);
    }
    return loaded;
  }

  private async symbolBars(symbol: string, { asOf, lookback, now }: BarsRequest): Promise<SymbolBars> {
    const all = await this.load(symbol);
    if (!all)
      return {
        symbol,
        ok: false,
        code: 'unknown_symbol',
        reason: `no data for ${symbol}: ${symbol}.csv is not in ${this.dir}`,
      };
    const instant = now ?? Date.now();
    let end = all.length;
    while (end > 0 && asOf !== undefined && all.day[end - 1] > asOf) end--;
    const last = end - 1;
    let partial: ReturnType<typeof partialBar> | undefined;
    if (last >= 0 && !isBarClosed(all.day[last], instant, 0)) {
      const session = sessionOn(all.day[last]);
      partial = session
        ? partialBar(
            {
              open: all.open[last],
              high: all.high[last],
              low: all.low[last],
              close: all.close[last],
              volume: all.volume[last],
            },
            sessionElapsed(session, instant),
            `${symbol}:${isoDay(all.day[last])}`,
          )
        : null;
      if (partial === null) end--; // nothing traded yet: no bar for the session
    }
    const start = Math.max(0, end - lookback);
    const n = end - start;
    const bars = {
      symbol,
      length: n,
      day: all.day.slice(start, end),
      open: all.open.slice(start, end),
      high: all.high.slice(start, end),
      low: all.low.slice(start, end),
      close: all.close.slice(start, end),
      volume: all.volume.slice(start, end),
    };
    if (partial && n > 0 && end - 1 === last) {
      bars.open[n - 1] = partial.open;
      bars.high[n - 1] = partial.high;
      bars.low[n - 1] = partial.low;
      bars.close[n - 1] = partial.close;
      bars.volume[n - 1] = partial.volume;
    }
    return { symbol, ok: true, bars, issues: {} };
  }
}
