import { ValidationError } from '../errors.js';

/** What a run is of: a list's name, `full` (every list) or a label of the local runtime's (`replay`). */
const WATCHLIST_NAME = /^[a-z0-9][a-z0-9_-]{0,39}$/;

export function isWatchlistName(name: string): boolean {
  return WATCHLIST_NAME.test(name);
}

export function requireWatchlistName(name: string, parameter = 'watchlist'): string {
  if (!isWatchlistName(name)) {
    throw new ValidationError(
      parameter,
      `${parameter} must be 1-40 lower-case letters, digits, "_" or "-", got "${name}"`,
    );
  }
  return name;
}

/**
 * The run id derives from the scheduled time and the watchlist (and an explicit as-of date),
 * so a re-invoked schedule or a re-delivered message is the same run: "20261125T143000Z-full".
 * It sorts by time.
 */
export function deriveRunId(scheduledAt: Date, watchlist: string, asOf?: string): string {
  if (Number.isNaN(scheduledAt.getTime())) throw new ValidationError('scheduledAt', 'scheduledAt is not a valid time');
  const stamp = scheduledAt
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
  return `${stamp}-${requireWatchlistName(watchlist)}${asOf ? `-asof${asOf.replace(/-/g, '')}` : ''}`;
}
