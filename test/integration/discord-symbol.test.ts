import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signalDetail } from '../../functions/core/discord/discord-embeds.js';
import type { ScannerName } from '../../functions/core/scan/scanners.js';
import { BUNDLED_DATA_DIR } from '../../functions/local/cli/symbol-source.js';
import { type LocalStack, startLocalStack } from '../../functions/local/local-stack.js';
import { runCli } from '../helpers/cli.js';
import {
  type DiscordKeys,
  discordKeys,
  discordSettings,
  type FakeDiscord,
  postInteraction,
  replyEdits,
  slashCommand,
  snowflakeAt,
  startFakeDiscord,
  textOptions,
} from '../helpers/discord.js';

// /symbol of a symbol on no list through signed interactions to the local stack's Discord handler:
// the lists-writer (in this process) scans it on demand with the bundled data, and the reply,
// deferred, is edited on the loopback stand-in for Discord's API. The handler's clock is this
// test's `clock`: a minute passes by setting it.
const GUILD = '777000222';
const OTHER_GUILD = '777000333';
let keys: DiscordKeys;
let discord: FakeDiscord;
let stack: LocalStack;
let clock = new Date();

beforeAll(async () => {
  keys = discordKeys();
  discord = await startFakeDiscord();
  stack = await startLocalStack({
    symbols: ['AAPL'],
    scanners: ['macd'],
    dataDir: BUNDLED_DATA_DIR,
    lookback: 150,
    asOf: '2024-03-08',
    port: 0,
    watchlist: 'symbol',
    discord: { settings: discordSettings(keys), apiUrl: discord.url, now: () => clock },
  });
}, 60_000);

afterAll(async () => {
  await stack?.close();
  await discord?.close();
});

let sequence = 0;

function symbol(ticker: string, user = '4242', guild = GUILD) {
  const body = slashCommand('symbol', textOptions({ ticker }), {
    id: snowflakeAt(clock, ++sequence),
    guild,
    userId: user,
    username: `user${user}`,
  });
  return { id: body.id, body };
}

interface Embed {
  title: string;
  description?: string;
  fields: { name: string; value: string }[];
  footer?: { text: string };
}

async function interact(body: unknown) {
  return (await (await postInteraction(stack.url, keys, body, clock)).json()) as {
    type: number;
    data?: { content?: string; flags?: number; embeds?: Embed[] };
  };
}

const editsOf = (id: string) => replyEdits(discord, `token-${id}`);

/** The deferred reply's edit, once the follow-up has run. */
async function editOf(id: string) {
  await stack.background();
  const edits = editsOf(id);
  expect(edits).toHaveLength(1);
  return edits[0].body as { content?: string; flags?: number; embeds?: Embed[] };
}

/** What `scanfleet scan` finds for the symbol on the newest bundled bar, as /symbol's fields show it. */
function scannedFields(ticker: string): { asOf: string; fields: { name: string; value: string }[] } {
  const run = runCli(['scan', '--symbols', ticker, '--json']);
  expect(run.status).toBe(0);
  const doc = JSON.parse(run.stdout) as {
    asOf: string;
    results: { scanner: ScannerName; signal: string | null; values: Record<string, unknown> }[];
  };
  return {
    asOf: doc.asOf,
    fields: doc.results.map((r) => ({
      name: r.scanner,
      value: `${r.signal ?? 'no signal'} — ${signalDetail(r.scanner, r.values)}`,
    })),
  };
}

describe('/symbol of a symbol on no list', () => {
  it('is scanned on demand in the deferred reply, with the hint to add it to a list', async () => {
    const expected = scannedFields('MSFT');
    expect(expected.asOf).toBe('2024-03-08');
    const lookup = symbol('msft');
    expect(await interact(lookup.body)).toEqual({ type: 5 });
    const [embed] = (await editOf(lookup.id)).embeds ?? [];
    expect(embed).toMatchObject({
      title: 'MSFT — as of 2024-03-08 (on-demand: on no list)',
      description: 'Add it to a list: /watch add symbols:MSFT [list]',
      fields: expected.fields,
    });
    // Checked by hand against the CLI's numbers: the squeeze fired on MSFT's 2024-03-08 bar.
    expect(embed.fields[1]).toEqual({
      name: 'ttm-squeeze',
      value: 'squeeze_on — $406.22, 1 bar, momentum −3.429 rising',
    });
  });

  it('allows a member one lookup a minute, saying when to try again; another member is not refused', async () => {
    clock = new Date(clock.getTime() + 30_000);
    const again = symbol('JPM');
    expect(await interact(again.body)).toEqual({
      type: 4,
      data: { content: 'You looked up a symbol on no list less than a minute ago; try again in 30 s.', flags: 64 },
    });
    await stack.background();
    expect(editsOf(again.id)).toHaveLength(0);

    const other = symbol('JPM', '4343');
    expect(await interact(other.body)).toEqual({ type: 5 });
    const [embed] = (await editOf(other.id)).embeds ?? [];
    expect(embed).toMatchObject({
      title: 'JPM — as of 2024-03-08 (on-demand: on no list)',
      fields: scannedFields('JPM').fields,
    });
  });

  it("answers an unknown ticker in the provider's words once the minute has passed", async () => {
    clock = new Date(clock.getTime() + 31_000);
    const unknown = symbol('ZZZZ');
    expect(await interact(unknown.body)).toEqual({ type: 5 });
    expect(await editOf(unknown.id)).toEqual({
      content:
        'No results for ZZZZ in the retained runs, and no lookup: no data for ZZZZ: ZZZZ.csv is not in the data directory',
      flags: 64,
    });
  });

  it('answers a symbol with stored results at once from the store, claiming no lookup', async () => {
    // Within the minute of the member's last lookup: a lookup would be refused.
    const stored = await interact(symbol('aapl').body);
    expect(stored.type).toBe(4);
    const [embed] = stored.data?.embeds ?? [];
    expect(embed.title).toBe('AAPL — as of 2024-03-08');
    expect(embed.fields.map((f) => f.name)).toEqual(['macd']);
    expect(embed.footer?.text).toBe(`run ${stack.run.runId}`);
    expect(embed.description).toBeUndefined();

    expect(await interact(symbol('$$$').body)).toEqual({
      type: 4,
      data: { content: '"$$$" is not a ticker symbol (letters and digits, e.g. AAPL or BRK.B).', flags: 64 },
    });
  });

  it("counts every member's lookups against the server's 10 a minute", async () => {
    const tickers = ['XOM', 'NVDA', 'AMD', 'TSLA', 'ABBV', 'ABNB', 'ABT', 'ADBE', 'MSFT', 'JPM'];
    for (const [i, ticker] of tickers.entries()) {
      const lookup = symbol(ticker, `50${i}`, OTHER_GUILD);
      expect(await interact(lookup.body), ticker).toEqual({ type: 5 });
      expect((await editOf(lookup.id)).embeds?.[0].title).toBe(`${ticker} — as of 2024-03-08 (on-demand: on no list)`);
    }
    clock = new Date(clock.getTime() + 20_000);
    expect(await interact(symbol('GE', '599', OTHER_GUILD).body)).toEqual({
      type: 4,
      data: { content: 'This server has had its 10 on-demand lookups of the minute; try again in 40 s.', flags: 64 },
    });
    // The first server's count is its own.
    expect(await interact(symbol('GE', '4444').body)).toEqual({ type: 5 });
    await stack.background();
  });
});
