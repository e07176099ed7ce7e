import { describe, expect, it } from 'vitest';
import {
  normaliseSymbol,
  parseSymbolRequest,
  requireListName,
  symbolFormOf,
  totalSymbolLimit,
  watchlistFileEntries,
} from '../../../functions/core/lists/watchlist-rules.js';

describe('the watchlists’ rules', () => {
  it('takes list names of 1-32 lower-case letters, digits, _ and -, and reserves "full"', () => {
    for (const name of ['a', 'semis', 'swing_2024', 'x'.repeat(32), '0dte']) expect(requireListName(name)).toBe(name);
    for (const name of ['', 'Semis', '-x', '_x', 'x'.repeat(33), 'a b', 'semis!', 'full'])
      expect(() => requireListName(name), name).toThrow(/^list name "/);
  });

  it('spells a class share as the provider does: Yahoo BRK-B, the others BRK.B', () => {
    expect(['csv', 'schwab', 'alpaca', 'yahoo'].map((p) => [p, symbolFormOf(p)])).toEqual([
      ['csv', 'dot'],
      ['schwab', 'dot'],
      ['alpaca', 'dot'],
      ['yahoo', 'dash'],
    ]);
    expect(['brk.b', 'BRK-B', ' Brk.B '].map((s) => normaliseSymbol(s, 'dot'))).toEqual(['BRK.B', 'BRK.B', 'BRK.B']);
    expect(['brk.b', 'BRK-B'].map((s) => normaliseSymbol(s, 'dash'))).toEqual(['BRK-B', 'BRK-B']);
    expect(['', 'NV$A', '1ABC', 'TOOLONGX', 'A.BCDE'].map((s) => normaliseSymbol(s, 'dot'))).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('splits a request on spaces and commas, reports repeats, and refuses nothing, bad symbols or too many', () => {
    expect(parseSymbolRequest(['nvda, amd', 'NVDA  brk-b'], 'dot', 100)).toEqual({
      symbols: ['NVDA', 'AMD', 'BRK.B'],
      repeated: ['NVDA'],
    });
    expect(() => parseSymbolRequest(' , ', 'dot', 100)).toThrow('symbols: give at least one symbol');
    expect(() => parseSymbolRequest('AAPL $$ ^VIX a/b c?d', 'dot', 100)).toThrow(
      'symbols: "$$", "^VIX", "a/b" and 1 more are not ticker symbols',
    );
    const many = Array.from({ length: 101 }, (_, i) => `S${i}`);
    expect(() => parseSymbolRequest(many, 'dot', 100)).toThrow(
      'symbols: 101 symbols in one request; the limit is 100 (limits.symbolsPerAdd)',
    );
  });

  it('reads text files and TradingView exports', () => {
    expect(watchlistFileEntries('\uFEFF# mine\nAAPL\r\nmsft, nvda # chips\n\n')).toEqual(['AAPL', 'msft', 'nvda']);
    expect(watchlistFileEntries('###TECH,NASDAQ:AAPL,NASDAQ:GOOGL,###ENERGY,NYSE:XOM\n')).toEqual([
      'AAPL',
      'GOOGL',
      'XOM',
    ]);
  });

  it('holds the total to what the provider fetches in 45 minutes, at most 5,000', () => {
    // Schwab's 50 requests a minute in each of 2 workers: 4,500 in 45 minutes.
    expect(totalSymbolLimit(5_000, 50, 2)).toBe(4_500);
    expect(totalSymbolLimit(5_000, 100, 2)).toBe(5_000);
    expect(totalSymbolLimit(1_200, 100, 2)).toBe(1_200);
    expect(totalSymbolLimit(9_000, undefined, 2)).toBe(5_000);
    expect(totalSymbolLimit(9_000, Number.POSITIVE_INFINITY, 2)).toBe(5_000);
  });
});
