// scanfleet dashboard: plain browser JavaScript over the same origin's /api (no build step).
'use strict';

const BULLISH = new Set(['bullish_cross', 'fired_long', 'buy']);
const BEARISH = new Set(['bearish_cross', 'fired_short', 'sell']);
const SIGNALS = {
  'ttm-squeeze': ['squeeze_on', 'fired_long', 'fired_short'],
  vpb: ['buy', 'sell'],
  macd: ['bullish_cross', 'bearish_cross'],
};

const num = (digits) => (v) =>
  typeof v === 'number'
    ? v.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : '–';
/** A change with its sign as Discord's messages write it: `+1.25`, `−0.40` (a true minus), `0.00` (none on what rounds to zero). */
const signedText = (v, digits) => {
  if (typeof v !== 'number' || !Number.isFinite(v)) return '–';
  const text = Math.abs(v).toFixed(digits);
  return `${Number(text) === 0 ? '' : v > 0 ? '+' : '−'}${text}`;
};
const fireDirection = (row) => (row.signal === 'fired_long' ? 'long' : row.signal === 'fired_short' ? 'short' : '–');

/** The columns of the seed dashboard, per scanner: [header, value for sorting, text, css class]. */
const SYMBOL = ['Symbol', (r) => r.symbol];
const SIGNAL = ['Signal', (r) => r.signal ?? '', signalText, signalClass];
const PRICE = ['Price', (r) => r.values?.price ?? -1, (r) => num(2)(r.values?.price), () => 'num'];
const CHANGE = [
  'Change %',
  (r) => r.values?.changePct ?? -Infinity,
  (r) => signedText(r.values?.changePct, 2),
  (r) => `num ${(r.values?.changePct ?? 0) >= 0 ? 'up' : 'down'}`,
];
const COLUMNS = {
  'ttm-squeeze': [
    SYMBOL,
    SIGNAL,
    [
      'Momentum',
      (r) => r.values?.momentumDirection ?? '',
      null,
      (r) => (r.values?.momentumDirection === 'rising' ? 'up' : 'down'),
    ],
    [
      'Duration',
      (r) => r.values?.duration ?? -1,
      (r) => {
        const bars = r.values?.duration;
        return typeof bars === 'number' ? `${bars} ${bars === 1 ? 'bar' : 'bars'}` : '–';
      },
      () => 'num',
    ],
    ['Fire direction', fireDirection, null, (r) => (fireDirection(r) === '–' ? '' : signalClass(r))],
    PRICE,
  ],
  vpb: [
    SYMBOL,
    SIGNAL,
    PRICE,
    CHANGE,
    [
      'Volume surge %',
      (r) => r.values?.volumeSurgePct ?? -Infinity,
      (r) => num(0)(r.values?.volumeSurgePct),
      () => 'num',
    ],
    ['Pattern', (r) => r.values?.pattern ?? ''],
  ],
  macd: [
    SYMBOL,
    SIGNAL,
    PRICE,
    CHANGE,
    ['MACD', (r) => r.values?.macd ?? -Infinity, (r) => num(3)(r.values?.macd), () => 'num'],
    ['Histogram', (r) => r.values?.histogram ?? -Infinity, (r) => num(3)(r.values?.histogram), () => 'num'],
    ['Trend', (r) => r.values?.trend ?? '', null, (r) => (r.values?.trend === 'bullish' ? 'up' : 'down')],
  ],
};

/** A result on a bar still trading is provisional: "forming"; a symbol without one says why. */
function signalText(row) {
  if (row.status === 'error') return `error: ${row.reason ?? 'no reason recorded'}`;
  if (row.status === 'insufficient_data') return `short of data: ${row.reason ?? 'too few bars'}`;
  return `${row.signal ?? '–'}${row.partial ? ' · forming' : ''}`;
}

const isProblem = (row) => row.status === 'error' || row.status === 'insufficient_data';

function signalClass(row) {
  if (isProblem(row)) return 'problem';
  if (!row.signal) return '';
  return BULLISH.has(row.signal) ? 'bullish' : BEARISH.has(row.signal) ? 'bearish' : 'neutral';
}

const state = {
  /** What is shown: a scanner's results, 'scorecard', 'top' or 'lists'; and the symbol open over it. */
  view: 'results',
  symbol: null,
  scanner: 'ttm-squeeze',
  rows: [],
  run: null,
  sort: null,
  cache: new Map(),
  /** The watchlists (GET /api/watchlists), each list's symbols once read, and the picked list's. */
  lists: [],
  listSymbols: new Map(),
  listFilter: null,
  writesNeedToken: true,
  /** Until when reads skip the browser's cache (a minute, the results' max-age, after a newer run). */
  revalidateUntil: 0,
};
const $ = (id) => document.getElementById(id);

/** The API token, kept for this browser tab's session only. */
const TOKEN_KEY = 'scanfleet-token';

/** Shows the token form (once, however many calls were refused), saying why. */
function askForToken(refused) {
  sessionStorage.removeItem(TOKEN_KEY);
  $('auth-reason').textContent = refused ? 'The token was refused; enter it again' : 'This API needs a token';
  if (!$('auth').hidden) return;
  $('auth').hidden = false;
  $('auth-token').value = '';
  $('auth-token').focus();
}

/** GET /api/…, with the token when there is one; 401 (none) and 403 (a wrong one) at the gateway ask for it. */
async function api(path) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const response = await fetch(path, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
    // Results are cached for a minute; after a newer run they are asked again, not taken from the cache.
    ...(Date.now() < state.revalidateUntil && { cache: 'no-cache' }),
  });
  const body = await response.json().catch(() => null);
  // The gateway's refusals are {"message": …}; the API's own errors are {"error": …}.
  if ((response.status === 401 || response.status === 403) && !body?.error) {
    askForToken(response.status === 403);
    throw new Error('a token is needed');
  }
  if (!response.ok) throw apiError(response, body);
  return body;
}

/** An API refusal or failure as one line: its message, and the request id to quote when it has one. */
function apiError(response, body) {
  const message = body?.error?.message ?? `HTTP ${response.status}`;
  const requestId = body?.error?.requestId ?? response.headers.get('x-request-id');
  return Object.assign(new Error(requestId ? `${message} (request id ${requestId})` : message), {
    code: body?.error?.code,
  });
}

/** A change to the lists (the lists-writer's routes): JSON in and out, the token as for reads. */
async function write(method, path, body) {
  const token = sessionStorage.getItem(TOKEN_KEY);
  const response = await fetch(path, {
    method,
    headers: {
      ...(token && { authorization: `Bearer ${token}` }),
      ...(body && { 'content-type': 'application/json' }),
    },
    ...(body && { body: JSON.stringify(body) }),
  });
  const answer = await response.json().catch(() => null);
  if ((response.status === 401 || response.status === 403) && !answer?.error) {
    askForToken(response.status === 403);
    throw new Error('a token is needed to change the lists');
  }
  if (!response.ok) throw apiError(response, answer);
  return answer;
}

/** Changes are offered once the dashboard has the token, or when the API needs none. */
const canWrite = () => !state.writesNeedToken || sessionStorage.getItem(TOKEN_KEY) !== null;

/** The lists, into the picker (keeping the one picked); their symbols are read when needed. */
async function loadLists() {
  try {
    const answer = await api('/api/watchlists');
    state.lists = answer.lists;
    state.writesNeedToken = answer.writesNeedToken;
  } catch {
    state.lists = [];
  }
  state.listSymbols.clear();
  const picker = $('list-filter');
  const picked = picker.value;
  picker.replaceChildren(
    Object.assign(document.createElement('option'), { value: '', textContent: 'All lists' }),
    ...state.lists.map((l) =>
      Object.assign(document.createElement('option'), { value: l.name, textContent: `${l.name} (${l.symbolCount})` }),
    ),
  );
  picker.value = state.lists.some((l) => l.name === picked) ? picked : '';
  if (picker.value !== picked) await pickList('');
}

async function symbolsOf(name) {
  if (!state.listSymbols.has(name))
    state.listSymbols.set(name, new Set((await api(`/api/watchlists/${encodeURIComponent(name)}`)).list.symbols));
  return state.listSymbols.get(name);
}

/** Filters every tab to one list's symbols ('' for every list). */
async function pickList(name) {
  state.listFilter = name ? await symbolsOf(name) : null;
  render();
  if (!$('top-view').hidden) showTop();
}

const onPickedList = (symbol) => state.listFilter === null || state.listFilter.has(symbol);

async function loadScanner(scanner) {
  if (state.cache.has(scanner)) return state.cache.get(scanner);
  let rows = [];
  let cursor;
  let run;
  do {
    const page = await api(`/api/scans/${scanner}?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    rows = rows.concat(page.results);
    run = page.run;
    cursor = page.cursor;
  } while (cursor);
  const loaded = { rows, run };
  state.cache.set(scanner, loaded);
  return loaded;
}

/** Times as a trader on the US market reads them: New York's, with its zone. */
const NEW_YORK_TIME = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/New_York',
  month: 'short',
  day: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
  timeZoneName: 'short',
});

/** The header: the data's last bar and the run's time apart; an amber banner when the data is behind the market. */
function showRun(run) {
  const age =
    run.ageSeconds < 3600
      ? `${Math.round(run.ageSeconds / 60)} min ago`
      : run.ageSeconds < 172800
        ? `${Math.round(run.ageSeconds / 3600)} h ago`
        : `${Math.round(run.ageSeconds / 86400)} days ago`;
  const ran = NEW_YORK_TIME.format(new Date(run.finishedAt ?? run.startedAt));
  const forming = run.symbolsPartial > 0 ? ` · ${run.symbolsPartial} on a bar still trading (forming)` : '';
  const partial = run.status === 'partial' ? ` · partial run: ${run.endReason ?? 'some batches missing'}` : '';
  $('run-header').textContent =
    `Data as of ${run.asOf ?? '–'} · session ${run.session} · ${run.kind} run ${run.runId} · ran ${ran} (${age}) · ${run.symbols} symbols · ${run.symbolsWithErrors} with errors · ${run.symbolsInsufficient} short of data${forming}${partial}`;
  const behind = run.sessionsBehind ?? 0;
  $('stale').hidden = behind === 0;
  $('stale').textContent =
    behind === 0
      ? ''
      : `Data from ${run.asOf}: ${behind >= 99 ? '99+' : behind} ${behind === 1 ? 'session' : 'sessions'} behind the market. The newest run saw no later bar.`;
  const b = run.breadth;
  const pct = b.measured > 0 ? Math.round((b.aboveSma50 / b.measured) * 100) : 0;
  $('breadth').textContent =
    `Breadth: ${b.aboveSma50}/${b.measured} above their 50-day SMA (${pct}%) · ${b.bullishSignals} bullish vs ${b.bearishSignals} bearish signals`;
}

function fillSignalFilter() {
  const select = $('signal-filter');
  const options = [
    ['signals', 'Any signal'],
    ...SIGNALS[state.scanner].map((s) => [s, s]),
    ['problems', 'Errors and short data'],
    ['all', 'All symbols'],
  ];
  select.replaceChildren(
    ...options.map(([value, label]) => Object.assign(document.createElement('option'), { value, textContent: label })),
  );
}

function render() {
  const columns = COLUMNS[state.scanner];
  const filter = $('signal-filter').value;
  const search = $('symbol-search').value.trim().toUpperCase();
  let rows = state.rows.filter((r) =>
    filter === 'all'
      ? true
      : filter === 'signals'
        ? r.signal !== null
        : filter === 'problems'
          ? isProblem(r)
          : r.signal === filter,
  );
  if (search) rows = rows.filter((r) => r.symbol.includes(search));
  rows = rows.filter((r) => onPickedList(r.symbol));
  if (state.sort) {
    const [index, direction] = state.sort;
    const key = columns[index][1];
    rows = [...rows].sort((a, b) => {
      const x = key(a);
      const y = key(b);
      return (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))) * direction;
    });
  }
  const head = document.createElement('tr');
  columns.forEach(([label, , , cls], i) => {
    const th = Object.assign(document.createElement('th'), { scope: 'col' });
    // A numeric column's header sits over its numbers, whatever colour its cells take.
    if (cls?.({ values: {} }).split(' ').includes('num')) th.className = 'num';
    if (state.sort?.[0] === i) th.setAttribute('aria-sort', state.sort[1] > 0 ? 'ascending' : 'descending');
    const sort = Object.assign(document.createElement('button'), { type: 'button', textContent: label });
    sort.addEventListener('click', () => {
      state.sort = state.sort?.[0] === i ? [i, -state.sort[1]] : [i, 1];
      render();
      $('results').tHead.querySelectorAll('button')[i].focus();
    });
    th.append(sort);
    head.append(th);
  });
  $('results').tHead.replaceChildren(head);
  $('results').tBodies[0].replaceChildren(
    ...rows.map((row) => {
      const tr = document.createElement('tr');
      tr.dataset.symbol = row.symbol;
      tr.tabIndex = 0;
      tr.setAttribute('aria-label', `${row.symbol}: ${signalText(row)}`);
      if (row.partial) tr.classList.add('forming');
      for (const [, key, text, cls] of columns) {
        const td = Object.assign(document.createElement('td'), {
          textContent: text ? text(row) : String(key(row) || '–'),
        });
        if (cls) td.className = cls(row);
        tr.append(td);
      }
      opensSymbol(tr, row.symbol);
      return tr;
    }),
  );
  $('row-count').textContent = `${rows.length} of ${state.rows.length} symbols`;
  showRoute();
}

/** A row (or a Top setup's rows) opens its symbol on a click, and on Enter or Space when focused. */
function opensSymbol(element, symbol) {
  element.addEventListener('click', () => openSymbol(symbol));
  element.addEventListener('keydown', (event) => {
    if (event.target !== element || (event.key !== 'Enter' && event.key !== ' ')) return;
    event.preventDefault();
    openSymbol(symbol);
  });
}

async function selectScanner(scanner, signal = 'signals') {
  showView('results');
  state.scanner = scanner;
  state.sort = null;
  for (const tab of document.querySelectorAll('[role=tab]'))
    tab.setAttribute('aria-selected', String(tab.dataset.scanner === scanner));
  fillSignalFilter();
  if ([...$('signal-filter').options].some((o) => o.value === signal)) $('signal-filter').value = signal;
  try {
    const { rows, run } = await loadScanner(scanner);
    state.rows = rows;
    state.run = run;
    showRun(run);
    $('message').hidden = true;
  } catch (error) {
    state.rows = [];
    $('message').textContent = `Could not load ${scanner}: ${error.message}`;
    $('message').hidden = false;
  }
  render();
}

/** Either a scanner's results (their filters and table), the scorecard or the Top setups; the tab of a view selected. */
function showView(view) {
  state.view = view;
  document.querySelector('.controls').hidden = view !== 'results';
  $('results-box').hidden = view !== 'results';
  $('scorecard-view').hidden = view !== 'scorecard';
  $('top-view').hidden = view !== 'top';
  $('lists-view').hidden = view !== 'lists';
  if (view === 'results') return;
  $('message').hidden = true;
  for (const tab of document.querySelectorAll('[role=tab]'))
    tab.setAttribute('aria-selected', String(tab.dataset.view === view));
  showRoute();
}

/** A chart's x-axis: each signal short under its bar, its scanner's name once under that scanner's bars. */
const SHORT_SIGNAL = {
  bullish_cross: 'cross ↑',
  bearish_cross: 'cross ↓',
  squeeze_on: 'on',
  fired_long: 'fire ↑',
  fired_short: 'fire ↓',
  buy: 'buy',
  sell: 'sell',
};
const SCANNER_TITLE = { macd: 'MACD', 'ttm-squeeze': 'TTM Squeeze', vpb: 'VPB' };
const pctText = (v, digits = 2) => (typeof v === 'number' ? `${signedText(v, digits)}%` : '–');
const cell = (text, className = 'num') => Object.assign(document.createElement('td'), { textContent: text, className });
const headCell = (text, className = '') =>
  Object.assign(document.createElement('th'), { textContent: text, className });

/** The Scorecard tab: GET /api/scorecard, a chart per horizon and the table under it. */
async function showScorecard() {
  showView('scorecard');
  try {
    renderScorecard(await api('/api/scorecard'));
  } catch (error) {
    $('scorecard-charts').replaceChildren(
      Object.assign(document.createElement('p'), {
        className: 'message',
        textContent: `Could not load the scorecard: ${error.message}`,
      }),
    );
    $('scorecard-table').tHead.replaceChildren();
    $('scorecard-table').tBodies[0].replaceChildren();
  }
}

function renderScorecard(card) {
  $('scorecard-charts').replaceChildren(...card.horizons.map((h) => scorecardChart(card, h)));
  const head = document.createElement('tr');
  head.append(
    ...['Scanner', 'Signal'].map((t) => headCell(t)),
    ...card.horizons.flatMap((h) => ['n', 'mean', 'hit', 'excess'].map((t) => headCell(`${h}d ${t}`, 'num'))),
  );
  $('scorecard-table').tHead.replaceChildren(head);
  const keys = [...new Set(card.rows.map((r) => `${r.scanner} ${r.signal}`))];
  const lines = keys.map((key) => {
    const [scanner, signal] = key.split(' ');
    const tr = document.createElement('tr');
    tr.append(cell(scanner, ''), cell(signal, signalClass({ signal })));
    for (const h of card.horizons) {
      const r = card.rows.find((x) => x.scanner === scanner && x.signal === signal && x.horizon === h);
      tr.append(
        cell(r.count.toLocaleString('en-US')),
        cell(pctText(r.meanReturnPct)),
        cell(r.hitRatePct === null ? '–' : `${r.hitRatePct.toFixed(1)}%`),
        cell(pctText(r.excessReturnPct)),
      );
    }
    return tr;
  });
  const all = document.createElement('tr');
  all.append(cell('all', ''), cell('baseline', ''));
  for (const h of card.horizons) {
    const b = card.baseline.find((x) => x.horizon === h);
    all.append(
      cell(b.count.toLocaleString('en-US')),
      cell(pctText(b.meanReturnPct)),
      cell(b.upRatePct === null ? '–' : `${b.upRatePct.toFixed(1)}% up`),
      cell('–'),
    );
  }
  $('scorecard-table').tBodies[0].replaceChildren(...lines, all);
}

/** One horizon: each signal's mean forward return as a bar (n on it, hit rate on hover), every session's as a line. */
function scorecardChart(card, h) {
  const NS = 'http://www.w3.org/2000/svg';
  const el = (tag, attrs, text) => {
    const node = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
    if (text !== undefined) node.textContent = text;
    return node;
  };
  const rows = card.rows.filter((r) => r.horizon === h);
  const base = card.baseline.find((b) => b.horizon === h)?.meanReturnPct ?? null;
  const W = 320;
  const H = 206;
  const top = 28;
  // Two lines under the plot: the signals, then the scanners.
  const bottom = 36;
  const left = 44;
  const plotW = W - left - 8;
  const plotH = H - top - bottom;
  const values = [0, ...rows.map((r) => r.meanReturnPct ?? 0), base ?? 0];
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  const pad = (hi - lo || 1) * 0.15;
  lo -= lo < 0 ? pad : 0;
  hi += pad;
  const y = (v) => top + ((hi - v) / (hi - lo)) * plotH;
  const svg = el('svg', {
    viewBox: `0 0 ${W} ${H}`,
    role: 'img',
    'aria-label': `Mean return ${h} ${h === 1 ? 'session' : 'sessions'} after each signal, beside every session's`,
  });
  svg.append(
    el('text', { x: 8, y: 16, class: 'title' }, `${h} ${h === 1 ? 'session' : 'sessions'} later`),
    el('text', { x: left - 4, y: y(hi) + 8, 'text-anchor': 'end' }, pctText(hi, 1)),
    el('text', { x: left - 4, y: y(0) + 3, 'text-anchor': 'end' }, '0%'),
    el('line', { x1: left, x2: W - 8, y1: y(0), y2: y(0), class: 'zero' }),
  );
  const slot = plotW / rows.length;
  // The rows come scanner by scanner: a name under each run of them, a line over their width.
  const groups = [];
  rows.forEach((r, i) => {
    if (groups.at(-1)?.scanner === r.scanner) groups.at(-1).last = i;
    else groups.push({ scanner: r.scanner, first: i, last: i });
  });
  for (const g of groups) {
    const x1 = left + g.first * slot + slot * 0.1;
    const x2 = left + (g.last + 1) * slot - slot * 0.1;
    svg.append(
      el('line', { x1, x2, y1: H - 17, y2: H - 17, class: 'group' }),
      el(
        'text',
        { x: (x1 + x2) / 2, y: H - 5, 'text-anchor': 'middle', class: 'axis' },
        SCANNER_TITLE[g.scanner] ?? g.scanner,
      ),
    );
  }
  rows.forEach((r, i) => {
    const x = left + i * slot + slot * 0.15;
    svg.append(
      el(
        'text',
        { x: x + slot * 0.35, y: H - 21, 'text-anchor': 'middle', class: 'axis' },
        SHORT_SIGNAL[r.signal] ?? r.signal,
      ),
    );
    if (r.meanReturnPct === null) return;
    const y0 = y(Math.max(0, r.meanReturnPct));
    const bar = el('rect', {
      x,
      y: y0,
      width: slot * 0.7,
      height: Math.max(1, Math.abs(y(r.meanReturnPct) - y(0))),
      class: `bar ${signalClass(r) || 'neutral'}`,
      'data-signal': r.signal,
    });
    bar.append(
      el(
        'title',
        {},
        `${r.scanner} ${r.signal}, ${h}d: mean ${pctText(r.meanReturnPct)}${r.hitRatePct === null ? '' : `, hit rate ${r.hitRatePct.toFixed(1)}%`}, excess ${pctText(r.excessReturnPct)} (n=${r.count})`,
      ),
    );
    const nY = r.meanReturnPct >= 0 ? y0 - 3 : y(r.meanReturnPct) + 10;
    svg.append(bar, el('text', { x: x + slot * 0.35, y: nY, 'text-anchor': 'middle' }, `n=${r.count}`));
  });
  if (base !== null)
    svg.append(
      el('line', { x1: left, x2: W - 8, y1: y(base), y2: y(base), class: 'baseline' }),
      el('text', { x: W - 8, y: y(base) - 3, 'text-anchor': 'end' }, `all ${pctText(base)}`),
    );
  return svg;
}

/** How many setups the Top setups tab ranks. */
const TOP_COUNT = 25;

/** The Top setups tab: GET /api/top, the shown run's symbols ranked by the scorecard, a row per signal behind each. */
async function showTop() {
  showView('top');
  try {
    renderTop(await api(`/api/top?n=${TOP_COUNT}`));
  } catch (error) {
    // stale_run: the scorecard is newer than the shown run, which is not ranked (no look-ahead).
    $('top-note').textContent =
      error.code === 'stale_run' ? `Not ranked: ${error.message}.` : `Could not rank the setups: ${error.message}`;
    clearTable($('top-table'));
  }
}

/** Empties a table of a body per row group. */
function clearTable(table) {
  table.tHead.replaceChildren();
  for (const body of [...table.tBodies]) body.remove();
}

const scoreClass = (v) => (v > 0 ? 'bullish' : v < 0 ? 'bearish' : '');

function renderTop(top) {
  const table = $('top-table');
  const run = `run ${top.run.runId}, as of ${top.run.asOf ?? '–'}`;
  $('top-note').textContent =
    top.setups.length === 0
      ? `No signals to rank in the shown ${run}.`
      : `The ${top.setups.length} strongest of the ${top.symbolsWithSignal} symbols with a signal in the shown ${run}, scored on what followed each signal ${top.horizon} sessions later (the scorecard). Click a symbol for its chart.`;
  clearTable(table);
  table
    .createTHead()
    .insertRow()
    .append(
      headCell('Rank', 'num'),
      headCell('Symbol'),
      headCell('Score', 'num'),
      headCell('Scanner'),
      headCell('Signal'),
      ...['n', 'excess', 'hit'].map((t) => headCell(`${top.horizon}d ${t}`, 'num')),
      headCell('adds', 'num'),
      headCell('Note'),
    );
  for (const setup of top.setups.filter((s) => onPickedList(s.symbol))) {
    const body = table.createTBody();
    body.dataset.symbol = setup.symbol;
    setup.signals.forEach((s, i) => {
      const tr = body.insertRow();
      if (i === 0)
        tr.append(
          ...[
            cell(String(setup.rank)),
            cell(setup.symbol, ''),
            cell(signedText(setup.score, 4), `num ${scoreClass(setup.score)}`),
          ].map((td) => Object.assign(td, { rowSpan: setup.signals.length })),
        );
      tr.append(
        cell(s.scanner, ''),
        cell(s.signal, signalClass(s)),
        cell(s.n.toLocaleString('en-US')),
        cell(pctText(s.excessReturnPct)),
        cell(s.hitRatePct === null ? '–' : `${s.hitRatePct.toFixed(1)}%`),
        cell(signedText(s.contribution, 4), `num ${scoreClass(s.contribution)}`),
        // Why a signal adds nothing; too few observations is the reason n gives.
        cell(s.note === 'not enough history' ? `${s.note} (n=${s.n})` : (s.note ?? ''), ''),
      );
    });
    body.tabIndex = 0;
    body.setAttribute('aria-label', `${setup.rank}. ${setup.symbol}, score ${signedText(setup.score, 4)}`);
    opensSymbol(body, setup.symbol);
  }
}

let chart = null;
/** The element that opened the symbol's panel, focused again when it closes. */
let openedFrom = null;

/**
 * The symbol's panel: its chart, latest results, lists and history. Everything of the symbol
 * shown before goes at once; a failed load says so in place, with its request id.
 */
async function openSymbol(symbol) {
  if (state.symbol !== symbol) openedFrom = document.activeElement;
  state.symbol = symbol;
  $('symbol-view').hidden = false;
  $('symbol-title').textContent = symbol;
  chart?.remove();
  chart = null;
  $('symbol-latest').tBodies[0].replaceChildren();
  $('signal-history').replaceChildren();
  $('symbol-lists').replaceChildren();
  $('ohlcv').textContent = '';
  $('symbol-error').hidden = true;
  $('symbol-body').hidden = true;
  $('close-symbol').focus();
  showRoute();
  const chartQuery = state.run ? `?runId=${encodeURIComponent(state.run.runId)}` : '';
  let info;
  let series;
  try {
    [info, series] = await Promise.all([
      api(`/api/symbols/${encodeURIComponent(symbol)}`),
      api(`/api/symbols/${encodeURIComponent(symbol)}/chart${chartQuery}`),
    ]);
  } catch (error) {
    if (state.symbol !== symbol) return;
    $('symbol-error').textContent = `Could not load ${symbol}: ${error.message}`;
    $('symbol-error').hidden = false;
    return;
  }
  // Another symbol was opened (or the panel closed) while this one loaded.
  if (state.symbol !== symbol) return;
  $('symbol-body').hidden = false;
  $('symbol-latest').tBodies[0].replaceChildren(
    ...info.latest.map((r) => {
      const tr = document.createElement('tr');
      tr.append(
        Object.assign(document.createElement('td'), { textContent: r.scanner }),
        Object.assign(document.createElement('td'), {
          textContent: r.signal === null && !isProblem(r) ? 'no signal' : signalText(r),
          className: signalClass(r),
        }),
        Object.assign(document.createElement('td'), { textContent: r.barDate ?? '' }),
      );
      return tr;
    }),
  );
  $('signal-history').replaceChildren(
    ...(info.history.length > 0
      ? info.history.map(historyLine)
      : [{ text: 'no signal events recorded yet', cls: '' }]
    ).map(({ text, cls }) => Object.assign(document.createElement('li'), { textContent: text, className: cls })),
  );
  drawChart(series, info.history);
  await showSymbolLists(symbol);
}

function closeSymbol() {
  state.symbol = null;
  chart?.remove();
  chart = null;
  $('symbol-view').hidden = true;
  showRoute();
  if (openedFrom?.isConnected) openedFrom.focus();
  openedFrom = null;
}

/** The symbol's lists on its panel: each with a remove button, and an add to another (when changes are offered). */
async function showSymbolLists(symbol) {
  const box = $('symbol-lists');
  const on = [];
  for (const list of state.lists) if ((await symbolsOf(list.name)).has(symbol)) on.push(list.name);
  const parts = [
    Object.assign(document.createElement('span'), {
      textContent: on.length > 0 ? `On ${on.length === 1 ? 'list' : 'lists'}: ` : 'On no list',
    }),
  ];
  for (const name of on) {
    parts.push(Object.assign(document.createElement('span'), { textContent: `${name} `, className: 'list-name' }));
    if (canWrite()) {
      const remove = Object.assign(document.createElement('button'), {
        textContent: `Remove from ${name}`,
        type: 'button',
      });
      remove.addEventListener('click', () => changeSymbol(symbol, 'DELETE', name));
      parts.push(remove);
    }
  }
  if (canWrite()) {
    const target = Object.assign(document.createElement('input'), {
      placeholder: 'list',
      value: state.lists.find((l) => !on.includes(l.name))?.name ?? 'default',
      size: 10,
    });
    target.setAttribute('aria-label', `List to add ${symbol} to`);
    const add = Object.assign(document.createElement('button'), { textContent: `Add ${symbol}`, type: 'button' });
    add.addEventListener('click', () => changeSymbol(symbol, 'POST', target.value.trim()));
    parts.push(target, add);
  }
  const note = Object.assign(document.createElement('span'), { id: 'symbol-list-note', className: 'list-change' });
  note.setAttribute('role', 'status');
  note.dataset.testid = 'symbol-list-note';
  box.replaceChildren(...parts, note);
}

/** Adds the symbol to a list or removes it; the answer (or the refusal's reason) shown on the panel. */
async function changeSymbol(symbol, method, name) {
  let said;
  try {
    const path = `/api/watchlists/${encodeURIComponent(name)}/symbols`;
    const answer =
      method === 'POST'
        ? await write('POST', path, { symbols: [symbol] })
        : await write('DELETE', `${path}/${encodeURIComponent(symbol)}`);
    said =
      method === 'POST'
        ? `${answer.added.length > 0 ? 'Added to' : 'Already on'} ${name} (${answer.list.symbols.length} symbols).`
        : `Removed from ${name} (${answer.list.symbols.length} symbols).`;
    await loadLists();
    if (state.listFilter !== null) await pickList($('list-filter').value);
    await showSymbolLists(symbol);
  } catch (error) {
    said = `Not changed: ${error.message}`;
  }
  $('symbol-list-note').textContent = said;
}

/** The Lists tab: every list, its size and last change; the add form when changes are offered. */
async function showLists() {
  showView('lists');
  await loadLists();
  const total = state.lists.reduce((n, l) => n + l.symbolCount, 0);
  $('lists-note').textContent =
    state.lists.length === 0
      ? 'No list yet. A run scans every list, each symbol once.'
      : `${state.lists.length} ${state.lists.length === 1 ? 'list' : 'lists'}, ${total} symbols in all; a run scans every list, each symbol once. Pick one above to filter every tab to it.`;
  $('lists-table').tBodies[0].replaceChildren(
    ...state.lists.map((l) => {
      const tr = document.createElement('tr');
      tr.append(
        cell(l.name, ''),
        cell(String(l.symbolCount)),
        cell(String(l.version)),
        cell(l.updatedBy, ''),
        cell(l.updatedAt.slice(0, 16).replace('T', ' '), ''),
      );
      return tr;
    }),
  );
  $('list-add').hidden = !canWrite();
}

/** One event, once: its bar, what it is, and when it was first seen and confirmed at the close. */
function historyLine(h) {
  const time = (iso) => iso.slice(0, 16).replace('T', ' ');
  const seen =
    h.status === 'forming'
      ? `forming since ${time(h.firstSeenAt)}`
      : h.confirmedAt && h.confirmedAt !== h.firstSeenAt
        ? `seen ${time(h.firstSeenAt)}, confirmed ${time(h.confirmedAt)}`
        : `seen ${time(h.firstSeenAt)}`;
  const status =
    h.status === 'alerted' || h.status === 'seen'
      ? ''
      : ` (${h.status}${h.suppressedBy ? ` by ${h.suppressedBy}` : ''})`;
  return {
    text: `${h.barDate} ${h.scanner} ${h.signal}${status}${h.late ? ' · late' : ''} · ${seen}${outcomeOf(h)}`,
    cls: signalClass(h),
  };
}

/** What happened after an event: its forward returns from its start session, at the horizons reached so far. */
function outcomeOf(h) {
  const reached = Object.entries(h.forwardReturns ?? {}).filter(([, r]) => r !== null);
  if (reached.length === 0) return '';
  const pct = (r) => `${r > 0 ? '+' : r < 0 ? '−' : ''}${Math.abs(r).toFixed(1)}%`;
  return ` · after ${reached.map(([days, r]) => `${days}d ${pct(r)}`).join(', ')}`;
}

const compact = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 2 });

/** The crosshair's bar (the last one when the pointer is off the chart), read out above the chart. */
function showReadout(series, index) {
  const b = series.bars[index];
  if (!b) return;
  const previous = series.bars[index - 1]?.close;
  const change = previous ? ` (${pctText((b.close / previous - 1) * 100)})` : '';
  const average = series.volumeAverage.values[index];
  const squeeze = series.squeezeOn[index] === null ? '' : ` · squeeze ${series.squeezeOn[index] ? 'on' : 'off'}`;
  $('ohlcv').textContent =
    `${b.time} · O ${num(2)(b.open)} H ${num(2)(b.high)} L ${num(2)(b.low)} C ${num(2)(b.close)}${change}` +
    ` · V ${compact.format(b.volume)}${average === null ? '' : ` · ${series.volumeAverage.days}-day avg ${compact.format(average)}`}${squeeze}`;
}

/**
 * One chart in four panes on one time axis: the candles with the Bollinger Bands, the Keltner
 * Channels and the signals; the squeeze dots (red on, green off); the volume with VPB's 20-day
 * average; the MACD. It follows its box's size.
 */
function drawChart(series, history) {
  const LC = window.LightweightCharts;
  const box = $('price-chart');
  chart = LC.createChart(box, {
    autoSize: true,
    layout: {
      background: { color: '#171d24' },
      textColor: '#d7dde4',
      panes: { separatorColor: '#26303b', enableResize: false },
    },
    grid: { vertLines: { color: '#1f2830' }, horzLines: { color: '#1f2830' } },
    // Room right of the last bar, so its markers are not clipped.
    timeScale: { borderColor: '#26303b', rightOffset: 3 },
    rightPriceScale: { borderColor: '#26303b' },
  });
  const quiet = { priceLineVisible: false, lastValueVisible: false };
  const line = (values) =>
    series.bars.map((b, i) => (values[i] === null ? { time: b.time } : { time: b.time, value: values[i] }));
  const candles = chart.addSeries(LC.CandlestickSeries, {
    upColor: '#26a65b',
    downColor: '#e0464e',
    borderVisible: false,
    wickUpColor: '#26a65b',
    wickDownColor: '#e0464e',
  });
  candles.setData(series.bars.map(({ time, open, high, low, close }) => ({ time, open, high, low, close })));
  for (const [values, color, style] of [
    [series.bollinger.upper, '#4aa3ff', 0],
    [series.bollinger.lower, '#4aa3ff', 0],
    [series.keltner.upper, '#e2a33d', 2],
    [series.keltner.lower, '#e2a33d', 2],
  ])
    chart.addSeries(LC.LineSeries, { color, lineWidth: 1, lineStyle: style, ...quiet }).setData(line(values));
  const dates = new Set(series.bars.map((b) => b.time));
  const markers = history
    .filter((h) => dates.has(h.barDate) && h.status !== 'retracted')
    .map((h) => ({
      time: h.barDate,
      position: BEARISH.has(h.signal) ? 'aboveBar' : 'belowBar',
      color: BULLISH.has(h.signal) ? '#26a65b' : BEARISH.has(h.signal) ? '#e0464e' : '#e2a33d',
      shape: BEARISH.has(h.signal) ? 'arrowDown' : 'arrowUp',
      text: h.signal,
    }))
    .sort((a, b) => a.time.localeCompare(b.time));
  if (markers.length > 0) LC.createSeriesMarkers(candles, markers);

  chart
    .addSeries(
      LC.LineSeries,
      {
        lineVisible: false,
        pointMarkersVisible: true,
        pointMarkersRadius: 2.5,
        crosshairMarkerVisible: false,
        ...quiet,
      },
      1,
    )
    .setData(
      series.bars.map((b, i) =>
        series.squeezeOn[i] === null
          ? { time: b.time }
          : { time: b.time, value: 0, color: series.squeezeOn[i] ? '#e0464e' : '#26a65b' },
      ),
    );

  chart.addSeries(LC.HistogramSeries, { priceFormat: { type: 'volume' }, ...quiet }, 2).setData(
    series.bars.map((b, i) => ({
      time: b.time,
      value: b.volume,
      color: b.close >= (series.bars[i - 1]?.close ?? b.open) ? '#26a65b80' : '#e0464e80',
    })),
  );
  chart
    .addSeries(LC.LineSeries, { color: '#d7dde4', lineWidth: 1, priceFormat: { type: 'volume' }, ...quiet }, 2)
    .setData(line(series.volumeAverage.values));

  chart.addSeries(LC.HistogramSeries, quiet, 3).setData(
    series.bars.map((b, i) =>
      series.macd.histogram[i] === null
        ? { time: b.time }
        : {
            time: b.time,
            value: series.macd.histogram[i],
            color: series.macd.histogram[i] >= 0 ? '#26a65b' : '#e0464e',
          },
    ),
  );
  chart.addSeries(LC.LineSeries, { color: '#4aa3ff', lineWidth: 1, ...quiet }, 3).setData(line(series.macd.macd));
  chart.addSeries(LC.LineSeries, { color: '#e2a33d', lineWidth: 1, ...quiet }, 3).setData(line(series.macd.signal));

  // The panes share the box's height: the price half, the dots a strip.
  chart.panes().forEach((pane, i) => pane.setStretchFactor([0.5, 0.05, 0.2, 0.25][i]));
  chart.timeScale().fitContent();

  const indexOf = new Map(series.bars.map((b, i) => [b.time, i]));
  const last = series.bars.length - 1;
  showReadout(series, last);
  chart.subscribeCrosshairMove((param) => showReadout(series, param.time ? indexOf.get(param.time) : last));
}

/**
 * The address says what is shown, so it can be shared and reloaded: `#/macd?signal=bullish_cross`,
 * `#/vpb?q=GE`, `#/top`, `#/symbol/AAPL`; `list=` with any of them filters to a list.
 */
function routeOf() {
  const query = new URLSearchParams();
  if (state.view === 'results' && state.symbol === null) {
    const signal = $('signal-filter').value;
    if (signal && signal !== 'signals') query.set('signal', signal);
    const search = $('symbol-search').value.trim().toUpperCase();
    if (search) query.set('q', search);
  }
  if ($('list-filter').value) query.set('list', $('list-filter').value);
  const path =
    state.symbol !== null
      ? `symbol/${encodeURIComponent(state.symbol)}`
      : state.view === 'results'
        ? state.scanner
        : state.view;
  return `#/${path}${query.size > 0 ? `?${query}` : ''}`;
}

function showRoute() {
  if (location.hash !== routeOf()) history.replaceState(null, '', routeOf());
}

/** Shows what an address names; an unknown one falls back to the first tab. */
async function followRoute() {
  const [path, query] = location.hash.replace(/^#\/?/, '').split('?');
  const params = new URLSearchParams(query ?? '');
  const [first, second] = path.split('/').map(decodeURIComponent);
  const list = params.get('list') ?? '';
  if (list !== $('list-filter').value && state.lists.some((l) => l.name === list)) {
    $('list-filter').value = list;
    await pickList(list);
  }
  if (first === 'symbol' && second) {
    if (state.cache.size === 0) await selectScanner(state.scanner);
    if (state.symbol !== second.toUpperCase()) await openSymbol(second.toUpperCase());
    return;
  }
  if (state.symbol !== null) closeSymbol();
  if (first === 'scorecard') await showScorecard();
  else if (first === 'top') await showTop();
  else if (first === 'lists') await showLists();
  else {
    $('symbol-search').value = params.get('q') ?? '';
    await selectScanner(SIGNALS[first] ? first : 'ttm-squeeze', params.get('signal') ?? 'signals');
  }
}

/** The view shown, loaded again (after a newer run, or a token). */
function reloadView() {
  state.cache.clear();
  if (state.view === 'scorecard') showScorecard();
  else if (state.view === 'top') showTop();
  else if (state.view === 'lists') showLists();
  else selectScanner(state.scanner, $('signal-filter').value);
}

/** How often an open, visible dashboard asks whether a newer run has finished. */
const REFRESH_MS = 60_000;

/**
 * The newest run: when it did not complete the header says so and why; when a newer run than
 * the one shown has completed, the view loads it.
 */
async function checkLatestRun() {
  let latest;
  try {
    [latest] = (await api('/api/runs?limit=1')).runs;
  } catch {
    return; // the results shown still stand; the next check tries again
  }
  if (!latest) return;
  const why = latest.endReason ?? latest.skippedReason;
  const unfinished = ['partial', 'failed', 'skipped'].includes(latest.status);
  $('run-note').hidden = !unfinished;
  $('run-note').textContent = unfinished
    ? `Latest run ${latest.runId} (${latest.kind}): ${latest.status}${why ? ` — ${why}` : ''}`
    : '';
  if (latest.status === 'complete' && state.run && latest.runId > state.run.runId) {
    state.revalidateUntil = Date.now() + REFRESH_MS;
    reloadView();
  }
}

setInterval(() => {
  if (document.visibilityState === 'visible') checkLatestRun();
}, REFRESH_MS);
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') checkLatestRun();
});

document.querySelectorAll('[role=tab]').forEach((tab) =>
  tab.addEventListener('click', () => {
    if (state.symbol !== null) closeSymbol();
    if (tab.dataset.view === 'scorecard') showScorecard();
    else if (tab.dataset.view === 'top') showTop();
    else if (tab.dataset.view === 'lists') showLists();
    else selectScanner(tab.dataset.scanner);
  }),
);
$('signal-filter').addEventListener('change', render);
$('list-filter').addEventListener('change', () => pickList($('list-filter').value));
$('list-add').addEventListener('submit', async (event) => {
  event.preventDefault();
  const name = $('list-add-name').value.trim();
  try {
    const answer = await write('POST', `/api/watchlists/${encodeURIComponent(name)}/symbols`, {
      symbols: $('list-add-symbols').value,
    });
    $('list-add-symbols').value = '';
    await showLists();
    $('lists-note').textContent =
      `Added ${answer.added.length} to ${name}${answer.already.length > 0 ? ` (${answer.already.length} already on it)` : ''}: ${answer.list.symbols.length} symbols.`;
  } catch (error) {
    $('lists-note').textContent = `Not changed: ${error.message}`;
  }
});
$('symbol-search').addEventListener('input', render);
$('close-symbol').addEventListener('click', closeSymbol);
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && state.symbol !== null) closeSymbol();
});
window.addEventListener('hashchange', followRoute);
$('auth').addEventListener('submit', (event) => {
  event.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, $('auth-token').value.trim());
  $('auth').hidden = true;
  reloadView();
  checkLatestRun();
  loadLists();
});
loadLists().then(followRoute);
checkLatestRun();
