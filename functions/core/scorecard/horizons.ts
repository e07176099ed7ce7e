import { ValidationError } from '../errors.js';

/** Forward-return horizons, in sessions, when none are asked for. */
export const DEFAULT_HORIZONS: readonly number[] = [1, 5, 10, 20];
/** Sessions after a signal that Top setups rank by and alert lines quote its edge at, when none is set. */
export const DEFAULT_SCORE_HORIZON = 10;
/** About a year of sessions: the longest horizon asked for. */
export const MAX_HORIZON = 250;

/** "1,5,10,20" → [1, 5, 10, 20]: whole numbers of sessions in 1 … 250, ascending, duplicates dropped. */
export function parseHorizons(text: string, parameter = 'horizons'): number[] {
  const parts = text.split(',').map((part) => part.trim());
  if (parts.some((part) => !/^\d+$/.test(part)))
    throw new ValidationError(
      parameter,
      `${parameter} must be comma-separated whole numbers of sessions (e.g. 1,5,10,20), got "${text}"`,
    );
  const horizons = parts.map(Number);
  const outside = horizons.find((h) => h < 1 || h > MAX_HORIZON);
  if (outside !== undefined)
    throw new ValidationError(parameter, `${parameter}: ${outside} is outside 1–${MAX_HORIZON} sessions`);
  return [...new Set(horizons)].sort((a, b) => a - b);
}
