import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli.js';
import {
  type ReferenceEvent,
  referenceEvents,
  referenceSessions,
  referenceSignals,
} from '../../helpers/reference-events.js';
import { tempDir } from '../../helpers/temp-dir.js';

// Tests of the replay's oracle itself (test/helpers/reference-events.ts): its cooldown and
// squeeze-event rules on tiny hand-built data dirs, and its scanners against the project's
// `scan --json` on the bundled data.

interface Row {
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

const BARS = 60;

/**
 * BARS weekday session dates from Monday 2023-01-02, skipping Monday 2023-03-13 as a holiday
 * (between bars 51 and 52): the cooldown counts sessions, not calendar days.
 */
const DATES: string[] = (() => {
  const dates: string[] = [];
  for (let day = Date.UTC(2023, 0, 2); dates.length < BARS; day += 86_400_000) {
    const date = new Date(day);
    const iso = date.toISOString().slice(0, 10);
    if (date.getUTCDay() === 0 || date.getUTCDay() === 6 || iso === '2023-03-13') continue;
    dates.push(iso);
  }
  return dates;
})();

/** A symbol's CSV: rows[i] is the bar of DATES[first + i]. */
function writeSymbol(dir: string, symbol: string, rows: Row[], first = 0): void {
  const lines = rows.map(
    (r, i) => `${DATES[first + i]},${r.open},${r.high},${r.low},${r.close},${r.close},${r.volume}`,
  );
  writeFileSync(join(dir, `${symbol}.csv`), ['Date,Open,High,Low,Close,Adj Close,Volume', ...lines].join('\n'));
}

/**
 * A quiet range (close 100 inside 99–101 on 1,000 shares) broken upward on 10,000 shares at each
 * bar of `breakouts`, each breakout a point above the last one's high: a vpb buy exactly there.
 */
function breakouts(bars: number[]): Row[] {
  let step = 0;
  return Array.from({ length: BARS }, (_, i) => {
    if (!bars.includes(i)) return { open: 100, high: 101, low: 99, close: 100, volume: 1000 };
    step++;
    return { open: 100, high: 101.5 + step, low: 99, close: 101 + step, volume: 10_000 };
  });
}

const buys = (events: ReferenceEvent[], symbol: string) =>
  events
    .filter((e) => e.symbol === symbol && e.scanner === 'vpb')
    .map(({ session, signal, start, suppressedBy }) => ({ session, signal, start, suppressedBy }));

const buy = (bar: number, suppressedBy?: number) => ({
  session: DATES[bar],
  signal: 'buy',
  start: DATES[bar],
  suppressedBy: suppressedBy === undefined ? undefined : DATES[suppressedBy],
});

describe('reference events (the replay oracle)', () => {
  it('lists the sessions of a data dir and reads its watchlist', () => {
    const dir = tempDir('ref-sessions');
    writeSymbol(dir, 'AAA', breakouts([]));
    writeSymbol(dir, 'BBB', breakouts([]).slice(10), 10); // a shorter CSV: its dates are a subset
    writeFileSync(join(dir, 'watchlist.txt'), 'AAA\nBBB\n');
    expect(referenceSessions(dir)).toEqual(DATES);
    expect(DATES).not.toContain('2023-03-13');
    const signals = referenceSignals({ dataDir: dir, from: DATES[BARS - 1], to: DATES[BARS - 1] });
    expect(signals.map((s) => `${s.symbol}:${s.scanner}`)).toEqual([
      'AAA:macd',
      'AAA:ttm-squeeze',
      'AAA:vpb',
      'BBB:macd',
      'BBB:ttm-squeeze',
      'BBB:vpb',
    ]);
  });

  it('suppresses a breakout 2 and 3 sessions after the last one, not 4', () => {
    const dir = tempDir('ref-cooldown');
    writeSymbol(dir, 'PLUS2', breakouts([50, 52]));
    writeSymbol(dir, 'PLUS3', breakouts([50, 53]));
    writeSymbol(dir, 'PLUS4', breakouts([50, 54]));
    const events = referenceEvents({
      dataDir: dir,
      symbols: ['PLUS2', 'PLUS3', 'PLUS4'],
      from: DATES[40],
      to: DATES[BARS - 1],
    });
    expect(buys(events, 'PLUS2')).toEqual([buy(50), buy(52, 50)]);
    expect(buys(events, 'PLUS3')).toEqual([buy(50), buy(53, 50)]);
    // 54 is 5 calendar weekdays after 50 but 4 sessions (the holiday): not suppressed either way.
    expect(buys(events, 'PLUS4')).toEqual([buy(50), buy(54)]);
    expect(events.filter((e) => e.symbol === 'PLUS4' && e.scanner === 'vpb').every((e) => !('suppressedBy' in e))).toBe(
      true,
    );

    // The window is a parameter: 4 sessions suppresses the +4, 0 suppresses nothing.
    const four = referenceEvents({
      dataDir: dir,
      symbols: ['PLUS4'],
      from: DATES[40],
      to: DATES[BARS - 1],
      cooldownSessions: 4,
    });
    expect(buys(four, 'PLUS4')).toEqual([buy(50), buy(54, 50)]);
    const none = referenceEvents({
      dataDir: dir,
      symbols: ['PLUS2'],
      from: DATES[40],
      to: DATES[BARS - 1],
      cooldownSessions: 0,
    });
    expect(buys(none, 'PLUS2')).toEqual([buy(50), buy(52)]);
  });

  it('does not restart the cooldown on a suppressed event, and starts the chain at from', () => {
    const dir = tempDir('ref-chain');
    writeSymbol(dir, 'CHAIN', breakouts([50, 52, 54, 55, 57, 59]));
    const events = referenceEvents({ dataDir: dir, symbols: ['CHAIN'], from: DATES[40], to: DATES[BARS - 1] });
    // 52 is suppressed by 50; 54 is 4 after 50 (only 2 after the suppressed 52), so it is the new
    // reference; 55 and 57 are 1 and 3 after 54; 59 is 5 after 54, 2 after the suppressed 57.
    expect(buys(events, 'CHAIN')).toEqual([buy(50), buy(52, 50), buy(54), buy(55, 54), buy(57, 54), buy(59)]);

    // Events before from are unknown: starting at 52, its breakout is the first reference.
    const later = referenceEvents({ dataDir: dir, symbols: ['CHAIN'], from: DATES[52], to: DATES[BARS - 1] });
    expect(buys(later, 'CHAIN')).toEqual([buy(52), buy(54, 52), buy(55, 52), buy(57), buy(59, 57)]);
  });

  it('gives a squeeze lasting several sessions one squeeze_on event, at its start, and never suppresses it', () => {
    const dir = tempDir('ref-squeeze');
    // A trend (wide bands, narrow bars), then a flat close inside wide bars (the bands shrink inside
    // the channels: the squeeze comes on and stays on), then a jump out of it: fired_long.
    const rows: Row[] = Array.from({ length: BARS }, (_, i) => {
      if (i < 30) return { open: 70 + i, high: 70.05 + i, low: 69.95 + i, close: 70 + i, volume: 1000 };
      if (i < 55) return { open: 100, high: 101, low: 99, close: 100, volume: 1000 };
      return { open: 112, high: 113, low: 111, close: 112, volume: 1000 };
    });
    writeSymbol(dir, 'SQZ', rows);
    const from = DATES[30];
    const to = DATES[BARS - 1];
    const squeezeSessions = referenceSignals({ dataDir: dir, symbols: ['SQZ'], from, to })
      .filter((s) => s.scanner === 'ttm-squeeze' && s.signal === 'squeeze_on')
      .map((s) => s.session);
    const on = DATES.indexOf(squeezeSessions[0]);
    expect(squeezeSessions.length).toBeGreaterThanOrEqual(5);
    expect(squeezeSessions).toEqual(DATES.slice(on, 55)); // consecutive, up to the jump
    expect(on).toBeGreaterThan(30);

    const events = referenceEvents({ dataDir: dir, symbols: ['SQZ'], from, to }).filter(
      (e) => e.scanner === 'ttm-squeeze',
    );
    expect(events).toEqual([
      { symbol: 'SQZ', scanner: 'ttm-squeeze', signal: 'squeeze_on', session: DATES[on], start: DATES[on] },
      { symbol: 'SQZ', scanner: 'ttm-squeeze', signal: 'fired_long', session: DATES[55], start: DATES[55] },
    ]);

    // Starting inside the squeeze, its start is before from: it is no event of the range.
    const inside = referenceEvents({ dataDir: dir, symbols: ['SQZ'], from: DATES[on + 1], to }).filter(
      (e) => e.scanner === 'ttm-squeeze',
    );
    expect(inside.map((e) => e.signal)).toEqual(['fired_long']);
  });

  it.each(['2024-03-08', '2024-02-15'])(
    'agrees with `scanfleet scan --as-of %s --json` on every symbol and scanner of the bundled data',
    (asOf) => {
      const run = runCli(['scan', '--as-of', asOf, '--json']);
      expect(run.status, run.stderr).toBe(0);
      const scan = JSON.parse(run.stdout) as {
        results: {
          symbol: string;
          scanner: string;
          status: string;
          signal: string | null;
          barDate?: string;
          values?: Record<string, unknown>;
        }[];
      };
      const reference = new Map(referenceSignals({ from: asOf, to: asOf }).map((r) => [`${r.symbol}:${r.scanner}`, r]));
      expect(scan.results).toHaveLength(450);
      expect(reference.size).toBe(450);

      const ties: string[] = [];
      for (const result of scan.results) {
        const key = `${result.symbol}:${result.scanner}`;
        const mine = reference.get(key);
        expect(mine, key).toBeDefined();
        if (!mine) continue;
        expect(result.barDate, key).toBe(asOf);
        expect(result.status === 'insufficient_data', key).toBe(mine.status === 'insufficient_data');
        // A decision within 1e-9 of its threshold may go either way: listed, not compared (none today).
        if (mine.tie) {
          ties.push(`${key} reference ${mine.signal}, scan ${result.signal}`);
          continue;
        }
        expect(result.signal, key).toBe(mine.signal);
        if (result.scanner === 'ttm-squeeze' && mine.status === 'ok')
          expect(result.values?.duration, `${key} duration`).toBe(mine.duration);
      }
      expect(ties).toEqual([]);
    },
    90_000,
  );
});
