/**
 * The intraday volume curve: the share of an average day's volume traded by a point of the
 * regular session. US equity volume is U-shaped: heavy after the open, light at midday, heaviest
 * into the close (closing auction included). The table is per half hour of a full 6.5-hour
 * session, in percent; a shorter (early-close) session is mapped onto it by elapsed share.
 *
 * Sources for its shape (no intraday data is reachable from this project, so it is an
 * illustrative curve, not a fit, and claims no accuracy for any symbol):
 * - the first half hour carries 11.0–12.6% of US equity volume (NYSE Data Insights, "Opening
 *   auction fill behaviors: opportunities early in the day");
 * - the last half hour carries more than 25% of S&P 500 volume, the closing auction over 10%
 *   (Traders Magazine, "Closing Volume Discovery");
 * - 3–4 p.m. carries ~28% of S&P 500 volume before the closing auction (ITG Analytics
 *   Incubator, "How much volume trades in the last hour of the day", 2016).
 * The midday half hours are a smooth U between those anchors.
 */
export const HALF_HOUR_VOLUME_PERCENT: readonly number[] = [
  12.0, // 09:30–10:00
  8.5, // 10:00–10:30
  7.0, // 10:30–11:00
  6.0, // 11:00–11:30
  5.5, // 11:30–12:00
  5.0, // 12:00–12:30
  4.5, // 12:30–13:00
  4.5, // 13:00–13:30
  5.0, // 13:30–14:00
  5.0, // 14:00–14:30
  5.5, // 14:30–15:00
  6.5, // 15:00–15:30
  25.0, // 15:30–16:00, closing auction included
];

/**
 * Cumulative share (0–1) of an average day's volume traded once `elapsed` (0–1) of the regular
 * session has passed: linear within each half hour, 0 at the open and 1 at the close.
 */
export function volumeShareAt(elapsed: number, table: readonly number[] = HALF_HOUR_VOLUME_PERCENT): number {
  if (!(elapsed > 0)) return 0;
  if (elapsed >= 1) return 1;
  const total = table.reduce((sum, p) => sum + p, 0);
  const position = elapsed * table.length;
  const whole = Math.floor(position);
  let cumulative = 0;
  for (let i = 0; i < whole; i++) cumulative += table[i];
  cumulative += table[whole] * (position - whole);
  return cumulative / total;
}
