import { ValidationError } from '../errors.js';
import { isScannerName, SCANNER_NAMES, SCANNERS, type ScannerName } from '../scan/scanners.js';
import { type Scorecard, type ScorecardRow, signalDirection } from './scorecard.js';
import { byCodeUnit } from '../text-order.js';

/**
 * Top setups: today's signals ranked by what the scorecard says about them.
 *
 * The score of a symbol, from its current signals (the scan's results at the as-of) and the
 * scorecard rows at horizon h (default 10 sessions) — computed from observations whose t + h is on
 * or before the as-of, so nothing after it counts:
 *
 * 1. Each signal s with a direction d (+1 bullish: bullish_cross, fired_long, buy; −1 bearish:
 *    bearish_cross, fired_short, sell) has its row's count n, excess return E (%) and hit rate
 *    H (%), and the baseline's chance of a hit P: the baseline's up rate U for a bullish signal,
 *    100 − U for a bearish one.
 * 2. Its edge is the excess in its own direction, e = d × E.
 * 3. Its contribution is c = n / (n + 30) × e × H / P, signed d × c. It is 0 when n < 30 ("not
 *    enough history"), when e ≤ 0 or H = 0 ("no edge": it did not beat the baseline its way), and
 *    for squeeze_on, which has no direction ("no direction"): it is shown, and adds nothing.
 *    n / (n + 30) shrinks a thin record toward zero (n = 30 halves it); H / P weighs the hit
 *    rate against picking any session (1 when the signal hits as often as the baseline).
 * 4. Confluence and conflict: with B the sum of the bullish contributions (k_B of them above 0)
 *    and S that of the bearish ones (k_S), the score is
 *      score = B × (k_B + 1) / 2 − S × (k_S + 1) / 2,
 *    so two scanners agreeing count 1.5 times their sum, three twice, and opposite signals
 *    cancel. Positive: a bullish setup; negative: a bearish one; rounded to 4 decimals.
 *
 * Ranking: every symbol with a current signal (and matching the filter, if any), by |score|
 * descending, then symbol; a score of 0 ranks last.
 *
 * Worked example (h = 10, U = 56.8 %): macd bullish_cross with n = 90, E = +0.60 %, H = 62.48 %
 * gives 90/120 × 0.60 × 62.48/56.8 = 0.75 × 0.60 × 1.1 = 0.495; vpb buy with n = 30, E = +0.40 %,
 * H = 56.8 % gives 30/60 × 0.40 × 1 = 0.2. Together: (0.495 + 0.2) × 3/2 = +1.0425. Had MACD given
 * bearish_cross (n = 90, E = −0.60 %, H = 47.52 %, P = 43.2 %, so 0.495 bearish) with the buy:
 * 0.2 − 0.495 = −0.295.
 */

/** The count below which a signal adds nothing, and the constant of the shrinkage n / (n + 30). */
export const MIN_EVIDENCE = 30;
/** Setups Discord's /top lists when no count is given, and the most it lists (one embed's worth). */
export const DEFAULT_TOP_COUNT = 10;
export const MAX_TOP_COUNT = 25;

/** A symbol's signal in the scan's results at the as-of. */
export interface CurrentSignal {
  readonly symbol: string;
  readonly scanner: ScannerName;
  readonly signal: string;
}

/** Symbols must have every one of these signals now: all of them, one per scanner. */
export type SignalFilter = readonly { readonly scanner: ScannerName; readonly signal: string }[];

export interface TopSignal {
  readonly scanner: ScannerName;
  readonly signal: string;
  /** Observations behind the edge at the horizon. */
  readonly n: number;
  readonly excessReturnPct: number | null;
  readonly hitRatePct: number | null;
  /** What it adds to the score: + bullish, − bearish, 4 decimals. */
  readonly contribution: number;
  /** Why it adds nothing: "not enough history", "no edge", "no direction". */
  readonly note?: string;
}

export interface TopSetup {
  readonly rank: number;
  readonly symbol: string;
  readonly score: number;
  /** In scanner order. */
  readonly signals: readonly TopSignal[];
}

export interface TopSetupsInput {
  /** The scorecard's rows and baseline (the JSON of `scanfleet scorecard`), with the horizon among them. */
  readonly card: Pick<Scorecard, 'rows' | 'baseline'>;
  readonly current: readonly CurrentSignal[];
  readonly horizon: number;
  readonly where?: SignalFilter;
  /** The top N; all when absent. */
  readonly limit?: number;
}

/** The ranked setups: see the module's comment for the score. */
export function rankTopSetups(input: TopSetupsInput): TopSetup[] {
  const { card, horizon } = input;
  const baseline = card.baseline.find((b) => b.horizon === horizon);
  if (!baseline) throw new Error(`the scorecard has no baseline at horizon ${horizon}`);
  const rows = new Map<string, ScorecardRow>();
  for (const row of card.rows) if (row.horizon === horizon) rows.set(`${row.scanner}/${row.signal}`, row);
  const bySymbol = new Map<string, CurrentSignal[]>();
  for (const current of input.current) bySymbol.set(current.symbol, [...(bySymbol.get(current.symbol) ?? []), current]);
  const order = (name: ScannerName) => SCANNER_NAMES.indexOf(name);
  const scored = [...bySymbol]
    .filter(([, signals]) => matchesFilter(signals, input.where ?? []))
    .map(([symbol, signals]) => {
      const scoredSignals = [...signals]
        .sort((a, b) => order(a.scanner) - order(b.scanner))
        .map((s) => scoreSignal(s, rows.get(`${s.scanner}/${s.signal}`), baseline.upRatePct));
      return {
        symbol,
        score: symbolScore(scoredSignals.map((s) => s.value)),
        signals: scoredSignals.map((s) => s.shown),
      };
    })
    .sort((a, b) => Math.abs(b.score) - Math.abs(a.score) || byCodeUnit(a.symbol, b.symbol));
  return scored.slice(0, input.limit).map((setup, i) => ({ rank: i + 1, ...setup }));
}

/** A signal's edge at the horizon, as shown, and its signed contribution before rounding. */
function scoreSignal(
  current: CurrentSignal,
  row: ScorecardRow | undefined,
  upRatePct: number | null,
): { shown: TopSignal; value: number } {
  const n = row?.count ?? 0;
  const excess = row?.excessReturnPct ?? null;
  const hit = row?.hitRatePct ?? null;
  const edgeOf = { scanner: current.scanner, signal: current.signal, n, excessReturnPct: excess, hitRatePct: hit };
  const none = (note: string) => ({ shown: { ...edgeOf, contribution: 0, note }, value: 0 });
  const direction = signalDirection(SCANNERS[current.scanner], current.signal);
  if (direction === null) return none('no direction');
  if (n < MIN_EVIDENCE || excess === null || hit === null || upRatePct === null) return none('not enough history');
  const sign = direction === 'up' ? 1 : -1;
  const edge = sign * excess;
  const chance = direction === 'up' ? upRatePct : 100 - upRatePct;
  if (edge <= 0 || hit === 0 || chance <= 0) return none('no edge');
  const value = sign * (n / (n + MIN_EVIDENCE)) * edge * (hit / chance);
  return { shown: { ...edgeOf, contribution: round4(value) }, value };
}

/** B × (k_B + 1) / 2 − S × (k_S + 1) / 2 over the signed contributions. */
function symbolScore(values: readonly number[]): number {
  const side = (sums: readonly number[]) => sums.reduce((a, b) => a + b, 0) * ((sums.length + 1) / 2);
  return round4(side(values.filter((v) => v > 0)) - side(values.filter((v) => v < 0).map((v) => -v)));
}

function matchesFilter(signals: readonly CurrentSignal[], where: SignalFilter): boolean {
  return where.every((w) => signals.some((s) => s.scanner === w.scanner && s.signal === w.signal));
}

/** To 4 decimals, halves away from zero (a bearish mirror of a bullish score is its exact negative), never −0. */
function round4(value: number): number {
  return (Math.sign(value) * Math.round(Math.abs(value) * 10_000)) / 10_000 + 0;
}

/**
 * "ttm-squeeze=squeeze_on,macd=bullish_cross" → the filter: SCANNER=SIGNAL pairs, comma-separated,
 * all of which must hold; each scanner among those scanned, each signal one it gives, each scanner once.
 */
export function parseSignalFilter(text: string, scanners: readonly ScannerName[], parameter = '--where'): SignalFilter {
  const filter: { scanner: ScannerName; signal: string }[] = [];
  for (const part of text.split(',').map((p) => p.trim())) {
    const match = /^([a-z-]+)=([a-z_]+)$/.exec(part);
    if (!match)
      throw new ValidationError(
        parameter,
        `${parameter} must be SCANNER=SIGNAL pairs, comma-separated (e.g. ttm-squeeze=squeeze_on,macd=bullish_cross), got "${text}"`,
      );
    const [, scanner, signal] = match as unknown as [string, string, string];
    if (!isScannerName(scanner))
      throw new ValidationError(
        parameter,
        `${parameter}: unknown scanner "${scanner}"; choose from ${SCANNER_NAMES.join(', ')}`,
      );
    if (!scanners.includes(scanner))
      throw new ValidationError(parameter, `${parameter}: ${scanner} is not among the scanners of this scan`);
    const signals: readonly string[] = SCANNERS[scanner].signals;
    if (!signals.includes(signal))
      throw new ValidationError(
        parameter,
        `${parameter}: ${scanner} has no signal "${signal}"; it gives ${signals.join(', ')}`,
      );
    if (filter.some((f) => f.scanner === scanner))
      throw new ValidationError(parameter, `${parameter} names ${scanner} twice; a scanner gives one signal at a time`);
    filter.push({ scanner, signal });
  }
  return filter;
}
