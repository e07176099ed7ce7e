import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Bars, BarSeriesBuilder, type RowIssue, type SeriesWindow } from '../../functions/core/scan/bars.js';
import { type ScanOutcome, scanSymbol } from '../../functions/core/scan/scan-symbol.js';
import { BREADTH_SMA_PERIOD, planScan, type ScannerName } from '../../functions/core/scan/scanners.js';
import { type Bar, macdScale, naiveMacd, naiveTtm, naiveVpb, RELATIVE } from '../helpers/naive-scanners.js';

// Property-based tests of the pure scan engine over random daily series. The series are raw
// provider rows (random walks with flat runs, zero volumes, duplicate, weekend and out-of-order
// dates) pushed through BarSeriesBuilder, the row path the CSV parser and the HTTP providers
// share, so the row rules apply. The scanners are compared with naive references
// (test/helpers/naive-scanners.ts): plain loops over number[] written from docs/scanners.md's rules,
// sharing no code with functions/core; values agree within its slack RELATIVE (1e-9 of the price
// scale), and a decision within that slack of its threshold is a tie, left out.
// fast-check prints the seed and the shrunk counterexample of any failure; runs are not seeded
// on purpose.

const PLAN = planScan();
const STATUSES = ['ok', 'insufficient_data', 'error'];
const MS_PER_DAY = 86_400_000;
/**
 * Raw rows before the row rules: about 2 rows a segment, so 210 segments make ~400; the cap is
 * rarely reached (a cap reached often would end most long series inside a flat run).
 */
const MAX_ROWS = 450;

/** One raw provider row: epoch day, open, high, low, close, volume. */
type Row = [number, number, number, number, number, number];

interface Segment {
  /** Log-return of the segment's first bar as a fraction of the series' volatility. */
  readonly move: number;
  readonly upWick: number;
  readonly downWick: number;
  /** Where the open sits between the previous close and this close. */
  readonly openAt: number;
  readonly volume: number;
  /** 'weekday': the next Monday–Friday; a number: that many calendar days on (0 repeats the date, < 0 goes back). */
  readonly dayStep: 'weekday' | number;
  /** How many identical bars (same OHLC and volume) the segment makes: a flat run when > 1. */
  readonly repeat: number;
}

/** Uniform in [min, max] in steps of 1e-6 (fc.double spreads over bit patterns, mostly tiny numbers). */
const uniform = (min: number, max: number) =>
  fc.integer({ min: 0, max: 1_000_000 }).map((k) => min + ((max - min) * k) / 1_000_000);

const segmentArb: fc.Arbitrary<Segment> = fc.record({
  move: fc.oneof({ weight: 5, arbitrary: uniform(-1, 1) }, { weight: 1, arbitrary: fc.constant(0) }),
  upWick: fc.oneof({ weight: 3, arbitrary: uniform(0, 0.05) }, { weight: 1, arbitrary: fc.constant(0) }),
  downWick: fc.oneof({ weight: 3, arbitrary: uniform(0, 0.05) }, { weight: 1, arbitrary: fc.constant(0) }),
  openAt: uniform(0, 1),
  volume: fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 1, max: 50_000_000 }) },
    { weight: 2, arbitrary: fc.constantFrom(1000, 1500, 2000, 3000) },
    { weight: 1, arbitrary: fc.constant(0) },
  ),
  dayStep: fc.oneof(
    { weight: 24, arbitrary: fc.constant('weekday' as const) },
    { weight: 2, arbitrary: fc.constant(0) },
    { weight: 4, arbitrary: fc.integer({ min: 1, max: 5 }) },
    { weight: 1, arbitrary: fc.integer({ min: -3, max: -1 }) },
  ),
  repeat: fc.oneof(
    { weight: 20, arbitrary: fc.constant(1) },
    { weight: 1, arbitrary: fc.integer({ min: 2, max: 40 }) },
  ),
});

/** Raw rows of a random walk: start price in [1, 5000], daily log-returns within ±volatility ≤ 20%. */
function seriesArb(minSegments = 0): fc.Arbitrary<Row[]> {
  return fc
    .record({
      start: uniform(1, 5000),
      volatility: fc.constantFrom(0.2, 0.05, 0.01),
      firstDay: fc.integer({ min: 10_957, max: 21_914 }), // 2000-01-01 … 2029-12-31
      segments: fc.array(segmentArb, { minLength: minSegments, maxLength: 210, size: 'max' }),
    })
    .map(({ start, volatility, firstDay, segments }) => {
      const rows: Row[] = [];
      let close = start;
      let day = firstDay;
      for (const segment of segments) {
        const previous = close;
        close = previous * Math.exp(segment.move * volatility);
        const open = previous + segment.openAt * (close - previous);
        const high = Math.max(open, close) * (1 + segment.upWick);
        const low = Math.min(open, close) * (1 - segment.downWick);
        for (let r = 0; r < segment.repeat && rows.length < MAX_ROWS; r++) {
          if (rows.length > 0) day = nextDay(day, segment.dayStep);
          rows.push([day, open, high, low, close, segment.volume]);
        }
      }
      return rows;
    });
}

function nextDay(day: number, step: Segment['dayStep']): number {
  if (step !== 'weekday') return day + step;
  let next = day + 1;
  while (naiveIsWeekend(next)) next++;
  return next;
}

function naiveIsWeekend(day: number): boolean {
  const weekday = new Date(day * MS_PER_DAY).getUTCDay();
  return weekday === 0 || weekday === 6;
}

function builderOf(rows: Row[]): BarSeriesBuilder {
  const builder = new BarSeriesBuilder('PROP', rows.length);
  for (const row of rows) builder.push(...row);
  return builder;
}

function barsOf(rows: Row[], window: SeriesWindow = {}): Bars {
  return builderOf(rows).build(window);
}

// ---- Naive references ----

/** docs/providers.md's row rules for the rows this generator makes: no zero volume, no weekend, the later-pushed of two rows of a date, by date. */
function naiveKeptBars(rows: Row[]): Bar[] {
  const byDay = new Map<number, Bar>();
  for (const [day, open, high, low, close, volume] of rows) {
    if (volume === 0 || naiveIsWeekend(day)) continue;
    byDay.set(day, { day, open, high, low, close, volume });
  }
  return [...byDay.values()].sort((a, b) => a.day - b.day);
}

// ---- Helpers over outcomes ----

function outcomeOf(bars: Bars, scanner: ScannerName): ScanOutcome {
  const outcome = scanSymbol(bars, PLAN).outcomes.find((o) => o.scanner === scanner);
  if (!outcome) throw new Error(`no ${scanner} outcome`);
  expect(outcome.status, outcome.reason).toBe('ok');
  return outcome;
}

function numberValue(outcome: ScanOutcome, key: string): number {
  const value = outcome.values?.[key];
  if (typeof value !== 'number') throw new Error(`${outcome.scanner}.${key} is ${String(value)}, not a number`);
  return value;
}

function expectClose(actual: number, expected: number, scale: number, label: string): void {
  const tolerance = RELATIVE * Math.max(Math.abs(actual), Math.abs(expected), scale);
  expect(Math.abs(actual - expected), `${label}: ${actual} vs reference ${expected}`).toBeLessThanOrEqual(tolerance);
}

function changePct(bars: Bar[]): number {
  return (bars[bars.length - 1].close / bars[bars.length - 2].close - 1) * 100;
}

const minBarsOf = (name: ScannerName) => PLAN.scanners.find((s) => s.name === name)?.minBars ?? Number.NaN;

/** Runs of each reference property; each run checks up to SESSIONS sessions of its series. */
const RUNS = 150;
const SESSIONS = 25;

/**
 * The last SESSIONS sessions of a series as a scan on each of those days sees them (the
 * builder's as-of window), each with the reference's prefix of the kept bars.
 */
function* sessions(rows: Row[], minBars: number): Generator<{ bars: Bars; kept: Bar[] }> {
  const builder = builderOf(rows);
  const kept = naiveKeptBars(rows);
  fc.pre(kept.length >= minBars);
  for (let end = Math.max(minBars, kept.length - SESSIONS + 1); end <= kept.length; end++) {
    const bars = builder.build({ asOf: kept[end - 1].day });
    expect(bars.length).toBe(end);
    yield { bars, kept: kept.slice(0, end) };
  }
}

interface Tally {
  ties: number;
  decided: number;
  signals: Record<string, number>;
}

const newTally = (): Tally => ({ ties: 0, decided: 0, signals: {} });

function count(tally: Tally, signal: string | null): void {
  tally.decided++;
  if (signal !== null) tally.signals[signal] = (tally.signals[signal] ?? 0) + 1;
}

/** Guards against a vacuous pass: every signal was decided at least once, and ties stay rare. */
function expectEverySignal(tally: Tally, signals: string[]): void {
  expect(Object.keys(tally.signals).sort(), JSON.stringify(tally)).toEqual([...signals].sort());
  expect(tally.ties, JSON.stringify(tally)).toBeLessThan(tally.decided / 10);
}

describe('scanner properties over random daily series', () => {
  it('plans the bar counts docs/scanners.md states', () => {
    expect(PLAN.scanners.map((s) => [s.name, s.minBars])).toEqual([
      ['macd', 35],
      ['ttm-squeeze', 40],
      ['vpb', 21],
    ]);
  });

  it('builds exactly the bars the row rules keep', () => {
    const expectedIssues = new Set<RowIssue>(['zero_volume', 'weekend', 'duplicate_date', 'out_of_order']);
    fc.assert(
      fc.property(seriesArb(), (rows) => {
        const builder = builderOf(rows);
        const bars = builder.build();
        const kept = naiveKeptBars(rows);
        expect(Object.keys(builder.issues).filter((issue) => !expectedIssues.has(issue as RowIssue))).toEqual([]);
        expect(bars.length).toBe(kept.length);
        expect(Array.from(bars.day)).toEqual(kept.map((b) => b.day));
        expect(Array.from(bars.close)).toEqual(kept.map((b) => b.close));
        expect(Array.from(bars.volume)).toEqual(kept.map((b) => b.volume));
      }),
      { numRuns: 200 },
    );
  });

  it('never throws, gives one outcome per scanner, and insufficient_data exactly below its bar count', () => {
    fc.assert(
      fc.property(seriesArb(), (rows) => {
        const builder = builderOf(rows);
        const bars = builder.build();
        const scan = scanSymbol(bars, PLAN);
        expect(scan.outcomes.map((o) => o.scanner)).toEqual(PLAN.scanners.map((s) => s.name));
        scan.outcomes.forEach((outcome, k) => {
          const { minBars } = PLAN.scanners[k];
          expect(STATUSES).toContain(outcome.status);
          expect(
            outcome.status === 'insufficient_data',
            `${bars.length} bars, ${outcome.scanner}: ${outcome.status}`,
          ).toBe(bars.length < minBars);
        });
        expect(scan.aboveSma50 === null).toBe(bars.length < BREADTH_SMA_PERIOD);

        // The boundary both ways, on the last minBars and minBars − 1 bars of the same series.
        PLAN.scanners.forEach(({ name, minBars }, k) => {
          if (bars.length < minBars) return;
          const atMinimum = builder.build({ lookback: minBars });
          expect(atMinimum.length).toBe(minBars);
          expect(scanSymbol(atMinimum, PLAN).outcomes[k].status).not.toBe('insufficient_data');
          const below = scanSymbol(builder.build({ lookback: minBars - 1 }), PLAN).outcomes[k];
          expect(below.status).toBe('insufficient_data');
          expect(below.reason).toBe(`${minBars - 1} bars, ${name} needs at least ${minBars}`);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('with enough bars, scans every series to finite values and a declared signal', () => {
    fc.assert(
      fc.property(seriesArb(), (rows) => {
        const bars = barsOf(rows);
        scanSymbol(bars, PLAN).outcomes.forEach((outcome, k) => {
          const { scanner, minBars } = PLAN.scanners[k];
          if (bars.length < minBars) return;
          expect(outcome.status, outcome.reason).toBe('ok');
          for (const [key, value] of Object.entries(outcome.values ?? {})) {
            if (typeof value === 'number')
              expect(Number.isFinite(value), `${outcome.scanner}.${key} = ${value}`).toBe(true);
          }
          if (outcome.signal !== null) expect(scanner.signals).toContain(outcome.signal);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('agrees with a naive MACD(12, 26, 9) on the values and the crossover of the last bar', () => {
    const tally = newTally();
    fc.assert(
      fc.property(seriesArb(40), (rows) => {
        for (const { bars, kept } of sessions(rows, minBarsOf('macd'))) {
          const closes = kept.map((b) => b.close);
          const reference = naiveMacd(closes);
          const outcome = outcomeOf(bars, 'macd');
          const scale = macdScale(closes);
          expectClose(numberValue(outcome, 'macd'), reference.macd, scale, 'macd');
          expectClose(numberValue(outcome, 'signalLine'), reference.signalLine, scale, 'signalLine');
          expectClose(numberValue(outcome, 'histogram'), reference.histogram, scale, 'histogram');
          expect(numberValue(outcome, 'price')).toBe(closes[closes.length - 1]);
          expectClose(numberValue(outcome, 'changePct'), changePct(kept), 100, 'changePct');
          if (Math.abs(reference.macd) > RELATIVE * scale)
            expect(outcome.values?.trend).toBe(reference.macd > 0 ? 'bullish' : 'bearish');
          // A histogram within the slack of zero is a tie: the ≤ / < edge is not decidable across implementations.
          if (
            Math.abs(reference.histogram) <= RELATIVE * scale ||
            Math.abs(reference.priorHistogram) <= RELATIVE * scale
          ) {
            tally.ties++;
            continue;
          }
          expect(outcome.signal, `${kept.length} bars`).toBe(reference.signal);
          count(tally, reference.signal);
        }
      }),
      { numRuns: RUNS },
    );
    expectEverySignal(tally, ['bullish_cross', 'bearish_cross']);
  });

  it('agrees with a naive volume-price breakout(20, 1.5) on the last bar', () => {
    const tally = newTally();
    fc.assert(
      fc.property(seriesArb(30), (rows) => {
        for (const { bars, kept } of sessions(rows, minBarsOf('vpb'))) {
          const reference = naiveVpb(kept);
          const outcome = outcomeOf(bars, 'vpb');
          expect(outcome.signal, `${kept.length} bars`).toBe(reference.signal);
          expect(outcome.values?.pattern).toBe(reference.pattern);
          expect(numberValue(outcome, 'priorHigh')).toBe(reference.priorHigh);
          expect(numberValue(outcome, 'priorLow')).toBe(reference.priorLow);
          expect(numberValue(outcome, 'price')).toBe(kept[kept.length - 1].close);
          expectClose(numberValue(outcome, 'averageVolume'), reference.averageVolume, 0, 'averageVolume');
          expectClose(numberValue(outcome, 'volumeSurgePct'), reference.volumeSurgePct, 100, 'volumeSurgePct');
          expectClose(numberValue(outcome, 'changePct'), changePct(kept), 100, 'changePct');
          count(tally, reference.signal);
        }
      }),
      { numRuns: RUNS },
    );
    expectEverySignal(tally, ['buy', 'sell']);
  });

  it('agrees with a naive TTM squeeze(20, 2.0, 1.5) on the squeeze state, its duration, momentum and signal', () => {
    const tally = newTally();
    fc.assert(
      fc.property(seriesArb(50), (rows) => {
        for (const { bars, kept } of sessions(rows, minBarsOf('ttm-squeeze'))) {
          const reference = naiveTtm(kept);
          const outcome = outcomeOf(bars, 'ttm-squeeze');
          const scale = Math.max(...kept.slice(-41).map((b) => b.high));
          expectClose(numberValue(outcome, 'momentum'), reference.momentum, scale, 'momentum');
          expectClose(numberValue(outcome, 'changePct'), changePct(kept), 100, 'changePct');
          if (Math.abs(reference.momentum - reference.priorMomentum) > RELATIVE * scale) {
            expect(outcome.values?.momentumDirection).toBe(
              reference.momentum > reference.priorMomentum ? 'rising' : 'falling',
            );
          }
          if (!reference.durationAmbiguous)
            expect(outcome.values?.duration, `${kept.length} bars`).toBe(reference.duration);
          // Bands within the slack of the channels (flat runs) or momentum within it of zero are ties.
          if (reference.signalAmbiguous) {
            tally.ties++;
            continue;
          }
          expect(outcome.values?.squeezeOn).toBe(reference.squeezeOn);
          expect(outcome.signal, `${kept.length} bars`).toBe(reference.signal);
          count(tally, reference.signal);
        }
      }),
      { numRuns: RUNS },
    );
    expectEverySignal(tally, ['squeeze_on', 'fired_long', 'fired_short']);
  });
});
