import { ScanfleetError, ValidationError } from '../errors.js';
import { isSymbol } from '../scan/symbols.js';

/** A list's name: lower-case letters, digits, `_` and `-`, 1–32 characters, starting with a letter or digit. */
const LIST_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/**
 * The name a run of every list goes by (the schedules' runs, /scan-now): reserved, so that a run
 * id names either the union or one list, never both.
 */
export const ALL_LISTS = 'full';

/** The list seeded from the stack's `watchlistFile` when a deployed table has never had one. */
export const DEFAULT_LIST = 'default';

export function requireListName(name: string, parameter = 'list'): string {
  if (!LIST_NAME.test(name))
    throw new ValidationError(
      parameter,
      `${parameter} name "${name}" is not valid: 1-32 lower-case letters, digits, "_" or "-", starting with a letter or digit`,
    );
  if (name === ALL_LISTS)
    throw new ValidationError(parameter, `${parameter} name "${ALL_LISTS}" is reserved: it means every list at once`);
  return name;
}

/** How a provider spells a class share: Yahoo `BRK-B`, the others `BRK.B`. */
export type SymbolForm = 'dash' | 'dot';

export function symbolFormOf(provider: string): SymbolForm {
  return provider === 'yahoo' ? 'dash' : 'dot';
}

/** Upper case, and a class suffix in the provider's form: `brk.b`, `BRK-B` → `BRK.B` (or `BRK-B` for Yahoo). */
export function normaliseSymbol(text: string, form: SymbolForm): string | undefined {
  const symbol = text.trim().toUpperCase();
  if (!isSymbol(symbol)) return undefined;
  return form === 'dash' ? symbol.replace('.', '-') : symbol.replace('-', '.');
}

/** The symbols of an add or remove, normalised; duplicates in the request dropped and reported. */
export interface SymbolRequest {
  readonly symbols: string[];
  /** Symbols the request named more than once (after normalising). */
  readonly repeated: string[];
}

/**
 * Parses the symbols of a request (separated by spaces or commas), normalised to the provider's
 * form. Nothing, a bad symbol, or more than `maxPerAdd` is one ValidationError naming it.
 */
export function parseSymbolRequest(
  input: string | readonly string[],
  form: SymbolForm,
  maxPerAdd: number,
  parameter = 'symbols',
): SymbolRequest {
  const entries = (typeof input === 'string' ? [input] : input)
    .flatMap((entry) => entry.split(/[\s,]+/))
    .filter((entry) => entry.length > 0);
  if (entries.length === 0) throw new ValidationError(parameter, `${parameter}: give at least one symbol`);
  const bad = entries.filter((entry) => normaliseSymbol(entry, form) === undefined);
  if (bad.length > 0) {
    const shown = bad
      .slice(0, 3)
      .map((entry) => JSON.stringify(entry))
      .join(', ');
    throw new ValidationError(
      parameter,
      `${parameter}: ${shown}${bad.length > 3 ? ` and ${bad.length - 3} more` : ''} ${bad.length === 1 ? 'is not a ticker symbol' : 'are not ticker symbols'} (letters and digits, optional .X or -X class suffix)`,
    );
  }
  const symbols: string[] = [];
  const repeated: string[] = [];
  for (const entry of entries) {
    const symbol = normaliseSymbol(entry, form) as string;
    if (symbols.includes(symbol)) {
      if (!repeated.includes(symbol)) repeated.push(symbol);
    } else symbols.push(symbol);
  }
  if (symbols.length > maxPerAdd)
    throw new ValidationError(
      parameter,
      `${parameter}: ${symbols.length} symbols in one request; the limit is ${maxPerAdd} (limits.symbolsPerAdd)`,
    );
  return { symbols, repeated };
}

/** The lists' limits (config `lists`); each refusal names the one it hit. */
export interface ListLimits {
  readonly lists: number;
  readonly symbolsPerList: number;
  readonly symbolsPerAdd: number;
  /** Symbols of all lists together, each counted once. */
  readonly totalSymbols: number;
}

/** The most symbols a stack scans: the largest watchlist the scale bench measures. */
export const MAX_TOTAL_SYMBOLS = 5_000;

export const DEFAULT_LIST_LIMITS: ListLimits = {
  lists: 50,
  symbolsPerList: 1_000,
  symbolsPerAdd: 100,
  totalSymbols: MAX_TOTAL_SYMBOLS,
};

/** A run must fetch every symbol within this long. */
const FETCH_WINDOW_MINUTES = 45;

/**
 * The total a provider allows: what it fetches in 45 minutes at its pacing (a per-symbol provider
 * makes one request a symbol, `requestsPerMinute` in each of `concurrency` workers), at most
 * MAX_TOTAL_SYMBOLS and at most the configured total.
 */
export function totalSymbolLimit(
  configured: number,
  requestsPerMinute: number | undefined,
  concurrency: number,
): number {
  const fetchable =
    requestsPerMinute === undefined || !Number.isFinite(requestsPerMinute)
      ? MAX_TOTAL_SYMBOLS
      : Math.floor(requestsPerMinute * concurrency * FETCH_WINDOW_MINUTES);
  return Math.min(configured, fetchable, MAX_TOTAL_SYMBOLS);
}

/** A change to a list or subscription the rules refuse (a limit, a missing list, a stale version). */
export class ListError extends ScanfleetError {
  override readonly name = 'ListError';

  constructor(
    override readonly code: 'limit' | 'not_found' | 'conflict' | 'unknown_symbol' | 'unknown_webhook',
    readonly parameter: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The entries of a watchlist file: a text file (one symbol a line, or separated by spaces or
 * commas; `#` starts a comment) or a TradingView export (`###Section,NASDAQ:AAPL,NYSE:IBM`:
 * sections dropped, exchange prefixes removed). The entries are checked by parseSymbolRequest.
 */
export function watchlistFileEntries(text: string): string[] {
  return text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .flatMap((line) => (/^\s*#(?!##)/.test(line) ? [] : line.replace(/\s#(?!##).*$/, '').split(/[\s,]+/)))
    .filter((entry) => entry.length > 0 && !entry.startsWith('###'))
    .map((entry) => entry.replace(/^[A-Za-z_]+:/, ''));
}
