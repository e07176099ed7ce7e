import { SCANNERS, SCANNER_NAMES } from '../scan/scanners.js';

/** The slash commands, as registered with Discord (application command JSON). */
export const DISCORD_COMMANDS = [
  {
    name: 'scan',
    description: 'Latest signals of a scanner',
    options: [
      {
        type: 3,
        name: 'scanner',
        description: 'Which scanner',
        required: true,
        choices: SCANNER_NAMES.map((name) => ({ name, value: name })),
      },
      {
        type: 3,
        name: 'signal',
        description: 'Only this signal',
        required: false,
        choices: [...new Set(SCANNER_NAMES.flatMap((name) => SCANNERS[name].signals as readonly string[]))].map(
          (s) => ({ name: s, value: s }),
        ),
      },
    ],
  },
  {
    name: 'symbol',
    description: 'Every scanner’s latest result for one symbol',
    options: [{ type: 3, name: 'ticker', description: 'e.g. AAPL', required: true }],
  },
  { name: 'status', description: 'The last run, its age and errors, and the next scheduled run' },
  { name: 'scan-now', description: 'Start a scan of the full watchlist now' },
] as const;
