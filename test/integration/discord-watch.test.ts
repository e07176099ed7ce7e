import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../functions/adapters/store/dynamodb-client.js';
import { openStoresWithLists } from '../../functions/adapters/store/stores.js';
import { BUNDLED_DATA_DIR } from '../../functions/local/cli/symbol-source.js';
import { type LocalStack, startLocalStack } from '../../functions/local/local-stack.js';
import {
  type DiscordKeys,
  discordKeys,
  discordSettings,
  type FakeDiscord,
  PERMISSIONS,
  postInteraction,
  replyEdits,
  slashCommand,
  startFakeDiscord,
  textOptions,
} from '../helpers/discord.js';

// /watch through signed interactions to the local stack's real Discord handler, which asks the
// lists-writer handler (in this process, as the deployed function invokes the deployed one) and
// edits its deferred reply on the loopback stand-in for Discord's API.
const GUILD = '777000111';
let keys: DiscordKeys;
let discord: FakeDiscord;
let stack: LocalStack;

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
    watchlist: 'watch',
    discord: { settings: discordSettings(keys), apiUrl: discord.url },
  });
}, 60_000);

afterAll(async () => {
  await stack?.close();
  await discord?.close();
});

function watch(sub: string, options: Record<string, string>, permissions: string = PERMISSIONS.manageServer) {
  const body = slashCommand('watch', [{ name: sub, type: 1, options: textOptions(options) }], {
    guild: GUILD,
    permissions,
  });
  return { id: body.id, body };
}

async function interact(body: unknown) {
  return (await (await postInteraction(stack.url, keys, body)).json()) as {
    type: number;
    data?: { content?: string; flags?: number };
  };
}

/** The deferred reply's edit, once the follow-up has run. */
async function editOf(id: string) {
  await stack.background();
  const edits = replyEdits(discord, `token-${id}`);
  expect(edits).toHaveLength(1);
  return edits[0].body as { content: string; flags?: number };
}

describe('/watch', () => {
  it('adds symbols to a list in the deferred reply, once, and shows the lists', async () => {
    const add = watch('add', { symbols: 'NVDA amd, NVDA', list: 'semis' });
    expect(await interact(add.body)).toEqual({ type: 5 });
    expect((await editOf(add.id)).content).toBe(
      '@alice added NVDA AMD to semis; named twice: NVDA. semis has 2 symbols (version 1); the next run scans it.',
    );
    const lists = openStoresWithLists(createDocumentClient(stack.store.endpoint), {
      tableName: stack.store.tableName,
    }).lists;
    expect(await lists.list('semis')).toMatchObject({ symbols: ['AMD', 'NVDA'], version: 1, updatedBy: '@alice' });

    const shown = await interact(watch('list', { list: 'semis' }).body);
    expect(shown).toEqual({ type: 4, data: { content: '**semis** (2 symbols, version 1): AMD NVDA' } });
    const all = await interact(watch('lists', {}).body);
    expect(all.data?.content).toMatch(
      /^\*\*semis\*\*: 2 symbols, version 1, changed by @alice at \d{4}-\d\d-\d\d \d\d:\d\d E[SD]T\nA run scans 2 symbols: every list, each symbol once\.$/,
    );

    const remove = watch('remove', { symbols: 'AMD TSLA', list: 'semis' });
    expect(await interact(remove.body)).toEqual({ type: 5 });
    expect((await editOf(remove.id)).content).toBe(
      '@alice removed AMD from semis; not on it: TSLA. semis has 1 symbol (version 2).',
    );
  });

  it('refuses a member without the admin permission, server-side, before anything is asked of the lists-writer', async () => {
    const add = watch('add', { symbols: 'TSLA', list: 'semis' }, PERMISSIONS.sendMessages);
    expect(await interact(add.body)).toEqual({ type: 5 });
    expect(await editOf(add.id)).toMatchObject({
      content: 'You need the Manage Server permission to change the watchlists.',
    });
    const lists = openStoresWithLists(createDocumentClient(stack.store.endpoint), {
      tableName: stack.store.tableName,
    }).lists;
    expect((await lists.list('semis'))?.symbols).toEqual(['NVDA']);
    // Reads are open to every member.
    expect((await interact(watch('list', { list: 'semis' }, PERMISSIONS.sendMessages).body)).data?.content).toBe(
      '**semis** (1 symbol, version 2): NVDA',
    );
  });

  it('answers a refusal privately with its reason, changing nothing', async () => {
    const cases: [Record<string, string>, string][] = [
      [
        { symbols: 'ZZZZ', list: 'semis' },
        'Nothing changed: unknown symbol: no data for ZZZZ: ZZZZ.csv is not in the data directory; nothing changed',
      ],
      [
        { symbols: 'NV$A', list: 'semis' },
        'Nothing changed: symbols: "NV$A" is not a ticker symbol (letters and digits, optional .X or -X class suffix)',
      ],
      [
        { symbols: 'AAPL', list: 'Semis!' },
        'Nothing changed: list name "Semis!" is not valid: 1-32 lower-case letters, digits, "_" or "-", starting with a letter or digit',
      ],
    ];
    for (const [options, message] of cases) {
      const add = watch('add', options);
      await interact(add.body);
      expect(await editOf(add.id), JSON.stringify(options)).toEqual({ content: message, flags: 64 });
    }
    const remove = watch('remove', { symbols: 'AAPL', list: 'nope' });
    await interact(remove.body);
    expect((await editOf(remove.id)).content).toBe('Nothing changed: no list named nope');
  });
});
