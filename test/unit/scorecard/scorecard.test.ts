import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../functions/core/errors.js';
import { parseIsoDay } from '../../../functions/core/market/trading-day.js';
import { planScan, type ScannerName } from '../../../functions/core/scan/scanners.js';
import { countedSessions, symbolObservations } from '../../../functions/core/scorecard/observations.js';
import { scorecardReading } from '../../../functions/core/scorecard/reading.js';
import { buildScorecard, type Scorecard } from '../../../functions/core/scorecard/scorecard.js';
import { barsFrom } from '../../helpers/bars.js';
import { handMadePlan, scorecardRow } from '../../helpers/scorecard.js';

const row = (card: Scorecard, signal: string, horizon: number) =>
  card.rows.find((r) => r.signal === signal && r.horizon === horizon);

describe('the scorecard of a hand-worked series', () => {
  // Bar:      0    1    2    3    4    5    6   7   8   9
  const close = [100, 100, 110, 100, 125, 100, 80, 72, 90, 99];
  const signals = [null, 'buy', null, 'buy', null, 'sell', 'buy', null, 'buy', null];
  const card = buildScorecard([barsFrom({ close }, 'HAND')], { plan: handMadePlan(signals), horizons: [1, 3] });

  it('counts every buy, each of its returns and hits, and the one without a bar 3 sessions on as missing', () => {
    // 1 session on: bar 1 → 2 +10 %, 3 → 4 +25 %, 6 → 7 −10 %, 8 → 9 +10 %.
    expect(row(card, 'buy', 1)).toEqual({
      scanner: 'vpb',
      signal: 'buy',
      horizon: 1,
      count: 4,
      missing: 0,
      meanReturnPct: 8.75,
      medianReturnPct: 10,
      hitRatePct: 75,
      excessReturnPct: 7.5379,
    });
    // 3 sessions on: bar 1 → 4 +25 %, 3 → 6 −20 %, 6 → 9 +23.75 %; bar 8 has no bar 11.
    expect(row(card, 'buy', 3)).toEqual({
      scanner: 'vpb',
      signal: 'buy',
      horizon: 3,
      count: 3,
      missing: 1,
      meanReturnPct: 9.5833,
      medianReturnPct: 23.75,
      hitRatePct: 66.67,
      excessReturnPct: 14.2606,
    });
  });

  it('counts a fall after a bearish signal as a hit', () => {
    // Bar 5 → 6 −20 %, bar 5 → 8 −10 %.
    expect(row(card, 'sell', 1)).toMatchObject({ count: 1, meanReturnPct: -20, hitRatePct: 100 });
    expect(row(card, 'sell', 3)).toMatchObject({ count: 1, meanReturnPct: -10, hitRatePct: 100 });
  });

  it('sets the baseline from every session with a bar h sessions on', () => {
    // 1 session on, bars 0 … 8: 0, +10, −9.0909, +25, −20, −20, −10, +25, +10 %.
    // 3 sessions on, bars 0 … 6: 0, +25, −9.0909, −20, −42.4, −10, +23.75 %.
    expect(card.baseline).toEqual([
      { horizon: 1, count: 9, meanReturnPct: 1.2121, upRatePct: 44.44 },
      { horizon: 3, count: 7, meanReturnPct: -4.6773, upRatePct: 28.57 },
    ]);
    expect(card).toMatchObject({ from: '2024-01-01', to: '2024-01-12', horizons: [1, 3], symbols: ['HAND'] });
  });

  it('restricts the sessions t to --from … --to, still taking t + h after the end', () => {
    const range = { from: parseIsoDay('2024-01-03'), to: parseIsoDay('2024-01-09') }; // bars 2 … 6
    const narrow = buildScorecard([barsFrom({ close }, 'HAND')], {
      plan: handMadePlan(signals),
      horizons: [3],
      range,
    });
    expect(narrow).toMatchObject({ from: '2024-01-03', to: '2024-01-09' });
    // Buys at bars 3 and 6 (6 → 9 lies after the range): −20 and +23.75 %.
    expect(row(narrow, 'buy', 3)).toMatchObject({ count: 2, missing: 0, meanReturnPct: 1.875, medianReturnPct: 1.875 });
    expect(narrow.baseline[0]).toMatchObject({ count: 5 });
  });

  it('skips the sessions before every scanner has enough bars', () => {
    const plan = handMadePlan(signals, 4);
    expect(countedSessions(barsFrom({ close }), plan, {})).toEqual({ first: 3, end: 10 });
    expect(symbolObservations(barsFrom({ close }), plan, { first: 3, end: 10 }).map((o) => o.index)).toEqual([
      3, 5, 6, 8,
    ]);
  });

  it('refuses a range with no session, naming it', () => {
    const range = { from: parseIsoDay('2025-01-01'), to: parseIsoDay('2025-02-01') };
    const build = () =>
      buildScorecard([barsFrom({ close }, 'HAND')], { plan: handMadePlan(signals), horizons: [1], range });
    expect(build).toThrow(ValidationError);
    expect(build).toThrow('no session in 2025-01-01 … 2025-02-01 has enough bars for the chosen scanners');
  });
});

describe('the scorecard of constructed bars through the real scanners', () => {
  it('finds the three volume breakouts where they were built, with their 5-session returns', () => {
    // Flat at 100, then steps up: a breakout on triple volume at bars 30, 50 and 70, no surge elsewhere.
    const close = Array.from({ length: 80 }, (_, i) =>
      i < 30 ? 100 : i === 30 ? 104 : i < 50 ? 106 : i === 50 ? 112 : i < 70 ? 115 : i === 70 ? 121 : 125,
    );
    const volume = close.map((_, i) => (i === 30 || i === 50 || i === 70 ? 3000 : 1000));
    const bars = barsFrom({ close, volume }, 'STEP');
    const plan = planScan(['vpb']);
    expect(symbolObservations(bars, plan, countedSessions(bars, plan, {})).map((o) => [o.index, o.signal])).toEqual([
      [30, 'buy'],
      [50, 'buy'],
      [70, 'buy'],
    ]);
    const card = buildScorecard([bars], { plan, horizons: [5] });
    // 104 → 106, 112 → 115, 121 → 125: +1.9231, +2.6786, +3.3058 % (units 19231, 26786, 33058).
    expect(row(card, 'buy', 5)).toMatchObject({
      count: 3,
      missing: 0,
      meanReturnPct: 2.6358,
      medianReturnPct: 2.6786,
      hitRatePct: 100,
    });
    expect(row(card, 'sell', 5)).toMatchObject({
      count: 0,
      meanReturnPct: null,
      medianReturnPct: null,
      hitRatePct: null,
      excessReturnPct: null,
    });
  });

  it('finds no observation on a constant series, and a baseline of 0 %', () => {
    const close = Array.from({ length: 80 }, () => 100);
    const bars = barsFrom({ close, high: close, low: close }, 'FLAT');
    const card = buildScorecard([bars], { plan: planScan(), horizons: [1, 10] });
    expect(card.rows).toHaveLength(2 * 7);
    expect(card.rows.every((r) => r.count === 0 && r.missing === 0 && r.meanReturnPct === null)).toBe(true);
    // Sessions from bar 39 (the squeeze needs 40 bars) to bar 79.
    expect(card.baseline).toEqual([
      { horizon: 1, count: 40, meanReturnPct: 0, upRatePct: 0 },
      { horizon: 10, count: 31, meanReturnPct: 0, upRatePct: 0 },
    ]);
  });

  it('orders rows by SCANNER_NAMES, then each scanner’s signals, then horizon, whatever order the scanners came in', () => {
    const close = Array.from({ length: 60 }, (_, i) => 100 + Math.sin(i / 3) * 5);
    const card = buildScorecard([barsFrom({ close })], { plan: planScan(['vpb', 'macd']), horizons: [2, 4] });
    expect(card.rows.map((r) => `${r.scanner} ${r.signal} ${r.horizon}`)).toEqual([
      'macd bullish_cross 2',
      'macd bullish_cross 4',
      'macd bearish_cross 2',
      'macd bearish_cross 4',
      'vpb buy 2',
      'vpb buy 4',
      'vpb sell 2',
      'vpb sell 4',
    ]);
  });
});

describe('the reading', () => {
  const card = (rows: [ScannerName, string, number | null][]): Scorecard => ({
    from: '2024-01-01',
    to: '2024-02-01',
    horizons: [1, 5],
    symbols: [],
    baseline: [],
    rows: rows.map(([scanner, signal, excessReturnPct], i) =>
      scorecardRow({ scanner, signal, horizon: i % 2 === 0 ? 1 : 5, count: 1, excessReturnPct }),
    ),
  });

  it('names the signals that beat the baseline at every horizon', () => {
    const text = scorecardReading(
      card([
        ['ttm-squeeze', 'fired_long', 0.4],
        ['ttm-squeeze', 'fired_long', 0.1],
        ['vpb', 'buy', 0.3],
        ['vpb', 'buy', -0.1],
        ['ttm-squeeze', 'squeeze_on', 1],
        ['ttm-squeeze', 'squeeze_on', 1],
      ]),
    );
    expect(text).toBe('fired_long beat the baseline at every horizon.');
  });

  it('counts a bearish signal as beating it by falling further', () => {
    const text = scorecardReading(
      card([
        ['macd', 'bullish_cross', 0.2],
        ['macd', 'bullish_cross', 0.2],
        ['macd', 'bearish_cross', -0.2],
        ['macd', 'bearish_cross', -0.5],
      ]),
    );
    expect(text).toBe(
      'bullish_cross and bearish_cross beat the baseline at every horizon (a bearish signal by falling further).',
    );
  });

  it('says so when nothing did, a signal never seen included', () => {
    const text = scorecardReading(
      card([
        ['vpb', 'sell', 0.2],
        ['vpb', 'sell', -0.2],
        ['vpb', 'buy', null],
        ['vpb', 'buy', null],
      ]),
    );
    expect(text).toBe('No signal beat the baseline at every horizon.');
  });
});
