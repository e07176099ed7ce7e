import { newYorkTime } from '../core/discord/format.js';
import { DEFAULT_LIST } from '../core/lists/watchlist-rules.js';
import type { DiscordMessage } from '../adapters/discord/discord-client.js';
import type { ListReader } from '../adapters/store/stores.js';
import type { Watchlist } from '../adapters/store/list-store.js';
import type { ListsWriterAnswer, ListsWriterInvocation } from '../lists-writer/handler.js';

const EPHEMERAL = 64;
const ephemeral = (content: string): DiscordMessage => ({ content, flags: EPHEMERAL });
/** Discord's limit on a message's content. */
const MAX_CONTENT = 2000;

export interface WatchDeps {
  readonly lists: ListReader;
  /**
   * Asks the lists-writer function for a change (a list's symbols, a subscription): the Discord
   * function holds no write of either.
   */
  readonly askListsWriter: (request: ListsWriterInvocation) => Promise<ListsWriterAnswer>;
}

/** A subcommand as the interaction carries it: `/watch add symbols:… list:…`. */
export interface Subcommand {
  readonly name: string;
  readonly options?: readonly { name: string; value: unknown }[];
}

/**
 * /watch add|remove <symbols> [list], /watch list [list], /watch lists. `admit` says whether the
 * member may change lists (the configured permission); reads are open to everyone.
 */
export async function watchCommand(
  sub: Subcommand | undefined,
  deps: WatchDeps,
  admit: () => DiscordMessage | undefined,
  by: string,
): Promise<DiscordMessage> {
  const option = (name: string) => {
    const value = sub?.options?.find((o) => o.name === name)?.value;
    return typeof value === 'string' ? value.trim() : undefined;
  };
  const list = option('list') || DEFAULT_LIST;
  switch (sub?.name) {
    case 'lists':
      return listsMessage(await deps.lists.lists());
    case 'list': {
      const found = await deps.lists.list(list);
      return found
        ? listMessage(found)
        : ephemeral(`There is no list named ${list.slice(0, 40)}. /watch lists shows them.`);
    }
    case 'add':
    case 'remove': {
      const refused = admit();
      if (refused) return refused;
      const answer = await deps.askListsWriter({
        action: sub.name,
        list,
        symbols: [option('symbols') ?? ''],
        by,
      });
      if (!answer.ok) return ephemeral(`Nothing changed: ${answer.error.message}`);
      if (answer.action !== 'add' && answer.action !== 'remove')
        throw new Error(`lists-writer answered ${answer.action} to ${sub.name}`);
      return { content: changeMessage(answer, by) };
    }
    default:
      return ephemeral('Try /watch add symbols:<NVDA AMD> [list], /watch remove, /watch list [list] or /watch lists.');
  }
}

function changeMessage(answer: ListsWriterAnswer & { ok: true; action: 'add' | 'remove' }, by: string): string {
  const { list } = answer;
  const size = `${list.name} has ${counted(list.symbols.length)} (version ${list.version})`;
  if (answer.action === 'add') {
    const parts = [
      answer.added.length > 0
        ? `${by} added ${answer.added.join(' ')} to ${list.name}`
        : `${by} added nothing to ${list.name}`,
      ...(answer.already.length > 0 ? [`already on it: ${answer.already.join(' ')}`] : []),
      ...(answer.repeated.length > 0 ? [`named twice: ${answer.repeated.join(' ')}`] : []),
    ];
    return within(`${parts.join('; ')}. ${size}; the next run scans it.`);
  }
  const parts = [
    answer.removed.length > 0
      ? `${by} removed ${answer.removed.join(' ')} from ${list.name}`
      : `${by} removed nothing from ${list.name}`,
    ...(answer.absent.length > 0 ? [`not on it: ${answer.absent.join(' ')}`] : []),
  ];
  return within(`${parts.join('; ')}. ${size}.`);
}

function listsMessage(lists: readonly Watchlist[]): DiscordMessage {
  if (lists.length === 0)
    return ephemeral('There is no list yet: /watch add symbols:<NVDA AMD> list:<name> makes one.');
  const total = new Set(lists.flatMap((l) => l.symbols)).size;
  const lines = lists.map(
    (l) =>
      `**${l.name}**: ${counted(l.symbols.length)}, version ${l.version}, changed by ${l.updatedBy} at ${newYorkTime(l.updatedAt)}`,
  );
  return { content: within(`${lines.join('\n')}\nA run scans ${counted(total)}: every list, each symbol once.`) };
}

function listMessage(list: Watchlist): DiscordMessage {
  const head = `**${list.name}** (${counted(list.symbols.length)}, version ${list.version}): `;
  return { content: within(`${head}${list.symbols.length > 0 ? list.symbols.join(' ') : 'empty'}`) };
}

function counted(n: number): string {
  return `${n} symbol${n === 1 ? '' : 's'}`;
}

/** Cut at Discord's limit, at a space, saying how much was left out. */
function within(text: string): string {
  if (text.length <= MAX_CONTENT) return text;
  const cut = text.lastIndexOf(' ', MAX_CONTENT - 40);
  const left = text
    .slice(cut)
    .split(' ')
    .filter((w) => w.length > 0).length;
  return `${text.slice(0, cut)} … and ${left} more`;
}
