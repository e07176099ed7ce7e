import { describe, expect, it } from 'vitest';
import { RunSummaryBuilder, formatBreadth } from '../../../functions/core/run/run-summary.js';
import { failedSymbol, scanSymbol } from '../../../functions/core/scan/scan-symbol.js';
import type { Scanner } from '../../../functions/core/scan/scanner.js';
import { planScan, type ScanPlan } from '../../../functions/core/scan/scanners.js';
import { parseIsoDay } from '../../../functions/core/market/trading-day.js';
import { barsFrom, bundledBars } from '../../helpers/bars.js';

const rising = (n: number) => barsFrom({ close: Array.from({ length: n }, (_, i) => 100 + i) });

describe('scanning one symbol', () => {
  it('gives every scanner an outcome, with the bar date it describes', async () => {
    const { outcomes, aboveSma50 } = scanSymbol(await bundledBars('AAPL', '2024-01-19', 150), planScan());
    expect(outcomes.map((o) => [o.scanner, o.status, o.signal, o.barDate])).toEqual([
      ['macd', 'ok', 'bullish_cross', '2024-01-19'],
      ['ttm-squeeze', 'ok', null, '2024-01-19'],
      ['vpb', 'ok', null, '2024-01-19'],
    ]);
    // AAPL closed at 191.56, above its 50-day SMA.
    expect(aboveSma50).toBe(true);
  });

  it('reports insufficient_data naming how many bars it has and needs', async () => {
    const arm = await bundledBars('ARM', '2023-10-05', 150);
    const { outcomes, aboveSma50 } = scanSymbol(arm, planScan());
    expect(outcomes.map((o) => [o.status, o.reason])).toEqual([
      ['insufficient_data', '16 bars, macd needs at least 35'],
      ['insufficient_data', '16 bars, ttm-squeeze needs at least 40'],
      ['insufficient_data', '16 bars, vpb needs at least 21'],
    ]);
    expect(aboveSma50).toBeNull();
  });

  it('scans what it can when only some scanners have enough bars', () => {
    const { outcomes } = scanSymbol(rising(36), planScan());
    expect(outcomes.map((o) => o.status)).toEqual(['ok', 'insufficient_data', 'ok']);
  });

  it('marks a series stale when its last bar is older than the last closed session', () => {
    const bars = rising(60); // 2024-01-01 … 2024-03-22, a Friday
    const timing = (lastClosed: string) => ({
      referenceMs: Date.parse('2024-03-26T12:00:00Z'),
      delayMs: 0,
      lastClosedSession: parseIsoDay(lastClosed),
    });
    const { outcomes } = scanSymbol(bars, planScan(), timing('2024-03-25'));
    expect(outcomes.every((o) => o.status === 'error')).toBe(true);
    expect(outcomes[0].reason).toBe('stale: the last bar is 2024-03-22, the last closed session 2024-03-25');
    expect(scanSymbol(bars, planScan(), timing('2024-03-22')).outcomes.map((o) => o.status)).toEqual([
      'ok',
      'ok',
      'ok',
    ]);
  });

  it('contains a scanner that throws or returns NaN to its own outcome', () => {
    const throwing: Scanner = {
      name: 'boom',
      description: '',
      signals: [],
      bullishSignals: [],
      bearishSignals: [],
      defaults: {},
      integerParams: [],
      minBars: () => 1,
      scan: () => {
        throw new Error('division by zero');
      },
      signalSeries: () => [],
    };
    const nan: Scanner = { ...throwing, name: 'nan', scan: () => ({ signal: 'buy', values: { price: Number.NaN } }) };
    const base = planScan(['vpb']);
    const plan: ScanPlan = {
      lookback: base.lookback,
      scanners: [
        { name: 'macd', scanner: throwing, params: {}, minBars: 1 },
        { name: 'ttm-squeeze', scanner: nan, params: {}, minBars: 1 },
        ...base.scanners,
      ],
    };
    const { outcomes } = scanSymbol(rising(30), plan);
    expect(outcomes.map((o) => [o.status, o.signal, o.reason])).toEqual([
      ['error', null, 'macd failed: division by zero'],
      ['error', null, 'ttm-squeeze computed a non-finite price'],
      ['ok', null, undefined],
    ]);
  });

  it('records a failed symbol as one error per scanner with the reason', () => {
    expect(failedSymbol('ZZZZ', planScan(['macd', 'vpb']), 'unknown symbol').outcomes).toEqual([
      { symbol: 'ZZZZ', scanner: 'macd', status: 'error', signal: null, values: null, reason: 'unknown symbol' },
      { symbol: 'ZZZZ', scanner: 'vpb', status: 'error', signal: null, values: null, reason: 'unknown symbol' },
    ]);
  });
});

describe('run summary and market breadth', () => {
  it('counts signals per scanner, bullish vs bearish, and closes above the 50-day SMA', async () => {
    // 50-day SMAs worked in Python: AAPL 191.56 > 189.80, COST 725.56 > 705.71, DDOG 121.31 < 126.39.
    const plan = planScan();
    const summary = new RunSummaryBuilder(['macd', 'ttm-squeeze', 'vpb'])
      .add(scanSymbol(await bundledBars('AAPL', '2024-01-19', 150), plan)) // macd bullish_cross, above SMA
      .add(scanSymbol(await bundledBars('COST', '2024-03-08', 150), plan)) // macd bearish_cross
      .add(scanSymbol(await bundledBars('DDOG', '2024-03-08', 150), plan)) // ttm fired_short, below SMA
      .add(scanSymbol(await bundledBars('ARM', '2023-10-05', 150), plan)) // too short
      .add(failedSymbol('ZZZZ', plan, 'unknown symbol'))
      .build();
    expect(summary.symbols).toBe(5);
    expect(summary.signals).toEqual({
      macd: { bullish_cross: 1, bearish_cross: 1 },
      'ttm-squeeze': { fired_short: 1 },
      vpb: {},
    });
    expect(summary.symbolsInsufficient).toBe(1);
    expect(summary.symbolsWithErrors).toBe(1);
    expect(summary.breadth).toEqual({ aboveSma50: 2, measured: 3, bullishSignals: 1, bearishSignals: 2 });
    expect(formatBreadth(summary.breadth)).toBe(
      'Market breadth: 2/3 above their 50-day SMA (67%), signals 1 bullish vs 2 bearish (bearish)',
    );
  });
});
