import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvField, toCsv } from '../../../functions/local/csv.js';
import { parseCsv } from '../../helpers/csv.js';

describe('csvField', () => {
  it('leaves a plain field alone and quotes one with a comma, a quote, CR or LF', () => {
    expect(csvField('')).toBe('');
    expect(csvField('AAPL')).toBe('AAPL');
    expect(csvField('191.559998')).toBe('191.559998');
    expect(csvField('16 bars, macd needs at least 35')).toBe('"16 bars, macd needs at least 35"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('a\nb')).toBe('"a\nb"');
    expect(csvField('a\rb')).toBe('"a\rb"');
    expect(csvField('"')).toBe('""""');
  });
});

describe('toCsv', () => {
  it('ends every record in CRLF', () => {
    expect(
      toCsv([
        ['symbol', 'signal'],
        ['GE', 'buy'],
        ['MDB', ''],
      ]),
    ).toBe('symbol,signal\r\nGE,buy\r\nMDB,\r\n');
    expect(toCsv([])).toBe('');
  });

  it('round-trips random fields through an RFC 4180 reader', () => {
    const field = fc.oneof(
      fc.string({ unit: fc.constantFrom('a', 'Z', '1', ' ', ',', '"', '\r', '\n', '.', '-', 'é', '—') }),
      fc.string(),
    );
    const records = fc
      .integer({ min: 1, max: 6 })
      .chain((width) => fc.array(fc.array(field, { minLength: width, maxLength: width }), { maxLength: 8 }));
    fc.assert(
      fc.property(records, (rows) => {
        expect(parseCsv(toCsv(rows))).toEqual(rows);
      }),
      { numRuns: 500 },
    );
  });
});
