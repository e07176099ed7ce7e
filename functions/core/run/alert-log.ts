import type { ScanValues } from '../scan/scanner.js';
import type { ScannerName } from '../scan/scanners.js';
import type { EventKind } from './signal-events.js';

/** One line of a run's alert log: what the run alerts (or held back), with the figures to show. */
export interface AlertLogEntry {
  readonly runId: string;
  readonly symbol: string;
  readonly scanner: ScannerName;
  readonly signal: string;
  readonly kind: Exclude<EventKind, 'seen'>;
  readonly barDate: string;
  readonly start: string;
  /** The run's instant. */
  readonly at: string;
  readonly late?: boolean;
  readonly suppressedBy?: string;
  readonly values: ScanValues | null;
  /** In the outbox already (as part of a message). */
  readonly queued?: boolean;
}
