import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliAsync } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';

// Every way a command is known to fail, as a user meets it: the exit code (2 for how it was
// called, 1 for what it could not do) and one line on stderr, never a stack trace.
interface Failure {
  readonly name: string;
  readonly args: () => string[];
  /** Read when the row runs (after the ports are known). */
  readonly env?: () => NodeJS.ProcessEnv;
  readonly code: 1 | 2;
  readonly stderr: RegExp;
}

const NO_PROVIDER_KEYS = {
  ALPACA_KEY_ID: undefined,
  ALPACA_SECRET_KEY: undefined,
  ALPACA_SECRET_ID: undefined,
  SCHWAB_APP_KEY: undefined,
  SCHWAB_APP_SECRET: undefined,
  SCHWAB_REFRESH_TOKEN: undefined,
  SCHWAB_SECRET_ID: undefined,
};
const NO_DISCORD = { DISCORD_APPLICATION_ID: undefined, DISCORD_BOT_TOKEN: undefined, DISCORD_API_URL: undefined };
const DATA_RANGE = 'the data \\(AAPL\\.csv\\) runs from 2022-08-05 to 2024-03-08';

/** Something listening on a loopback port, for `dev --port` to find busy; and a port nothing listens on. */
let busy: Server;
let busyPort: number;
let closedPort: number;
beforeAll(async () => {
  const listen = () =>
    new Promise<Server>((resolve) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => resolve(server));
    });
  busy = await listen();
  busyPort = (busy.address() as AddressInfo).port;
  const closed = await listen();
  closedPort = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
});
afterAll(() => new Promise<void>((resolve) => busy.close(() => resolve())));

const FAILURES: Failure[] = [
  {
    name: 'scan: an unknown scanner',
    args: () => ['scan', '--scanners', 'rsi'],
    code: 2,
    stderr: /^scanfleet: unknown scanner "rsi"; choose from macd, ttm-squeeze, vpb$/,
  },
  {
    name: 'scan: an impossible date',
    args: () => ['scan', '--as-of', '2024-02-30'],
    code: 2,
    stderr: /^scanfleet: --as-of must be a real date as YYYY-MM-DD, got "2024-02-30"$/,
  },
  {
    name: 'scan: an unknown option',
    args: () => ['scan', '--fast'],
    code: 2,
    stderr: /^scanfleet: Unknown option '--fast'/,
  },
  {
    name: 'scan: a --lookback too short for the scanners',
    args: () => ['scan', '--lookback', '20'],
    code: 2,
    stderr: /^scanfleet: --lookback 20 is too short: .* need at least 50 bars$/,
  },
  {
    name: 'scan: an unknown --format',
    args: () => ['scan', '--format', 'xlsx'],
    code: 2,
    stderr: /^scanfleet: --format must be one of table, json, csv, got "xlsx"$/,
  },
  {
    name: 'scan: an unknown --signal',
    args: () => ['scan', '--signal', 'moon'],
    code: 2,
    stderr:
      /^scanfleet: unknown signal "moon"; choose from bullish_cross, bearish_cross, squeeze_on, fired_long, fired_short, buy, sell$/,
  },
  {
    name: 'scan: --provider alpaca without its keys',
    args: () => ['scan', '--provider', 'alpaca', '--symbols', 'AAPL'],
    env: () => NO_PROVIDER_KEYS,
    code: 2,
    stderr:
      /^scanfleet: --provider alpaca: the environment lacks ALPACA_KEY_ID, ALPACA_SECRET_KEY \(or set ALPACA_SECRET_ID/,
  },
  {
    name: 'scan: --provider schwab without its credentials',
    args: () => ['scan', '--provider', 'schwab', '--symbols', 'AAPL'],
    env: () => NO_PROVIDER_KEYS,
    code: 2,
    stderr:
      /^scanfleet: --provider schwab: the environment lacks SCHWAB_APP_KEY, SCHWAB_APP_SECRET, SCHWAB_REFRESH_TOKEN/,
  },
  {
    name: 'scan: an --as-of after the data',
    args: () => ['scan', '--symbols', 'AAPL,MSFT', '--as-of', '2030-01-01'],
    code: 1,
    stderr: new RegExp(
      `^scanfleet: no symbol was scanned as of 2030-01-01: 2 with errors, 0 short of data; ${DATA_RANGE}$`,
    ),
  },
  {
    name: 'scan: an --as-of before the data',
    args: () => ['scan', '--symbols', 'AAPL,MSFT', '--as-of', '2020-01-01', '--format', 'csv'],
    code: 1,
    stderr: new RegExp(
      `^scanfleet: no symbol was scanned as of 2020-01-01: 0 with errors, 2 short of data; ${DATA_RANGE}$`,
    ),
  },
  {
    name: 'watchlist: a list name that is not one',
    args: () => ['watchlist', 'show', 'Tech Stocks!', '--db', tempDir('cli-failures')],
    code: 2,
    stderr: /^scanfleet: list name "Tech Stocks!" is not valid: 1-32 lower-case letters/,
  },
  {
    name: 'watchlist: a list that does not exist',
    args: () => ['watchlist', 'show', 'tech', '--db', tempDir('cli-failures')],
    code: 1,
    stderr: /^scanfleet: no list named tech$/,
  },
  {
    name: 'watchlist add: --provider alpaca without its keys',
    args: () => ['watchlist', 'add', 'tech', 'AAPL', '--provider', 'alpaca', '--db', tempDir('cli-failures')],
    env: () => NO_PROVIDER_KEYS,
    code: 2,
    stderr: /^scanfleet: --provider alpaca: the environment lacks ALPACA_KEY_ID, ALPACA_SECRET_KEY/,
  },
  {
    name: 'watchlist add: --json, which only ls and show take',
    args: () => ['watchlist', 'add', 'tech', 'AAPL', '--json', '--db', tempDir('cli-failures')],
    code: 2,
    stderr: /^scanfleet: watchlist add prints a sentence; --format and --json are for ls and show$/,
  },
  {
    name: 'scorecard: a horizon out of range',
    args: () => ['scorecard', '--horizons', '1,0'],
    code: 2,
    stderr: /^scanfleet: --horizons: 0 is outside 1–250 sessions$/,
  },
  {
    name: 'scorecard: --json with --format table',
    args: () => ['scorecard', '--json', '--format', 'table'],
    code: 2,
    stderr: /^scanfleet: --json is --format json: give one of --json and --format table$/,
  },
  {
    name: 'replay: a range that ends before it starts',
    args: () => ['replay', '--from', '2024-03-08', '--to', '2024-03-01'],
    code: 2,
    stderr: /^scanfleet: --from 2024-03-08 is after --to 2024-03-01$/,
  },
  {
    name: 'replay: a range with no sessions in the data',
    args: () => ['replay', '--from', '2030-01-01', '--to', '2030-01-05'],
    code: 2,
    stderr: /^scanfleet: no sessions between 2030-01-01 and 2030-01-05 in /,
  },
  {
    name: 'discord register: no application id',
    args: () => ['discord', 'register', '--guild', '123456789012345678'],
    env: () => NO_DISCORD,
    code: 2,
    stderr: /^scanfleet: set DISCORD_APPLICATION_ID to your application id/,
  },
  {
    name: 'discord register: no bot token',
    args: () => ['discord', 'register', '--global'],
    env: () => ({ ...NO_DISCORD, DISCORD_APPLICATION_ID: '123456789012345678' }),
    code: 2,
    stderr: /^scanfleet: set DISCORD_BOT_TOKEN to your bot token/,
  },
  {
    name: 'discord register: Discord not answering',
    args: () => ['discord', 'register', '--global'],
    env: () => ({
      DISCORD_APPLICATION_ID: '123456789012345678',
      DISCORD_BOT_TOKEN: 'fake-bot-token',
      DISCORD_API_URL: `http://127.0.0.1:${closedPort}`,
    }),
    code: 1,
    stderr: /^scanfleet: Discord: command registration: no response after 4 attempts$/,
  },
  {
    name: 'dev: a port in use',
    args: () => ['dev', '--symbols', 'AAPL', '--port', String(busyPort)],
    code: 1,
    stderr: /^scanfleet: port \d+ on 127\.0\.0\.1 is in use: stop what serves it, or give --port N/,
  },
  {
    name: 'dev: --format, which is for scan',
    args: () => ['dev', '--format', 'csv'],
    code: 2,
    stderr: /^scanfleet: --format and --json are for scanfleet scan; dev serves the results over HTTP$/,
  },
  {
    name: 'pause: neither --table nor --db',
    args: () => ['pause'],
    code: 2,
    stderr: /^scanfleet: pause needs one of --table NAME \(a deployed stack's table\) or --db DIR \(a local store\)$/,
  },
  { name: 'an unknown command', args: () => ['scna'], code: 2, stderr: /^scanfleet: unknown command "scna"/ },
];

describe('scanfleet failures: the exit code and one line on stderr', () => {
  it.each(FAILURES)('$name', async ({ args, env, code, stderr }) => {
    const run = await runCliAsync(args(), env?.());
    expect(run.status, run.stderr).toBe(code);
    const lines = run.stderr.split('\n');
    expect(lines.at(-1), 'stderr ends its line').toBe('');
    expect(lines.slice(0, -1), 'stderr is one line').toEqual([expect.stringMatching(stderr)]);
    expect(run.stderr).not.toMatch(/^ {4}at /m);
  });
});
