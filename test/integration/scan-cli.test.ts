import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { parseCsv } from '../helpers/csv.js';
import { tempDir } from '../helpers/temp-dir.js';

interface Result {
  symbol: string;
  scanner: string;
  status: string;
  signal: string | null;
  values: Record<string, unknown> | null;
  barDate?: string;
  partial?: boolean;
  reason?: string;
}

const PACKAGE_VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
const reference = JSON.parse(
  readFileSync(new URL('../fixtures/reference-signals-2024-01-19.json', import.meta.url), 'utf8'),
) as {
  signals: Record<string, Record<string, string>>;
  aboveSma50: number;
};

describe('scanfleet scan --json --as-of 2024-01-19', () => {
  const run = runCli(['scan', '--json', '--as-of', '2024-01-19']);
  const doc = JSON.parse(run.stdout) as {
    asOf: string;
    symbols: string[];
    scanners: string[];
    results: Result[];
    summary: { breadth: { aboveSma50: number; measured: number } };
  };

  it('exits 0 and prints one JSON document with one entry per symbol and scanner', () => {
    expect(run.status).toBe(0);
    expect(doc.asOf).toBe('2024-01-19');
    expect(doc.symbols).toHaveLength(150);
    expect(doc.scanners).toEqual(['macd', 'ttm-squeeze', 'vpb']);
    expect(doc.results).toHaveLength(450);
    const keys = new Set(doc.results.map((r) => `${r.symbol}/${r.scanner}`));
    expect(keys.size).toBe(450);
    for (const symbol of doc.symbols)
      for (const scanner of doc.scanners) expect(keys.has(`${symbol}/${scanner}`)).toBe(true);
    expect(doc.results.every((r) => r.status === 'ok')).toBe(true);
  });

  it('finds exactly the signals an independent Python implementation finds', () => {
    for (const scanner of ['macd', 'ttm-squeeze', 'vpb']) {
      const found = Object.fromEntries(
        doc.results.filter((r) => r.scanner === scanner && r.signal !== null).map((r) => [r.symbol, r.signal]),
      );
      expect(found, scanner).toEqual(reference.signals[scanner]);
    }
    expect(doc.summary.breadth.aboveSma50).toBe(reference.aboveSma50);
    expect(doc.summary.breadth.measured).toBe(150);
  });

  it('carries the values a trader reads', () => {
    const aapl = doc.results.find((r) => r.symbol === 'AAPL' && r.scanner === 'macd');
    expect(aapl?.values).toMatchObject({ price: 191.559998, trend: 'bearish' });
    expect(aapl?.values?.histogram).toBeCloseTo(0.2025574909452239, 9);
  });
});

describe('scanfleet scan (tables)', () => {
  it('prints a table per scanner, the breadth line and the summary for all 150 symbols', () => {
    const run = runCli(['scan']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^macd — .*: \d+ signals?$/m);
    expect(run.stdout).toMatch(/^ttm-squeeze — .*: \d+ signals?$/m);
    expect(run.stdout).toMatch(/^vpb — .*: \d+ signals?$/m);
    expect(run.stdout).toMatch(/^Symbol\s+Signal\s+Price\s+Chg %\s+MACD\s+Signal line\s+Histogram\s+Trend$/m);
    // The 2024-03-08 breakouts pinned in the vpb unit test.
    expect(run.stdout).toMatch(/^GE\s+buy\s+167\.96\s+\+0\.88\s+171\s+breakout_20d_high/m);
    expect(run.stdout).toMatch(/^MDB\s+sell\s+383\.42\s+-6\.94\s+363\s+breakdown_20d_low/m);
    expect(run.stdout).toMatch(/^Market breadth: \d+\/150 above their 50-day SMA/m);
    expect(run.stdout).toMatch(
      /^Run \d{8}T\d{6}Z-default: scanned 150 symbols as of 2024-03-08 · signals: macd \d+.* · 0 with errors, 0 with insufficient data · [\d.]+ s · peak RSS \d+ MB$/m,
    );
    // Not a terminal: no progress line, no colour codes.
    expect(run.stderr).toBe('');
    expect(run.stdout).not.toContain('\u001b[');
  });

  it('accounts for short histories and unknown symbols instead of failing the run', () => {
    const run = runCli(['scan', '--symbols', 'ARM,kvue,ZZZZ', '--as-of', '2023-10-05', '--json']);
    expect(run.status).toBe(0);
    const { results } = JSON.parse(run.stdout) as { results: Result[] };
    expect(results.map((r) => [r.symbol, r.scanner, r.status, r.reason])).toEqual([
      ['ARM', 'macd', 'insufficient_data', '16 bars, macd needs at least 35'],
      ['ARM', 'ttm-squeeze', 'insufficient_data', '16 bars, ttm-squeeze needs at least 40'],
      ['ARM', 'vpb', 'insufficient_data', '16 bars, vpb needs at least 21'],
      ['KVUE', 'macd', 'ok', undefined],
      ['KVUE', 'ttm-squeeze', 'ok', undefined],
      ['KVUE', 'vpb', 'ok', undefined],
      ['ZZZZ', 'macd', 'error', expect.stringMatching(/^no data for ZZZZ: ZZZZ\.csv is not in /)],
      ['ZZZZ', 'ttm-squeeze', 'error', expect.stringMatching(/^no data for ZZZZ/)],
      ['ZZZZ', 'vpb', 'error', expect.stringMatching(/^no data for ZZZZ/)],
    ]);
    const tables = runCli(['scan', '--symbols', 'ARM,ZZZZ', '--as-of', '2023-10-05']);
    expect(tables.stdout).toContain('Symbols without a full result (2):');
    expect(tables.stdout).toContain(
      '  ARM: insufficient data — 16 bars, macd needs at least 35; insufficient data — 16 bars, ttm-squeeze needs at least 40',
    );
    expect(tables.stdout).toMatch(
      /Run \d{8}T\d{6}Z-symbols-asof20231005: scanned 2 symbols as of 2023-10-05 .* 1 with errors, 1 with insufficient data/,
    );
  });

  it('scans a data directory with odd rows and reports what the row rules set aside', () => {
    const dir = tempDir('odd');
    const rows = ['Date,Open,High,Low,Close,Adj Close,Volume'];
    const start = Date.UTC(2024, 0, 1);
    for (let i = 0, day = 0; i < 60; day++) {
      const date = new Date(start + day * 86_400_000);
      if (date.getUTCDay() === 0 || date.getUTCDay() === 6) continue;
      const close = 100 + i;
      rows.push(`${date.toISOString().slice(0, 10)},${close},${close + 1},${close - 1},${close},${close},${1000 + i}`);
      i++;
    }
    rows.push('2024-03-30,200,201,199,200,200,5000'); // a Saturday
    rows.push('2024-03-29,160,161,159,160,160,0'); // zero volume
    rows.push('2024-03-28,null,null,null,null,null,null');
    writeFileSync(join(dir, 'ODD.csv'), rows.join('\n'));
    writeFileSync(join(dir, 'watchlist.txt'), 'ODD\n');
    const run = runCli(['scan', '--data', dir, '--json']);
    expect(run.status).toBe(0);
    const doc = JSON.parse(run.stdout) as { asOf: string; results: Result[]; dataIssues: Record<string, number> };
    expect(doc.dataIssues).toEqual({ invalid_price: 1, zero_volume: 1, weekend: 1 });
    // The odd rows are gone: the last bar is the 60th weekday, 2024-03-22, close 159.
    expect(doc.asOf).toBe('2024-03-22');
    expect(doc.results.find((r) => r.scanner === 'vpb')?.values?.price).toBe(159);
    const tables = runCli(['scan', '--data', dir]);
    expect(tables.stdout).toContain('Data rows set aside by the row rules: 1 invalid_price, 1 zero_volume, 1 weekend');
  });
});

describe('scanfleet scan of a symbol whose data stops early', () => {
  it('reports it stale, naming its last bar, when the data set goes on to a later session', () => {
    const dir = tempDir('stale');
    const series = (until: string) => {
      const rows = ['Date,Open,High,Low,Close,Adj Close,Volume'];
      for (let day = Date.UTC(2023, 9, 2); day <= Date.parse(until); day += 86_400_000) {
        const date = new Date(day);
        if (date.getUTCDay() === 0 || date.getUTCDay() === 6) continue;
        rows.push(`${date.toISOString().slice(0, 10)},100,101,99,100,100,1000`);
      }
      return rows.join('\n');
    };
    writeFileSync(join(dir, 'LIVE.csv'), series('2024-03-22'));
    writeFileSync(join(dir, 'HALT.csv'), series('2024-03-20'));
    writeFileSync(join(dir, 'watchlist.txt'), 'LIVE\nHALT\n');
    const doc = JSON.parse(runCli(['scan', '--data', dir, '--json']).stdout) as { asOf: string; results: Result[] };
    expect(doc.asOf).toBe('2024-03-22');
    expect(doc.results.filter((r) => r.symbol === 'LIVE').map((r) => r.status)).toEqual(['ok', 'ok', 'ok']);
    expect(doc.results.filter((r) => r.symbol === 'HALT').map((r) => [r.status, r.reason])).toEqual(
      Array(3).fill(['error', 'stale: the last bar is 2024-03-20, the last closed session 2024-03-22']),
    );
    // As of its last day, it is current.
    const asOf = JSON.parse(runCli(['scan', '--data', dir, '--as-of', '2024-03-20', '--json']).stdout) as {
      results: Result[];
    };
    expect(asOf.results.every((r) => r.status === 'ok')).toBe(true);
  });
});

describe('scanfleet scan --now over the bundled files', () => {
  it('has no bar of a session still trading (files hold closed days only), and the closed day from 16:00', () => {
    const at = (instant: string) =>
      JSON.parse(runCli(['scan', '--symbols', 'GE,MDB,DDOG', '--now', instant, '--json']).stdout) as {
        asOf: string;
        results: Result[];
      };
    const midday = at('2024-03-08T12:30:00-05:00');
    expect(midday.asOf).toBe('2024-03-07');
    expect(midday.results.every((r) => r.status === 'ok' && r.barDate === '2024-03-07' && r.partial === false)).toBe(
      true,
    );
    const close = at('2024-03-08T16:00:00-05:00');
    expect(close.results.every((r) => r.barDate === '2024-03-08' && r.partial === false)).toBe(true);
    // What a scan as of that day finds.
    const asOf = JSON.parse(runCli(['scan', '--symbols', 'GE,MDB,DDOG', '--as-of', '2024-03-08', '--json']).stdout) as {
      results: Result[];
    };
    expect(close.results.map((r) => [r.symbol, r.scanner, r.signal])).toEqual(
      asOf.results.map((r) => [r.symbol, r.scanner, r.signal]),
    );
  });
});

describe('scanfleet scan --format csv', () => {
  const args = ['scan', '--symbols', 'ARM,KVUE,ZZZZ', '--as-of', '2023-10-05'];
  const csv = runCli([...args, '--format', 'csv']);
  const json = runCli([...args, '--format', 'json']);
  const { results } = JSON.parse(json.stdout) as { results: Result[] };
  const [header, ...rows] = parseCsv(csv.stdout);

  it('prints only CSV on stdout: a header row, then one row per result, as the JSON results', () => {
    expect(csv.status).toBe(0);
    expect(csv.stderr).toBe('');
    expect(csv.stdout.endsWith('\r\n')).toBe(true);
    const valueKeys = [...new Set(results.flatMap((r) => Object.keys(r.values ?? {})))].sort();
    expect(valueKeys).toContain('histogram');
    expect(header).toEqual(['symbol', 'scanner', 'status', 'signal', 'barDate', 'partial', 'reason', ...valueKeys]);
    expect(rows).toHaveLength(9);
    const field = (value: unknown) => (value === null || value === undefined ? '' : String(value));
    expect(rows).toEqual(
      results.map((r) => [
        r.symbol,
        r.scanner,
        r.status,
        field(r.signal),
        field(r.barDate),
        field(r.partial),
        field(r.reason),
        ...valueKeys.map((key) => field(r.values?.[key])),
      ]),
    );
  });

  it('quotes a field with a comma and leaves absent values empty', () => {
    expect(csv.stdout).toContain(
      '\r\nARM,macd,insufficient_data,,2023-10-05,false,"16 bars, macd needs at least 35",,',
    );
    const kvue = rows.find((r) => r[0] === 'KVUE' && r[1] === 'macd') as string[];
    expect(kvue.slice(0, 6)).toEqual(['KVUE', 'macd', 'ok', '', '2023-10-05', 'false']);
    expect(Number(kvue[header.indexOf('price')])).toBe(results.find((r) => r.symbol === 'KVUE')?.values?.price);
    // A macd row has no squeeze values: empty fields, not "null".
    expect(kvue[header.indexOf('momentum')]).toBe('');
  });

  it('--json is --format json', () => {
    const alias = JSON.parse(runCli([...args, '--json']).stdout) as Record<string, unknown>;
    const { runId: _a, ...withoutId } = alias;
    const { runId: _b, ...formatWithoutId } = JSON.parse(json.stdout) as Record<string, unknown>;
    expect(withoutId).toEqual(formatWithoutId);
  });
});

describe('scanfleet scan --signal', () => {
  const args = ['scan', '--symbols', 'GE,MDB,AAPL,NVDA,ARM', '--as-of', '2024-03-08'];

  it('prints only the results with those signals; the summary counts the whole run', () => {
    const all = JSON.parse(runCli([...args, '--json']).stdout) as { results: Result[]; summary: unknown };
    const run = runCli([...args, '--json', '--signal', 'buy,sell,fired_long']);
    expect(run.status).toBe(0);
    const doc = JSON.parse(run.stdout) as { results: Result[]; summary: { signals: Record<string, unknown> } };
    expect(doc.results.map((r) => [r.symbol, r.scanner, r.signal])).toEqual([
      ['GE', 'vpb', 'buy'],
      ['MDB', 'vpb', 'sell'],
    ]);
    expect(doc.results).toEqual(all.results.filter((r) => ['buy', 'sell', 'fired_long'].includes(r.signal ?? '')));
    expect(doc.summary).toEqual(all.summary);
    expect(doc.summary.signals['ttm-squeeze']).toEqual({ squeeze_on: 1 });
  });

  it('narrows the tables and the CSV rows alike', () => {
    const tables = runCli([...args, '--signal', 'sell']);
    expect(tables.status).toBe(0);
    expect(tables.stdout).not.toMatch(/^macd — /m);
    expect(tables.stdout).not.toMatch(/^ttm-squeeze — /m);
    expect(tables.stdout).toMatch(/^vpb — .*: 1 signal$/m);
    expect(tables.stdout).toMatch(/^MDB\s+sell\s+383\.42/m);
    expect(tables.stdout).not.toMatch(/^GE\s+buy/m);
    // The run's summary line: its signals, not the filter's.
    expect(tables.stdout).toMatch(/signals: macd \d+.*, ttm-squeeze 1 \(1 squeeze_on\), vpb 2 \(1 buy, 1 sell\)/);
    const rows = parseCsv(runCli([...args, '--format', 'csv', '--signal', 'squeeze_on']).stdout);
    expect(rows.slice(1).map((r) => r.slice(0, 4))).toEqual([['ARM', 'ttm-squeeze', 'ok', 'squeeze_on']]);
  });
});

describe('scanfleet scan with bad arguments', () => {
  const cases: [string, string[], RegExp][] = [
    [
      'an unknown scanner',
      ['--scanners', 'macd,rsi'],
      /^scanfleet: unknown scanner "rsi"; choose from macd, ttm-squeeze, vpb$/,
    ],
    [
      'a bad date',
      ['--as-of', '2024-02-30'],
      /^scanfleet: --as-of must be a real date as YYYY-MM-DD, got "2024-02-30"$/,
    ],
    [
      'a missing data directory',
      ['--data', '/nonexistent/prices'],
      /^scanfleet: --data: directory not found: \/nonexistent\/prices$/,
    ],
    ['an empty symbol list', ['--symbols', ' , '], /^scanfleet: --symbols is empty: no symbols in it$/],
    [
      'a missing watchlist file',
      ['--watchlist', '/nonexistent/list.txt'],
      /^scanfleet: --watchlist: file not found: \/nonexistent\/list\.txt$/,
    ],
    ['an unknown option', ['--fast'], /^scanfleet: Unknown option '--fast'/],
    [
      'both --watchlist and --symbols',
      ['--watchlist', 'x', '--symbols', 'AAPL'],
      /^scanfleet: give either --watchlist or --symbols, not both$/,
    ],
    [
      'a bad parameter override',
      ['--set', 'macd.fastPeriod=30'],
      /^scanfleet: macd\.fastPeriod \(30\) must be shorter than macd\.slowPeriod \(26\)$/,
    ],
    ['a malformed override', ['--set', 'fast=3'], /^scanfleet: --set must look like SCANNER\.KEY=NUMBER/],
    ['a bad lookback', ['--lookback', '0'], /^scanfleet: --lookback must be a whole number ≥ 1, got "0"$/],
    [
      'a lookback shorter than the scanners need',
      ['--lookback', '20'],
      /^scanfleet: --lookback 20 is too short: these scanners and the breadth line's 50-day average need at least 50 bars$/,
    ],
    ['an unknown format', ['--format', 'xml'], /^scanfleet: --format must be one of table, json, csv, got "xml"$/],
    [
      '--json with another format',
      ['--json', '--format', 'csv'],
      /^scanfleet: --json is --format json: give one of --json and --format csv$/,
    ],
    ['--top as CSV', ['--top', '5', '--format', 'csv'], /^scanfleet: --top prints a table or JSON, not CSV/],
    [
      'an unknown signal',
      ['--signal', 'fired_long,moon'],
      /^scanfleet: unknown signal "moon"; choose from bullish_cross, bearish_cross, squeeze_on, fired_long, fired_short, buy, sell$/,
    ],
    [
      'a signal of a scanner not in the scan',
      ['--scanners', 'vpb', '--signal', 'squeeze_on'],
      /^scanfleet: --signal: "squeeze_on" is a ttm-squeeze signal, and ttm-squeeze is not among the scanners of this scan; choose from buy, sell$/,
    ],
    [
      'an instant without its zone',
      ['--now', '2024-03-08T12:30:00'],
      /^scanfleet: --now must be an ISO-8601 instant with Z or an offset \(e\.g\. 2024-03-08T12:30:00-05:00\), got "2024-03-08T12:30:00"$/,
    ],
    [
      'an instant and an as-of of different days',
      ['--now', '2024-03-08T02:00:00Z', '--as-of', '2024-03-08'],
      /^scanfleet: --now 2024-03-08T02:00:00Z is 2024-03-07 in New York but --as-of is 2024-03-08: give one, or the same day$/,
    ],
  ];

  it.each(cases)('rejects %s with exit 2 and one line naming the problem', (_, args, message) => {
    const run = runCli(['scan', ...args]);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(run.stderr.trimEnd()).toMatch(message);
  });

  it('rejects an empty watchlist file', () => {
    const dir = tempDir('empty');
    writeFileSync(join(dir, 'list.txt'), '# nothing yet\n');
    const run = runCli(['scan', '--watchlist', join(dir, 'list.txt')]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/is empty: no symbols in it/);
  });

  it('exits 1 with one line naming the data’s dates when no symbol could be scanned: an as-of past or before the data', () => {
    for (const [asOf, counts] of [
      ['2030-01-01', '2 with errors, 0 short of data'],
      ['2020-01-01', '0 with errors, 2 short of data'],
    ]) {
      const run = runCli(['scan', '--symbols', 'AAPL,MSFT', '--as-of', asOf, '--json']);
      expect(run.status, asOf).toBe(1);
      expect(run.stderr).toBe(
        `scanfleet: no symbol was scanned as of ${asOf}: ${counts}; the data (AAPL.csv) runs from 2022-08-05 to 2024-03-08\n`,
      );
      // The run happened and its results are still printed.
      expect((JSON.parse(run.stdout) as { results: Result[] }).results).toHaveLength(6);
    }
  });

  it('prints its version', () => {
    const run = runCli(['--version']);
    expect(run).toEqual({ status: 0, stdout: `scanfleet ${PACKAGE_VERSION}\n`, stderr: '' });
  });

  it('rejects an unknown command and prints help on request', () => {
    expect(runCli(['scna']).stderr).toBe('scanfleet: unknown command "scna"; run "scanfleet --help"\n');
    const help = runCli(['scan', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('--as-of YYYY-MM-DD');
  });
});
