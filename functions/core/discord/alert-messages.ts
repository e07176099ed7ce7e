import { COLOURS, type Embed, EMBED_LIMITS, signalDetail, signalTone } from './discord-embeds.js';
import type { ScanValues } from '../scan/scanner.js';
import { SCANNER_NAMES, type ScannerName } from '../scan/scanners.js';
import type { EventKind } from '../run/signal-events.js';

/** One alerted event, as a run's alert log holds it. */
export interface AlertLine {
  readonly symbol: string;
  readonly scanner: ScannerName;
  readonly signal: string;
  readonly kind: Exclude<EventKind, 'seen'>;
  readonly barDate: string;
  readonly late?: boolean;
  readonly values: ScanValues | null;
}

/** One Discord message of a run's alerts. */
export interface AlertMessage {
  readonly content: string;
  readonly embeds: Embed[];
}

const ORDER: AlertLine['kind'][] = ['alert', 'confirmed', 'retracted', 'forming'];
const LABEL: Record<AlertLine['kind'], [string, string]> = {
  alert: ['new signal', 'new signals'],
  confirmed: ['confirmed', 'confirmed'],
  retracted: ['retracted', 'retracted'],
  forming: ['forming', 'forming'],
};

/** What alert lines carry besides the events: each signal's edge, and where the dashboard is. */
export interface AlertLineOptions {
  /** The signal's edge from the scorecard, when there is one. */
  readonly edgeOf?: (line: AlertLine) => string | undefined;
  /** The dashboard's address (no trailing slash): each symbol links to `<it>/#/symbol/<SYM>`. */
  readonly dashboardUrl?: string;
}

/**
 * A run's alerts as Discord messages, every line in full (with its signal's edge from the
 * scorecard when `edgeOf` gives one, its symbol a link to the dashboard when `dashboardUrl`
 * is given: links count toward the limits like any text): messages per kind (new
 * signals on closed bars, forming signals on a bar still trading, and the confirmation or
 * retraction of earlier forming ones), each with an embed per scanner. A late event (found by
 * gap-fill after a missed run) says so.
 *
 * Nothing is cut: what does not fit one message goes on in the next, as many as Discord's limits
 * need (EMBED_LIMITS: a description ≤ 4,096 characters, ≤ 10 embeds and ≤ 6,000 characters of
 * titles, descriptions and footers in a message). Lines keep a stable order (kind, then scanner
 * as SCANNER_NAMES lists them, then the order given); a scanner's lines that span several embeds
 * say "(2/3)" in their titles, and a kind's content "(message 2 of 5)". A line is split only
 * when it is longer than any embed can hold (no real line is: tickers are ≤ 10 characters and a
 * dashboard's address a few dozen): it ends one embed and goes on at the start of the next. Lengths are counted in UTF-16 units,
 * at least Discord's count, and a split never parts a surrogate pair.
 */
export function alertMessages(
  lines: readonly AlertLine[],
  footer: string,
  { edgeOf, dashboardUrl }: AlertLineOptions = {},
): AlertMessage[] {
  const footerText = footer ? clip(footer, EMBED_LIMITS.footer) : undefined;
  const messages: AlertMessage[] = [];
  for (const kind of ORDER) {
    const group = lines.filter((l) => l.kind === kind);
    if (group.length === 0) continue;
    const newest = group.reduce((d, l) => (l.barDate > d ? l.barDate : d), '');
    const title =
      kind === 'alert'
        ? `New signals as of ${newest}`
        : kind === 'forming'
          ? `Forming on the bar still trading (${newest}), may change by the close`
          : kind === 'confirmed'
            ? `Confirmed at the close (${newest})`
            : `Retracted: gone at the close (${newest})`;
    const streams = scannersInOrder(group).map((scanner): Stream => {
      const own = group.filter((l) => l.scanner === scanner);
      const texts = own.map((l) => {
        const edge = edgeOf?.(l);
        const name = `**${l.symbol}**`;
        const symbol = dashboardUrl ? `[${name}](${dashboardUrl}/#/symbol/${encodeURIComponent(l.symbol)})` : name;
        return `${symbol} ${l.signal} — ${detailOf(l)}${edge ? ` · ${edge}` : ''}`;
      });
      return {
        scanner,
        texts,
        baseTitle: `${title} — ${scanner} (${own.length})`,
        colour: COLOURS[toneOf(scanner, own)],
      };
    });
    const laidOut = layOut(streams, footerText?.length ?? 0);
    const [one, many] = LABEL[kind];
    const label = `scanfleet: ${group.length} ${group.length === 1 ? one : many}`;
    laidOut.forEach((drafts, m) => {
      messages.push({
        content: laidOut.length === 1 ? label : `${label} (message ${m + 1} of ${laidOut.length})`,
        embeds: drafts.map((d) => ({
          title: titleOf(d.stream.baseTitle, d.part, d.stream.parts),
          description: d.segments.join('\n'),
          color: d.stream.colour,
          ...(footerText && { footer: { text: footerText } }),
        })),
      });
    });
  }
  return messages;
}

interface Stream {
  readonly scanner: ScannerName;
  /** The scanner's lines as they read, in order. */
  readonly texts: readonly string[];
  readonly baseTitle: string;
  readonly colour: number;
}

interface Draft {
  readonly stream: Stream & { parts: number };
  /** 1-based: which of the stream's embeds this is. */
  readonly part: number;
  /** Whole lines, and at the ends a piece of a line too long for one embed. */
  readonly segments: string[];
}

/**
 * Lays a kind's streams out as messages of embeds, line by line, filling each message up to the
 * limits: a line that does not fit the open embed starts a new embed in the message when it fits
 * there, else in a new message; only a line longer than an empty embed can hold is split. Each
 * embed reserves room for its title at its longest (the part suffix at its widest).
 */
function layOut(streams: readonly Stream[], footerLength: number): Draft[][] {
  const messages: { drafts: Draft[]; total: number }[] = [];
  let message = { drafts: [] as Draft[], total: 0 };
  messages.push(message);
  for (const plain of streams) {
    const stream = { ...plain, parts: 0 };
    const widest = '9'.repeat(String(plain.texts.reduce((n, t) => n + t.length, 0)).length);
    const titleRoom = Math.min(EMBED_LIMITS.title, plain.baseTitle.length + ` (${widest}/${widest})`.length);
    const overhead = titleRoom + footerLength;
    const emptyRoom = Math.min(EMBED_LIMITS.description, EMBED_LIMITS.total - overhead);
    /** The description room a new embed would have in the current message (≤ 0: none). */
    const roomForNew = () =>
      message.drafts.length === EMBED_LIMITS.embedsPerMessage
        ? 0
        : Math.min(EMBED_LIMITS.description, EMBED_LIMITS.total - message.total - overhead);
    let draft: Draft | null = null;
    let used = 0; // the open embed's description length
    /** What the open embed can still take, its line separator counted. */
    const room = () =>
      draft === null
        ? 0
        : Math.min(EMBED_LIMITS.description - used, EMBED_LIMITS.total - message.total) -
          (draft.segments.length > 0 ? 1 : 0);
    const open = (need: number): Draft => {
      if (roomForNew() < need) {
        message = { drafts: [], total: 0 };
        messages.push(message);
      }
      stream.parts++;
      const opened: Draft = { stream, part: stream.parts, segments: [] };
      message.drafts.push(opened);
      message.total += overhead;
      used = 0;
      draft = opened;
      return opened;
    };
    const append = (target: Draft, text: string) => {
      const added = text.length + (target.segments.length > 0 ? 1 : 0);
      target.segments.push(text);
      used += added;
      message.total += added;
    };
    for (const text of plain.texts) {
      if (text.length <= emptyRoom) {
        append(draft !== null && text.length <= room() ? draft : open(text.length), text);
        continue;
      }
      // Longer than any embed holds: pieces, the first in the open embed when it has room.
      let rest = text;
      while (rest.length > 0) {
        const target: Draft = draft !== null && room() >= 2 ? draft : open(2);
        let cut = Math.min(room(), rest.length);
        const code = rest.charCodeAt(cut - 1);
        if (cut < rest.length && code >= 0xd800 && code <= 0xdbff) cut--;
        append(target, rest.slice(0, cut));
        rest = rest.slice(cut);
        if (rest.length > 0) draft = null; // the rest goes on at the start of the next embed
      }
    }
  }
  return messages.filter((m) => m.drafts.length > 0).map((m) => m.drafts);
}

/** "New signals as of … — vpb (300) (2/3)": the part only when there are several. */
function titleOf(base: string, part: number, parts: number): string {
  const suffix = parts > 1 ? ` (${part}/${parts})` : '';
  return clip(base, EMBED_LIMITS.title - suffix.length) + suffix;
}

function scannersInOrder(lines: readonly AlertLine[]): ScannerName[] {
  const present = new Set(lines.map((l) => l.scanner));
  return [...SCANNER_NAMES.filter((n) => present.has(n)), ...[...present].filter((n) => !SCANNER_NAMES.includes(n))];
}

function toneOf(scanner: ScannerName, lines: readonly AlertLine[]): 'bullish' | 'bearish' | 'neutral' {
  const bullish = lines.filter((l) => signalTone(scanner, l.signal) === 'bullish').length;
  const bearish = lines.filter((l) => signalTone(scanner, l.signal) === 'bearish').length;
  return bullish > bearish ? 'bullish' : bearish > bullish ? 'bearish' : 'neutral';
}

function detailOf(line: AlertLine): string {
  return [
    line.kind === 'retracted' ? 'no longer there at the close' : signalDetail(line.scanner, line.values),
    line.late ? `late (from ${line.barDate})` : '',
  ]
    .filter((p) => p.length > 0)
    .join(' · ');
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
