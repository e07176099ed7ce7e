import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCANNER_NAMES } from '../../functions/core/scan/scanners.js';
import { parseWatchlist } from '../../functions/core/scan/symbols.js';
import { BUNDLED_DATA_DIR } from '../../functions/local/cli/symbol-source.js';
import { runLocalPipeline } from '../../functions/local/local-pipeline.js';
import { startEmbeddedStore } from '../../functions/local/embedded-store.js';
import { createDocumentClient } from '../../functions/adapters/store/dynamodb-client.js';
import { openStores } from '../../functions/adapters/store/stores.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';

const watchlist = parseWatchlist(readFileSync(join(BUNDLED_DATA_DIR, 'watchlist.txt'), 'utf8'));
const reference = JSON.parse(
  readFileSync(new URL('../fixtures/reference-signals-2024-01-19.json', import.meta.url), 'utf8'),
) as { signals: Record<string, Record<string, string>> };

describe('local pipeline: dispatch → 5 batches → scan-batch → embedded DynamoDB', () => {
  it('accounts for all 150 symbols × 3 scanners exactly once, in one complete run record', async () => {
    const batchesSeen: number[] = [];
    const { run, outcomes, deadLetters } = await runLocalPipeline({
      watchlist: 'default',
      symbols: watchlist,
      scanners: SCANNER_NAMES,
      dataDir: BUNDLED_DATA_DIR,
      lookback: 150,
      asOf: '2024-01-19',
      onProgress: (done) => batchesSeen.push(done),
    });
    expect(deadLetters).toEqual([]);
    expect(run).toMatchObject({
      status: 'complete',
      batchesExpected: 5,
      batchesDone: 5,
      doneBatches: [0, 1, 2, 3, 4],
      failedBatches: [],
      symbolsDone: 150,
      symbolsWithErrors: 0,
      asOf: '2024-01-19',
    });
    expect(run.runId).toMatch(/^\d{8}T\d{6}Z-default-asof20240119$/);
    expect(run.barDates).toEqual(['2024-01-19']);
    expect(batchesSeen).toEqual([30, 60, 90, 120, 150]);
    expect(outcomes).toHaveLength(450);
    expect(new Set(outcomes.map((o) => `${o.symbol}/${o.scanner}`)).size).toBe(450);
    expect(outcomes.slice(0, 3).map((o) => `${o.symbol}/${o.scanner}`)).toEqual([
      'AAPL/macd',
      'AAPL/ttm-squeeze',
      'AAPL/vpb',
    ]);
    for (const scanner of SCANNER_NAMES) {
      const found = Object.fromEntries(
        outcomes.filter((o) => o.scanner === scanner && o.signal).map((o) => [o.symbol, o.signal]),
      );
      expect(found, scanner).toEqual(reference.signals[scanner]);
      const counted = Object.values(run.signalCounts[scanner]).reduce((a, b) => a + b, 0);
      expect(counted, scanner).toBe(Object.keys(reference.signals[scanner]).length);
    }
  });

  it('keeps runs in a store directory across invocations with --db', async () => {
    const dir = tempDir('db');
    const first = runCli(['scan', '--symbols', 'AAPL,MSFT', '--db', dir, '--json']);
    const second = runCli(['scan', '--symbols', 'GE', '--db', dir, '--json', '--as-of', '2024-03-08']);
    expect(first.status).toBe(0);
    expect(second.status).toBe(0);
    const a = JSON.parse(first.stdout) as { runId: string; results: unknown[] };
    const b = JSON.parse(second.stdout) as { runId: string; results: unknown[] };
    expect(a.results).toHaveLength(6);
    expect(b.results).toHaveLength(3);
    expect(a.runId).not.toBe(b.runId);
    const store = await startEmbeddedStore({ path: dir });
    const client = createDocumentClient(store.endpoint);
    try {
      const { runs } = openStores(client, { tableName: store.tableName });
      const stored = await runs.listRuns(10);
      expect(stored.items.map((r) => [r.runId, r.status, r.symbolCount])).toEqual([
        [b.runId, 'complete', 1],
        [a.runId, 'complete', 2],
      ]);
      expect([await runs.runSymbols(b.runId), await runs.runSymbols(a.runId)]).toEqual([['GE'], ['AAPL', 'MSFT']]);
    } finally {
      client.destroy();
      await store.close();
    }
  });

  it('shows the handlers’ structured logs on stderr with --verbose, leaving stdout one JSON document', () => {
    const run = runCli(['scan', '--symbols', 'AAPL', '--json', '--verbose']);
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout).results).toHaveLength(3);
    expect(run.stderr).toContain('"message":"dispatch finished"');
    expect(run.stderr).toContain('"message":"batch finished"');
  });
});
