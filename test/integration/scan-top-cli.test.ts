import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLED_DATA_DIR } from '../../functions/local/cli/symbol-source.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';

interface TopSignal {
  scanner: string;
  signal: string;
  n: number;
  excessReturnPct: number | null;
  hitRatePct: number | null;
  contribution: number;
  note?: string;
}

interface Document {
  asOf: string;
  results: { symbol: string; scanner: string; signal: string | null }[];
  top?: { rank: number; symbol: string; score: number; signals: TopSignal[] }[];
}

interface ReferenceRow {
  scanner: string;
  signal: string;
  horizon: number;
  count: number;
  hitRatePct: number | null;
  excessReturnPct: number | null;
}

// The scorecard computed by test/fixtures/scorecard_reference.py (plain Python, nothing from functions/).
const reference = (
  JSON.parse(readFileSync(new URL('../fixtures/scorecard-reference.json', import.meta.url), 'utf8')) as {
    default: { rows: ReferenceRow[]; baseline: { horizon: number; upRatePct: number }[] };
  }
).default;

describe('scanfleet scan --top 5 --json on the bundled data (as of its last bar, 2024-03-08)', () => {
  const run = runCli(['scan', '--top', '5', '--json']);
  const doc = JSON.parse(run.stdout) as Document;
  const top = doc.top ?? [];

  it('ranks the three MACD bearish crosses first, then the symbols whose signals add nothing', () => {
    expect(run.status, run.stderr).toBe(0);
    expect(doc.asOf).toBe('2024-03-08');
    expect(top.map((s) => [s.rank, s.symbol, s.score])).toEqual([
      [1, 'COST', -0.2601],
      [2, 'HD', -0.2601],
      [3, 'LRCX', -0.2601],
      [4, 'ADBE', 0],
      [5, 'ARM', 0],
    ]);
    expect(top[3].signals).toEqual([
      {
        scanner: 'macd',
        signal: 'bullish_cross',
        n: 2035,
        excessReturnPct: -0.242,
        hitRatePct: 56.66,
        contribution: 0,
        note: 'no edge',
      },
    ]);
  });

  it("scores each signal from the reference scorecard's 10-session row, by the documented formula", () => {
    // With the as-of at the data's end the scorecard is the whole data's.
    const base = reference.baseline.find((b) => b.horizon === 10)?.upRatePct ?? NaN;
    for (const setup of top)
      for (const signal of setup.signals) {
        const row = reference.rows.find(
          (r) => r.horizon === 10 && r.scanner === signal.scanner && r.signal === signal.signal,
        );
        expect(signal).toMatchObject({
          n: row?.count,
          excessReturnPct: row?.excessReturnPct,
          hitRatePct: row?.hitRatePct,
        });
      }
    const [cost] = top;
    // bearish_cross: 1988/2018 × 0.2482 × 45.98 / (100 − 56.77), bearish.
    const expected = -(1988 / 2018) * 0.2482 * (45.98 / (100 - base));
    expect(cost.signals[0].contribution).toBe(Math.round(expected * 10_000) / 10_000);
  });

  it("lists, for each symbol, exactly the scan's signals for it", () => {
    for (const setup of top) {
      const scanned = doc.results
        .filter((r) => r.symbol === setup.symbol && r.signal !== null)
        .map((r) => [r.scanner, r.signal]);
      expect(setup.signals.map((s) => [s.scanner, s.signal])).toEqual(scanned);
    }
  });
});

describe('scanfleet scan --top (tables)', () => {
  it('prints the Top setups after the report: a row per signal, the score on its setup’s first row', () => {
    const run = runCli(['scan', '--top', '8', '--horizon', '20']);
    expect(run.status, run.stderr).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    const start = lines.findIndex((line) => line.startsWith('Top 8 setups'));
    expect(lines[start - 2]).toMatch(/^Run \d{8}T\d{6}Z-default: scanned 150 symbols as of 2024-03-08/);
    expect(lines.slice(start).map((line) => line.trimEnd())).toEqual([
      'Top 8 setups at 20 sessions, scored on the scorecard of returns ending on or before 2024-03-08',
      'Rank  Symbol    Score  Scanner      Signal             n  excess %  hit %     adds  Note',
      '────  ──────  ───────  ───────────  ─────────────  ─────  ────────  ─────  ───────  ────────────',
      '   1  COST    -0.8884  macd         bearish_cross  1,917     -0.81   46.3  -0.8884',
      '   2  HD      -0.8884  macd         bearish_cross  1,917     -0.81   46.3  -0.8884',
      '   3  LRCX    -0.8884  macd         bearish_cross  1,917     -0.81   46.3  -0.8884',
      '   4  ADBE    +0.2275  macd         bullish_cross  1,970     +0.23   58.5  +0.2275',
      '   5  PFE     +0.2275  macd         bullish_cross  1,970     +0.23   58.5  +0.2275',
      '   6  PSX     +0.2275  macd         bullish_cross  1,970     +0.23   58.5  +0.2275',
      '                       ttm-squeeze  squeeze_on     8,080     -0.10      –   0.0000  no direction',
      '   7  ARM      0.0000  ttm-squeeze  squeeze_on     8,080     -0.10      –   0.0000  no direction',
      '   8  BA       0.0000  ttm-squeeze  squeeze_on     8,080     -0.10      –   0.0000  no direction',
      "score: the signals' n/(n+30) × edge × hit/baseline, agreeing ones × (k+1)/2; + bullish, − bearish (docs/scorecard.md)",
    ]);
  });

  it('keeps only the symbols with every signal of --where, saying how many it found', () => {
    const run = runCli([
      'scan',
      '--top',
      '5',
      '--horizon',
      '20',
      '--where',
      'ttm-squeeze=squeeze_on,macd=bullish_cross',
    ]);
    expect(run.status, run.stderr).toBe(0);
    const section = run.stdout.slice(run.stdout.indexOf('Top 5 setups')).split('\n');
    expect(section[0]).toBe(
      'Top 5 setups at 20 sessions, where ttm-squeeze=squeeze_on,macd=bullish_cross, scored on the scorecard of returns ending on or before 2024-03-08 (1 found)',
    );
    expect(section[3]).toMatch(/^ {3}1 {2}PSX +\+0\.2275 {2}macd +bullish_cross /);
    expect(section[5]).toMatch(/^score: /);
  });

  it('says so when no symbol qualifies', () => {
    const short = runCli(['scan', '--top', '3', '--symbols', 'ARM', '--as-of', '2023-10-05']);
    // ARM's 16 bars are too few for every scanner: no symbol was scanned, so it exits 1, saying so.
    expect(short.status).toBe(1);
    expect(short.stderr).toBe(
      'scanfleet: no symbol was scanned as of 2023-10-05: 0 with errors, 1 short of data; the data (ARM.csv) runs from 2023-09-14 to 2024-03-08\n',
    );
    expect(short.stdout).toMatch(
      /\nTop 3 setups at 10 sessions, scored on the scorecard of returns ending on or before 2023-10-05 \(0 found\)\n\(no symbol has a signal\)\n$/,
    );
    const none = runCli([
      'scan',
      '--top',
      '3',
      '--symbols',
      'COST,HD',
      '--where',
      'macd=bearish_cross,vpb=buy',
      '--json',
    ]);
    expect(none.status, none.stderr).toBe(0);
    expect((JSON.parse(none.stdout) as Document).top).toEqual([]);
    const table = runCli(['scan', '--top', '3', '--symbols', 'COST,HD', '--where', 'macd=bearish_cross,vpb=buy']);
    expect(table.stdout).toMatch(/\(0 found\)\n\(no symbol has them all\)\n$/);
  });

  it('ranks a signal of a symbol too short for any scorecard session as without history', () => {
    // 30 weekdays at 100, the last a breakout to 110 on 5 × the volume: vpb (21 bars) signals, the squeeze needs 40.
    const dir = tempDir('short');
    const rows = ['Date,Open,High,Low,Close,Adj Close,Volume'];
    for (let i = 0, day = Date.UTC(2024, 0, 1); i < 30; day += 86_400_000) {
      const date = new Date(day);
      if (date.getUTCDay() === 0 || date.getUTCDay() === 6) continue;
      const [close, volume] = i === 29 ? [110, 5000] : [100, 1000];
      rows.push(`${date.toISOString().slice(0, 10)},${close},${close + 1},${close - 1},${close},${close},${volume}`);
      i++;
    }
    writeFileSync(join(dir, 'NEW.csv'), rows.join('\n'));
    writeFileSync(join(dir, 'watchlist.txt'), 'NEW\n');
    const run = runCli(['scan', '--data', dir, '--top', '3', '--json']);
    expect(run.status, run.stderr).toBe(0);
    expect((JSON.parse(run.stdout) as Document).top).toEqual([
      {
        rank: 1,
        symbol: 'NEW',
        score: 0,
        signals: [
          {
            scanner: 'vpb',
            signal: 'buy',
            n: 0,
            excessReturnPct: null,
            hitRatePct: null,
            contribution: 0,
            note: 'not enough history',
          },
        ],
      },
    ]);
  });

  it('leaves the report as it was without --top', () => {
    const doc = JSON.parse(runCli(['scan', '--symbols', 'COST,HD', '--json']).stdout) as Document;
    expect(doc).not.toHaveProperty('top');
  });
});

describe('scanfleet scan --top: no look-ahead', () => {
  /** The bundled files, every bar after `day` at 30 % of its price: a crash the as-of cannot know of. */
  function crashedAfter(day: string): string {
    const dir = tempDir('crash');
    cpSync(BUNDLED_DATA_DIR, dir, { recursive: true });
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.csv'))) {
      const [header, ...rows] = readFileSync(join(dir, file), 'utf8').trimEnd().split('\n');
      const crashed = rows.map((row) => {
        const [date, ...fields] = row.split(',');
        if (date <= day) return row;
        const prices = fields.slice(0, 5).map((v) => (Number(v) * 0.3).toFixed(6));
        return [date, ...prices, fields[5]].join(',');
      });
      writeFileSync(join(dir, file), [header, ...crashed].join('\n'));
    }
    return dir;
  }

  it('ranks the same setups as of 2024-01-19 whatever the prices do after it', () => {
    const crashed = crashedAfter('2024-01-19');
    const args = ['scan', '--top', '10', '--horizon', '5', '--as-of', '2024-01-19', '--json'];
    const before = JSON.parse(runCli(args).stdout) as Document;
    const after = JSON.parse(runCli([...args, '--data', crashed]).stdout) as Document;
    expect(before.top).toHaveLength(10);
    expect(before.top?.[0].score).not.toBe(0);
    expect(after.top).toEqual(before.top);
    // The crash is in the data: a scorecard over all of it sees it.
    const card = (data: string[]) =>
      (JSON.parse(runCli(['scorecard', '--horizons', '5', '--json', ...data]).stdout) as { rows: unknown[] }).rows;
    expect(card(['--data', crashed])).not.toEqual(card([]));
  });
});

describe('scanfleet scan --top: bad input exits 2 with one line naming it', () => {
  it.each([
    [['--top', '0'], '--top must be a whole number ≥ 1, got "0"'],
    [['--top', 'five'], '--top must be a whole number ≥ 1, got "five"'],
    [['--top', '2.5'], '--top must be a whole number ≥ 1, got "2.5"'],
    [['--top', '5', '--horizon', '0'], '--horizon must be a whole number of sessions in 1–250, got "0"'],
    [['--top', '5', '--horizon', '251'], '--horizon must be a whole number of sessions in 1–250, got "251"'],
    [['--top', '5', '--horizon', '10d'], '--horizon must be a whole number of sessions in 1–250, got "10d"'],
    [['--horizon', '10'], '--horizon is for the Top setups: give --top N too'],
    [['--where', 'macd=bullish_cross'], '--where is for the Top setups: give --top N too'],
    [
      ['--top', '5', '--where', 'squeeze'],
      '--where must be SCANNER=SIGNAL pairs, comma-separated (e.g. ttm-squeeze=squeeze_on,macd=bullish_cross), got "squeeze"',
    ],
    [
      ['--top', '5', '--where', 'macd=bullish'],
      '--where: macd has no signal "bullish"; it gives bullish_cross, bearish_cross',
    ],
    [['--top', '5', '--scanners', 'macd', '--where', 'vpb=buy'], '--where: vpb is not among the scanners of this scan'],
  ])('%j', (args, message) => {
    const run = runCli(['scan', ...args]);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`scanfleet: ${message}\n`);
  });
});
