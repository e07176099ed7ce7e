import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isoDay, parseIsoDay } from '../../../functions/core/market/trading-day.js';
import { CsvFormatError, parseYahooCsv } from '../../../functions/adapters/market-data/yahoo-csv.js';
import { BUNDLED_DATA_DIR } from '../../../functions/local/cli/symbol-source.js';

const HEADER = 'Date,Open,High,Low,Close,Adj Close,Volume';
const csv = (...rows: string[]) => new TextEncoder().encode([HEADER, ...rows].join('\n'));
const dates = (bars: { day: Int32Array }) => Array.from(bars.day, isoDay);

describe('Yahoo CSV parsing', () => {
  it('reads every field of every row of the bundled files exactly as Number() does', () => {
    for (const file of readdirSync(BUNDLED_DATA_DIR).filter((f) => f.endsWith('.csv'))) {
      const bytes = readFileSync(join(BUNDLED_DATA_DIR, file));
      const rows = bytes
        .toString('utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => line.split(','));
      const { bars, issues } = parseYahooCsv(bytes, file.slice(0, -4));
      expect(issues).toEqual({});
      expect(bars.length).toBe(rows.length);
      rows.forEach((cells, i) => {
        expect(isoDay(bars.day[i])).toBe(cells[0]);
        expect(bars.open[i]).toBe(Number(cells[1]));
        expect(bars.high[i]).toBe(Number(cells[2]));
        expect(bars.low[i]).toBe(Number(cells[3]));
        expect(bars.close[i]).toBe(Number(cells[4]));
        expect(bars.volume[i]).toBe(Number(cells[6]));
      });
    }
  });

  it('cuts at the as-of date and keeps the last `lookback` bars', () => {
    const bytes = readFileSync(join(BUNDLED_DATA_DIR, 'ARM.csv'));
    const { bars } = parseYahooCsv(bytes, 'ARM', { asOf: parseIsoDay('2023-10-05'), lookback: 10 });
    expect(bars.length).toBe(10);
    expect(isoDay(bars.day[9])).toBe('2023-10-05');
    expect(isoDay(bars.day[0])).toBe('2023-09-22');
    // ARM listed 2023-09-14: 16 sessions up to 2023-10-05.
    expect(parseYahooCsv(bytes, 'ARM', { asOf: parseIsoDay('2023-10-05') }).bars.length).toBe(16);
    // An as-of before the listing leaves nothing.
    expect(parseYahooCsv(bytes, 'ARM', { asOf: parseIsoDay('2023-01-02') }).bars.length).toBe(0);
  });

  it('handles the odd rows of live feeds by the documented rules, and counts them', () => {
    const { bars, issues } = parseYahooCsv(
      csv(
        '2024-01-02,10,11,9,10.5,10.5,1000',
        '2024-01-03,null,null,null,null,null,null', // a null row (Yahoo writes "null")
        '2024-01-04,10.5,11.5,10,11,11,0', // zero volume: a halt / holiday placeholder
        '2024-01-06,11,12,10,11.5,11.5,500', // a Saturday
        '2024-01-05,11,12,10,11.5,11.5,900', // fine
        '2024-01-05,11,12,10,11.8,11.8,950', // same date again: this one wins
        '2024-01-09,12,12.5,11.5,12,12,1200', // fine, but …
        '2024-01-08,11.5,12.2,11,12.1,12.1,1100', // … this one comes after it: out of order, kept
        '2024-01-10,NaN,13,12,12.5,12.5,800', // NaN price
        '2024-01-11,12,13,12,-1,-1,800', // negative close
        '2024-01-12,12,11,13,12,12,800', // high below low
        '2024-01-15,12,13,12,15,15,800', // close far above high
        '2024-01-16,12,13,11,12.5,12.5,', // missing volume
        '2024-01-17,12,13', // truncated row
        'not-a-date,12,13,11,12.5,12.5,800',
        '2024-02-30,12,13,11,12.5,12.5,800', // no such day
        '2024-01-18,12,13,11,12.5,12.5,1300', // fine
      ),
      'ODD',
    );
    expect(dates(bars)).toEqual(['2024-01-02', '2024-01-05', '2024-01-08', '2024-01-09', '2024-01-18']);
    expect(bars.close[1]).toBe(11.8);
    expect(bars.volume[1]).toBe(950);
    expect(bars.close[2]).toBe(12.1);
    expect(issues).toEqual({
      invalid_price: 3,
      zero_volume: 1,
      weekend: 1,
      duplicate_date: 1,
      out_of_order: 1,
      inconsistent_range: 2,
      invalid_volume: 1,
      malformed: 3,
    });
  });

  it('accepts CRLF line ends, a trailing newline, spaces, a BOM and reordered columns', () => {
    const text =
      '\uFEFFDate,Volume,Close,Low,High,Open\r\n2024-01-02, 1000 ,10.5,9,11,10\r\n2024-01-03,2000,1.05e1,9,11,10\r\n';
    const { bars, issues } = parseYahooCsv(new TextEncoder().encode(text), 'X');
    expect(issues).toEqual({});
    expect(dates(bars)).toEqual(['2024-01-02', '2024-01-03']);
    expect(Array.from(bars.volume)).toEqual([1000, 2000]);
    expect(Array.from(bars.close)).toEqual([10.5, 10.5]);
  });

  it('rejects a file that is not a Yahoo daily CSV, naming the missing columns', () => {
    expect(() => parseYahooCsv(new TextEncoder().encode('date,price\n2024-01-02,10'), 'X')).toThrow(CsvFormatError);
    expect(() => parseYahooCsv(new TextEncoder().encode('Date,Open,High,Low\n'), 'X')).toThrow(
      'header lacks Close, Volume',
    );
  });

  it('gives an empty series for a header-only file', () => {
    expect(parseYahooCsv(new TextEncoder().encode(HEADER), 'X').bars.length).toBe(0);
  });
});
