import { isScannerName, SCANNERS, type ScannerName } from '../core/scan/scanners.js';
import { isSymbol } from '../core/scan/symbols.js';
import { parseHorizons } from '../core/scorecard/horizons.js';
import { decodeCursor } from '../adapters/store/cursor.js';
import { type ApiRequest, HttpError } from './http.js';

/** Query and path parameters, checked strictly: a bad one is a 400 (or 404) naming it. */
export function allowQuery(request: ApiRequest, allowed: string[]): void {
  for (const key of Object.keys(request.query)) {
    if (!allowed.includes(key)) {
      throw new HttpError(
        400,
        'bad_parameter',
        `unknown query parameter "${key.slice(0, 40)}"${allowed.length > 0 ? `; allowed: ${allowed.join(', ')}` : ''}`,
        key.slice(0, 40),
      );
    }
  }
}

/** A count of items to answer: `limit` unless another parameter is named. */
export function parseLimit(text: string | undefined, fallback: number, max = 500, parameter = 'limit'): number {
  if (text === undefined) return fallback;
  const limit = Number(text);
  if (!/^\d{1,4}$/.test(text) || limit < 1 || limit > max)
    throw new HttpError(400, 'bad_parameter', `${parameter} must be a whole number from 1 to ${max}`, parameter);
  return limit;
}

/** `horizon`: one scorecard horizon, sessions in 1–250 (parseHorizons' checks and messages); undefined when absent. */
export function parseHorizon(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const horizons = parseHorizons(text, 'horizon');
  if (horizons.length > 1)
    throw new HttpError(400, 'bad_parameter', 'horizon is one number of sessions, e.g. 10', 'horizon');
  return horizons[0];
}

/**
 * A cursor that decodes but is no key of this query (tampered with, or from another route) is a
 * 400 like any bad cursor: every key attribute of the table is a string, and a key the table
 * refuses comes back as a ValidationException.
 */
export async function withCursor<T>(
  cursor: string | undefined,
  query: (cursor: string | undefined) => Promise<T>,
): Promise<T> {
  const invalid = (cause?: unknown) =>
    new HttpError(
      400,
      'bad_parameter',
      'cursor is not valid: pass back the cursor of a previous page unchanged',
      'cursor',
      { cause },
    );
  if (cursor !== undefined && !Object.values(decodeCursor(cursor) ?? {}).every((value) => typeof value === 'string'))
    throw invalid();
  try {
    return await query(cursor);
  } catch (error) {
    if (cursor !== undefined && (error as { name?: unknown }).name === 'ValidationException') throw invalid(error);
    throw error;
  }
}

export function requireScanner(name: string): ScannerName {
  if (!isScannerName(name))
    throw new HttpError(
      404,
      'unknown_scanner',
      `no scanner "${name.slice(0, 40)}"; scanners: ${Object.keys(SCANNERS).join(', ')}`,
      'scanner',
    );
  return name;
}

export function requireSymbolParam(text: string): string {
  const symbol = text.toUpperCase();
  if (!isSymbol(symbol))
    throw new HttpError(
      400,
      'bad_parameter',
      'symbol must be a ticker (letters and digits, optional .X or -X class suffix)',
      'symbol',
    );
  return symbol;
}

export function notFound(path: string): HttpError {
  return new HttpError(404, 'not_found', `no route for ${path.slice(0, 100)}`);
}
