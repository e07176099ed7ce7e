import { ValidationError } from '../errors.js';
import { macdScanner } from './macd.js';
import { type Scanner, type ScannerParams, resolveParams } from './scanner.js';
import { ttmSqueezeScanner } from './ttm-squeeze.js';
import { vpbScanner } from './vpb.js';

export const SCANNERS = {
  macd: macdScanner,
  'ttm-squeeze': ttmSqueezeScanner,
  vpb: vpbScanner,
} as const;

export type ScannerName = keyof typeof SCANNERS;
export const SCANNER_NAMES = Object.keys(SCANNERS) as ScannerName[];

/**
 * Bars fetched per symbol. Measured, not guessed (`npm run lookback`): over the last 60 sessions
 * of the bundled 150 symbols, signals from the last 150 bars agree with signals from the full
 * history on 100.00% of 9,000 symbol-sessions (100 bars: 99.79%, 60 bars: 96.54%). Only the
 * MACD's EMAs need the warm-up; the squeeze and breakout look back 40 and 21 bars.
 */
export const DEFAULT_LOOKBACK_BARS = 150;

/** Breadth counts closes above this simple moving average. */
export const BREADTH_SMA_PERIOD = 50;

export function isScannerName(name: string): name is ScannerName {
  return Object.hasOwn(SCANNERS, name);
}

/** Parses "macd,vpb" (order kept, duplicates dropped); unknown names are a ValidationError. */
export function parseScannerNames(list: string, parameter = 'scanners'): ScannerName[] {
  const names = list
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
  if (names.length === 0) {
    throw new ValidationError(parameter, `${parameter} is empty; choose from ${SCANNER_NAMES.join(', ')}`);
  }
  for (const name of names) {
    if (!isScannerName(name)) {
      throw new ValidationError(parameter, `unknown scanner "${name}"; choose from ${SCANNER_NAMES.join(', ')}`);
    }
  }
  return [...new Set(names as ScannerName[])];
}

/**
 * Parses "fired_long,buy" against the signals the given scanners define (order kept, duplicates
 * dropped); a name none of them gives is a ValidationError naming the ones they do.
 */
export function parseSignalNames(list: string, scanners: readonly ScannerName[], parameter = 'signals'): string[] {
  const valid = scanners.flatMap((name): readonly string[] => SCANNERS[name].signals);
  const names = list
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
  if (names.length === 0)
    throw new ValidationError(parameter, `${parameter} is empty; choose from ${valid.join(', ')}`);
  for (const name of names) {
    if (valid.includes(name)) continue;
    const owner = SCANNER_NAMES.find((scanner) => (SCANNERS[scanner].signals as readonly string[]).includes(name));
    throw new ValidationError(
      parameter,
      owner
        ? `${parameter}: "${name}" is a ${owner} signal, and ${owner} is not among the scanners of this scan; choose from ${valid.join(', ')}`
        : `unknown signal "${name}"; choose from ${valid.join(', ')}`,
    );
  }
  return [...new Set(names)];
}

export interface PlannedScanner {
  readonly name: ScannerName;
  readonly scanner: Scanner;
  readonly params: ScannerParams;
  readonly minBars: number;
}

/** Which scanners run, with which parameters, over how many bars. */
export interface ScanPlan {
  readonly scanners: readonly PlannedScanner[];
  readonly lookback: number;
}

export type ParamOverrides = Partial<Record<ScannerName, Record<string, number>>>;

export function planScan(
  names: readonly ScannerName[] = SCANNER_NAMES,
  overrides: ParamOverrides = {},
  lookback = DEFAULT_LOOKBACK_BARS,
): ScanPlan {
  for (const name of Object.keys(overrides)) {
    if (!names.includes(name as ScannerName)) {
      throw new ValidationError(name, `parameters given for ${name}, which is not among the scanners of this scan`);
    }
  }
  const scanners = names.map((name) => {
    const scanner = SCANNERS[name] as unknown as Scanner;
    const params = resolveParams(scanner, overrides[name]);
    return { name, scanner, params, minBars: scanner.minBars(params) };
  });
  const needed = Math.max(BREADTH_SMA_PERIOD, ...scanners.map((s) => s.minBars));
  return { scanners, lookback: Math.max(lookback, needed) };
}
