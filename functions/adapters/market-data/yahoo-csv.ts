import { type Bars, BarSeriesBuilder, type RowIssueCounts, type SeriesWindow } from '../../core/scan/bars.js';
import { epochDayOf } from '../../core/market/trading-day.js';
import { ScanfleetError } from '../../core/errors.js';

export class CsvFormatError extends ScanfleetError {
  override readonly name = 'CsvFormatError';
  override readonly code = 'csv_format';
}

const REQUIRED = ['Date', 'Open', 'High', 'Low', 'Close', 'Volume'] as const;
const COMMA = 0x2c;
const NEWLINE = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const ZERO = 0x30;
const MINUS = 0x2d;
const PLUS = 0x2b;
const DOT = 0x2e;
const utf8 = new TextDecoder();
// Doubles represent every integer below 2^53 and every power of ten up to 1e22 exactly, so one
// division of the two is the correctly rounded value: the same double as Number(text).
const EXACT_POWERS = Array.from({ length: 23 }, (_, k) => 10 ** k);
const MAX_EXACT_MANTISSA = 2 ** 53;

/**
 * Parses Yahoo Finance's daily CSV (Date,Open,High,Low,Close,Adj Close,Volume) straight from
 * its bytes into columnar bars: no string per line or cell, so a batch leaves little garbage.
 * Split-adjusted OHLC is used as is; "Adj Close" (also dividend-adjusted) is ignored so that
 * close stays consistent with high and low. Cells such as "null" become NaN, and the row rules
 * of BarSeriesBuilder decide what is kept.
 */
export function parseYahooCsv(
  bytes: Uint8Array,
  symbol: string,
  window: SeriesWindow = {},
): { bars: Bars; issues: RowIssueCounts } {
  let headerEnd = bytes.indexOf(NEWLINE);
  if (headerEnd < 0) headerEnd = bytes.length;
  const header = utf8
    .decode(bytes.subarray(0, headerEnd))
    .replace(/^\uFEFF/, '')
    .split(',')
    .map((h) => h.trim());
  const column = REQUIRED.map((name) => header.indexOf(name));
  const missing = REQUIRED.filter((_, i) => column[i] < 0);
  if (missing.length > 0) throw new CsvFormatError(`not a Yahoo daily CSV: header lacks ${missing.join(', ')}`);
  // Field index → 0 date, 1..5 open/high/low/close/volume, -1 ignored.
  const role = new Int8Array(header.length).fill(-1);
  column.forEach((c, r) => (role[c] = r));

  let lines = 0;
  for (let i = headerEnd; i < bytes.length; i++) if (bytes[i] === NEWLINE) lines++;
  const builder = new BarSeriesBuilder(symbol, lines + 1);
  const row = new Float64Array(6);

  let pos = headerEnd + 1;
  while (pos < bytes.length) {
    let end = bytes.indexOf(NEWLINE, pos);
    if (end < 0) end = bytes.length;
    const lineEnd = end > pos && bytes[end - 1] === CR ? end - 1 : end;
    if (lineEnd > pos) {
      row.fill(Number.NaN);
      let field = 0;
      let start = pos;
      for (let i = pos; i <= lineEnd; i++) {
        if (i < lineEnd && bytes[i] !== COMMA) continue;
        const r = field < role.length ? role[field] : -1;
        if (r === 0) row[0] = parseDate(bytes, start, i);
        else if (r > 0) row[r] = parseDecimal(bytes, start, i);
        field++;
        start = i + 1;
      }
      if (field < header.length) builder.note('malformed');
      else builder.push(row[0], row[1], row[2], row[3], row[4], row[5]);
    }
    pos = end + 1;
  }
  return { bars: builder.build(window), issues: builder.issues };
}

/** YYYY-MM-DD → epoch day, NaN for anything else. */
function parseDate(bytes: Uint8Array, start: number, end: number): number {
  while (start < end && bytes[start] === SPACE) start++;
  while (end > start && bytes[end - 1] === SPACE) end--;
  if (end - start !== 10 || bytes[start + 4] !== MINUS || bytes[start + 7] !== MINUS) return Number.NaN;
  return epochDayOf(digits(bytes, start, 4), digits(bytes, start + 5, 2), digits(bytes, start + 8, 2));
}

/** `count` decimal digits from `from` as a number, NaN if any is not a digit (no closure: this runs for every row). */
function digits(bytes: Uint8Array, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i++) {
    const d = bytes[i] - ZERO;
    if (d < 0 || d > 9) return Number.NaN;
    value = value * 10 + d;
  }
  return value;
}

/** A plain decimal (sign, digits, one dot) the fast way; anything else through Number(). */
function parseDecimal(bytes: Uint8Array, start: number, end: number): number {
  while (start < end && bytes[start] === SPACE) start++;
  while (end > start && bytes[end - 1] === SPACE) end--;
  if (start === end) return Number.NaN;
  let i = start;
  const negative = bytes[i] === MINUS;
  if (negative || bytes[i] === PLUS) i++;
  let mantissa = 0;
  let fractionDigits = 0;
  let seenDot = false;
  let digitCount = 0;
  for (; i < end; i++) {
    const b = bytes[i];
    if (b === DOT && !seenDot) {
      seenDot = true;
      continue;
    }
    const d = b - ZERO;
    if (d < 0 || d > 9) return Number(utf8.decode(bytes.subarray(start, end)));
    mantissa = mantissa * 10 + d;
    digitCount++;
    if (seenDot) fractionDigits++;
  }
  if (digitCount === 0) return Number.NaN;
  if (mantissa >= MAX_EXACT_MANTISSA || fractionDigits >= EXACT_POWERS.length) {
    return Number(utf8.decode(bytes.subarray(start, end)));
  }
  const value = mantissa / EXACT_POWERS[fractionDigits];
  return negative ? -value : value;
}
