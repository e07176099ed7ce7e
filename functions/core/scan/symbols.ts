import { ValidationError } from '../errors.js';

/** Exchange tickers: AAPL, BRK.B, BF-B, 1-6 letters/digits and an optional class suffix. */
const SYMBOL = /^[A-Z][A-Z0-9]{0,5}(?:[.-][A-Z0-9]{1,3})?$/;

export function isSymbol(text: string): boolean {
  return SYMBOL.test(text);
}

/** Upper-cases and checks one symbol; a bad one is a ValidationError naming the parameter. */
export function requireSymbol(text: string, parameter = 'symbol'): string {
  const symbol = text.trim().toUpperCase();
  if (!isSymbol(symbol)) {
    throw new ValidationError(
      parameter,
      `${parameter} "${text}" is not a ticker symbol (letters and digits, optional .X or -X class suffix)`,
    );
  }
  return symbol;
}

/**
 * Parses a watchlist: one symbol a line (or comma-separated), blank lines and # comments
 * ignored, duplicates dropped keeping the first. Empty or invalid → ValidationError.
 */
export function parseWatchlist(text: string, parameter = 'watchlist'): string[] {
  const symbols = new Set<string>();
  const bad: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    for (const entry of line.replace(/#.*/, '').split(',')) {
      const candidate = entry.trim().toUpperCase();
      if (candidate.length === 0) continue;
      if (isSymbol(candidate)) symbols.add(candidate);
      else bad.push(entry.trim());
    }
  }
  if (bad.length > 0) {
    const shown = bad
      .slice(0, 5)
      .map((b) => `"${b}"`)
      .join(', ');
    throw new ValidationError(
      parameter,
      `${parameter} has ${bad.length} invalid symbol(s): ${shown}${bad.length > 5 ? ' …' : ''}`,
    );
  }
  if (symbols.size === 0) throw new ValidationError(parameter, `${parameter} is empty: no symbols in it`);
  return [...symbols];
}
