import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLED_DATA_DIR } from '../../functions/local/cli/symbol-source.js';
import { runCliAsync } from '../helpers/cli.js';
import { useEmbeddedStore } from '../helpers/store.js';
import { tempDir } from '../helpers/temp-dir.js';

// The real `scanfleet watchlist` in a child process, against a persisted local store (--db) and a
// table by name (--table) on a DynamoDB-compatible server on loopback; symbols are checked with the
// csv provider's files.
const db = useEmbeddedStore();
const env = { USER: 'dana' };
const watchlist = (args: string[], extra: NodeJS.ProcessEnv = {}) =>
  runCliAsync(['watchlist', ...args], { ...env, ...extra });

describe('scanfleet watchlist', () => {
  it('adds, shows, lists, removes and exports the lists of a local store, and scan --db then scans them', async () => {
    const dir = tempDir('lists');
    const added = await watchlist(['add', 'semis', 'NVDA', 'amd,nvda', '--db', dir]);
    expect(added).toEqual({
      status: 0,
      stdout: 'added 2 symbols to semis (NVDA AMD); named twice (NVDA). semis has 2 symbols (version 1).\n',
      stderr: '',
    });
    expect((await watchlist(['add', 'semis', 'AMD', 'INTC', '--db', dir])).stdout).toBe(
      'added 1 symbol to semis (INTC); already on it (AMD). semis has 3 symbols (version 2).\n',
    );
    expect((await watchlist(['show', 'semis', '--db', dir])).stdout).toBe('AMD\nINTC\nNVDA\n');
    const ls = await watchlist(['ls', '--db', dir]);
    expect(ls.stdout.split('\n').slice(0, 3)).toEqual([
      'List   Symbols  Version  Changed by  Changed at',
      '─────  ───────  ───────  ──────────  ────────────────────────',
      expect.stringMatching(/^semis {8}3 {8}2 {2}dana \(CLI\) {2}\d{4}-\d\d-\d\dT[\d:.]+Z$/),
    ]);
    // The same as one JSON document, and as CSV (a row per list, its symbols space-separated).
    const lsJson = JSON.parse((await watchlist(['ls', '--db', dir, '--json'])).stdout) as {
      lists: { name: string; symbols: string[]; version: number; updatedBy: string; updatedAt: string }[];
    };
    expect(lsJson.lists).toEqual([
      expect.objectContaining({ name: 'semis', symbols: ['AMD', 'INTC', 'NVDA'], version: 2, updatedBy: 'dana (CLI)' }),
    ]);
    const changedAt = lsJson.lists[0].updatedAt;
    expect((await watchlist(['ls', '--db', dir, '--format', 'csv'])).stdout).toBe(
      `list,version,updatedBy,updatedAt,symbols\r\nsemis,2,dana (CLI),${changedAt},AMD INTC NVDA\r\n`,
    );
    expect((await watchlist(['show', 'semis', '--db', dir, '--format', 'csv'])).stdout).toBe(
      'symbol\r\nAMD\r\nINTC\r\nNVDA\r\n',
    );
    expect(JSON.parse((await watchlist(['show', 'semis', '--db', dir, '--format', 'json'])).stdout)).toEqual(
      lsJson.lists[0],
    );
    expect((await watchlist(['rm', 'semis', 'INTC', 'TSLA', '--db', dir])).stdout).toBe(
      'removed 1 symbol from semis (INTC); not on it (TSLA). semis has 2 symbols (version 3).\n',
    );
    expect((await watchlist(['export', 'semis', '--db', dir])).stdout).toBe('AMD,NVDA\n');

    // The store's lists are what a scan of it covers: AMD's squeeze fired on 2024-02-29.
    const scan = await runCliAsync(['scan', '--db', dir, '--as-of', '2024-02-29', '--json']);
    expect(scan.status, scan.stderr).toBe(0);
    const document = JSON.parse(scan.stdout) as {
      runId: string;
      symbols: string[];
      results: { symbol: string; scanner: string; signal: string | null }[];
    };
    expect(document.runId).toMatch(/-full-asof20240229$/);
    expect(document.symbols.sort()).toEqual(['AMD', 'NVDA']);
    expect(document.results.filter((r) => r.scanner === 'ttm-squeeze').map((r) => [r.symbol, r.signal])).toContainEqual(
      ['AMD', 'fired_long'],
    );
  }, 90_000);

  it('imports a text file and a TradingView export, replacing the list', async () => {
    const dir = tempDir('import');
    const text = join(dir, 'mine.txt');
    writeFileSync(text, '# my swing list\nAAPL\nmsft, nvda # chips\n\nAAPL\n');
    expect((await watchlist(['import', 'swing', text, '--db', dir])).stdout).toBe(
      `swing now has the 3 symbols of ${text} (a new list), version 1.\n`,
    );
    const tradingView = join(dir, 'tv.txt');
    writeFileSync(tradingView, '###TECH,NASDAQ:AAPL,NASDAQ:GOOGL,###ENERGY,NYSE:XOM');
    expect((await watchlist(['import', 'swing', tradingView, '--db', dir])).stdout).toBe(
      `swing now has the 3 symbols of ${tradingView} (2 added, 2 removed), version 2.\n`,
    );
    expect((await watchlist(['show', 'swing', '--db', dir])).stdout).toBe('AAPL\nGOOGL\nXOM\n');
  }, 60_000);

  it('normalises a class share to the provider’s form and refuses a symbol the provider does not know, in its words', async () => {
    const dir = tempDir('symbols');
    const data = tempDir('data');
    copyFileSync(join(BUNDLED_DATA_DIR, 'AAPL.csv'), join(data, 'BRK.B.csv'));
    copyFileSync(join(BUNDLED_DATA_DIR, 'MSFT.csv'), join(data, 'MSFT.csv'));
    expect((await watchlist(['add', 'value', 'brk-b', '--db', dir, '--data', data])).stdout).toBe(
      'added 1 symbol to value (BRK.B). value has 1 symbol (version 1).\n',
    );
    const unknown = await watchlist(['add', 'value', 'MSFT', 'ZZZZ', '--db', dir, '--data', data]);
    expect(unknown).toEqual({
      status: 1,
      stdout: '',
      stderr: 'scanfleet: unknown symbol: no data for ZZZZ: ZZZZ.csv is not in the data directory; nothing changed\n',
    });
    expect((await watchlist(['show', 'value', '--db', dir])).stdout).toBe('BRK.B\n');
  }, 60_000);

  it('refuses bad input in one line, changing nothing: exit 2 for a malformed request, 1 for a refusal', async () => {
    const dir = tempDir('bad');
    await watchlist(['add', 'semis', 'NVDA', '--db', dir]);
    const cases: [string[], number, string][] = [
      [
        ['add', 'Semis', 'NVDA'],
        2,
        'list name "Semis" is not valid: 1-32 lower-case letters, digits, "_" or "-", starting with a letter or digit',
      ],
      [['add', 'full', 'NVDA'], 2, 'list name "full" is reserved: it means every list at once'],
      [['add', 'semis'], 2, 'watchlist add needs at least one symbol after the list name'],
      [
        ['add', 'semis', 'NV$A'],
        2,
        'symbols: "NV$A" is not a ticker symbol (letters and digits, optional .X or -X class suffix)',
      ],
      [
        ['add', 'semis', ...Array.from({ length: 200 }, (_, i) => `S${i}`)],
        2,
        'symbols: 200 symbols in one request; the limit is 100 (limits.symbolsPerAdd)',
      ],
      [['rm', 'nope', 'AAPL'], 1, 'no list named nope'],
      [['show', 'nope'], 1, 'no list named nope'],
      [['sort', 'semis'], 2, 'unknown watchlist action "sort"; choose from ls, show, add, rm, import, export'],
    ];
    for (const [args, status, message] of cases) {
      const run = await watchlist([...args, '--db', dir]);
      expect({ status: run.status, stderr: run.stderr, stdout: run.stdout }, args.join(' ')).toEqual({
        status,
        stderr: `scanfleet: ${message}\n`,
        stdout: '',
      });
    }
    const neither = await watchlist(['ls']);
    expect([neither.status, neither.stderr]).toEqual([
      2,
      'scanfleet: watchlist needs one of --db DIR (a local store) or --table NAME (a deployed stack’s table)\n',
    ]);
    expect((await watchlist(['show', 'semis', '--db', dir])).stdout).toBe('NVDA\n');
  }, 90_000);

  it('changes a table by name (--table), as against a deployed stack', async () => {
    const endpoint = { DYNAMODB_ENDPOINT: db.store().endpoint };
    const table = db.store().tableName;
    expect((await watchlist(['add', 'semis', 'NVDA', 'AMD', '--table', table], endpoint)).status).toBe(0);
    expect((await watchlist(['show', 'semis', '--table', table], endpoint)).stdout).toBe('AMD\nNVDA\n');
    const missing = await watchlist(['ls', '--table', 'no-such-table'], endpoint);
    expect([missing.status, missing.stderr]).toEqual([
      1,
      'scanfleet: there is no table "no-such-table" here: check --table and the AWS region (AWS_REGION)\n',
    ]);
  }, 60_000);
});
