import { SCANNERS } from '../scan/scanners.js';
import { type Scorecard, signalDirection } from './scorecard.js';
import type { Direction } from './return-tally.js';

/**
 * One line on what the scorecard says: the signals that beat the baseline at every horizon. A
 * bullish signal beats it with a positive excess return; a bearish one with a negative excess
 * (its stocks did worse than all sessions, as it said); squeeze_on has no direction.
 */
export function scorecardReading(card: Scorecard): string {
  const verdicts = new Map<string, { direction: Direction; beat: boolean }>();
  for (const row of card.rows) {
    const direction = signalDirection(SCANNERS[row.scanner], row.signal);
    if (direction === null) continue;
    const excess = row.excessReturnPct;
    const beat = excess !== null && (direction === 'up' ? excess > 0 : excess < 0);
    verdicts.set(row.signal, { direction, beat: (verdicts.get(row.signal)?.beat ?? true) && beat });
  }
  const winners = [...verdicts].filter(([, v]) => v.beat);
  if (winners.length === 0) return 'No signal beat the baseline at every horizon.';
  const names = winners.map(([signal]) => signal);
  const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
  const bearish = winners.some(([, v]) => v.direction === 'down');
  return `${list} beat the baseline at every horizon${bearish ? ' (a bearish signal by falling further)' : ''}.`;
}
