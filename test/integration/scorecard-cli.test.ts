import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, runCliAsync } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';
import { createDocumentClient } from '../../functions/adapters/store/dynamodb-client.js';
import { openStores } from '../../functions/adapters/store/stores.js';
import { startEmbeddedStore } from '../../functions/local/embedded-store.js';
import { configureLocalEnvironment } from '../../functions/local/local-pipeline.js';
import { type ProviderServer, startYahooServer } from '../helpers/provider-servers.js';

interface Document {
  from: string;
  to: string;
  horizons: number[];
  symbols: string[];
  rows: {
    scanner: string;
    signal: string;
    horizon: number;
    count: number;
    missing: number;
    meanReturnPct: number | null;
    medianReturnPct: number | null;
    hitRatePct: number | null;
    excessReturnPct: number | null;
  }[];
  baseline: { horizon: number; count: number; meanReturnPct: number | null; upRatePct: number | null }[];
}

// Computed by test/fixtures/scorecard_reference.py (plain Python from the definitions).
const reference = JSON.parse(
  readFileSync(new URL('../fixtures/scorecard-reference.json', import.meta.url), 'utf8'),
) as { default: Document; restricted: Document };

describe('scanfleet scorecard --json on the bundled data', () => {
  it('prints exactly what the independent Python reference computes: 150 symbols, horizons 1, 5, 10, 20', () => {
    const run = runCli(['scorecard', '--json']);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    const doc = JSON.parse(run.stdout) as Document;
    expect(doc.symbols).toHaveLength(150);
    expect(doc.rows).toHaveLength(7 * 4);
    expect(doc).toEqual(reference.default);
  });

  it('does so for a range, other horizons and two scanners too', () => {
    const run = runCli([
      'scorecard',
      '--json',
      '--scanners',
      'vpb,macd',
      '--horizons',
      '60,3',
      '--from',
      '2023-06-01',
      '--to',
      '2023-12-29',
    ]);
    expect(run.status, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout) as Document;
    expect(doc).toMatchObject({ from: '2023-06-01', to: '2023-12-29', horizons: [3, 60] });
    expect(doc).toEqual(reference.restricted);
  });
});

describe('scanfleet scorecard (table)', () => {
  const run = runCli(['scorecard', '--symbols', 'AAPL,MSFT,NVDA,GE,MDB', '--horizons', '1,10']);
  const lines = run.stdout.trimEnd().split('\n');

  it('prints a row per scanner × signal, a column group per horizon, the baseline last, and the reading', () => {
    expect(run.status, run.stderr).toBe(0);
    expect(lines[0]).toBe(
      "Scorecard: 5 symbols, sessions 2022-09-30 … 2024-03-08: returns from each session's close to the close h sessions later",
    );
    expect(lines[1]).toMatch(/^ {20,}1 session ─+ {2}10 sessions ─+$/);
    expect(lines[2]).toMatch(
      /^Scanner +Signal +n +mean % +median % +hit % +excess % +n +mean % +median % +hit % +excess %$/,
    );
    expect(lines.slice(4, 12).map((line) => line.split(/ +/).slice(0, 2).join(' '))).toEqual([
      'macd bullish_cross',
      'macd bearish_cross',
      'ttm-squeeze squeeze_on',
      'ttm-squeeze fired_long',
      'ttm-squeeze fired_short',
      'vpb buy',
      'vpb sell',
      'all baseline',
    ]);
    expect(lines[13]).toMatch(/beat the baseline at every horizon|^No signal beat the baseline at every horizon\.$/);
    expect(lines).toHaveLength(14);
  });

  it('shows the JSON document’s figures, rounded to 2 decimals (1 for hit rates)', () => {
    const doc = JSON.parse(
      runCli(['scorecard', '--symbols', 'AAPL,MSFT,NVDA,GE,MDB', '--horizons', '1,10', '--json']).stdout,
    ) as Document;
    const signed = (v: number | null) => (v === null ? '–' : `${v > 0 ? '+' : ''}${v.toFixed(2)}`);
    const buy = doc.rows.filter((r) => r.signal === 'buy');
    const expected = buy.flatMap((r) => [
      String(r.count),
      signed(r.meanReturnPct),
      signed(r.medianReturnPct),
      r.hitRatePct === null ? '–' : r.hitRatePct.toFixed(1),
      signed(r.excessReturnPct),
    ]);
    expect(lines[9].split(/ +/).slice(2)).toEqual(expected);
    const base = doc.baseline;
    expect(lines[11].split(/ +/).slice(2)).toEqual(
      base.flatMap((b) => [
        b.count.toLocaleString('en-US'),
        signed(b.meanReturnPct),
        '–',
        b.upRatePct?.toFixed(1),
        '–',
      ]),
    );
  });

  it('prints its options on --help', () => {
    const help = runCli(['scorecard', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('Usage: scanfleet scorecard [options]');
    expect(help.stdout).toContain('--horizons LIST');
    expect(runCli(['--help']).stdout).toMatch(/^ {2}scorecard +what happened after each signal/m);
  });
});

describe('scanfleet scorecard: bad input exits 2 with one line naming it', () => {
  it.each([
    [['--from', '2024-03-01', '--to', '2024-02-01'], '--from 2024-03-01 is after --to 2024-02-01'],
    [['--from', '2030-01-01'], 'no session on or after 2030-01-01 has enough bars for the chosen scanners'],
    [
      ['--from', '2024-03-09', '--to', '2024-03-10'],
      'no session in 2024-03-09 … 2024-03-10 has enough bars for the chosen scanners',
    ],
    [['--to', '2022-09-29'], 'no session on or before 2022-09-29 has enough bars for the chosen scanners'],
    [['--from', '2024-02-30'], '--from must be a real date as YYYY-MM-DD, got "2024-02-30"'],
    [['--horizons', '5d'], '--horizons must be comma-separated whole numbers of sessions (e.g. 1,5,10,20), got "5d"'],
    [['--horizons', '1,5,0'], '--horizons: 0 is outside 1–250 sessions'],
    [['--horizons', '20,251'], '--horizons: 251 is outside 1–250 sessions'],
    [['--scanners', 'rsi'], 'unknown scanner "rsi"; choose from macd, ttm-squeeze, vpb'],
    [['--provider', 'nasdaq'], '--provider must be one of csv, schwab, alpaca, yahoo, got "nasdaq"'],
    [
      ['--symbols', 'ZZZZ,QQQQ'],
      '--provider csv served no history for any of the 2 symbols (no data for ZZZZ: ZZZZ.csv is not in the data directory)',
    ],
  ])('%j', (args, message) => {
    const run = runCli(['scorecard', ...args]);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`scanfleet: ${message}\n`);
  });
});

describe('scanfleet scorecard --provider yahoo', () => {
  let yahoo: ProviderServer;
  beforeAll(async () => {
    yahoo = await startYahooServer();
  });
  afterAll(() => yahoo.close());
  const env = () => ({ PROVIDER_REQUESTS_PER_MINUTE: 'Infinity', YAHOO_BASE_URL: yahoo.url });

  it('fetches each symbol’s full history over HTTP and scores it as the bundled files do, leaving out a symbol it lacks', async () => {
    const args = ['scorecard', '--json', '--horizons', '1,20'];
    const run = await runCliAsync([...args, '--provider', 'yahoo', '--symbols', 'AAPL,ZZZZ,ARM,MDB'], env());
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^scanfleet: ZZZZ left out: Yahoo does not know ZZZZ.*\n$/);
    const csv = JSON.parse((await runCliAsync([...args, '--symbols', 'AAPL,ARM,MDB'])).stdout) as Document;
    const doc = JSON.parse(run.stdout) as Document;
    expect(doc.symbols).toEqual(['AAPL', 'ARM', 'MDB']);
    expect(doc.baseline[0].count).toBeGreaterThan(600);
    expect(doc).toEqual(csv);
  });

  it('exits 2 naming the provider when it has history for none of the symbols', async () => {
    const run = await runCliAsync(['scorecard', '--provider', 'yahoo', '--symbols', 'ZZZZ'], env());
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      /^scanfleet: --provider yahoo served no history for any of the 1 symbols \(Yahoo does not know ZZZZ.*\)\n$/,
    );
  });
});

describe('scanfleet scorecard --backfill', () => {
  it('records the history into a store, progress on stderr, and adds nothing when run again', async () => {
    const db = tempDir('backfill');
    const args = ['scorecard', '--backfill', '--db', db, '--symbols', 'AAPL,KO', '--horizons', '1,5', '--json'];
    const first = await runCliAsync(args);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stderr).toMatch(
      /^scanfleet: backfill 2\/2 symbols: \d+ sessions and \d+ observations written, \d+ added\n$/,
    );
    const [summary, ...json] = first.stdout.split('\n');
    expect(summary).toMatch(
      /^Backfilled the local store in .*: \d+ sessions and \d+ new observations written, \d+ returns/,
    );
    const card = JSON.parse(json.join('\n')) as Document;
    const cli = JSON.parse(
      runCli(['scorecard', '--symbols', 'AAPL,KO', '--horizons', '1,5', '--json']).stdout,
    ) as Document;
    expect(card.baseline).toEqual(cli.baseline);
    expect(card.rows.map((r) => [r.signal, r.horizon, r.count, r.missing, r.meanReturnPct, r.hitRatePct])).toEqual(
      cli.rows.map((r) => [r.signal, r.horizon, r.count, r.missing, r.meanReturnPct, r.hitRatePct]),
    );
    const again = await runCliAsync(args);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/0 new observations written, 0 returns and observations added/);
    expect(JSON.parse(again.stdout.split('\n').slice(1).join('\n'))).toEqual(card);
  }, 120_000);

  it('writes a deployed table named by --table (DYNAMODB_ENDPOINT points it at a local server)', async () => {
    configureLocalEnvironment();
    const store = await startEmbeddedStore();
    try {
      const run = await runCliAsync(
        ['scorecard', '--backfill', '--table', store.tableName, '--symbols', 'KO', '--horizons', '1', '--json'],
        { DYNAMODB_ENDPOINT: store.endpoint },
      );
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/^Backfilled table scanfleet-results: /);
      const card = await openStores(createDocumentClient(store.endpoint), {
        tableName: store.tableName,
      }).scorecard.scorecard();
      expect(card?.symbols).toEqual(['KO']);
      expect(card?.baseline[0].count).toBe(400 - 39 - 1);
      const missing = await runCliAsync(['scorecard', '--backfill', '--table', 'nope-table', '--symbols', 'KO'], {
        DYNAMODB_ENDPOINT: store.endpoint,
      });
      expect(missing.status).toBe(2);
      expect(missing.stderr).toBe(
        'scanfleet: there is no table "nope-table" here: check --table and the AWS region (AWS_REGION)\n',
      );
    } finally {
      await store.close();
    }
  }, 120_000);

  it.each([
    [['--backfill'], "--backfill needs one of --table NAME (a deployed stack's table) or --db DIR (a local store)"],
    [
      ['--backfill', '--table', 'results', '--db', 'x'],
      "--backfill needs one of --table NAME (a deployed stack's table) or --db DIR (a local store)",
    ],
    [['--db', 'x'], '--table and --db are for --backfill only'],
    [['--backfill', '--table', 'a b'], '--table must be a DynamoDB table name, got "a b"'],
  ])('%j exits 2 with one line naming it', (args, message) => {
    const run = runCli(['scorecard', ...args]);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`scanfleet: ${message}\n`);
  });
});
