import { counted, fixed, signed, word } from './format.js';
import { SCANNERS, type ScannerName } from '../scan/scanners.js';

/** Discord's documented embed limits. */
export const EMBED_LIMITS = {
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  total: 6000,
  embedsPerMessage: 10,
} as const;

export const COLOURS = { bullish: 0x26a65b, bearish: 0xe0464e, neutral: 0xe2a33d, info: 0x4aa3ff } as const;

export interface Embed {
  title?: string;
  description?: string;
  color?: number;
  fields?: { name: string; value: string; inline?: boolean }[];
  footer?: { text: string };
}

export interface SignalLine {
  readonly symbol: string;
  readonly scanner: ScannerName;
  readonly signal: string;
  readonly detail: string;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** Lines into a description within the limit, ending with "… and N more" when some do not fit. */
export function linesWithin(lines: readonly string[], max: number = EMBED_LIMITS.description): string {
  const kept: string[] = [];
  let length = 0;
  for (let i = 0; i < lines.length; i++) {
    const more = `… and ${lines.length - i} more`;
    const next = length + lines[i].length + 1;
    const room = i === lines.length - 1 ? max : max - more.length - 1;
    if (next > room) {
      kept.push(more);
      return kept.join('\n');
    }
    kept.push(lines[i]);
    length = next;
  }
  return kept.join('\n');
}

export function signalTone(scanner: ScannerName, signal: string | null): keyof typeof COLOURS {
  const s = SCANNERS[scanner] as { bullishSignals: readonly string[]; bearishSignals: readonly string[] };
  if (signal === null) return 'info';
  return s.bullishSignals.includes(signal) ? 'bullish' : s.bearishSignals.includes(signal) ? 'bearish' : 'neutral';
}

/**
 * One embed per scanner (colour-coded by the balance of its signals), each within Discord's
 * limits, at most 10 per message and 6,000 characters in all: what does not fit is counted.
 */
export function signalEmbeds(title: string, lines: readonly SignalLine[], footer?: string): Embed[] {
  const byScanner = new Map<ScannerName, SignalLine[]>();
  for (const line of lines) byScanner.set(line.scanner, [...(byScanner.get(line.scanner) ?? []), line]);
  const embeds: Embed[] = [];
  let total = 0;
  for (const [scanner, group] of byScanner) {
    const bullish = group.filter((l) => signalTone(scanner, l.signal) === 'bullish').length;
    const bearish = group.filter((l) => signalTone(scanner, l.signal) === 'bearish').length;
    const tone = bullish > bearish ? 'bullish' : bearish > bullish ? 'bearish' : 'neutral';
    const embedTitle = clip(`${title} — ${scanner} (${group.length})`, EMBED_LIMITS.title);
    const footerText = footer ? clip(footer, EMBED_LIMITS.footer) : undefined;
    const budget = Math.min(
      EMBED_LIMITS.description,
      EMBED_LIMITS.total - total - embedTitle.length - (footerText?.length ?? 0),
    );
    if (embeds.length === EMBED_LIMITS.embedsPerMessage || budget < 100) break;
    const description = linesWithin(
      group.map((l) => `**${l.symbol}** ${l.signal} — ${l.detail}`),
      budget,
    );
    const embed: Embed = {
      title: embedTitle,
      description,
      color: COLOURS[tone],
      ...(footerText && { footer: { text: footerText } }),
    };
    total += embedTitle.length + description.length + (footerText?.length ?? 0);
    embeds.push(embed);
  }
  return embeds;
}

/** The figures a trader reads in one line, per scanner. */
export function signalDetail(scanner: ScannerName, values: Record<string, unknown> | null): string {
  if (!values) return '';
  switch (scanner) {
    case 'macd':
      return `$${fixed(values.price)} (${signed(values.changePct, 2, '%')}), hist ${signed(values.histogram, 3)}, trend ${word(values.trend)}`;
    case 'ttm-squeeze':
      return `$${fixed(values.price)}, ${counted(values.duration, 'bar')}, momentum ${signed(values.momentum, 3)} ${word(values.momentumDirection)}`;
    case 'vpb':
      return `$${fixed(values.price)} (${signed(values.changePct, 2, '%')}), volume ${signed(values.volumeSurgePct, 0, '%')}, ${word(values.pattern)}`;
  }
}
