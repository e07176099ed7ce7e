import { type Embed, signalDetail, signalEmbeds } from './discord-embeds.js';
import type { ScanValues } from '../scan/scanner.js';
import type { ScannerName } from '../scan/scanners.js';
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

/**
 * A run's alerts as Discord messages: one per kind (new signals on closed bars, forming signals
 * on a bar still trading, and the confirmation or retraction of earlier forming ones), each with
 * an embed per scanner. A late event (found by gap-fill after a missed run) says so.
 */
export function alertMessages(lines: readonly AlertLine[], footer: string): AlertMessage[] {
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
    const embeds = signalEmbeds(
      title,
      group.map((l) => ({
        symbol: l.symbol,
        scanner: l.scanner,
        signal: l.signal,
        detail: [
          kind === 'retracted' ? 'no longer there at the close' : signalDetail(l.scanner, l.values),
          l.late ? `late (from ${l.barDate})` : '',
        ]
          .filter((p) => p.length > 0)
          .join(' · '),
      })),
      footer,
    );
    const [one, many] = LABEL[kind];
    messages.push({ content: `scanfleet: ${group.length} ${group.length === 1 ? one : many}`, embeds });
  }
  return messages;
}
