/**
 * Returns are kept as whole numbers of 0.0001 % (1,000,000 units = +100 %): every total over
 * them is an integer sum, so the CLI and a live store adding the same returns in any order get
 * the same count, mean and hit rate, to the unit.
 */
export const UNITS_PER_PCT = 10_000;

/** 100 × (to / from − 1) in units of 0.0001 %, rounded half up. */
export function returnUnits(from: number, to: number): number {
  return Math.round(1e6 * (to / from - 1));
}

/** The return from bar t's close to bar t + h's (the h-th session after t), undefined when the series ends first. */
export function forwardReturnUnits(close: Float64Array, t: number, h: number): number | undefined {
  return t + h < close.length ? returnUnits(close[t], close[t + h]) : undefined;
}

/**
 * The forward returns, in %, from session `start`'s close at each horizon: an alert event's
 * outcome as the scorecard defines it. Null where the bars end first, or do not hold `start`.
 */
export function returnsFrom(
  bars: { readonly day: Int32Array; readonly close: Float64Array },
  start: number,
  horizons: readonly number[],
): Record<number, number | null> {
  const t = bars.day.indexOf(start);
  return Object.fromEntries(
    horizons.map((h) => {
      const units = t < 0 ? undefined : forwardReturnUnits(bars.close, t, h);
      return [h, units === undefined ? null : units / UNITS_PER_PCT];
    }),
  );
}
