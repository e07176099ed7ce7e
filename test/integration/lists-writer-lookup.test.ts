import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { CsvMarketData } from '../../functions/adapters/market-data/csv-market-data.js';
import type { BarsRequest, MarketData } from '../../functions/adapters/market-data/market-data.js';
import { BUNDLED_DATA_DIR } from '../../functions/local/cli/symbol-source.js';
import { localLambdaContext } from '../../functions/local/lambda-context.js';
import { localSettings } from '../../functions/local/local-pipeline.js';
import {
  createListsWriterHandler,
  type ListsWriterAnswer,
  type ListsWriterDeps,
  type ListsWriterInvocation,
  listsWriterDeps,
} from '../../functions/lists-writer/handler.js';
import { lookupSymbol } from '../../functions/lists-writer/symbol-lookup.js';
import { runCli } from '../helpers/cli.js';
import { useEmbeddedStore } from '../helpers/store.js';

// The lists-writer's `lookup` action as the Discord function invokes it: a symbol on no list,
// scanned on demand with the bundled data (the csv provider), nothing written.
const { store, client } = useEmbeddedStore();

function invoke(deps: () => ListsWriterDeps, invocation: ListsWriterInvocation): Promise<ListsWriterAnswer> {
  const handler = createListsWriterHandler(deps);
  return handler(invocation, localLambdaContext('lists-writer')) as Promise<ListsWriterAnswer>;
}

const itemCount = async () =>
  (await client().send(new ScanCommand({ TableName: store().tableName, Select: 'COUNT' }))).Count;

/** The CSV provider, counting the requests made of it. */
function countedCsv(requests: BarsRequest[]): MarketData {
  const csv = new CsvMarketData(BUNDLED_DATA_DIR);
  return {
    name: csv.name,
    delayMs: csv.delayMs,
    completeBarsOnly: csv.completeBarsOnly,
    newestDay: () => csv.newestDay(),
    fetchDailyBars: (request) => {
      requests.push(request);
      return csv.fetchDailyBars(request);
    },
  };
}

describe('lists-writer lookup', () => {
  it('scans a symbol with one bars request and answers what `scanfleet scan` finds on the newest bar', async () => {
    const settings = localSettings({ dataDir: BUNDLED_DATA_DIR, lookback: 150 }, store());
    const requests: BarsRequest[] = [];
    const deps = {
      ...listsWriterDeps(settings),
      lookup: (symbol: string) =>
        lookupSymbol(
          { marketData: () => countedCsv(requests), form: 'dot', lookbackBars: 150, now: () => new Date() },
          symbol,
        ),
    };
    const before = await itemCount();
    const answer = await invoke(() => deps, { action: 'lookup', symbol: ' msft ', by: '@alice' });

    const cli = runCli(['scan', '--symbols', 'MSFT', '--json']);
    expect(cli.status).toBe(0);
    const expected = (
      JSON.parse(cli.stdout) as {
        asOf: string;
        results: { scanner: string; signal: string | null; status: string; values: unknown }[];
      }
    ).results.map(({ scanner, signal, status, values }) => ({ scanner, signal, status, values }));
    expect(answer).toEqual({
      ok: true,
      action: 'lookup',
      symbol: 'MSFT',
      asOf: '2024-03-08',
      partial: false,
      results: expected,
    });
    // As checked by hand against the CLI: MSFT's squeeze fired on 2024-03-08, nothing else did.
    if (answer.ok && answer.action === 'lookup')
      expect(answer.results.map((r) => r.signal)).toEqual([null, 'squeeze_on', null]);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({ symbols: ['MSFT'], lookback: 150 });
    expect(await itemCount()).toBe(before);
  });

  it("refuses an unknown symbol in the provider's words, a malformed one as a bad parameter", async () => {
    const settings = localSettings({ dataDir: BUNDLED_DATA_DIR, lookback: 150 }, store());
    const deps = listsWriterDeps(settings);
    expect(await invoke(() => deps, { action: 'lookup', symbol: 'ZZZZ', by: '@alice' })).toEqual({
      ok: false,
      error: {
        code: 'unknown_symbol',
        message: 'no data for ZZZZ: ZZZZ.csv is not in the data directory',
        parameter: 'symbol',
      },
    });
    expect(await invoke(() => deps, { action: 'lookup', symbol: 'no way', by: '@alice' })).toEqual({
      ok: false,
      error: {
        code: 'bad_parameter',
        message: '"no way" is not a ticker symbol (letters and digits, e.g. AAPL)',
        parameter: 'symbol',
      },
    });
  });

  it("answers the provider's failure as provider_error", async () => {
    const settings = localSettings({ dataDir: BUNDLED_DATA_DIR, lookback: 150 }, store());
    const failing: MarketData = {
      name: 'flaky',
      delayMs: 0,
      completeBarsOnly: true,
      fetchDailyBars: async ({ symbols }) =>
        symbols.map((symbol) => ({ symbol, ok: false, code: 'provider_error', reason: 'HTTP 503' })),
    };
    const deps = {
      ...listsWriterDeps(settings),
      lookup: (symbol: string) =>
        lookupSymbol({ marketData: () => failing, form: 'dot', lookbackBars: 150, now: () => new Date() }, symbol),
    };
    expect(await invoke(() => deps, { action: 'lookup', symbol: 'MSFT', by: '@alice' })).toEqual({
      ok: false,
      error: { code: 'provider_error', message: 'could not fetch MSFT from flaky: HTTP 503', parameter: 'symbols' },
    });
  });
});
