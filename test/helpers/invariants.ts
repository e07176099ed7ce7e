import { expect } from 'vitest';
import type { LocalPipelineResult } from '../../functions/local/local-pipeline.js';

/**
 * What every run must satisfy, whatever went wrong during it: each symbol × scanner is accounted
 * for exactly once (an item with a result, or an error with its reason; or its whole batch on
 * the run's failedBatches with the error, when the batch went to the dead-letter queue), and
 * the run's counters are exactly what its items say.
 */
export function expectRunAccountedFor(
  result: LocalPipelineResult,
  symbols: readonly string[],
  scanners: readonly string[],
): void {
  const { run, outcomes, deadLetters } = result;
  expect(result.symbols).toEqual(symbols);
  expect(run.symbolCount).toBe(symbols.length);
  const batches = Math.ceil(symbols.length / run.batchSize);
  const failed = [...run.failedBatches].sort((a, b) => a - b);
  expect(deadLetters.map((d) => d.message.batch).sort((a, b) => a - b)).toEqual(failed);
  const counted = [...run.doneBatches].sort((a, b) => a - b);
  // Every batch is counted once or dead-lettered, never both, never neither.
  expect([...counted, ...failed].sort((a, b) => a - b)).toEqual(Array.from({ length: batches }, (_, i) => i));
  expect(run.batchesDone).toBe(counted.length);
  // Every run ends: complete, or partial/failed saying which batches and why.
  if (failed.length === 0) expect(run.status).toBe('complete');
  else {
    expect(run.status).toBe(counted.length > 0 ? 'partial' : 'failed');
    expect(run.endReason).toMatch(
      new RegExp(`^${failed.length} of ${batches} batches .*: batch ${failed.join(', ')}\\b`),
    );
    expect(run.lastBatchError).toMatch(/^batch \d+: ./);
  }

  // The dead-lettered messages' symbols: a run's batches together hold each of its symbols once.
  const inFailed = new Set(deadLetters.flatMap((d) => d.message.symbols));
  expect(deadLetters.reduce((n, d) => n + d.message.symbols.length, 0)).toBe(inFailed.size);
  const expected = symbols
    .filter((s) => !inFailed.has(s))
    .flatMap((symbol) => scanners.map((scanner) => `${symbol}/${scanner}`));
  expect(outcomes.map((o) => `${o.symbol}/${o.scanner}`).sort()).toEqual(expected.sort());
  for (const o of outcomes) {
    expect(['ok', 'insufficient_data', 'error']).toContain(o.status);
    if (o.status !== 'ok') expect(o.reason, `${o.symbol}/${o.scanner}`).toMatch(/\S/);
  }

  expect(run.symbolsDone).toBe(symbols.length - inFailed.size);
  const symbolsWith = (status: string) =>
    new Set(outcomes.filter((o) => o.status === status).map((o) => o.symbol)).size;
  expect(run.symbolsWithErrors).toBe(symbolsWith('error'));
  const signals: Record<string, Record<string, number>> = {};
  for (const o of outcomes)
    if (o.signal) (signals[o.scanner] ??= {})[o.signal] = (signals[o.scanner]?.[o.signal] ?? 0) + 1;
  for (const [scanner, counts] of Object.entries(run.signalCounts))
    for (const [signal, n] of Object.entries(counts))
      expect(n, `${scanner} ${signal}`).toBe(signals[scanner]?.[signal] ?? 0);
}

/** The signals of a finished run, as "scanner symbol signal" lines, to compare runs by. */
export function signalLines(result: LocalPipelineResult): string[] {
  return result.outcomes.filter((o) => o.signal).map((o) => `${o.scanner} ${o.symbol} ${o.signal}`);
}
