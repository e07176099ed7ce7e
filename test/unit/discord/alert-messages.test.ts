import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AlertLine, type AlertMessage, alertMessages } from '../../../functions/core/discord/alert-messages.js';
import { EMBED_LIMITS, signalDetail } from '../../../functions/core/discord/discord-embeds.js';
import { SCANNER_NAMES, SCANNERS, type ScannerName } from '../../../functions/core/scan/scanners.js';

const KINDS: AlertLine['kind'][] = ['alert', 'confirmed', 'retracted', 'forming'];
const LABELS: Record<AlertLine['kind'], [string, string]> = {
  alert: ['new signal', 'new signals'],
  confirmed: ['confirmed', 'confirmed'],
  retracted: ['retracted', 'retracted'],
  forming: ['forming', 'forming'],
};
const FOOTER = 'run 20261124T214500Z-full';
const VPB = { price: 100, changePct: 1, volumeSurgePct: 80, pattern: 'breakout_20d_high' };
const MACD = { price: 187.5, changePct: -0.42, histogram: 0.0123, trend: 'above_zero' };

const line = (over: Partial<AlertLine> & Pick<AlertLine, 'symbol'>): AlertLine => ({
  scanner: 'vpb',
  signal: 'buy',
  kind: 'alert',
  barDate: '2026-11-24',
  values: VPB,
  ...over,
});

/** A line as a reader sees it: the format the alert messages promise (its symbol linked when a dashboard is given). */
function text(l: AlertLine, dashboardUrl?: string): string {
  const detail = [
    l.kind === 'retracted' ? 'no longer there at the close' : signalDetail(l.scanner, l.values),
    l.late ? `late (from ${l.barDate})` : '',
  ]
    .filter((p) => p.length > 0)
    .join(' · ');
  const symbol = dashboardUrl
    ? `[**${l.symbol}**](${dashboardUrl}/#/symbol/${encodeURIComponent(l.symbol)})`
    : `**${l.symbol}**`;
  return `${symbol} ${l.signal} — ${detail}`;
}

const embedChars = (m: AlertMessage) =>
  m.embeds.reduce(
    (n, e) =>
      n +
      (e.title?.length ?? 0) +
      (e.description?.length ?? 0) +
      (e.footer?.text.length ?? 0) +
      (e.fields ?? []).reduce((k, f) => k + f.name.length + f.value.length, 0),
    0,
  );
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Checks every promise of the split against the lines given: the limits, every line exactly once
 * in the stable order (a line split only when no embed can hold it, going on at the start of the
 * next embed), one kind a message and one scanner an embed, the part and message numbering, and
 * that no message but a kind's last could have taken the next message's first line.
 */
function checkSplit(
  lines: readonly AlertLine[],
  footer: string,
  messages: readonly AlertMessage[],
  dashboardUrl?: string,
): void {
  const footerText = footer.length > EMBED_LIMITS.footer ? `${footer.slice(0, EMBED_LIMITS.footer - 1)}…` : footer;
  const expected = KINDS.flatMap((kind) =>
    SCANNER_NAMES.flatMap((scanner) =>
      lines.filter((l) => l.kind === kind && l.scanner === scanner).map((l) => ({ l, text: text(l, dashboardUrl) })),
    ),
  );
  // The limits.
  for (const m of messages) {
    expect(m.content.length).toBeLessThanOrEqual(2000);
    expect(m.embeds.length).toBeGreaterThan(0);
    expect(m.embeds.length).toBeLessThanOrEqual(EMBED_LIMITS.embedsPerMessage);
    expect(embedChars(m)).toBeLessThanOrEqual(EMBED_LIMITS.total);
    for (const e of m.embeds) {
      expect(e.title!.length).toBeLessThanOrEqual(EMBED_LIMITS.title);
      expect(e.description!.length).toBeGreaterThan(0);
      expect(e.description!.length).toBeLessThanOrEqual(EMBED_LIMITS.description);
      expect(e.description).not.toMatch(LONE_SURROGATE);
      if (footerText) expect(e.footer?.text).toBe(footerText);
      else expect(e.footer).toBeUndefined();
      expect(e.description).not.toMatch(/… and \d+ more$/);
    }
  }
  // Every line exactly once, in order: walk the descriptions through the expected texts.
  let at = 0; // the expected line
  let offset = 0; // how much of it was read
  const embedsOf = new Map<string, string[]>(); // kind/scanner → its embeds' titles
  const messagesOf = new Map<AlertLine['kind'], AlertMessage[]>();
  for (const m of messages) {
    let kind: AlertLine['kind'] | undefined;
    for (const e of m.embeds) {
      const segments = e.description!.split('\n');
      let scanner: ScannerName | undefined;
      segments.forEach((segment, i) => {
        expect(at, 'more text than lines').toBeLessThan(expected.length);
        const { l, text: full } = expected[at];
        expect(segment.length).toBeGreaterThan(0);
        expect(segment).toBe(full.slice(offset, offset + segment.length));
        scanner ??= l.scanner;
        kind ??= l.kind;
        expect(l.scanner).toBe(scanner);
        expect(l.kind).toBe(kind);
        offset += segment.length;
        if (offset === full.length) {
          at++;
          offset = 0;
        } else {
          // A piece: only the last segment of an embed, of a line no empty embed could hold.
          expect(i).toBe(segments.length - 1);
          expect(full.length).toBeGreaterThan(
            Math.min(EMBED_LIMITS.description, EMBED_LIMITS.total - EMBED_LIMITS.title - footerText.length),
          );
        }
      });
      const key = `${kind}/${scanner}`;
      embedsOf.set(key, [...(embedsOf.get(key) ?? []), e.title!]);
      const count = lines.filter((l) => l.kind === kind && l.scanner === scanner).length;
      expect(e.title).toContain(` — ${scanner} (${count})`);
    }
    const count = lines.filter((l) => l.kind === kind).length;
    const [one, many] = LABELS[kind!];
    expect(m.content.startsWith(`scanfleet: ${count} ${count === 1 ? one : many}`)).toBe(true);
    messagesOf.set(kind!, [...(messagesOf.get(kind!) ?? []), m]);
  }
  expect(at).toBe(expected.length);
  expect(offset).toBe(0);
  // Part numbering: "(i/k)" on each of a scanner's embeds when there are several, else none.
  for (const titles of embedsOf.values()) {
    titles.forEach((title, i) => {
      if (titles.length === 1) expect(title).not.toMatch(/ \(\d+\/\d+\)$/);
      else expect(title.endsWith(` (${i + 1}/${titles.length})`)).toBe(true);
    });
  }
  // Message numbering, and no message but the last of its kind ends with room to spare.
  for (const list of messagesOf.values()) {
    list.forEach((m, i) => {
      if (list.length === 1) expect(m.content).not.toContain('(message');
      else expect(m.content.endsWith(` (message ${i + 1} of ${list.length})`)).toBe(true);
      if (i < list.length - 1) {
        const next = list[i + 1].embeds[0].description!.split('\n')[0];
        const full = m.embeds.length === EMBED_LIMITS.embedsPerMessage;
        expect(full || embedChars(m) + EMBED_LIMITS.title + footerText.length + next.length > EMBED_LIMITS.total).toBe(
          true,
        );
      }
    });
  }
}

describe('alert messages: a small run, exactly', () => {
  it('a message per kind, an embed per scanner in scanner order, the lines in the order given', () => {
    const lines = [
      line({ symbol: 'GE' }),
      line({ symbol: 'MDB', signal: 'sell', late: true, barDate: '2026-11-23' }),
      line({ symbol: 'AAPL', scanner: 'macd', signal: 'bullish_cross', values: MACD }),
      line({ symbol: 'MSFT', scanner: 'macd', signal: 'bearish_cross', kind: 'retracted', values: null }),
    ];
    expect(alertMessages(lines, FOOTER)).toEqual([
      {
        content: 'scanfleet: 3 new signals',
        embeds: [
          {
            title: 'New signals as of 2026-11-24 — macd (1)',
            description: '**AAPL** bullish_cross — $187.50 (−0.42%), hist +0.012, trend above_zero',
            color: 0x26a65b,
            footer: { text: FOOTER },
          },
          {
            title: 'New signals as of 2026-11-24 — vpb (2)',
            description:
              '**GE** buy — $100.00 (+1.00%), volume +80%, breakout_20d_high\n**MDB** sell — $100.00 (+1.00%), volume +80%, breakout_20d_high · late (from 2026-11-23)',
            color: 0xe2a33d,
            footer: { text: FOOTER },
          },
        ],
      },
      {
        content: 'scanfleet: 1 retracted',
        embeds: [
          {
            title: 'Retracted: gone at the close (2026-11-24) — macd (1)',
            description: '**MSFT** bearish_cross — no longer there at the close',
            color: 0xe0464e,
            footer: { text: FOOTER },
          },
        ],
      },
    ]);
    expect(alertMessages([], FOOTER)).toEqual([]);
  });

  it('with a dashboard, each symbol links to its #/symbol/ page; without one, the line is as before', () => {
    const lines = [
      line({ symbol: 'AMD', scanner: 'macd', signal: 'bullish_cross', values: MACD }),
      line({ symbol: 'BRK.B' }),
    ];
    const descriptions = (dashboardUrl?: string) =>
      alertMessages(lines, FOOTER, { dashboardUrl }).flatMap((m) => m.embeds.map((e) => e.description));
    expect(descriptions('https://abc123defg.execute-api.us-east-1.amazonaws.com')).toEqual([
      '[**AMD**](https://abc123defg.execute-api.us-east-1.amazonaws.com/#/symbol/AMD) bullish_cross — $187.50 (−0.42%), hist +0.012, trend above_zero',
      '[**BRK.B**](https://abc123defg.execute-api.us-east-1.amazonaws.com/#/symbol/BRK.B) buy — $100.00 (+1.00%), volume +80%, breakout_20d_high',
    ]);
    expect(descriptions('http://127.0.0.1:8787')).toEqual([
      '[**AMD**](http://127.0.0.1:8787/#/symbol/AMD) bullish_cross — $187.50 (−0.42%), hist +0.012, trend above_zero',
      '[**BRK.B**](http://127.0.0.1:8787/#/symbol/BRK.B) buy — $100.00 (+1.00%), volume +80%, breakout_20d_high',
    ]);
    expect(descriptions()).toEqual([
      '**AMD** bullish_cross — $187.50 (−0.42%), hist +0.012, trend above_zero',
      '**BRK.B** buy — $100.00 (+1.00%), volume +80%, breakout_20d_high',
    ]);
  });

  it('412 linked signals: the links count toward the limits, so the same lines need twice the messages', () => {
    const dashboardUrl = 'https://abc123defg.execute-api.us-east-1.amazonaws.com';
    const lines = Array.from({ length: 412 }, (_, i) =>
      i % 5 === 0
        ? line({ symbol: `S${String(i).padStart(3, '0')}`, scanner: 'macd', signal: 'bullish_cross', values: MACD })
        : line({ symbol: `S${String(i).padStart(3, '0')}` }),
    );
    const messages = alertMessages(lines, FOOTER, { dashboardUrl });
    // The link adds 72 characters to each line (the 54 of the address, `/#/symbol/S000`, the brackets):
    // 144 (macd) and 135 (vpb), where the same lines unlinked need five messages (the test above).
    expect(messages[0].embeds[0].description!.split('\n')[0]).toBe(
      `[**S000**](${dashboardUrl}/#/symbol/S000) bullish_cross — $187.50 (−0.42%), hist +0.012, trend above_zero`,
    );
    expect([text(lines[0], dashboardUrl).length, text(lines[1], dashboardUrl).length]).toEqual([144, 135]);
    expect(messages.map((m) => m.content)).toEqual(
      Array.from({ length: 10 }, (_, i) => `scanfleet: 412 new signals (message ${i + 1} of 10)`),
    );
    expect(messages.map(embedChars)).toEqual([5940, 5940, 5951, 5854, 5854, 5854, 5855, 5856, 5856, 5312]);
    // Every description within 4,096 characters: 28 macd lines (4,059), then 30 vpb lines (4,079).
    expect(messages.flatMap((m) => m.embeds.map((e) => e.description!.length))).toEqual([
      4059, 1739, 4059, 1739, 434, 4079, 1223, 4079, 1631, 4079, 1631, 4079, 1631, 4079, 1631, 4079, 1631, 4079, 1631,
      4079, 1087,
    ]);
    checkSplit(lines, FOOTER, messages, dashboardUrl);
  });

  it('412 new signals: five messages filled to the 6,000-character limit, nothing cut', () => {
    const lines = Array.from({ length: 412 }, (_, i) =>
      i % 5 === 0
        ? line({ symbol: `S${String(i).padStart(3, '0')}`, scanner: 'macd', signal: 'bullish_cross', values: MACD })
        : line({ symbol: `S${String(i).padStart(3, '0')}` }),
    );
    const messages = alertMessages(lines, FOOTER);
    expect(messages.map((m) => m.content)).toEqual(
      [1, 2, 3, 4, 5].map((i) => `scanfleet: 412 new signals (message ${i} of 5)`),
    );
    expect(messages.map((m) => m.embeds.map((e) => e.title!.replace('New signals as of 2026-11-24 — ', '')))).toEqual([
      ['macd (83) (1/3)', 'macd (83) (2/3)'],
      ['macd (83) (3/3)', 'vpb (329) (1/7)', 'vpb (329) (2/7)'],
      ['vpb (329) (3/7)', 'vpb (329) (4/7)'],
      ['vpb (329) (5/7)', 'vpb (329) (6/7)'],
      ['vpb (329) (7/7)'],
    ]);
    expect(messages.map(embedChars)).toEqual([5980, 5933, 5964, 5964, 3974]);
    expect(messages.flatMap((m) => m.embeds.map((e) => e.description!.split('\n').length))).toEqual([
      56, 24, 3, 64, 22, 64, 27, 64, 27, 61,
    ]);
    // Lines of 72 (macd) and 63 (vpb) characters: the first embed holds 56 macd lines (4,087
    // characters; a 57th would pass 4,096), ending with S275's; the second starts with S280's.
    expect(messages.flatMap((m) => m.embeds.map((e) => e.description!.length))).toEqual([
      4087, 1751, 218, 4095, 1407, 4095, 1727, 4095, 1727, 3903,
    ]);
    expect(messages[0].embeds[0].description!.split('\n').at(-1)).toMatch(/^\*\*S275\*\* bullish_cross/);
    expect(messages[0].embeds[1].description!.split('\n')[0]).toMatch(/^\*\*S280\*\* bullish_cross/);
    checkSplit(lines, FOOTER, messages);
  });

  it('a line longer than any embed goes on in the next embed, never parting a surrogate pair', () => {
    const giant = line({ symbol: '😀'.repeat(3_000) + 'X'.repeat(3_001) }); // 9,001 UTF-16 units in the symbol
    // GEO's line is 62 characters: the giant's first piece would end on the high half of an emoji.
    const lines = [line({ symbol: 'GEO' }), giant, line({ symbol: 'MDB' })];
    const messages = alertMessages(lines, FOOTER);
    const descriptions = messages.flatMap((m) => m.embeds.map((e) => e.description!));
    expect(messages.map((m) => m.content)).toEqual([
      'scanfleet: 3 new signals (message 1 of 2)',
      'scanfleet: 3 new signals (message 2 of 2)',
    ]);
    expect(descriptions.map((d) => d.length)).toEqual([4095, 1754, 3337]); // 62 + 1 + 4,032 (not 4,033)
    // GE's line, then the giant's start; its middle; its end, then MDB's line.
    expect(descriptions[0].startsWith(`${text(lines[0])}\n**😀😀`)).toBe(true);
    expect(
      descriptions[2].endsWith(`XXX** buy — $100.00 (+1.00%), volume +80%, breakout_20d_high\n${text(lines[2])}`),
    ).toBe(true);
    expect(descriptions.join('\n').replace(/\n(?!\*\*)/g, '')).toBe(lines.map((l) => text(l)).join('\n'));
    checkSplit(lines, FOOTER, messages);
  });

  it('a footer over 2,048 characters is clipped, and the lines still fit beside it', () => {
    const footer = 'f'.repeat(5_000);
    const lines = Array.from({ length: 200 }, (_, i) => line({ symbol: `S${i}` }));
    const messages = alertMessages(lines, footer);
    expect(messages[0].embeds[0].footer?.text).toBe(`${'f'.repeat(2_047)}…`);
    checkSplit(lines, footer, messages);
  });
});

describe('alert messages: properties', () => {
  const ordinary = fc.stringMatching(/^[A-Z]{1,5}(\.[A-Z])?$/);
  const long = fc
    .tuple(fc.constantFrom('X', 'é', '😀', '*', ' '), fc.integer({ min: 1_000, max: 12_000 }))
    .map(([unit, n]) => unit.repeat(n));
  const words = fc.oneof(
    { weight: 20, arbitrary: fc.constantFrom('up', 'above_zero', 'breakout_20d_high', 'rising') },
    { weight: 1, arbitrary: long },
  );
  const lineOf = (symbols: fc.Arbitrary<string>, word: fc.Arbitrary<string>): fc.Arbitrary<AlertLine> =>
    fc
      .record({
        symbol: symbols,
        scanner: fc.constantFrom(...SCANNER_NAMES),
        pick: fc.nat(),
        kind: fc.constantFrom(...KINDS),
        barDate: fc.constantFrom('2026-11-23', '2026-11-24'),
        late: fc.boolean(),
        word,
        number: fc.double({ min: -1e6, max: 1e6, noNaN: true }),
        nullValues: fc.boolean(),
      })
      .map(({ symbol, scanner, pick, kind, barDate, late, word, number, nullValues }) => {
        const signals = SCANNERS[scanner].signals as readonly string[];
        const values = {
          price: number,
          changePct: number / 100,
          histogram: number / 1000,
          trend: word,
          duration: 6,
          momentum: number,
          momentumDirection: word,
          volumeSurgePct: Math.abs(number),
          pattern: word,
        };
        return {
          symbol,
          scanner,
          signal: signals[pick % signals.length],
          kind,
          barDate,
          late,
          values: nullValues ? null : values,
        };
      });
  /** Symbols as watchlists take them (functions/core/scan/symbols.ts). */
  const ticker = fc.stringMatching(/^[A-Z][A-Z0-9]{0,5}(?:[.-][A-Z0-9]{1,3})?$/);
  /** A dashboard's address as settings take it: the stack's HTTP API, a custom domain with a path, or `scanfleet dev`. */
  const dashboard = fc.oneof(
    fc.stringMatching(/^[a-z0-9]{10}$/).map((id) => `https://${id}.execute-api.us-east-1.amazonaws.com`),
    fc
      .tuple(fc.domain(), fc.stringMatching(/^(\/[a-z0-9-]{1,12}){0,3}$/))
      .map(([host, path]) => `https://${host}${path}`),
    fc.integer({ min: 1, max: 65_535 }).map((port) => `http://127.0.0.1:${port}`),
  );
  const alertLine = lineOf(fc.oneof({ weight: 30, arbitrary: ordinary }, { weight: 1, arbitrary: long }), words);
  const ordinaryLine = lineOf(ordinary, fc.constantFrom('up', 'above_zero', 'breakout_20d_high', 'rising'));
  const footer = fc.oneof(
    fc.constant(FOOTER),
    fc.constant(''),
    fc.string({ maxLength: 3_000 }).map((s) => s.replace(/\n/g, ' ')),
  );

  it('every line exactly once, in order, within every limit, for any mix of lines, linked or not', () => {
    fc.assert(
      fc.property(fc.array(alertLine, { maxLength: 400 }), footer, fc.option(dashboard), (lines, foot, url) => {
        const dashboardUrl = url ?? undefined;
        checkSplit(lines, foot, alertMessages(lines, foot, { dashboardUrl }), dashboardUrl);
      }),
      { numRuns: 150 },
    );
  });

  it('with a dashboard, every line’s symbol is a well-formed link to its own #/symbol/SYM', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(ticker, { minLength: 1, maxLength: 300 }),
        dashboard,
        fc.constantFrom(...KINDS),
        (symbols, dashboardUrl, kind) => {
          const lines = symbols.map((symbol) => line({ symbol, kind }));
          const messages = alertMessages(lines, FOOTER, { dashboardUrl });
          checkSplit(lines, FOOTER, messages, dashboardUrl);
          const linked = messages.flatMap((m) => m.embeds.flatMap((e) => e.description!.split('\n')));
          expect(linked).toHaveLength(symbols.length);
          linked.forEach((l, i) => {
            const [, name, href] = /^\[\*\*([^*\]]+)\*\*\]\(([^()\s<>]+)\) buy — /.exec(l) ?? [];
            expect(name).toBe(symbols[i]);
            const target = new URL(href);
            expect(`${target.origin}${target.pathname}`).toBe(`${dashboardUrl}/`);
            expect(target.hash).toBe(`#/symbol/${symbols[i]}`);
          });
        },
      ),
      { numRuns: 60 },
    );
  });

  it('many ordinary lines of one kind: as few messages as the characters need, give or take one', () => {
    fc.assert(
      fc.property(
        fc.array(
          ordinaryLine.map((l) => ({ ...l, kind: 'alert' as const })),
          { minLength: 1, maxLength: 1_500 },
        ),
        (lines) => {
          const messages = alertMessages(lines, FOOTER);
          checkSplit(lines, FOOTER, messages);
          const chars = lines.reduce((n, l) => n + text(l).length + 1, 0);
          // Each message but the last had no room for the next line (< 200 characters) and one more
          // embed's title and footer, and holds at most 4 embeds (3 scanners, one of them split):
          // its lines fill at least 6,000 − 5 × (title + footer) − 200.
          const floor = EMBED_LIMITS.total - 5 * (EMBED_LIMITS.title + FOOTER.length) - 200;
          expect(messages.length).toBeLessThanOrEqual(Math.ceil(chars / floor) + 1);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('an alert line’s edge', () => {
  it('follows the line when the scorecard has one for its signal, and is left out when not', () => {
    const buy = line({ symbol: 'GE' });
    const sell = line({ symbol: 'MDB', signal: 'sell' });
    const edge = '10d: 57% up (n=980), −0.1% vs all';
    const [message] = alertMessages([buy, sell], FOOTER, { edgeOf: (l) => (l.signal === 'buy' ? edge : undefined) });
    expect(message.embeds.map((e) => e.description)).toEqual([`${text(buy)} · ${edge}\n${text(sell)}`]);
  });
});
