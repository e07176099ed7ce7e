import { describe, expect, it } from 'vitest';
import { BAR_BYTES, decodeBars, encodeBars } from '../../../functions/adapters/store/bars-store.js';
import { bundledBars } from '../../helpers/bars.js';

describe('cached bars: one binary attribute, Float32 prices', () => {
  it('keeps days and volumes exact and prices to 7 significant digits, in 28 bytes a bar', async () => {
    const bars = await bundledBars('COST', '2024-03-08', 156);
    const bytes = encodeBars(bars);
    expect(bytes.length).toBe(156 * BAR_BYTES);
    expect(BAR_BYTES).toBe(28);
    const back = decodeBars('COST', bytes);
    expect(back.length).toBe(156);
    expect(Array.from(back.day)).toEqual(Array.from(bars.day));
    expect(Array.from(back.volume)).toEqual(Array.from(bars.volume));
    for (const field of ['open', 'high', 'low', 'close'] as const)
      for (let i = 0; i < bars.length; i++)
        expect(back[field][i]).toBe(Number(Math.fround(bars[field][i]).toPrecision(7)));
    // COST's 2024-03-08 row: 756.049988, 756.219971, 725.099976, 725.559998, volume 8,568,900.
    expect([back.open[155], back.high[155], back.low[155], back.close[155], back.volume[155]]).toEqual([
      756.05, 756.22, 725.1, 725.56, 8_568_900,
    ]);
  });

  it('refuses bytes that are not whole bars', () => {
    expect(() => decodeBars('GE', new Uint8Array(BAR_BYTES + 3))).toThrow(
      'cached bars of GE are 31 bytes, not a multiple of 28',
    );
  });
});
