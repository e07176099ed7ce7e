import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED_DATA_DIR } from '../../functions/local/cli/symbol-source.js';
import { type LocalStack, startLocalStack } from '../../functions/local/local-stack.js';

// The watchlists over HTTP on the local stack: the reads are the read API's, the writes the
// lists-writer function's (routed as the gateway routes them), symbols checked with the csv files.
let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({
    watchlist: 'lists-api',
    symbols: ['AAPL'],
    scanners: ['macd'],
    dataDir: BUNDLED_DATA_DIR,
    lookback: 150,
    asOf: '2024-03-07',
    port: 0,
  });
}, 60_000);
afterAll(async () => {
  await stack.close();
});

async function call(method: string, path: string, body?: unknown) {
  const response = await fetch(`${stack.url}${path}`, {
    method,
    ...(body !== undefined && {
      body: typeof body === 'string' ? body : JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe('the watchlists over the API', () => {
  it('adds, reads, removes, replaces at a version and deletes a list', async () => {
    const added = await call('POST', '/api/watchlists/semis/symbols', { symbols: ['NVDA', 'amd', 'NVDA'] });
    expect(added).toMatchObject({
      status: 200,
      body: {
        added: ['NVDA', 'AMD'],
        already: [],
        repeated: ['NVDA'],
        list: { name: 'semis', symbols: ['AMD', 'NVDA'], version: 1, updatedBy: 'API' },
      },
    });
    // A string of symbols is taken too.
    expect((await call('POST', '/api/watchlists/semis/symbols', { symbols: 'AVGO, INTC' })).body).toMatchObject({
      added: ['AVGO', 'INTC'],
      list: { version: 2 },
    });
    expect(await call('GET', '/api/watchlists/semis')).toMatchObject({
      status: 200,
      body: { list: { symbols: ['AMD', 'AVGO', 'INTC', 'NVDA'], version: 2 } },
    });
    const removed = await call('DELETE', '/api/watchlists/semis/symbols/intc');
    expect(removed.body).toMatchObject({ removed: ['INTC'], absent: [], list: { version: 3 } });

    const stale = await call('PUT', '/api/watchlists/semis', { symbols: ['TSLA'], version: 2 });
    expect(stale).toEqual({
      status: 409,
      body: {
        error: {
          code: 'conflict',
          message: 'list semis is at version 3, not 2: it changed since it was read; reload it and try again',
          parameter: 'version',
        },
      },
    });
    expect(await call('PUT', '/api/watchlists/semis', { symbols: ['TSLA', 'NVDA'], version: 3 })).toMatchObject({
      status: 200,
      body: { list: { symbols: ['NVDA', 'TSLA'], version: 4 } },
    });
    await call('PUT', '/api/watchlists/energy', { symbols: ['XOM', 'NVDA'] });
    const lists = await call('GET', '/api/watchlists');
    expect(lists.body).toMatchObject({
      lists: [
        { name: 'energy', symbolCount: 2, version: 1 },
        { name: 'semis', symbolCount: 2, version: 4 },
      ],
      symbolCount: 3,
    });
    expect(await call('DELETE', '/api/watchlists/energy')).toMatchObject({
      status: 200,
      body: { deleted: { name: 'energy' } },
    });
    expect((await call('GET', '/api/watchlists/energy')).status).toBe(404);
  });

  it('refuses bad input with a JSON error naming the field, changing nothing', async () => {
    await call('POST', '/api/watchlists/swing/symbols', { symbols: ['AAPL'] });
    const cases: [string, string, unknown, number, Record<string, unknown>][] = [
      ['POST', '/api/watchlists/swing/symbols', { symbols: [] }, 400, { code: 'bad_parameter', parameter: 'symbols' }],
      [
        'POST',
        '/api/watchlists/swing/symbols',
        { symbols: Array.from({ length: 200 }, (_, i) => `S${i}`) },
        400,
        {
          message: 'symbols: 200 symbols in one request; the limit is 100 (limits.symbolsPerAdd)',
          parameter: 'symbols',
        },
      ],
      ['POST', '/api/watchlists/swing/symbols', { symbols: ['NV$A'] }, 400, { parameter: 'symbols' }],
      [
        'POST',
        '/api/watchlists/swing/symbols',
        'not json',
        400,
        { message: 'the body must be JSON', parameter: 'body' },
      ],
      ['POST', '/api/watchlists/swing/symbols', { tickers: ['AAPL'] }, 400, { parameter: expect.any(String) }],
      ['POST', '/api/watchlists/Bad%20Name/symbols', { symbols: ['AAPL'] }, 400, { parameter: 'list' }],
      ['PUT', '/api/watchlists/swing', { symbols: ['AAPL'], version: 0 }, 400, { parameter: 'version' }],
      [
        'POST',
        '/api/watchlists/swing/symbols',
        { symbols: ['MSFT', 'ZZZZ'] },
        422,
        {
          code: 'unknown_symbol',
          message: 'unknown symbol: no data for ZZZZ: ZZZZ.csv is not in the data directory; nothing changed',
        },
      ],
      ['DELETE', '/api/watchlists/nope/symbols/AAPL', undefined, 404, { message: 'no list named nope' }],
      ['DELETE', '/api/watchlists/nope', undefined, 404, { code: 'not_found' }],
      ['PUT', '/api/watchlists/full', { symbols: ['AAPL'] }, 400, { message: expect.stringMatching(/reserved/) }],
    ];
    for (const [method, path, body, status, error] of cases) {
      const answer = await call(method, path, body);
      expect({ status: answer.status, error: answer.body.error }, `${method} ${path}`).toEqual({
        status,
        error: expect.objectContaining(error),
      });
    }
    expect((await call('GET', '/api/watchlists/swing')).body).toMatchObject({
      list: { symbols: ['AAPL'], version: 1 },
    });
  });

  it('keeps the read API read-only: a write to it that is not a list route is refused', async () => {
    expect((await call('POST', '/api/runs', {})).status).toBe(405);
    expect((await call('PUT', '/api/watchlists/swing/symbols', { symbols: ['AAPL'] })).status).toBe(405);
  });
});
