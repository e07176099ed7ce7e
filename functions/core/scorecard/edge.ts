import type { Direction } from './return-tally.js';
import type { ScorecardRow } from './scorecard.js';
import { MIN_EVIDENCE } from './top-setups.js';

export type EdgeFigures = Pick<ScorecardRow, 'count' | 'meanReturnPct' | 'hitRatePct' | 'excessReturnPct'>;

/** A signed percentage with a true minus sign: +1.1%, −0.4%, 0.0%. */
export function signedPct(value: number, decimals = 1): string {
  const text = Math.abs(value).toFixed(decimals);
  if (Number(text) === 0) return `${text}%`;
  return `${value > 0 ? '+' : '−'}${text}%`;
}

/**
 * A signal's edge at a horizon, as an alert line carries it: `10d: 58% up (n=412), +1.1% vs all`
 * — its hit rate in its direction, the count, and its mean return over the baseline's; a signal
 * without a direction (squeeze_on) gives its mean instead of a hit rate. Below MIN_EVIDENCE (30)
 * observations (or none scored yet): "not enough history".
 */
export function edgeFigures(horizon: number, direction: Direction | null, figures: EdgeFigures | undefined): string {
  const count = figures?.count ?? 0;
  if (figures === undefined || count < MIN_EVIDENCE || figures.meanReturnPct === null)
    return `${horizon}d: not enough history (n=${count})`;
  const rate =
    direction === null || figures.hitRatePct === null
      ? `${signedPct(figures.meanReturnPct)} mean`
      : `${Math.round(figures.hitRatePct)}% ${direction}`;
  const excess = figures.excessReturnPct === null ? '' : `, ${signedPct(figures.excessReturnPct)} vs all`;
  return `${horizon}d: ${rate} (n=${count})${excess}`;
}

/** The edge with its signal's name: `fired_long · 10d: 58% up (n=412), +1.1% vs all`. */
export function edgeText(
  signal: string,
  horizon: number,
  direction: Direction | null,
  figures: EdgeFigures | undefined,
): string {
  return `${signal} · ${edgeFigures(horizon, direction, figures)}`;
}
