import { SCANNERS, SCANNER_NAMES } from '../scan/scanners.js';
import { MANAGE_SERVER_PERMISSION } from './interaction-context.js';

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
  {
    name: 'pause',
    description: 'Pause the scheduled runs (they are recorded skipped) until /resume; /scan-now still works',
    // Shown to members with Manage Server by default; the handler checks it again.
    default_member_permissions: MANAGE_SERVER_PERMISSION,
    options: [
      {
        type: 3,
        name: 'reason',
        description: 'Why (shown in /status and on the skipped runs)',
        required: false,
        max_length: 200,
      },
    ],
  },
  {
    name: 'resume',
    description: 'Resume the scheduled runs after /pause',
    default_member_permissions: MANAGE_SERVER_PERMISSION,
  },
] as const;
