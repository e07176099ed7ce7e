import { describe, expect, it } from 'vitest';
import { nextCronTime } from '../../../functions/core/market/cron-next.js';
import {
  EMBED_LIMITS,
  linesWithin,
  type SignalLine,
  signalEmbeds,
} from '../../../functions/core/discord/discord-embeds.js';

describe('next scheduled run', () => {
  it('finds the next market-hours run in New York time', () => {
    // Tue 2026-11-24 15:10 EST = 20:10 UTC → 15:30 EST = 20:30 UTC.
    expect(
      nextCronTime('cron(30 9-15 ? * MON-FRI *)', 'America/New_York', new Date('2026-11-24T20:10:00Z'))?.toISOString(),
    ).toBe('2026-11-24T20:30:00.000Z');
    // After the last one (15:30) the next is 9:30 the next weekday.
    expect(
      nextCronTime('cron(30 9-15 ? * MON-FRI *)', 'America/New_York', new Date('2026-11-24T20:45:00Z'))?.toISOString(),
    ).toBe('2026-11-25T14:30:00.000Z');
    // Friday evening → Monday morning.
    expect(
      nextCronTime('cron(30 9-15 ? * MON-FRI *)', 'America/New_York', new Date('2026-11-27T22:00:00Z'))?.toISOString(),
    ).toBe('2026-11-30T14:30:00.000Z');
  });

  it('handles steps, lists and daylight saving', () => {
    expect(
      nextCronTime('cron(0 0/4 ? * SAT,SUN *)', 'America/New_York', new Date('2026-11-28T06:00:00Z'))?.toISOString(),
    ).toBe('2026-11-28T09:00:00.000Z'); // 04:00 EST
    // In July New York is UTC−4: 16:15 EDT = 20:15 UTC.
    expect(
      nextCronTime('cron(15 16 ? * MON-FRI *)', 'America/New_York', new Date('2026-07-06T12:00:00Z'))?.toISOString(),
    ).toBe('2026-07-06T20:15:00.000Z');
    // A wrapping range: Friday to Monday.
    expect(nextCronTime('cron(0 12 ? * FRI-MON *)', 'UTC', new Date('2026-11-24T13:00:00Z'))?.toISOString()).toBe(
      '2026-11-27T12:00:00.000Z',
    );
    expect(() => nextCronTime('every hour', 'America/New_York', new Date())).toThrow('not a cron(…) expression');
  });
});

describe('Discord embeds', () => {
  const line = (i: number, signal = 'buy'): SignalLine => ({
    symbol: `S${i}`,
    scanner: 'vpb',
    signal,
    detail: 'x'.repeat(40),
  });

  it('keeps lines within the limit and says how many did not fit', () => {
    const text = linesWithin(
      Array.from({ length: 200 }, (_, i) => `line ${i} ${'y'.repeat(30)}`),
      1000,
    );
    expect(text.length).toBeLessThanOrEqual(1000);
    const kept = text.split('\n');
    expect(kept.at(-1)).toBe(`… and ${200 - (kept.length - 1)} more`);
    expect(linesWithin(['a', 'b'], 1000)).toBe('a\nb');
  });

  it('groups by scanner, colours by the signals, and respects every message limit', () => {
    const lines = [
      ...Array.from({ length: 300 }, (_, i) => line(i)),
      { symbol: 'X', scanner: 'macd' as const, signal: 'bearish_cross', detail: 'd' },
    ];
    const embeds = signalEmbeds('New signals', lines, 'run 20261124T143000Z-full');
    expect(embeds.map((e) => e.title)).toEqual(['New signals — vpb (300)', 'New signals — macd (1)']);
    expect(embeds[0].color).toBe(0x26a65b);
    expect(embeds[1].color).toBe(0xe0464e);
    expect(embeds[0].description).toMatch(/… and \d+ more$/);
    const total = embeds.reduce(
      (n, e) => n + (e.title?.length ?? 0) + (e.description?.length ?? 0) + (e.footer?.text.length ?? 0),
      0,
    );
    expect(total).toBeLessThanOrEqual(EMBED_LIMITS.total);
    for (const e of embeds) expect(e.description?.length ?? 0).toBeLessThanOrEqual(EMBED_LIMITS.description);
  });
});
