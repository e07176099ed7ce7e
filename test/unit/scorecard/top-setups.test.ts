import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../functions/core/errors.js';
import { parseIsoDay } from '../../../functions/core/market/trading-day.js';
import { SCANNER_NAMES, type ScannerName } from '../../../functions/core/scan/scanners.js';
import { buildScorecard } from '../../../functions/core/scorecard/scorecard.js';
import { type CurrentSignal, parseSignalFilter, rankTopSetups } from '../../../functions/core/scorecard/top-setups.js';
import { barsFrom } from '../../helpers/bars.js';
import { edgeCard as card, handMadePlan } from '../../helpers/scorecard.js';

const now = (symbol: string, ...pairs: [ScannerName, string][]): CurrentSignal[] =>
  pairs.map(([scanner, signal]) => ({ symbol, scanner, signal }));

describe('the Top setups score, worked by hand (horizon 10, baseline up rate 56.8 %)', () => {
  const worked = card(56.8, [
    ['macd', 'bullish_cross', 90, 0.6, 62.48],
    ['macd', 'bearish_cross', 90, -0.6, 47.52],
    ['vpb', 'buy', 30, 0.4, 56.8],
    ['vpb', 'sell', 29, -2, 70],
    ['ttm-squeeze', 'squeeze_on', 8_000, 0.5, null],
    ['ttm-squeeze', 'fired_long', 700, -0.09, 56.1],
  ]);
  const rank = (current: CurrentSignal[]) => rankTopSetups({ card: worked, current, horizon: 10 });

  it('shrinks a signal seen exactly 30 times to half its hit-weighted edge: 30/60 × 0.40 × 56.8/56.8 = 0.2', () => {
    expect(rank(now('BUY', ['vpb', 'buy']))).toEqual([
      {
        rank: 1,
        symbol: 'BUY',
        score: 0.2,
        signals: [{ scanner: 'vpb', signal: 'buy', n: 30, excessReturnPct: 0.4, hitRatePct: 56.8, contribution: 0.2 }],
      },
    ]);
  });

  it('lets a signal seen 29 times add nothing, however strong, and says so', () => {
    const [setup] = rank(now('SELL', ['vpb', 'sell']));
    expect(setup.score).toBe(0);
    expect(setup.signals).toEqual([
      {
        scanner: 'vpb',
        signal: 'sell',
        n: 29,
        excessReturnPct: -2,
        hitRatePct: 70,
        contribution: 0,
        note: 'not enough history',
      },
    ]);
  });

  it('rewards two scanners agreeing: (0.495 + 0.2) × 3/2 = 1.0425', () => {
    const [setup] = rank(now('BOTH', ['vpb', 'buy'], ['macd', 'bullish_cross']));
    expect(setup.signals.map((s) => [s.scanner, s.contribution])).toEqual([
      ['macd', 0.495],
      ['vpb', 0.2],
    ]);
    expect(setup.score).toBe(1.0425);
  });

  it('subtracts conflicting signals: 0.2 − 0.495 = −0.295 (bearish P = 100 − 56.8 = 43.2 %)', () => {
    const [setup] = rank(now('MIXED', ['macd', 'bearish_cross'], ['vpb', 'buy']));
    expect(setup.signals.map((s) => s.contribution)).toEqual([-0.495, 0.2]);
    expect(setup.score).toBe(-0.295);
  });

  it('cancels opposite signals of equal evidence to exactly 0, with no confluence bonus', () => {
    const even = card(50, [
      ['macd', 'bearish_cross', 90, -0.6, 55],
      ['vpb', 'buy', 90, 0.6, 55],
    ]);
    const [setup] = rankTopSetups({
      card: even,
      current: now('EVEN', ['macd', 'bearish_cross'], ['vpb', 'buy']),
      horizon: 10,
    });
    // Each: 90/120 × 0.6 × 55/50 = 0.495, one each way.
    expect(setup.signals.map((s) => s.contribution)).toEqual([-0.495, 0.495]);
    expect(setup.score).toBe(0);
  });

  it('gives nothing for a signal that trailed the baseline its way, or one without a direction', () => {
    const [setup] = rank(now('FLAT', ['ttm-squeeze', 'fired_long']));
    expect(setup.signals[0]).toMatchObject({ n: 700, excessReturnPct: -0.09, contribution: 0, note: 'no edge' });
    const [squeeze] = rank(now('SQZ', ['ttm-squeeze', 'squeeze_on'], ['vpb', 'buy']));
    expect(squeeze.signals[0]).toMatchObject({ signal: 'squeeze_on', n: 8_000, contribution: 0, note: 'no direction' });
    // The squeeze is not a second agreeing scanner: the buy alone.
    expect(squeeze.score).toBe(0.2);
  });

  it('treats a signal the scorecard has no row for as without history', () => {
    const none = rankTopSetups({ card: card(56.8, []), current: now('NONE', ['macd', 'bullish_cross']), horizon: 10 });
    expect(none[0].signals[0]).toEqual({
      scanner: 'macd',
      signal: 'bullish_cross',
      n: 0,
      excessReturnPct: null,
      hitRatePct: null,
      contribution: 0,
      note: 'not enough history',
    });
  });

  it('ranks by the size of the score either way, then by symbol, numbering the top N', () => {
    const current = [
      ...now('ZERO', ['vpb', 'sell']),
      ...now('LONG', ['macd', 'bullish_cross']),
      ...now('SHORT', ['macd', 'bearish_cross']),
      ...now('BOTH', ['macd', 'bullish_cross'], ['vpb', 'buy']),
      ...now('BUY', ['vpb', 'buy']),
    ];
    const ranked = rankTopSetups({ card: worked, current, horizon: 10 });
    expect(ranked.map((s) => [s.rank, s.symbol, s.score])).toEqual([
      [1, 'BOTH', 1.0425],
      [2, 'LONG', 0.495],
      [3, 'SHORT', -0.495],
      [4, 'BUY', 0.2],
      [5, 'ZERO', 0],
    ]);
    expect(rankTopSetups({ card: worked, current, horizon: 10, limit: 2 }).map((s) => s.symbol)).toEqual([
      'BOTH',
      'LONG',
    ]);
  });

  it('keeps only the symbols with every signal of the filter', () => {
    const current = [
      ...now('BOTH', ['macd', 'bullish_cross'], ['ttm-squeeze', 'squeeze_on']),
      ...now('MACD', ['macd', 'bullish_cross']),
      ...now('SQZ', ['ttm-squeeze', 'squeeze_on']),
    ];
    const where = parseSignalFilter('ttm-squeeze=squeeze_on,macd=bullish_cross', SCANNER_NAMES);
    expect(where).toEqual([
      { scanner: 'ttm-squeeze', signal: 'squeeze_on' },
      { scanner: 'macd', signal: 'bullish_cross' },
    ]);
    expect(rankTopSetups({ card: worked, current, horizon: 10, where }).map((s) => [s.symbol, s.score])).toEqual([
      ['BOTH', 0.495],
    ]);
  });
});

describe('parseSignalFilter', () => {
  it.each([
    [
      'squeeze',
      '--where must be SCANNER=SIGNAL pairs, comma-separated (e.g. ttm-squeeze=squeeze_on,macd=bullish_cross), got "squeeze"',
    ],
    [
      'macd=bullish_cross,',
      '--where must be SCANNER=SIGNAL pairs, comma-separated (e.g. ttm-squeeze=squeeze_on,macd=bullish_cross), got "macd=bullish_cross,"',
    ],
    ['rsi=buy', '--where: unknown scanner "rsi"; choose from macd, ttm-squeeze, vpb'],
    ['macd=bullish', '--where: macd has no signal "bullish"; it gives bullish_cross, bearish_cross'],
    ['macd=bullish_cross,macd=bearish_cross', '--where names macd twice; a scanner gives one signal at a time'],
  ])('refuses %j, naming the problem', (text, message) => {
    expect(() => parseSignalFilter(text, SCANNER_NAMES)).toThrow(ValidationError);
    expect(() => parseSignalFilter(text, SCANNER_NAMES)).toThrow(message);
  });

  it('refuses a scanner the scan does not run', () => {
    expect(() => parseSignalFilter('vpb=buy', ['macd'])).toThrow('--where: vpb is not among the scanners of this scan');
  });
});

describe('no look-ahead: the scorecard a ranking stands on reads no bar after the as-of', () => {
  // 60 weekdays from 2024-01-01: a buy every 3rd bar, prices rising 1 % a bar then (in the
  // crashed copy) falling 60 % after the as-of, bar 49 (2024-03-08).
  const signals = Array.from({ length: 60 }, (_, i) => (i % 3 === 0 ? 'buy' : null));
  const rising = Array.from({ length: 60 }, (_, i) => 100 * 1.01 ** i + (i % 2) * 3);
  const crashed = rising.map((c, i) => (i > 49 ? c * 0.4 : c));
  const asOf = parseIsoDay('2024-03-08');
  const scorecard = (close: number[], until?: number) =>
    buildScorecard([barsFrom({ close }, 'HAND')], { plan: handMadePlan(signals), horizons: [5], until });
  const current = now('HAND', ['vpb', 'buy']);

  it('ranks the same today whether or not the price crashes after it', () => {
    const before = scorecard(rising, asOf);
    const after = scorecard(crashed, asOf);
    expect(after).toEqual(before);
    expect(rankTopSetups({ card: after, current, horizon: 5 })).toEqual(
      rankTopSetups({ card: before, current, horizon: 5 }),
    );
    // Buys at bars 0, 3, …, 48; those at 45 and 48 have no bar 5 sessions on by the as-of.
    expect(before.rows.find((r) => r.signal === 'buy')).toMatchObject({ count: 15, missing: 2 });
    expect(before.to).toBe('2024-03-08');
  });

  it('would not, were the bars after the as-of read', () => {
    expect(scorecard(crashed).rows).not.toEqual(scorecard(rising).rows);
    expect(scorecard(crashed).rows.find((r) => r.signal === 'buy')).toMatchObject({ count: 19, missing: 1 });
  });

  it('counts a return that ends on the as-of itself', () => {
    // Bar 44's return ends on bar 49, the as-of; bar 45's would end on bar 50.
    const day44 = barsFrom({ close: rising }).day[44];
    const single = Array.from({ length: 60 }, (_, i) => (i === 44 || i === 45 ? 'buy' : null));
    const card44 = buildScorecard([barsFrom({ close: rising }, 'HAND')], {
      plan: handMadePlan(single),
      horizons: [5],
      until: asOf,
    });
    expect(card44.rows.find((r) => r.signal === 'buy')).toMatchObject({ count: 1, missing: 1 });
    expect(day44).toBe(parseIsoDay('2024-03-01'));
  });
});
