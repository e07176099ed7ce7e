import { describe, expect, it } from 'vitest';
import { type Bars } from '../../../functions/core/scan/bars.js';
import { scanSymbol } from '../../../functions/core/scan/scan-symbol.js';
import { planScan } from '../../../functions/core/scan/scanners.js';
import { parseIsoDay } from '../../../functions/core/market/trading-day.js';
import { HALF_HOUR_VOLUME_PERCENT, volumeShareAt } from '../../../functions/core/market/volume-curve.js';
import { bundledBars } from '../../helpers/bars.js';

const MINUTE = 60_000;
const plan = planScan();

/** GE up to 2024-03-08 with that day's bar cut to a partial one: same prices, `volume` so far. */
async function geWithPartialBar(volume: number): Promise<Bars> {
  const bars = await bundledBars('GE', '2024-03-08', 150);
  const copy = { ...bars, volume: Float64Array.from(bars.volume) };
  copy.volume[copy.length - 1] = volume;
  return copy;
}

/** At an instant of 2024-03-08 (New York, UTC−5), with the last closed session 2024-03-07. */
const timingAt = (hhmm: string, delayMinutes = 0) => ({
  referenceMs: Date.parse(`2024-03-08T${hhmm}:00-05:00`),
  delayMs: delayMinutes * MINUTE,
  lastClosedSession: parseIsoDay('2024-03-07'),
});

describe('volume curve', () => {
  it('is 0 at the open, 1 at the close, and the table’s sums at half-hour marks', () => {
    expect(volumeShareAt(0)).toBe(0);
    expect(volumeShareAt(1)).toBe(1);
    expect(volumeShareAt(-0.1)).toBe(0);
    expect(HALF_HOUR_VOLUME_PERCENT.reduce((a, b) => a + b, 0)).toBeCloseTo(100, 10);
    expect(volumeShareAt(1 / 13)).toBeCloseTo(0.12, 12); // 10:00: the first half hour
    expect(volumeShareAt(6 / 13)).toBeCloseTo(0.44, 12); // 12:30
    expect(volumeShareAt(12 / 13)).toBeCloseTo(0.75, 12); // 15:30: the last half hour carries 25%
  });

  it('interpolates linearly inside a half hour', () => {
    expect(volumeShareAt(0.5 / 13)).toBeCloseTo(0.06, 12);
    expect(volumeShareAt(6.5 / 13)).toBeCloseTo(0.4625, 12); // half of 12:30–13:00's 4.5%
  });

  it('never decreases over the session', () => {
    let previous = 0;
    for (let k = 0; k <= 3900; k++) {
      const share = volumeShareAt(k / 3900);
      expect(share).toBeGreaterThanOrEqual(previous);
      previous = share;
    }
  });
});

describe('a bar still trading', () => {
  it('is partial until its session closes, and closed from 16:00:00', async () => {
    const bars = await geWithPartialBar(3_000_000);
    expect(scanSymbol(bars, plan, timingAt('12:30')).outcomes.map((o) => [o.scanner, o.barDate, o.partial])).toEqual([
      ['macd', '2024-03-08', true],
      ['ttm-squeeze', '2024-03-08', true],
      ['vpb', '2024-03-08', true],
    ]);
    const closed = scanSymbol(await bundledBars('GE', '2024-03-08', 150), plan, {
      ...timingAt('16:00'),
      lastClosedSession: parseIsoDay('2024-03-08'),
    });
    expect(closed.outcomes.map((o) => o.partial)).toEqual([false, false, false]);
  });

  it('gives VPB the projected day’s volume: so far ÷ the curve’s share at the data’s end', async () => {
    const bars = await geWithPartialBar(3_000_000);
    let sum = 0;
    for (let i = bars.length - 21; i < bars.length - 1; i++) sum += bars.volume[i];
    const average = sum / 20;
    const vpb = scanSymbol(bars, plan, timingAt('12:30')).outcomes[2];
    expect(vpb.values).toMatchObject({
      volumeSoFar: 3_000_000,
      sessionShare: expect.closeTo(0.44, 12),
      projectedVolume: expect.closeTo(3_000_000 / 0.44, 6),
    });
    expect(vpb.values?.volumeSurgePct).toBeCloseTo((3_000_000 / 0.44 / average - 1) * 100, 9);
    // The provider's delay moves the data's end back: 12:40 with 10 minutes' delay is 12:30's data.
    expect(scanSymbol(bars, plan, timingAt('12:40', 10)).outcomes[2].values).toMatchObject({
      sessionShare: expect.closeTo(0.44, 12),
    });
  });

  it('lets VPB say nothing before 10:00, while the others scan the bar', async () => {
    const bars = await geWithPartialBar(1_000_000);
    const [macd, ttm, vpb] = scanSymbol(bars, plan, timingAt('09:59')).outcomes;
    expect(vpb).toMatchObject({
      status: 'ok',
      signal: null,
      values: null,
      reason: 'partial bar before 10:00',
      partial: true,
    });
    expect(macd).toMatchObject({ status: 'ok', partial: true });
    expect(ttm).toMatchObject({ status: 'ok', partial: true });
    expect(scanSymbol(bars, plan, timingAt('10:05', 10)).outcomes[2].reason).toBe('partial bar before 10:00');
    expect(scanSymbol(bars, plan, timingAt('10:00')).outcomes[2].reason).toBeUndefined();
  });

  it('leaves closed-bar values as they were', async () => {
    const bars = await bundledBars('GE', '2024-03-08', 150);
    const closed = scanSymbol(bars, plan, { ...timingAt('16:30'), lastClosedSession: parseIsoDay('2024-03-08') });
    const untimed = scanSymbol(bars, plan);
    expect(closed.outcomes.map((o) => [o.signal, o.values])).toEqual(untimed.outcomes.map((o) => [o.signal, o.values]));
    expect(closed.outcomes[2]).toMatchObject({ signal: 'buy', values: { volumeSurgePct: expect.closeTo(171, 0) } });
    expect(Object.keys(closed.outcomes[2].values ?? {})).not.toContain('projectedVolume');
  });
});
