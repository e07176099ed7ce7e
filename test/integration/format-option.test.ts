import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { parseCsv } from '../helpers/csv.js';
import { tempDir } from '../helpers/temp-dir.js';

/** A scan's run id names the second it ran: left out where two runs are compared. */
const withoutRunId = (text: string) => {
  const { runId: _, ...rest } = JSON.parse(text) as Record<string, unknown>;
  return rest;
};

// Every command with --json takes --format json as the same thing; the ones without a CSV refuse it.
describe.each([
  ['scan', () => ['scan', '--symbols', 'AAPL,GE', '--as-of', '2024-03-08'], ['table', 'json', 'csv']],
  ['scorecard', () => ['scorecard', '--symbols', 'AAPL,GE', '--horizons', '1,5'], ['table', 'json', 'csv']],
  [
    'replay',
    () => {
      const dir = tempDir('replay-format');
      writeFileSync(join(dir, 'list.txt'), 'AAPL\nGE\n');
      return [
        'replay',
        ...['--from', '2024-03-08', '--to', '2024-03-08', '--now', '2024-03-09T00:00:00Z'],
        ...['--watchlist', join(dir, 'list.txt')],
      ];
    },
    ['table', 'json'],
  ],
])('scanfleet %s --format', (_, args, formats) => {
  it('json prints what --json prints', () => {
    const base = args();
    const format = runCli([...base, '--format', 'json']);
    const json = runCli([...base, '--json']);
    expect(format.status, format.stderr).toBe(0);
    expect(withoutRunId(format.stdout)).toEqual(withoutRunId(json.stdout));
    expect(Object.keys(withoutRunId(format.stdout)).length).toBeGreaterThan(2);
  });

  it('refuses a format it does not print, naming the ones it does, in one line', () => {
    const run = runCli([...args(), '--format', 'xml']);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`scanfleet: --format must be one of ${formats.join(', ')}, got "xml"\n`);
  });
});

describe('scanfleet scorecard --format csv', () => {
  it('prints a header row, then the JSON rows, nothing else', () => {
    const args = ['scorecard', '--symbols', 'AAPL,GE', '--horizons', '1,5'];
    const csv = runCli([...args, '--format', 'csv']);
    expect(csv.status).toBe(0);
    expect(csv.stderr).toBe('');
    const { rows } = JSON.parse(runCli([...args, '--json']).stdout) as { rows: Record<string, unknown>[] };
    const [header, ...records] = parseCsv(csv.stdout);
    expect(header).toEqual([
      'scanner',
      'signal',
      'horizon',
      'count',
      'missing',
      'meanReturnPct',
      'medianReturnPct',
      'hitRatePct',
      'excessReturnPct',
    ]);
    expect(rows.length).toBe(14);
    expect(records).toEqual(rows.map((row) => header.map((column) => String(row[column] ?? ''))));
    // squeeze_on has no direction: its hit rate is an empty field.
    expect(records.find((r) => r[1] === 'squeeze_on')?.[7]).toBe('');
  });

  it('is refused with --backfill, which prints its summary first', () => {
    const run = runCli(['scorecard', '--backfill', '--db', tempDir('backfill-csv'), '--format', 'csv']);
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(
      'scanfleet: --backfill prints its summary before the scorecard: give --format table or json\n',
    );
  });
});
