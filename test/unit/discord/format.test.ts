import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alertMessages } from '../../../functions/core/discord/alert-messages.js';
import { signalDetail } from '../../../functions/core/discord/discord-embeds.js';
import { counted, fixed, newYorkTime, signed, word } from '../../../functions/core/discord/format.js';
import { SCANNER_NAMES, SCANNERS, type ScannerName } from '../../../functions/core/scan/scanners.js';

describe('Discord’s figures', () => {
  it('signs every change with a plus or a true minus, and none on what rounds to zero', () => {
    expect([signed(27.4, 0, '%'), signed(-27.4, 0, '%'), signed(-0.004, 2, '%'), signed(0, 3)]).toEqual([
      '+27%',
      '−27%',
      '0.00%',
      '0.000',
    ]);
    expect([fixed(192.531), fixed(-0.004), fixed(-3.5, 1), fixed(null), fixed(Number.NaN)]).toEqual([
      '192.53',
      '0.00',
      '−3.5',
      '–',
      '–',
    ]);
  });

  it('gives times in New York with the zone, standard or daylight, across the changes and midnight', () => {
    expect(
      [
        '2024-03-08T21:30:00Z', // a Friday's close + 30 min, EST
        '2024-03-10T06:59:00Z', // 01:59 EST, a minute before the change
        '2024-03-10T07:00:00Z', // 03:00 EDT: the clocks went forward
        '2024-11-03T05:30:00.000Z', // 01:30 EDT, the first of two
        '2024-11-03T06:30:00.000Z', // 01:30 EST, the second
        '2024-07-01T03:15:00Z', // 23:15 the evening before, EDT
      ].map(newYorkTime),
    ).toEqual([
      '2024-03-08 16:30 EST',
      '2024-03-10 01:59 EST',
      '2024-03-10 03:00 EDT',
      '2024-11-03 01:30 EDT',
      '2024-11-03 01:30 EST',
      '2024-06-30 23:15 EDT',
    ]);
    expect([newYorkTime(new Date('2024-03-08T14:30:00Z')), newYorkTime('not a time')]).toEqual([
      '2024-03-08 09:30 EST',
      '–',
    ]);
  });

  it('counts in the singular and the plural, and shows a missing word or count as a dash', () => {
    expect([
      counted(1, 'bar'),
      counted(12, 'bar'),
      counted(2.6, 'bar'),
      counted(1.2, 'bar'),
      counted(-1, 'bar'),
      counted(undefined, 'bar'),
    ]).toEqual(['1 bar', '12 bars', '3 bars', '1 bar', '– bars', '– bars']);
    expect([word('breakout_20d_high'), word(null), word(undefined), word('')]).toEqual([
      'breakout_20d_high',
      '–',
      '–',
      '–',
    ]);
  });

  // Any value a result could carry, and the ones it should not: the message never shows them raw.
  const anyValue = fc.oneof(
    fc.double(),
    fc.integer({ min: -1_000, max: 1_000 }),
    fc.constantFrom(null, undefined, Number.NaN, Number.POSITIVE_INFINITY, -0, ''),
    // Words from the data, without what the check looks for (a sign or those names) in them.
    fc.string({ maxLength: 12 }).filter((s) => !/null|undefined|NaN|Infinity|[+\-−]/.test(s)),
  );
  const values = fc.dictionary(
    fc.constantFrom(
      'price',
      'changePct',
      'histogram',
      'trend',
      'duration',
      'momentum',
      'momentumDirection',
      'volumeSurgePct',
      'pattern',
    ),
    anyValue,
  );

  it('never writes null, undefined, NaN, Infinity or a doubled sign, whatever the values (a property test)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SCANNER_NAMES), values, (scanner: ScannerName, v) => {
        const text = signalDetail(scanner, v);
        expect(text).not.toMatch(/null|undefined|NaN|Infinity|\+-|\+−|--|−-|-−|\+\+/);
        expect(text).not.toMatch(/(?<![\d.])1 bars\b/);
        const [message] = alertMessages(
          [
            {
              symbol: 'AAPL',
              scanner,
              signal: (SCANNERS[scanner].signals as readonly string[])[0],
              kind: 'alert',
              barDate: '2024-03-08',
              values: v as never,
            },
          ],
          'footer',
        );
        expect(JSON.stringify(message)).not.toMatch(/null|undefined|NaN|Infinity/);
      }),
      { numRuns: 500 },
    );
  });
});
