/// <reference lib="dom" />
import { mkdirSync, readFileSync } from 'node:fs';
import { chromium, type Browser, type Page, type Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../functions/adapters/store/dynamodb-client.js';
import { openStoresWithLists } from '../../functions/adapters/store/stores.js';
import { signed } from '../../functions/core/discord/format.js';
import { SCANNER_NAMES } from '../../functions/core/scan/scanners.js';
import { rankTopSetups } from '../../functions/core/scorecard/top-setups.js';
import { parseWatchlist } from '../../functions/core/scan/symbols.js';
import { backfillScorecard } from '../../functions/local/cli/scorecard-command.js';
import { BUNDLED_DATA_DIR } from '../../functions/local/cli/symbol-source.js';
import { runLocalPipeline } from '../../functions/local/local-pipeline.js';
import { type LocalStack, startLocalStack } from '../../functions/local/local-stack.js';
import { ReplayMarketData } from '../../functions/local/replay/replay-market-data.js';
import { chromiumPath } from '../helpers/chromium.js';

const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);
/** A screenshot the docs show: into docs/ under its docs name with `npm run screenshots`, else test-artifacts/. */
function shot(name: string): string {
  const dir = process.env.SCANFLEET_SCREENSHOTS === 'docs' ? new URL('../../docs/', import.meta.url) : ARTIFACTS;
  mkdirSync(dir, { recursive: true });
  return new URL(name, dir).pathname;
}
const reference = JSON.parse(
  readFileSync(new URL('../fixtures/reference-signals-2024-03-08.json', import.meta.url), 'utf8'),
) as { signals: Record<string, Record<string, string>>; aboveSma50: number };

let stack: LocalStack;
let browser: Browser;
let page: Page;
const pageErrors: string[] = [];

beforeAll(async () => {
  stack = await startLocalStack({
    watchlist: 'default',
    symbols: parseWatchlist(readFileSync(`${BUNDLED_DATA_DIR}/watchlist.txt`, 'utf8')),
    scanners: SCANNER_NAMES,
    dataDir: BUNDLED_DATA_DIR,
    lookback: 150,
    port: 0,
  });
  browser = await chromium.launch({
    executablePath: chromiumPath(),
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') pageErrors.push(message.text());
  });
  await page.goto(`${stack.url}/`);
  await page.waitForSelector('#results tbody tr');
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

const rowSymbols = () => page.$$eval('#results tbody tr', (rows) => rows.map((r) => (r as HTMLElement).dataset.symbol));
const column = (index: number) =>
  page.$$eval('#results tbody tr', (rows, i) => rows.map((r) => r.children[i].textContent ?? ''), index);
const sortedSymbols = (scanner: string, filter?: (signal: string) => boolean) =>
  Object.entries(reference.signals[scanner])
    .filter(([, signal]) => !filter || filter(signal))
    .map(([symbol]) => symbol)
    .sort();

describe('dashboard in headless Chromium', () => {
  it('shows the run header and the market breadth line', async () => {
    const header = await page.textContent('#run-header');
    expect(header).toMatch(
      /^Data as of 2024-03-08 · session 2024-03-08 · manual run \d{8}T\d{6}Z-default · ran [A-Z][a-z]{2} \d{1,2}, \d{1,2}:\d{2} [AP]M E[SD]T \(\d+ min ago\) · 150 symbols · 0 with errors · 0 short of data$/,
    );
    expect(await page.isHidden('#run-note')).toBe(true); // the latest run completed
    expect(await page.textContent('#breadth')).toMatch(
      new RegExp(`^Breadth: ${reference.aboveSma50}/150 above their 50-day SMA \\(71%\\)`),
    );
  });

  it('opens on TTM Squeeze with the seed dashboard’s columns and the symbols a Python reference finds', async () => {
    expect(await page.$$eval('#results thead th', (ths) => ths.map((th) => th.textContent))).toEqual([
      'Symbol',
      'Signal',
      'Momentum',
      'Duration',
      'Fire direction',
      'Price',
    ]);
    expect(((await rowSymbols()) as string[]).sort()).toEqual(sortedSymbols('ttm-squeeze'));
    expect(await page.textContent('#row-count')).toBe(`42 of 150 symbols`);
  });

  it('switches tabs, colour-codes buy and sell', async () => {
    await page.click('[role=tab][data-scanner=vpb]');
    await page.waitForFunction(
      () => document.querySelector('#results thead th:nth-child(6)')?.textContent === 'Pattern',
    );
    expect(await page.getAttribute('[data-scanner=vpb]', 'aria-selected')).toBe('true');
    expect(((await rowSymbols()) as string[]).sort()).toEqual(sortedSymbols('vpb'));
    expect(await page.getAttribute('#results tr[data-symbol=GE] td:nth-child(2)', 'class')).toBe('bullish');
    expect(await page.getAttribute('#results tr[data-symbol=MDB] td:nth-child(2)', 'class')).toBe('bearish');
    expect(await page.textContent('#results tr[data-symbol=GE] td:nth-child(6)')).toBe('breakout_20d_high');
    // Change % signed as Discord's messages sign it: a plus, or a true minus.
    const { results } = (await (await fetch(`${stack.url}/api/scans/vpb`)).json()) as {
      results: { symbol: string; values: { changePct: number } }[];
    };
    const change = (symbol: string) => results.find((r) => r.symbol === symbol)!.values.changePct;
    expect(change('GE')).toBeGreaterThan(0);
    expect(change('MDB')).toBeLessThan(0);
    for (const symbol of ['GE', 'MDB']) {
      expect(await page.textContent(`#results tr[data-symbol=${symbol}] td:nth-child(4)`)).toBe(
        signed(change(symbol), 2),
      );
    }
  });

  it('sorts by a column, ascending then descending', async () => {
    await page.click('[role=tab][data-scanner=macd]');
    await page.waitForFunction(() => document.querySelector('#results thead th:nth-child(7)')?.textContent === 'Trend');
    expect(await page.$$eval('#results thead th', (ths) => ths.map((th) => th.textContent))).toEqual([
      'Symbol',
      'Signal',
      'Price',
      'Change %',
      'MACD',
      'Histogram',
      'Trend',
    ]);
    await page.click('#results thead th:nth-child(3)');
    const ascending = (await column(2)).map((t) => Number(t.replace(/,/g, '')));
    expect(ascending).toHaveLength(6);
    expect(ascending).toEqual([...ascending].sort((a, b) => a - b));
    expect(await page.getAttribute('#results thead th:nth-child(3)', 'aria-sort')).toBe('ascending');
    await page.click('#results thead th:nth-child(3)');
    const descending = (await column(2)).map((t) => Number(t.replace(/,/g, '')));
    expect(descending).toEqual([...ascending].reverse());
  });

  it('filters by signal and by symbol search', async () => {
    await page.selectOption('#signal-filter', 'bearish_cross');
    expect(((await rowSymbols()) as string[]).sort()).toEqual(sortedSymbols('macd', (s) => s === 'bearish_cross'));
    await page.fill('#symbol-search', 'co');
    expect(await rowSymbols()).toEqual(
      sortedSymbols('macd', (s) => s === 'bearish_cross').filter((s) => s.includes('CO')),
    );
    await page.fill('#symbol-search', '');
    await page.selectOption('#signal-filter', 'all');
    expect(await page.textContent('#row-count')).toBe('150 of 150 symbols');
    await page.selectOption('#signal-filter', 'signals');
  });

  it('opens a symbol view that draws its chart with the overlays and lists its signal history', async () => {
    await page.click('[role=tab][data-scanner=vpb]');
    await page.waitForSelector('#results tr[data-symbol=GE]');
    await page.click('#results tr[data-symbol=GE]');
    await page.waitForSelector('#symbol-view:not([hidden]) #price-chart canvas');
    expect(await page.textContent('#symbol-title')).toBe('GE');
    await page.waitForFunction(() => document.querySelectorAll('#signal-history li').length > 0);
    // Each event once, newest first: the store's first run saw GE's breakouts of 03-07 and 03-08;
    // the older one with what followed it (GE.csv: 166.50 → 167.96 the next session).
    expect(await page.$$eval('#signal-history li', (items) => items.map((li) => li.textContent))).toEqual([
      '2024-03-08 vpb buy · seen 2024-03-08 21:00',
      '2024-03-07 vpb buy · seen 2024-03-08 21:00 · after 1d +0.9%',
    ]);
    // The chart's canvases are drawn: count pixels that differ from the panel background.
    const painted = await page.$$eval('#price-chart canvas', (canvases) =>
      canvases.map((canvas) => {
        const c = canvas as HTMLCanvasElement;
        const context = c.getContext('2d');
        if (!context || c.width === 0 || c.height === 0) return 0;
        const { data } = context.getImageData(0, 0, c.width, c.height);
        let count = 0;
        for (let i = 0; i < data.length; i += 4)
          if (data[i + 3] > 0 && !(data[i] === 0x17 && data[i + 1] === 0x1d && data[i + 2] === 0x24)) count++;
        return count;
      }),
    );
    expect(Math.max(...painted)).toBeGreaterThan(5000);
    await page.click('#close-symbol');
    expect(await page.isHidden('#symbol-view')).toBe(true);
    await page.click('[role=tab][data-scanner=ttm-squeeze]');
    await page.waitForFunction(
      () => document.querySelector('#results thead th:nth-child(5)')?.textContent === 'Fire direction',
    );
  });

  it('shows the live scorecard: a chart per horizon (bars, n, hit rate on hover, the baseline line) and the table', async () => {
    // The stack's store gets the first 30 symbols' history (scanfleet scorecard --backfill).
    const symbols = parseWatchlist(readFileSync(`${BUNDLED_DATA_DIR}/watchlist.txt`, 'utf8')).slice(0, 30);
    const { scorecard } = openStoresWithLists(createDocumentClient(stack.store.endpoint), {
      tableName: stack.store.tableName,
    });
    await backfillScorecard({
      provider: 'csv',
      dataDir: BUNDLED_DATA_DIR,
      symbols,
      nowMs: Date.now(),
      store: scorecard,
    });
    const card = (await scorecard.scorecard())!;
    await page.click('[role=tab][data-view=scorecard]');
    await page.waitForSelector('#scorecard-charts svg');
    expect(await page.isHidden('#results')).toBe(true);
    expect(
      await page.$$eval('#scorecard-charts svg', (svgs) => svgs.map((svg) => svg.querySelector('.title')?.textContent)),
    ).toEqual(['1 session later', '5 sessions later', '10 sessions later', '20 sessions later']);
    // Each chart: a bar per signal with a mean, its n above it and its hit rate on hover; the baseline's line.
    const tenDays = card.rows.filter((r) => r.horizon === 10);
    const bars = await page.$$eval('#scorecard-charts svg:nth-child(3) rect.bar', (rects) =>
      rects.map((r) => [r.getAttribute('data-signal'), r.querySelector('title')?.textContent]),
    );
    const pct = (v: number) => signed(v, 2, '%');
    expect(bars).toEqual(
      tenDays
        .filter((r) => r.meanReturnPct !== null)
        .map((r) => [
          r.signal,
          `${r.scanner} ${r.signal}, 10d: mean ${pct(r.meanReturnPct!)}${r.hitRatePct === null ? '' : `, hit rate ${r.hitRatePct.toFixed(1)}%`}, excess ${pct(r.excessReturnPct!)} (n=${r.count})`,
        ]),
    );
    expect(await page.$$eval('#scorecard-charts svg:nth-child(3) line.baseline', (l) => l.length)).toBe(1);
    // The x-axis of each chart: every scanner's name once under its bars, each signal short under
    // its own; no label overlaps another (their boxes as drawn, in the chart's units).
    const axes = await page.$$eval('#scorecard-charts svg', (svgs) =>
      svgs.map((svg) =>
        Array.from(svg.querySelectorAll('text.axis'), (t) => {
          const box = (t as SVGTextElement).getBBox();
          return { text: t.textContent, x: box.x, y: box.y, width: box.width, height: box.height };
        }),
      ),
    );
    for (const labels of axes) {
      expect(labels.map((l) => l.text)).toEqual([
        'MACD',
        'TTM Squeeze',
        'VPB',
        'cross ↑',
        'cross ↓',
        'on',
        'fire ↑',
        'fire ↓',
        'buy',
        'sell',
      ]);
      const overlapping = labels.flatMap((a, i) =>
        labels
          .slice(i + 1)
          .filter((b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height)
          .map((b) => `${a.text} / ${b.text}`),
      );
      expect(overlapping).toEqual([]);
    }
    // The table: a row per scanner × signal, the baseline last; n, mean, hit and excess per horizon.
    const rows = await page.$$eval('#scorecard-table tbody tr', (trs) =>
      trs.map((tr) => Array.from(tr.children, (td) => td.textContent)),
    );
    expect(rows.map((r) => r.slice(0, 2))).toEqual([...tenDays.map((r) => [r.scanner, r.signal]), ['all', 'baseline']]);
    const base = card.baseline.find((b) => b.horizon === 10)!;
    expect(rows.at(-1)!.slice(10, 13)).toEqual([
      base.count.toLocaleString('en-US'),
      pct(base.meanReturnPct!),
      `${base.upRatePct!.toFixed(1)}% up`,
    ]);
    await page.screenshot({ path: shot('scorecard-tab.png'), fullPage: true });
    await page.click('[role=tab][data-scanner=ttm-squeeze]');
    await page.waitForSelector('#results tbody tr');
    expect(await page.isHidden('#scorecard-view')).toBe(true);
  });

  it('ranks the Top setups: the shown run’s symbols by the scorecard, a row per signal, as GET /api/top and rankTopSetups', async () => {
    // The scorecard the test above backfilled, and the run's signals as the Python reference finds them.
    const { scorecard } = openStoresWithLists(createDocumentClient(stack.store.endpoint), {
      tableName: stack.store.tableName,
    });
    const card = (await scorecard.scorecard({ horizon: 10 }))!;
    const current = SCANNER_NAMES.flatMap((scanner) =>
      Object.entries(reference.signals[scanner]).map(([symbol, signal]) => ({ symbol, scanner, signal })),
    );
    const expected = rankTopSetups({ card, current, horizon: 10, limit: 25 });
    const api = (await (await fetch(`${stack.url}/api/top?n=25`)).json()) as {
      run: { runId: string };
      setups: unknown;
    };
    expect(api.setups).toEqual(expected);
    await page.click('[role=tab][data-view=top]');
    await page.waitForSelector('#top-table tbody tr');
    expect(await page.isHidden('#results')).toBe(true);
    expect(await page.isHidden('#scorecard-view')).toBe(true);
    expect(await page.getAttribute('[role=tab][data-view=top]', 'aria-selected')).toBe('true');
    expect(await page.textContent('#top-note')).toBe(
      `The 25 strongest of the 49 symbols with a signal in the shown run ${api.run.runId}, as of 2024-03-08, scored on what followed each signal 10 sessions later (the scorecard). Click a symbol for its chart.`,
    );
    // A body per setup: rank, symbol and score on its first row, then a row per signal.
    const shown = await page.$$eval('#top-table tbody', (bodies) =>
      (bodies as HTMLTableSectionElement[]).map((body) => ({
        symbol: body.dataset.symbol,
        rows: Array.from(body.rows, (tr) => Array.from(tr.cells, (td) => td.textContent)),
      })),
    );
    expect(shown).toEqual(
      expected.map((setup) => ({
        symbol: setup.symbol,
        rows: setup.signals.map((s, i) => [
          ...(i === 0 ? [String(setup.rank), setup.symbol, signed(setup.score, 4)] : []),
          s.scanner,
          s.signal,
          s.n.toLocaleString('en-US'),
          s.excessReturnPct === null ? '–' : `${signed(s.excessReturnPct, 2)}%`,
          s.hitRatePct === null ? '–' : `${s.hitRatePct.toFixed(1)}%`,
          signed(s.contribution, 4),
          s.note === 'not enough history' ? `${s.note} (n=${s.n})` : (s.note ?? ''),
        ]),
      })),
    );
    // On the bundled data the MACD bearish crosses lead (docs/scorecard.md), and a squeeze has no direction.
    expect(expected[0].signals[0]).toMatchObject({ scanner: 'macd', signal: 'bearish_cross' });
    expect(expected[0].score).toBeLessThan(0);
    expect(shown.flatMap((s) => s.rows).some((row) => row.at(-1) === 'no direction')).toBe(true);
    await page.screenshot({ path: shot('top-setups-tab.png'), fullPage: true });
    // A symbol opens its panel, as in the scan tables.
    await page.click(`#top-table tbody[data-symbol=${expected[1].symbol}]`);
    await page.waitForSelector('#symbol-view:not([hidden]) #price-chart canvas');
    expect(await page.textContent('#symbol-title')).toBe(expected[1].symbol);
    await page.click('#close-symbol');
    await page.click('[role=tab][data-scanner=ttm-squeeze]');
    await page.waitForSelector('#results tbody tr');
    expect(await page.isHidden('#top-view')).toBe(true);
  });

  it('says why there are no Top setups: no scorecard yet, a run older than the scorecard, or no signal to rank', async () => {
    // A page of its own: the answers below are the API's, stood in for (a 404 logs an error in the page).
    const other = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const answer = (status: number, body: unknown) => (route: Route) =>
      route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) });
    try {
      await other.goto(`${stack.url}/`);
      await other.click('[role=tab][data-view=top]');
      await other.waitForSelector('#top-table tbody tr');
      await other.route(
        '**/api/top?*',
        answer(404, { error: { code: 'no_scorecard', message: 'no scorecard yet: …' } }),
      );
      await other.click('[role=tab][data-view=top]');
      await other.waitForFunction(() => document.getElementById('top-note')?.textContent?.includes('no scorecard'));
      expect(await other.textContent('#top-note')).toBe('Could not rank the setups: no scorecard yet: …');
      expect(await other.$$('#top-table tbody')).toHaveLength(0);
      await other.unroute('**/api/top?*');
      // The shown run is older than the scorecard (a newer run recorded 03-08): not ranked, both days named.
      const stale =
        'the shown run 20240307T210000Z-default is as of 2024-03-07, but the scorecard has sessions through 2024-03-08: ranking the run by it would count returns after its as-of (look-ahead), so Top setups wait for a run as of 2024-03-08 or later to finish';
      await other.route('**/api/top?*', answer(409, { error: { code: 'stale_run', message: stale } }));
      await other.click('[role=tab][data-view=top]');
      await other.waitForFunction(() => document.getElementById('top-note')?.textContent?.startsWith('Not ranked'));
      expect(await other.textContent('#top-note')).toBe(`Not ranked: ${stale}.`);
      expect(await other.$$('#top-table tbody')).toHaveLength(0);
      await other.unroute('**/api/top?*');
      const run = { runId: '20240308T210000Z-default', asOf: '2024-03-08' };
      await other.route('**/api/top?*', answer(200, { run, horizon: 10, symbolsWithSignal: 0, setups: [] }));
      await other.click('[role=tab][data-view=top]');
      await other.waitForFunction(() => document.getElementById('top-note')?.textContent?.startsWith('No signals'));
      expect(await other.textContent('#top-note')).toBe(
        'No signals to rank in the shown run 20240308T210000Z-default, as of 2024-03-08.',
      );
      expect(await other.$$('#top-table tbody')).toHaveLength(0);
    } finally {
      await other.close();
    }
  });

  it('says in amber that the data is behind the market: its last bar is 2024-03-08, the clock today’s', async () => {
    expect(await page.isVisible('#stale')).toBe(true);
    expect(await page.textContent('#stale')).toBe(
      'Data from 2024-03-08: 99+ sessions behind the market. The newest run saw no later bar.',
    );
    expect(await page.$eval('#stale', (el) => getComputedStyle(el).color)).toBe('rgb(226, 163, 61)');
  });

  it('follows deep links for the tab, its filters and a symbol, and keeps the address in step', async () => {
    await page.goto(`${stack.url}/#/macd?signal=bearish_cross`);
    await page.waitForFunction(() => document.querySelector('#results thead th:nth-child(7)')?.textContent === 'Trend');
    expect(await page.getAttribute('[data-scanner=macd]', 'aria-selected')).toBe('true');
    expect(await page.inputValue('#signal-filter')).toBe('bearish_cross');
    expect(((await rowSymbols()) as string[]).sort()).toEqual(sortedSymbols('macd', (s) => s === 'bearish_cross'));
    await page.fill('#symbol-search', 'co');
    expect(await page.evaluate(() => location.hash)).toBe('#/macd?signal=bearish_cross&q=CO');
    await page.click('[role=tab][data-view=top]');
    expect(await page.evaluate(() => location.hash)).toBe('#/top');
    await page.goto(`${stack.url}/#/vpb?signal=all&q=GE`);
    await page.waitForFunction(() => document.querySelectorAll('#results tbody tr').length === 1);
    expect(await rowSymbols()).toEqual(['GE']);
    expect(await page.getAttribute('[data-scanner=vpb]', 'aria-selected')).toBe('true');
    await page.goto(`${stack.url}/#/symbol/MDB`);
    await page.waitForSelector('#symbol-view:not([hidden]) #price-chart canvas');
    expect(await page.textContent('#symbol-title')).toBe('MDB');
    await page.click('#close-symbol');
    expect(await page.evaluate(() => location.hash)).toBe('#/vpb?signal=all&q=GE');
  });

  it('draws the volume pane with its 20-day average, the squeeze dots, and reads out the bar under the crosshair', async () => {
    const series = (await (await fetch(`${stack.url}/api/symbols/GE/chart`)).json()) as {
      bars: { time: string; open: number; high: number; low: number; close: number; volume: number }[];
      volumeAverage: { values: (number | null)[] };
      squeezeOn: (boolean | null)[];
    };
    await page.goto(`${stack.url}/#/symbol/GE`);
    await page.waitForSelector('#symbol-view:not([hidden]) #price-chart canvas');
    const readout = async () => {
      const text = (await page.textContent('#ohlcv')) ?? '';
      const m = text.match(
        /^(\d{4}-\d{2}-\d{2}) · O ([\d,.]+) H ([\d,.]+) L ([\d,.]+) C ([\d,.]+) \([+−]?[\d.]+%\) · V ([\d.]+)M · 20-day avg ([\d.]+)M · squeeze (on|off)$/,
      );
      expect(m, text).not.toBeNull();
      const [, time, ...figures] = m as RegExpMatchArray;
      const bar = series.bars.findIndex((b) => b.time === time);
      expect(bar).toBeGreaterThanOrEqual(20);
      const [open, high, low, close, volume, average] = figures.slice(0, 6).map((f) => Number(f.replace(/,/g, '')));
      expect([open, high, low, close]).toEqual(
        [series.bars[bar].open, series.bars[bar].high, series.bars[bar].low, series.bars[bar].close].map(
          (v) => Math.round(v * 100) / 100,
        ),
      );
      expect(volume).toBeCloseTo(series.bars[bar].volume / 1e6, 2);
      expect(average).toBeCloseTo((series.volumeAverage.values[bar] as number) / 1e6, 2);
      expect(figures[6]).toBe(series.squeezeOn[bar] ? 'on' : 'off');
      return time;
    };
    // Off the chart it reads the last bar; on it, the bar under the crosshair.
    expect(await readout()).toBe('2024-03-08');
    const box = (await page.locator('#price-chart').boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.4, box.y + 60);
    const hovered = await readout();
    expect(hovered < '2024-03-08').toBe(true);
    // Each pane is drawn: the volume pane (the third) too, not only the candles.
    const paintedPanes = await page.$$eval('#price-chart table tr', (rows) =>
      rows
        .filter((row) => row.getBoundingClientRect().height > 10)
        .map((row) => {
          let count = 0;
          for (const canvas of Array.from(row.querySelectorAll('canvas'))) {
            const context = canvas.getContext('2d');
            if (!context || canvas.width === 0 || canvas.height === 0) continue;
            const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
            for (let i = 0; i < data.length; i += 4)
              if (data[i + 3] > 0 && !(data[i] === 0x17 && data[i + 1] === 0x1d && data[i + 2] === 0x24)) count++;
          }
          return count;
        }),
    );
    // Four panes and the time axis.
    expect(paintedPanes).toHaveLength(5);
    expect(paintedPanes.slice(0, 4).every((n) => n > 500)).toBe(true);
    await page.mouse.move(0, 0);
  });

  it('redraws the chart to its box when the window is resized, narrower and back', async () => {
    await page.goto(`${stack.url}/#/symbol/GE`);
    await page.waitForSelector('#symbol-view:not([hidden]) #price-chart canvas');
    /** The box's width, and the drawn chart's (its panes' table) once it has come to fill the box (within its 1 px border). */
    const fitted = async () => {
      const handle = await page.waitForFunction(
        () => {
          const box = document.querySelector('#price-chart') as HTMLElement;
          const drawn = box.querySelector('table')?.getBoundingClientRect().width ?? 0;
          return Math.abs(drawn - box.clientWidth) < 2 && [box.clientWidth, drawn];
        },
        undefined,
        { timeout: 10_000 },
      );
      return (await handle.jsonValue()) as [number, number];
    };
    const [wide] = await fitted();
    try {
      await page.setViewportSize({ width: 500, height: 900 });
      // The box narrowed with the window, and the drawn chart with it.
      expect((await fitted())[0]).toBeLessThan(wide - 150);
    } finally {
      await page.setViewportSize({ width: 1400, height: 900 });
    }
    expect((await fitted())[0]).toBe(wide);
  });

  it('is usable from the keyboard: a focused row opens on Enter, Escape closes and returns to it, headers sort', async () => {
    await page.goto(`${stack.url}/#/vpb`);
    await page.waitForSelector('#results tr[data-symbol=GE]');
    await page.focus('#results tr[data-symbol=GE]');
    await page.keyboard.press('Enter');
    await page.waitForSelector('#symbol-view:not([hidden]) #price-chart canvas');
    expect(await page.textContent('#symbol-title')).toBe('GE');
    expect(await page.evaluate(() => location.hash)).toBe('#/symbol/GE');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('close-symbol');
    await page.keyboard.press('Escape');
    expect(await page.isHidden('#symbol-view')).toBe(true);
    expect(await page.evaluate(() => (document.activeElement as HTMLElement).dataset.symbol)).toBe('GE');
    expect(await page.evaluate(() => location.hash)).toBe('#/vpb');
    await page.focus('#results thead th:nth-child(3) button');
    await page.keyboard.press('Enter');
    expect(await page.getAttribute('#results thead th:nth-child(3)', 'aria-sort')).toBe('ascending');
    const prices = (await column(2)).map((t) => Number(t.replace(/,/g, '')));
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
    // The numeric headers sit over their numbers.
    await page.goto(`${stack.url}/#/macd`);
    await page.waitForFunction(
      () => document.querySelector('#results thead th:nth-child(4)')?.textContent === 'Change %',
    );
    expect(await page.$eval('#results thead th:nth-child(4)', (th) => getComputedStyle(th).textAlign)).toBe('right');
  });

  it('raised no error in the page', () => {
    expect(pageErrors).toEqual([]);
  });
});

describe.each([
  ['desktop', 1440, 900],
  ['phone', 390, 844],
])('the dashboard on a %s (%i×%i)', (name, width, height) => {
  let tab: Page;
  const errors: string[] = [];
  beforeAll(async () => {
    tab = await browser.newPage({ viewport: { width, height } });
    tab.setDefaultTimeout(10_000);
    tab.on('pageerror', (error) => errors.push(error.message));
    await tab.goto(`${stack.url}/#/ttm-squeeze`);
    await tab.waitForSelector('#results tbody tr');
  }, 60_000);
  afterAll(async () => {
    await tab?.close();
  });
  const overflow = () => tab.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

  it('never scrolls sideways, on any tab or the symbol panel', async () => {
    await tab.bringToFront();
    await tab.screenshot({ path: shot(`dashboard-${name}.png`) });
    // Each address, and what shows it has loaded (checked on a timer: a page in the background gets no animation frames).
    const routes: [string, () => boolean][] = [
      ['#/vpb?signal=all', () => document.querySelectorAll('#results tbody tr').length === 150],
      ['#/macd?signal=all', () => document.querySelector('#results thead th:nth-child(7)')?.textContent === 'Trend'],
      ['#/scorecard', () => document.querySelector('#scorecard-charts')!.childElementCount > 0],
      ['#/top', () => document.querySelector('#top-note')!.textContent !== ''],
      ['#/lists', () => document.querySelector('#lists-note')!.textContent !== ''],
      ['#/symbol/GE', () => document.querySelector('#symbol-view:not([hidden]) #price-chart canvas') !== null],
    ];
    for (const [route, loaded] of routes) {
      await tab.goto(`${stack.url}/${route}`);
      await tab.waitForFunction((r) => location.hash === r, route, { polling: 100 });
      await tab.waitForFunction(loaded, undefined, { polling: 100 });
      expect([route, await overflow()]).toEqual([route, 0]);
    }
    await tab.screenshot({ path: shot(`dashboard-${name}-symbol.png`) });
  }, 60_000);

  it('gives every control an accessible name (Chromium’s accessibility tree)', async () => {
    await tab.goto(`${stack.url}/#/vpb`);
    await tab.waitForSelector('#results tbody tr');
    /** The focusable controls of the page as Chromium's accessibility tree has them, and those without a name. */
    const controls = async () => {
      const cdp = await tab.context().newCDPSession(tab);
      const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as {
        nodes: {
          ignored: boolean;
          role?: { value: string };
          name?: { value: string };
          properties?: { name: string; value: { value: unknown } }[];
        }[];
      };
      await cdp.detach();
      const focusable = (n: (typeof nodes)[number]) =>
        n.properties?.some((p) => p.name === 'focusable' && p.value.value === true) === true;
      const found = nodes.filter(
        (n) =>
          !n.ignored &&
          (['button', 'tab', 'textbox', 'searchbox', 'combobox', 'link', 'checkbox'].includes(n.role?.value ?? '') ||
            (n.role?.value === 'row' && focusable(n))),
      );
      return { count: found.length, unnamed: found.filter((n) => !n.name?.value?.trim()).map((n) => n.role?.value) };
    };
    // The list and signal pickers, the search, six tabs, six sort buttons, a row per signal.
    const rows = (await tab.$$('#results tbody tr')).length;
    expect(rows).toBeGreaterThan(0);
    expect(await controls()).toEqual({ count: 15 + rows, unnamed: [] });
    // With the symbol open: its close button, the list to add it to, the add button and the chart's attribution link.
    await tab.goto(`${stack.url}/#/symbol/GE`);
    await tab.waitForSelector('#symbol-view:not([hidden]) #symbol-lists button');
    expect(await controls()).toEqual({ count: 15 + rows + 4, unnamed: [] });
  });

  it('raised no error in the page', () => {
    expect(errors).toEqual([]);
  });
});

describe('the watchlists on the dashboard', () => {
  let tab: Page;
  const errors: string[] = [];
  const lists = () =>
    openStoresWithLists(createDocumentClient(stack.store.endpoint), { tableName: stack.store.tableName }).lists;
  const limits = { lists: 50, symbolsPerList: 1000, symbolsPerAdd: 100, totalSymbols: 5000 };
  beforeAll(async () => {
    await lists().add('breakouts', ['GE', 'AAPL'], 'alice', limits);
    tab = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    tab.on('pageerror', (error) => errors.push(error.message));
    await tab.goto(`${stack.url}/`);
    await tab.waitForSelector('#results tbody tr');
    await tab.waitForSelector('#list-filter option[value=breakouts]', { state: 'attached' });
  }, 60_000);
  afterAll(async () => {
    await tab?.close();
  });
  const tableSymbols = () =>
    tab.$$eval('#results tbody tr', (rows) => rows.map((r) => (r as HTMLElement).dataset.symbol));

  it('filters every scanner tab to the picked list', async () => {
    expect(await tab.$$eval('#list-filter option', (o) => o.map((x) => x.textContent))).toEqual([
      'All lists',
      'breakouts (2)',
    ]);
    await tab.click('[role=tab][data-scanner=vpb]');
    await tab.waitForSelector('#results tr[data-symbol=MDB]');
    await tab.selectOption('#list-filter', 'breakouts');
    await tab.waitForFunction(() => document.querySelectorAll('#results tbody tr').length === 1);
    expect(await tableSymbols()).toEqual(['GE']);
    await tab.selectOption('#signal-filter', 'all');
    expect(await tableSymbols()).toEqual(['AAPL', 'GE']);
    await tab.selectOption('#list-filter', '');
    await tab.waitForFunction(() => document.querySelectorAll('#results tbody tr').length === 150);
    await tab.selectOption('#signal-filter', 'signals');
  });

  it('adds and removes the open symbol from its panel', async () => {
    await tab.click('#results tr[data-symbol=GE]');
    await tab.waitForFunction(() => document.getElementById('symbol-lists')?.textContent?.includes('breakouts'));
    expect(await tab.textContent('#symbol-lists')).toBe('On list: breakouts Remove from breakoutsAdd GE');
    await tab.fill('#symbol-lists input', 'swing');
    await tab.click('#symbol-lists button:text("Add GE")');
    await tab.waitForFunction(() => document.getElementById('symbol-list-note')?.textContent !== '');
    expect(await tab.textContent('#symbol-list-note')).toBe('Added to swing (1 symbols).');
    expect(await tab.textContent('#symbol-lists')).toMatch(
      /^On lists: breakouts Remove from breakoutsswing Remove from swing/,
    );
    await tab.click('#symbol-lists button:text("Remove from breakouts")');
    await tab.waitForFunction(() => document.getElementById('symbol-list-note')?.textContent?.startsWith('Removed'));
    expect(await tab.textContent('#symbol-list-note')).toBe('Removed from breakouts (1 symbols).');
    expect((await lists().lists()).map((l) => [l.name, l.symbols])).toEqual([
      ['breakouts', ['AAPL']],
      ['swing', ['GE']],
    ]);
    // A refusal is shown with its reason; nothing changes.
    await tab.fill('#symbol-lists input', 'Bad Name');
    await tab.click('#symbol-lists button:text("Add GE")');
    await tab.waitForFunction(() =>
      document.getElementById('symbol-list-note')?.textContent?.startsWith('Not changed'),
    );
    expect(await tab.textContent('#symbol-list-note')).toMatch(/^Not changed: list name "Bad Name" is not valid/);
    await tab.click('#close-symbol');
  });

  it('lists the lists and adds symbols to one from the Lists tab', async () => {
    await tab.click('[role=tab][data-view=lists]');
    await tab.waitForSelector('#lists-table tbody tr');
    expect(await tab.$$eval('#lists-table tbody tr', (rows) => rows.map((r) => r.children[0].textContent))).toEqual([
      'breakouts',
      'swing',
    ]);
    await tab.fill('#list-add-name', 'semis');
    await tab.fill('#list-add-symbols', 'NVDA amd');
    await tab.click('#list-add button[type=submit]');
    await tab.waitForFunction(() => document.getElementById('lists-note')?.textContent?.startsWith('Added'));
    expect(await tab.textContent('#lists-note')).toBe('Added 2 to semis: 2 symbols.');
    expect(await tab.$$eval('#lists-table tbody tr', (rows) => rows.map((r) => r.children[0].textContent))).toEqual([
      'breakouts',
      'semis',
      'swing',
    ]);
    expect(await tab.$$eval('#list-filter option', (o) => o.map((x) => x.textContent))).toEqual([
      'All lists',
      'breakouts (1)',
      'semis (2)',
      'swing (1)',
    ]);
    await tab.screenshot({ path: shot('lists-tab.png'), fullPage: true });
    expect(errors).toEqual([]);
  });
});

describe('dashboard of a run during the session', () => {
  let forming: LocalStack;
  let formingPage: Page;
  beforeAll(async () => {
    // 12:30 on 2024-03-08, with the replay's synthetic bars: every symbol's bar is still trading.
    forming = await startLocalStack({
      watchlist: 'midday',
      symbols: ['GE', 'MDB', 'DDOG', 'COST', 'AAPL'],
      scanners: SCANNER_NAMES,
      dataDir: BUNDLED_DATA_DIR,
      lookback: 150,
      port: 0,
      now: new Date('2024-03-08T12:30:00-05:00'),
      marketData: new ReplayMarketData(BUNDLED_DATA_DIR),
    });
    formingPage = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await formingPage.goto(`${forming.url}/`);
    await formingPage.selectOption('#signal-filter', 'all');
    await formingPage.waitForSelector('#results tbody tr');
  }, 60_000);
  afterAll(async () => {
    await formingPage?.close();
    await forming?.close();
  });

  it('marks the rows of bars still trading as forming, and says so in the header', async () => {
    expect(await formingPage.textContent('#run-header')).toMatch(
      /^Data as of 2024-03-08 · session 2024-03-08 · manual run 20240308T173000Z-midday · .* · 5 on a bar still trading \(forming\)$/,
    );
    // The stack stands at 12:30 in New York on 2024-03-08: its data is current, no banner.
    expect(await formingPage.isHidden('#stale')).toBe(true);
    const signals = await formingPage.$$eval('#results tbody tr', (rows) =>
      rows.map((r) => [r.classList.contains('forming'), r.children[1].textContent]),
    );
    expect(signals).toHaveLength(5);
    expect(signals.every(([isForming, text]) => isForming === true && String(text).endsWith(' · forming'))).toBe(true);
    mkdirSync(ARTIFACTS, { recursive: true });
    await formingPage.screenshot({ path: new URL('dashboard-forming.png', ARTIFACTS).pathname, fullPage: true });
  });

  it('says in the header when the newest run did not complete, and why', async () => {
    const { runs } = openStoresWithLists(createDocumentClient(forming.store.endpoint), {
      tableName: forming.store.tableName,
    });
    await runs.createRun({
      runId: '20240308T183000Z-midday',
      watchlist: 'midday',
      kind: 'scheduled',
      purpose: 'market-hours',
      session: '2024-03-08',
      scheduledAt: '2024-03-08T18:30:00.000Z',
      startedAt: '2024-03-08T18:30:01.000Z',
      sessionDate: '2024-03-08',
      symbols: ['GE'],
      scanners: ['vpb'],
      batchSize: 30,
      batchesExpected: 0,
      skippedReason: 'paused (by @alice at 2024-03-08T18:00:00.000Z: data outage)',
    });
    const later = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    try {
      await later.goto(`${forming.url}/`);
      await later.waitForSelector('#run-note:not([hidden])');
      expect(await later.textContent('#run-note')).toBe(
        'Latest run 20240308T183000Z-midday (scheduled): skipped — paused (by @alice at 2024-03-08T18:00:00.000Z: data outage)',
      );
      // The results shown are still the last complete run's.
      expect(await later.textContent('#run-header')).toMatch(/manual run 20240308T173000Z-midday/);
    } finally {
      await later.close();
    }
  });
});

describe('what went wrong, in place, and a newer run without a reload', () => {
  /** A stack standing after the close of 2024-03-08: its data is current. ZZZZ has no data. */
  let closed: LocalStack;
  let browserErrors: string[] = [];
  const at = (instant: string) => ({
    watchlist: 'evening',
    symbols: ['GE', 'MDB', 'ZZZZ'],
    scanners: SCANNER_NAMES,
    dataDir: BUNDLED_DATA_DIR,
    lookback: 150,
    now: new Date(instant),
    marketData: new ReplayMarketData(BUNDLED_DATA_DIR),
  });
  beforeAll(async () => {
    closed = await startLocalStack({ ...at('2024-03-08T16:30:00-05:00'), port: 0 });
  }, 60_000);
  afterAll(async () => {
    await closed?.close();
  });
  const open = async (route: string) => {
    const tab = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    tab.setDefaultTimeout(8000);
    browserErrors = [];
    tab.on('pageerror', (error) => browserErrors.push(error.message));
    await tab.goto(`${closed.url}/${route}`);
    return tab;
  };

  it('labels a symbol that has no result with its reason, in the problems filter', async () => {
    const tab = await open('#/macd?signal=problems');
    try {
      await tab.waitForSelector('#results tr[data-symbol=ZZZZ]');
      expect(await tab.isHidden('#stale')).toBe(true);
      const { results } = (await (await fetch(`${closed.url}/api/scans/macd`)).json()) as {
        results: { symbol: string; status: string; reason?: string }[];
      };
      const zzzz = results.find((r) => r.symbol === 'ZZZZ')!;
      expect(zzzz.status).toBe('error');
      expect(
        await tab.$$eval('#results tbody tr', (rows) => rows.map((r) => (r as HTMLElement).dataset.symbol)),
      ).toEqual(['ZZZZ']);
      expect(await tab.textContent('#results tr[data-symbol=ZZZZ] td:nth-child(2)')).toBe(`error: ${zzzz.reason}`);
      expect(await tab.getAttribute('#results tr[data-symbol=ZZZZ] td:nth-child(2)', 'class')).toBe('problem');
      expect(browserErrors).toEqual([]);
    } finally {
      await tab.close();
    }
  });

  it('says in the panel why a symbol could not load, with the request id, and shows nothing of the one before', async () => {
    const tab = await open('#/symbol/GE');
    try {
      await tab.waitForSelector('#symbol-view:not([hidden]) #price-chart canvas');
      await tab.waitForFunction(() => document.querySelectorAll('#signal-history li').length > 0);
      const failed = tab.waitForResponse((r) => new URL(r.url()).pathname === '/api/symbols/ZZZZ/chart');
      await tab.evaluate(() => (location.hash = '#/symbol/ZZZZ'));
      const response = await failed;
      expect(response.status()).toBe(404);
      const requestId = response.headers()['x-request-id'];
      expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
      await tab.waitForSelector('#symbol-error:not([hidden])');
      expect(await tab.textContent('#symbol-title')).toBe('ZZZZ');
      expect(await tab.textContent('#symbol-error')).toBe(
        `Could not load ZZZZ: no bars of ZZZZ up to 2024-03-08: charts are drawn from the watchlist's scans (request id ${requestId})`,
      );
      // GE's chart, results and history are gone, not left under ZZZZ's title.
      expect(await tab.isHidden('#symbol-body')).toBe(true);
      expect(await tab.$$('#price-chart canvas')).toHaveLength(0);
      expect(await tab.$$('#signal-history li')).toHaveLength(0);
      expect(browserErrors).toEqual([]);
    } finally {
      await tab.close();
    }
  });

  it('loads a newer run once it completes: the open tab asks every minute, on a clock the test moves', async () => {
    const tab = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    tab.setDefaultTimeout(8000);
    try {
      await tab.clock.install({ time: new Date('2024-03-08T16:31:00-05:00') });
      await tab.goto(`${closed.url}/#/vpb?signal=all`);
      await tab.waitForSelector('#results tbody tr');
      const shown = closed.run.runId;
      expect(await tab.textContent('#run-header')).toContain(`run ${shown}`);
      let runsAskedCount = 0;
      tab.on('request', (r) => {
        if (new URL(r.url()).pathname === '/api/runs') runsAskedCount++;
      });
      const asked = runsAskedCount;
      // A later run of the same evening (a refetch) completes in the same store.
      const later = await runLocalPipeline({
        ...at('2024-03-08T20:00:00-05:00'),
        store: { ...closed.store, close: async () => {} },
      });
      expect(later.run.runId > shown).toBe(true);
      // Within the minute nothing is asked; at the minute the tab asks, sees it, and shows it.
      await tab.clock.runFor(59_000);
      expect(runsAskedCount).toBe(asked);
      await tab.clock.runFor(1_000);
      // The page's timers are the test's; its requests are real, so their answer is waited for.
      await expect.poll(() => tab.textContent('#run-header'), { timeout: 8000 }).toContain(`run ${later.run.runId}`);
      expect(runsAskedCount).toBe(asked + 1);
      expect(await tab.inputValue('#signal-filter')).toBe('all');
    } finally {
      await tab.close();
    }
  });
});

describe('dashboard behind the token (as dev --auth and the deployed gateway)', () => {
  /** Obviously fake. */
  const TOKEN = 'fake-dashboard-token-0000';
  let authed: LocalStack;
  let context: Awaited<ReturnType<Browser['newContext']>>;
  let tab: Page;
  /** The Authorization header of every /api request the page made, by path. */
  const sent: [string, string | undefined][] = [];
  const errors: string[] = [];
  beforeAll(async () => {
    authed = await startLocalStack({
      watchlist: 'authed',
      symbols: ['GE', 'MDB', 'DDOG', 'COST', 'AAPL'],
      scanners: SCANNER_NAMES,
      dataDir: BUNDLED_DATA_DIR,
      lookback: 150,
      port: 0,
      auth: { token: TOKEN, access: 'token' },
    });
    context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    tab = await context.newPage();
    tab.on('pageerror', (error) => errors.push(error.message));
    tab.on('request', (request) => {
      const { pathname } = new URL(request.url());
      if (pathname.startsWith('/api/')) sent.push([pathname, request.headers().authorization]);
    });
    await tab.goto(`${authed.url}/`);
    await tab.waitForSelector('#auth:not([hidden])');
  }, 60_000);
  afterAll(async () => {
    await context?.close();
    await authed?.close();
  });

  it('asks for the token once, with a form, when the API answers 401', async () => {
    expect(await tab.textContent('#auth-reason')).toBe('This API needs a token');
    expect(await tab.$$('#auth')).toHaveLength(1);
    expect(await tab.$$('#results tbody tr')).toHaveLength(0);
    expect(sent.every(([, authorization]) => authorization === undefined)).toBe(true);
  });

  it('says a wrong token was refused (403) and asks again', async () => {
    await tab.fill('#auth-token', 'fake-wrong-token');
    await tab.click('#auth button[type=submit]');
    await tab.waitForFunction(() => document.getElementById('auth-reason')?.textContent?.includes('refused'));
    expect(await tab.isVisible('#auth')).toBe(true);
    expect(await tab.textContent('#auth-reason')).toBe('The token was refused; enter it again');
    expect(await tab.evaluate(() => sessionStorage.getItem('scanfleet-token'))).toBeNull();
  });

  it('sends the right token on every API call and keeps it for the session', async () => {
    sent.length = 0;
    await tab.fill('#auth-token', TOKEN);
    await tab.click('#auth button[type=submit]');
    await tab.waitForSelector('#results tbody tr');
    expect(await tab.isHidden('#auth')).toBe(true);
    await tab.click('#results tbody tr');
    await tab.waitForSelector('#signal-history li');
    const paths = sent.map(([path]) => path);
    expect(paths).toEqual(expect.arrayContaining(['/api/scans/ttm-squeeze', '/api/runs']));
    expect(paths.some((p) => p.endsWith('/chart'))).toBe(true);
    expect(sent.every(([, authorization]) => authorization === `Bearer ${TOKEN}`)).toBe(true);
    // Kept in sessionStorage (this tab), never in localStorage: a reload does not ask again.
    expect(await tab.evaluate(() => [sessionStorage.getItem('scanfleet-token'), localStorage.length])).toEqual([
      TOKEN,
      0,
    ]);
    await tab.reload();
    await tab.waitForSelector('#results tbody tr');
    expect(await tab.isHidden('#auth')).toBe(true);
  });

  it('asks again when the kept token stops working', async () => {
    await tab.evaluate(() => sessionStorage.setItem('scanfleet-token', 'fake-rotated-away'));
    await tab.reload();
    await tab.waitForSelector('#auth:not([hidden])');
    expect(await tab.textContent('#auth-reason')).toBe('The token was refused; enter it again');
    expect(errors).toEqual([]);
  });
});
