import { SCANNERS, SCANNER_NAMES } from '../scan/scanners.js';
import { DEFAULT_LIST } from '../lists/watchlist-rules.js';
import { DEFAULT_SCORE_HORIZON, MAX_HORIZON } from '../scorecard/horizons.js';
import { DEFAULT_TOP_COUNT, MAX_TOP_COUNT } from '../scorecard/top-setups.js';
import { DEFAULT_ADMIN_PERMISSION, type DiscordPermission, permissionBits } from './interaction-context.js';

/** Discord's interaction context for a server (as opposed to a DM with the bot or a group DM). */
const IN_A_SERVER = 0;
/** Discord's option types: a subcommand, a string. */
const SUBCOMMAND = 1;
const STRING = 3;

const symbolsOption = {
  type: STRING,
  name: 'symbols',
  description: 'e.g. NVDA AMD (separated by spaces or commas)',
  required: true,
  max_length: 1000,
};
const listOption = {
  type: STRING,
  name: 'list',
  description: `Which list (default: ${DEFAULT_LIST})`,
  required: false,
  max_length: 32,
};

/**
 * The slash commands, as registered with Discord (application command JSON). The ones that change
 * where alerts go or how scanfleet runs (/subscribe, /unsubscribe, /scan-now, /pause, /resume) are
 * offered in servers only, to members with `adminPermission` by default (a server may change that in its settings; the handler checks the
 * permission again).
 */
export function discordCommands(adminPermission: DiscordPermission = DEFAULT_ADMIN_PERMISSION) {
  const admin = { default_member_permissions: permissionBits(adminPermission), contexts: [IN_A_SERVER] };
  return [
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
    {
      name: 'scorecard',
      description: 'What followed each signal: its hit rate and return against every session',
      options: [
        {
          type: 3,
          name: 'scanner',
          description: 'Only this scanner',
          required: false,
          choices: SCANNER_NAMES.map((name) => ({ name, value: name })),
        },
        {
          type: 4,
          name: 'horizon',
          description: `Sessions after the signal (default ${DEFAULT_SCORE_HORIZON})`,
          required: false,
          min_value: 1,
          max_value: MAX_HORIZON,
        },
      ],
    },
    {
      name: 'top',
      description: 'The latest run’s signals ranked by the scorecard',
      options: [
        {
          type: 4,
          name: 'n',
          description: `How many (default ${DEFAULT_TOP_COUNT})`,
          required: false,
          min_value: 1,
          max_value: MAX_TOP_COUNT,
        },
      ],
    },
    { name: 'status', description: 'The last run, its age and errors, and the next scheduled run' },
    {
      name: 'watch',
      description: 'The watchlists a run scans (adding and removing need the admin permission)',
      contexts: [IN_A_SERVER],
      options: [
        {
          type: SUBCOMMAND,
          name: 'add',
          description: 'Add symbols to a list (made if new); each is checked with the provider',
          options: [symbolsOption, listOption],
        },
        {
          type: SUBCOMMAND,
          name: 'remove',
          description: 'Remove symbols from a list',
          options: [symbolsOption, listOption],
        },
        { type: SUBCOMMAND, name: 'list', description: 'A list’s symbols', options: [listOption] },
        { type: SUBCOMMAND, name: 'lists', description: 'Every list: its size, version and last change' },
      ],
    },
    {
      name: 'subscribe',
      description: 'Send a scanner’s alerts (one signal, one list) to a channel’s webhook too',
      ...admin,
      options: [
        {
          type: STRING,
          name: 'scanner',
          description: 'Which scanner',
          required: true,
          choices: SCANNER_NAMES.map((name) => ({ name, value: name })),
        },
        {
          type: STRING,
          name: 'webhook',
          description: 'The channel’s webhook URL (Edit Channel → Integrations → Webhooks → Copy Webhook URL)',
          required: true,
          max_length: 300,
        },
        { type: STRING, name: 'signal', description: 'Only this signal of it', required: false, max_length: 40 },
        {
          type: STRING,
          name: 'list',
          description: 'Only the symbols of this list (default: every list)',
          required: false,
          max_length: 32,
        },
      ],
    },
    {
      name: 'unsubscribe',
      description: 'Remove a subscription (its id from /subscriptions, or configured)',
      ...admin,
      options: [
        { type: STRING, name: 'id', description: 'e.g. 1a2b3c4d, or configured', required: true, max_length: 40 },
      ],
    },
    {
      name: 'subscriptions',
      description: 'Where alerts go: each subscription, its filter and channel, and the configured webhook',
      contexts: [IN_A_SERVER],
    },
    { name: 'scan-now', description: 'Start a scan of the full watchlist now', ...admin },
    {
      name: 'pause',
      description: 'Pause the scheduled runs (they are recorded skipped) until /resume; /scan-now still works',
      ...admin,
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
      ...admin,
    },
  ];
}
