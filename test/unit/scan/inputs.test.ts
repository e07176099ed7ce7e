import { describe, expect, it } from 'vitest';
import { splitIntoBatches } from '../../../functions/core/run/batching.js';
import { ValidationError } from '../../../functions/core/errors.js';
import { parseScannerNames, parseSignalNames, planScan } from '../../../functions/core/scan/scanners.js';
import { parseWatchlist, requireSymbol } from '../../../functions/core/scan/symbols.js';
import { isoDay, isWeekend, parseIsoDay, requireIsoDay } from '../../../functions/core/market/trading-day.js';

describe('dates', () => {
  it('round-trips calendar dates and rejects impossible ones', () => {
    expect(isoDay(parseIsoDay('2024-02-29'))).toBe('2024-02-29');
    expect(parseIsoDay('1970-01-01')).toBe(0);
    for (const bad of ['2023-02-29', '2024-13-01', '2024-1-5', '20240105', 'yesterday', ''])
      expect(parseIsoDay(bad)).toBeNaN();
    expect(() => requireIsoDay('2024-02-30', '--as-of')).toThrow(
      '--as-of must be a real date as YYYY-MM-DD, got "2024-02-30"',
    );
  });

  it('knows Saturdays and Sundays', () => {
    expect(['2024-01-05', '2024-01-06', '2024-01-07', '2024-01-08'].map((d) => isWeekend(parseIsoDay(d)))).toEqual([
      false,
      true,
      true,
      false,
    ]);
  });
});

describe('symbols and watchlists', () => {
  it('accepts tickers with class suffixes and upper-cases them', () => {
    expect(requireSymbol(' brk.b ')).toBe('BRK.B');
    expect(requireSymbol('BF-B')).toBe('BF-B');
    for (const bad of ['../etc/passwd', 'AAPL;DROP', '', 'TOOLONGSYMBOL', '1ABC'])
      expect(() => requireSymbol(bad)).toThrow(ValidationError);
  });

  it('reads one symbol a line or comma-separated, skipping comments, blanks and duplicates', () => {
    expect(parseWatchlist('# megacaps\nAAPL\n\nmsft, nvda\nAAPL  # again\r\n')).toEqual(['AAPL', 'MSFT', 'NVDA']);
  });

  it('rejects an empty watchlist and names invalid entries', () => {
    expect(() => parseWatchlist('# nothing here\n\n')).toThrow('watchlist is empty: no symbols in it');
    expect(() => parseWatchlist('AAPL\nno way\n$$$')).toThrow('watchlist has 2 invalid symbol(s): "no way", "$$$"');
  });
});

describe('scanner selection and batching', () => {
  it('parses scanner lists and rejects unknown names', () => {
    expect(parseScannerNames('vpb, macd,vpb')).toEqual(['vpb', 'macd']);
    expect(() => parseScannerNames('macd,rsi', '--scanners')).toThrow(
      'unknown scanner "rsi"; choose from macd, ttm-squeeze, vpb',
    );
    expect(() => parseScannerNames(' , ', '--scanners')).toThrow('--scanners is empty');
  });

  it('parses signal lists against the chosen scanners’ definitions and names the valid ones', () => {
    expect(parseSignalNames('fired_long, buy,fired_long', ['macd', 'ttm-squeeze', 'vpb'])).toEqual([
      'fired_long',
      'buy',
    ]);
    expect(() => parseSignalNames('fired_long,rocket', ['macd', 'ttm-squeeze', 'vpb'], '--signal')).toThrow(
      'unknown signal "rocket"; choose from bullish_cross, bearish_cross, squeeze_on, fired_long, fired_short, buy, sell',
    );
    expect(() => parseSignalNames('squeeze_on', ['macd'], '--signal')).toThrow(
      '--signal: "squeeze_on" is a ttm-squeeze signal, and ttm-squeeze is not among the scanners of this scan; choose from bullish_cross, bearish_cross',
    );
    expect(() => parseSignalNames(' , ', ['vpb'], '--signal')).toThrow('--signal is empty; choose from buy, sell');
  });

  it('fetches at least what the hungriest scanner and the 50-day breadth need', () => {
    expect(planScan().lookback).toBe(150);
    expect(planScan(['vpb'], {}, 10).lookback).toBe(50);
    expect(planScan(['vpb'], { vpb: { lookback: 80 } }, 10).lookback).toBe(81);
    expect(() => planScan(['vpb'], { macd: { fastPeriod: 5 } })).toThrow('parameters given for macd');
  });

  it('splits 150 symbols into 5 batches of 30, and 31 into 30 + 1', () => {
    const symbols = Array.from({ length: 150 }, (_, i) => `S${i}`);
    expect(splitIntoBatches(symbols).map((b) => b.length)).toEqual([30, 30, 30, 30, 30]);
    expect(splitIntoBatches(symbols.slice(0, 31)).map((b) => b.length)).toEqual([30, 1]);
    expect(splitIntoBatches([])).toEqual([]);
  });
});
