import { ValidationError } from '../errors.js';
import { type Bars, sliceBars } from '../scan/bars.js';
import { SCANNER_NAMES, type ScannerName, type ScanPlan } from '../scan/scanners.js';
import type { Scanner } from '../scan/scanner.js';
import { isoDay, type EpochDay } from '../market/trading-day.js';
import { forwardReturnUnits, UNITS_PER_PCT } from './forward-return.js';
import { countedSessions, type SessionRange, symbolObservations } from './observations.js';
import { type Direction, exactMedianPct, ReturnTally } from './return-tally.js';

/** One scanner × signal × horizon. Stats are null when count is 0. */
export interface ScorecardRow {
  readonly scanner: ScannerName;
  readonly signal: string;
  readonly horizon: number;
  readonly count: number;
  /** Observations without a session t + h in the data. */
  readonly missing: number;
  readonly meanReturnPct: number | null;
  readonly medianReturnPct: number | null;
  /** Null for a signal without a direction (squeeze_on). */
  readonly hitRatePct: number | null;
  /** meanReturnPct − the baseline's mean at the same horizon. */
  readonly excessReturnPct: number | null;
}

/** Every counted session with a t + h, whatever the signals. */
export interface BaselineRow {
  readonly horizon: number;
  readonly count: number;
  readonly meanReturnPct: number | null;
  /** Share of returns above zero. */
  readonly upRatePct: number | null;
}

/** What `scanfleet scorecard --json` prints. */
export interface Scorecard {
  /** The first and last session t counted. */
  readonly from: string;
  readonly to: string;
  readonly horizons: readonly number[];
  /** The symbols whose history was read, in the order given. */
  readonly symbols: readonly string[];
  /** Scanners in SCANNER_NAMES order, each scanner's signals in its `signals` order, then horizons ascending. */
  readonly rows: readonly ScorecardRow[];
  readonly baseline: readonly BaselineRow[];
}

export interface ScorecardOptions {
  readonly plan: ScanPlan;
  /** Ascending, each in 1 … MAX_HORIZON. */
  readonly horizons: readonly number[];
  readonly range?: SessionRange;
  /**
   * The last day whose bars are read: a symbol's later bars are left out, so no return ends after
   * it (Top setups' no look-ahead). All the bars when absent.
   */
  readonly until?: EpochDay;
}

interface SignalCell {
  readonly tally: ReturnTally;
  /** Every return, for the exact median. */
  readonly values: number[];
  missing: number;
}

/**
 * Adds one symbol's full history at a time (none is kept after `add`), then reports. Each
 * symbol's signals come from one pass over its history (Scanner.signalSeries), its forward
 * returns from its own closes.
 */
export class ScorecardBuilder {
  private readonly plan: ScanPlan;
  private readonly cells = new Map<string, SignalCell[]>();
  private readonly baseline: ReturnTally[];
  private readonly symbols: string[] = [];
  /** The first and last session counted over all symbols so far. */
  private fromDay: EpochDay | undefined;
  private toDay: EpochDay | undefined;

  constructor(private readonly options: ScorecardOptions) {
    const order = (name: ScannerName) => SCANNER_NAMES.indexOf(name);
    this.plan = { ...options.plan, scanners: [...options.plan.scanners].sort((a, b) => order(a.name) - order(b.name)) };
    for (const { name, scanner } of this.plan.scanners) {
      for (const signal of scanner.signals) {
        const direction = signalDirection(scanner, signal);
        this.cells.set(
          cellKey(name, signal),
          options.horizons.map(() => ({ tally: new ReturnTally(direction), values: [], missing: 0 })),
        );
      }
    }
    this.baseline = options.horizons.map(() => new ReturnTally('up'));
  }

  add(history: Bars): void {
    const bars = this.options.until === undefined ? history : barsThrough(history, this.options.until);
    this.symbols.push(bars.symbol);
    const sessions = countedSessions(bars, this.plan, this.options.range ?? {});
    if (sessions.end <= sessions.first) return;
    const firstDay = bars.day[sessions.first];
    const lastDay = bars.day[sessions.end - 1];
    if (this.fromDay === undefined || firstDay < this.fromDay) this.fromDay = firstDay;
    if (this.toDay === undefined || lastDay > this.toDay) this.toDay = lastDay;
    const { horizons } = this.options;
    for (let t = sessions.first; t < sessions.end; t++) {
      horizons.forEach((h, k) => {
        const units = forwardReturnUnits(bars.close, t, h);
        if (units !== undefined) this.baseline[k].add(units);
      });
    }
    for (const observation of symbolObservations(bars, this.plan, sessions)) {
      const cells = this.cells.get(cellKey(observation.scanner, observation.signal));
      if (!cells) throw new Error(`${observation.scanner} gave a signal it does not declare: ${observation.signal}`);
      horizons.forEach((h, k) => {
        const units = forwardReturnUnits(bars.close, observation.index, h);
        if (units === undefined) cells[k].missing++;
        else {
          cells[k].tally.add(units);
          cells[k].values.push(units);
        }
      });
    }
  }

  /** The document; a ValidationError when no symbol had a session in the range. */
  result(): Scorecard {
    if (this.fromDay === undefined || this.toDay === undefined) throw noSessions(this.options.range ?? {});
    const { horizons } = this.options;
    const baseline = this.baseline.map((tally, k): BaselineRow => {
      const stats = tally.stats();
      return {
        horizon: horizons[k],
        count: tally.count,
        meanReturnPct: stats?.meanReturnPct ?? null,
        upRatePct: stats?.hitRatePct ?? null,
      };
    });
    const rows: ScorecardRow[] = [];
    for (const { name, scanner } of this.plan.scanners) {
      for (const signal of scanner.signals) {
        const cells = this.cells.get(cellKey(name, signal)) ?? [];
        cells.forEach(({ tally, values, missing }, k) => {
          const stats = tally.stats();
          const base = baseline[k].meanReturnPct;
          rows.push({
            scanner: name,
            signal,
            horizon: horizons[k],
            count: tally.count,
            missing,
            meanReturnPct: stats?.meanReturnPct ?? null,
            medianReturnPct: stats ? exactMedianPct(values) : null,
            hitRatePct: stats?.hitRatePct ?? null,
            excessReturnPct: stats && base !== null ? excessPct(stats.meanReturnPct, base) : null,
          });
        });
      }
    }
    return {
      from: isoDay(this.fromDay),
      to: isoDay(this.toDay),
      horizons: [...horizons],
      symbols: this.symbols,
      rows,
      baseline,
    };
  }
}

/** The scorecard of the given histories. */
export function buildScorecard(histories: Iterable<Bars>, options: ScorecardOptions): Scorecard {
  const builder = new ScorecardBuilder(options);
  for (const bars of histories) builder.add(bars);
  return builder.result();
}

/** Bullish signals hit when the price rises, bearish ones when it falls; others have no direction. */
export function signalDirection(
  scanner: Pick<Scanner, 'bullishSignals' | 'bearishSignals'>,
  signal: string,
): Direction | null {
  if (scanner.bullishSignals.includes(signal)) return 'up';
  if (scanner.bearishSignals.includes(signal)) return 'down';
  return null;
}

/** The bars dated on or before `day`. */
function barsThrough(bars: Bars, day: EpochDay): Bars {
  let end = bars.length;
  while (end > 0 && bars.day[end - 1] > day) end--;
  return end === bars.length ? bars : sliceBars(bars, 0, end);
}

/** The difference of two means of 4 decimals, exact to the unit. */
export function excessPct(mean: number, baselineMean: number): number {
  return Math.round((mean - baselineMean) * UNITS_PER_PCT) / UNITS_PER_PCT;
}

function cellKey(scanner: ScannerName, signal: string): string {
  return `${scanner}/${signal}`;
}

function noSessions({ from, to }: SessionRange): ValidationError {
  const where =
    from !== undefined && to !== undefined
      ? `in ${isoDay(from)} … ${isoDay(to)}`
      : from !== undefined
        ? `on or after ${isoDay(from)}`
        : to !== undefined
          ? `on or before ${isoDay(to)}`
          : 'in the data';
  return new ValidationError('range', `no session ${where} has enough bars for the chosen scanners`);
}
