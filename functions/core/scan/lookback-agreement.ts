import { type Bars, sliceBars } from './bars.js';
import { scanSymbol } from './scan-symbol.js';
import type { ScannerName, ScanPlan } from './scanners.js';

export interface Agreement {
  /** Symbol-sessions compared, and those on which every scanner gave the same signal. */
  compared: number;
  agreed: number;
  /** Per scanner: sessions on which that scanner's signal matched. */
  agreedByScanner: Partial<Record<ScannerName, number>>;
}

/**
 * Replays the last `sessions` sessions of a full history: on each, scans the last `lookback`
 * bars and the whole history up to that session, and counts where the signals agree.
 */
export function lookbackAgreement(
  full: Bars,
  plan: ScanPlan,
  lookback: number,
  sessions: number,
  into?: Agreement,
): Agreement {
  const result = into ?? { compared: 0, agreed: 0, agreedByScanner: {} };
  const first = Math.max(1, full.length - sessions);
  for (let end = first + 1; end <= full.length; end++) {
    const reference = scanSymbol(sliceBars(full, 0, end), plan).outcomes;
    const windowed = scanSymbol(sliceBars(full, Math.max(0, end - lookback), end), plan).outcomes;
    let all = true;
    reference.forEach((ref, k) => {
      const same = ref.status === windowed[k].status && ref.signal === windowed[k].signal;
      if (same) result.agreedByScanner[ref.scanner] = (result.agreedByScanner[ref.scanner] ?? 0) + 1;
      else all = false;
    });
    result.compared++;
    if (all) result.agreed++;
  }
  return result;
}
