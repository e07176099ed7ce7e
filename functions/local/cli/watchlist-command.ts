import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ProviderError, ValidationError } from '../../core/errors.js';
import { ListError, requireListName, watchlistFileEntries } from '../../core/lists/watchlist-rules.js';
import { createMarketData } from '../../adapters/market-data/create-market-data.js';
import { createDocumentClient } from '../../adapters/store/dynamodb-client.js';
import type { Watchlist } from '../../adapters/store/list-store.js';
import { openListStore } from '../../adapters/store/stores.js';
import { ENV, SettingsError, settingsFrom } from '../../adapters/settings.js';
import { watchlistChanges, type WatchlistChanges } from '../../lists-writer/watchlist-changes.js';
import { startEmbeddedStore } from '../embedded-store.js';
import { configureLocalEnvironment } from '../local-pipeline.js';
import { toCsv } from '../csv.js';
import { renderTable } from '../text-table.js';
import { FORMAT_OPTIONS, jsonDocument, type OutputFormat, parseFormat } from './output-format.js';
import { type CommandIo, requireProviderCredentials, resolveDataDir } from './symbol-source.js';
import { CommandFailure, UsageError } from './usage-error.js';
import { isProviderName, PROVIDERS } from '../../adapters/market-data/providers.js';

export const WATCHLIST_USAGE = `Usage: scanfleet watchlist <action> [LIST] [SYMBOL…] (--db DIR | --table NAME) [options]

The named watchlists a run scans (the union of all of them, each symbol once), as Discord's
/watch, the API and the dashboard change them.

Actions:
  ls                      every list: its symbols, version, who changed it and when
  show LIST               the list's symbols, one a line
  add LIST SYMBOL…        add symbols (separated by spaces or commas; at most 100 a time), creating the
                          list; each new symbol is checked with the provider first
  rm LIST SYMBOL…         remove symbols
  import LIST FILE        make the list the file's symbols: a text file (one a line, or separated by
                          spaces or commas; # comments) or a TradingView export (###Sections, EXCHANGE:SYMBOL)
  export LIST             the list's symbols on one line, comma-separated (what import and TradingView read)

Options:
  --db DIR                a local store kept under DIR (scan --db DIR then scans its lists)
  --table NAME            a deployed stack's results table (its TableName output), with the AWS SDK's
                          default credentials and region (AWS_PROFILE, AWS_REGION …)
  --provider NAME         the provider symbols are checked with: csv (default), schwab, alpaca or yahoo
  --data DIR              the csv provider's directory (default: the bundled data set)
  --format NAME           how ls and show print: table (default), json or csv
  --json                  the same as --format json
  -h, --help              show this help

List names: 1-32 lower-case letters, digits, "_" or "-", starting with a letter or digit.`;

const ACTIONS = ['ls', 'show', 'add', 'rm', 'import', 'export'] as const;
type Action = (typeof ACTIONS)[number];

/** `scanfleet watchlist …`: the lists of a local store or a deployed table. */
export async function watchlistCommand(argv: readonly string[], io: CommandIo): Promise<void> {
  const args = parseWatchlistArgs(argv);
  if (args === 'help') {
    io.stdout.write(`${WATCHLIST_USAGE}\n`);
    return;
  }
  if (args.action === 'add' || args.action === 'import') requireProviderCredentials(args.provider, io.env);
  configureLocalEnvironment();
  const settings = settingsFrom({
    ...io.env,
    [ENV.provider]: args.provider,
    [ENV.dataDir]: args.provider === 'csv' ? resolveDataDir(args.data) : undefined,
  });
  const by = `${io.env.USER ?? io.env.LOGNAME ?? 'someone'} (CLI)`;
  const act = async (tableName: string, endpoint: string | undefined) => {
    const client = createDocumentClient(endpoint);
    try {
      const lists = openListStore(client, { tableName });
      const changes = watchlistChanges(settings, lists, () => createMarketData(settings));
      io.stdout.write(await perform(changes, args, by));
    } finally {
      client.destroy();
    }
  };
  try {
    if (args.table !== undefined) {
      // DYNAMODB_ENDPOINT points the deployed-table path at a DynamoDB-compatible server instead (tests, DynamoDB Local).
      await act(args.table, io.env[ENV.dynamodbEndpoint] || undefined);
    } else {
      const store = await startEmbeddedStore({ path: args.db });
      try {
        await act(store.tableName, store.endpoint);
      } finally {
        await store.close();
      }
    }
  } catch (error) {
    // A malformed request (a name, a symbol, too many at once) is a usage error; a refusal by what is stored or by the provider, a failure.
    if (error instanceof ValidationError) throw new UsageError(error.message, { cause: error });
    if (error instanceof ListError || error instanceof ProviderError)
      throw new CommandFailure(error.message, { cause: error });
    if (error instanceof SettingsError) throw new UsageError(error.message, { cause: error });
    if ((error as Error).name === 'ResourceNotFoundException')
      throw new CommandFailure(
        `there is no table "${args.table}" here: check --table and the AWS region (AWS_REGION)`,
        {
          cause: error,
        },
      );
    throw error;
  }
}

async function perform(changes: WatchlistChanges, args: WatchlistArgs, by: string): Promise<string> {
  const { action, list } = args;
  switch (action) {
    case 'ls':
      return printLists(await changes.lists(), args.format);
    case 'show':
      return printList(await changes.show(list), args.format);
    case 'export':
      return `${(await changes.show(list)).symbols.join(',')}\n`;
    case 'add': {
      const { added, already, repeated, list: after } = await changes.add(list, args.symbols, by);
      return `${sentence(`added ${counted(added.length)} to ${list}`, added)}${
        already.length > 0 ? `; ${sentence('already on it', already)}` : ''
      }${repeated.length > 0 ? `; ${sentence('named twice', repeated)}` : ''}. ${list} has ${counted(after.symbols.length)} (version ${after.version}).\n`;
    }
    case 'rm': {
      const { removed, absent, list: after } = await changes.remove(list, args.symbols, by);
      return `${sentence(`removed ${counted(removed.length)} from ${list}`, removed)}${
        absent.length > 0 ? `; ${sentence('not on it', absent)}` : ''
      }. ${list} has ${counted(after.symbols.length)} (version ${after.version}).\n`;
    }
    case 'import': {
      const entries = watchlistFileEntries(readFileSync(args.file, 'utf8'));
      if (entries.length === 0) throw new CommandFailure(`${args.file} has no symbols; nothing changed`);
      const before = await changes.lists().then((all) => all.find((l) => l.name === list));
      const after = await changes.replace(list, entries, by, before?.version);
      const was = new Set(before?.symbols ?? []);
      const now = new Set(after.symbols);
      const gained = after.symbols.filter((s) => !was.has(s)).length;
      const lost = [...was].filter((s) => !now.has(s)).length;
      return `${list} now has the ${counted(after.symbols.length)} of ${args.file}${before ? ` (${gained} added, ${lost} removed)` : ' (a new list)'}, version ${after.version}.\n`;
    }
  }
}

function counted(n: number): string {
  return `${n} symbol${n === 1 ? '' : 's'}`;
}

function sentence(what: string, symbols: readonly string[]): string {
  if (symbols.length === 0) return what;
  const shown = symbols.slice(0, 10).join(' ');
  return `${what} (${shown}${symbols.length > 10 ? ' …' : ''})`;
}

/** A list as JSON gives it: its name, symbols, version, last change and creation. */
const listDocument = (l: Watchlist) => ({
  name: l.name,
  symbols: l.symbols,
  version: l.version,
  updatedBy: l.updatedBy,
  updatedAt: l.updatedAt,
  createdAt: l.createdAt,
});

/** ls: a table, `{ "lists": [...] }`, or CSV with a row per list (its symbols space-separated). */
function printLists(lists: readonly Watchlist[], format: OutputFormat): string {
  if (format === 'json') return jsonDocument({ lists: lists.map(listDocument) });
  if (format === 'csv')
    return toCsv([
      ['list', 'version', 'updatedBy', 'updatedAt', 'symbols'],
      ...lists.map((l) => [l.name, String(l.version), l.updatedBy, l.updatedAt, l.symbols.join(' ')]),
    ]);
  if (lists.length === 0) return 'No lists yet: scanfleet watchlist add LIST SYMBOL… creates one.\n';
  return renderTable<Watchlist>(
    [
      { header: 'List', cell: (l) => l.name },
      { header: 'Symbols', align: 'right', cell: (l) => String(l.symbols.length) },
      { header: 'Version', align: 'right', cell: (l) => String(l.version) },
      { header: 'Changed by', cell: (l) => l.updatedBy },
      { header: 'Changed at', cell: (l) => l.updatedAt },
    ],
    lists,
  ).concat('\n');
}

/** show: a symbol a line, the list as one JSON document, or CSV with a `symbol` column. */
function printList(list: Watchlist, format: OutputFormat): string {
  if (format === 'json') return jsonDocument(listDocument(list));
  if (format === 'csv') return toCsv([['symbol'], ...list.symbols.map((symbol) => [symbol])]);
  return list.symbols.map((symbol) => `${symbol}\n`).join('');
}

interface CommonArgs {
  db?: string;
  table?: string;
  provider: string;
  data?: string;
  /** How ls and show print. */
  format: OutputFormat;
}

type WatchlistArgs = CommonArgs &
  (
    | { action: 'ls'; list: string }
    | { action: Exclude<Action, 'ls' | 'import'>; list: string; symbols: string[] }
    | { action: 'import'; list: string; file: string }
  );

function parseWatchlistArgs(argv: readonly string[]): WatchlistArgs | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        db: { type: 'string' },
        table: { type: 'string' },
        provider: { type: 'string' },
        data: { type: 'string' },
        ...FORMAT_OPTIONS,
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]}; run "scanfleet watchlist --help"`, {
      cause: error,
    });
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  const [action, list, ...rest] = positionals;
  if (action === undefined) throw new UsageError(`watchlist needs an action: ${ACTIONS.join(', ')}`);
  if (!(ACTIONS as readonly string[]).includes(action))
    throw new UsageError(`unknown watchlist action "${action}"; choose from ${ACTIONS.join(', ')}`);
  if ((values.table === undefined) === (values.db === undefined))
    throw new UsageError('watchlist needs one of --db DIR (a local store) or --table NAME (a deployed stack’s table)');
  if (values.table !== undefined && !/^[A-Za-z0-9_.-]{3,255}$/.test(values.table))
    throw new UsageError(`--table must be a DynamoDB table name, got "${values.table}"`);
  const provider = values.provider ?? 'csv';
  if (!isProviderName(provider))
    throw new UsageError(`--provider must be one of ${PROVIDERS.join(', ')}, got "${provider}"`);
  if (provider !== 'csv' && values.data !== undefined)
    throw new UsageError(`--data is for the csv provider; --provider ${provider} fetches over HTTP`);
  const format = parseFormat(values, ['table', 'json', 'csv']);
  if (format !== 'table' && action !== 'ls' && action !== 'show')
    throw new UsageError(`watchlist ${action} prints a sentence; --format and --json are for ls and show`);
  const common = { db: values.db, table: values.table, provider, data: values.data, format };
  if (action === 'ls') {
    if (list !== undefined) throw new UsageError('watchlist ls takes no list name; "watchlist show LIST" shows one');
    return { action, list: '', ...common };
  }
  if (list === undefined) throw new UsageError(`watchlist ${action} needs a list name`);
  requireListNameForCli(list);
  if (action === 'import') {
    const [file, ...extra] = rest;
    if (file === undefined || extra.length > 0) throw new UsageError('watchlist import takes a list name and one FILE');
    const path = resolve(file);
    if (!existsSync(path) || !statSync(path).isFile())
      throw new UsageError(`watchlist import: file not found: ${path}`);
    return { action, list, file: path, ...common };
  }
  if (action === 'show' || action === 'export') {
    if (rest.length > 0) throw new UsageError(`watchlist ${action} takes a list name only`);
    return { action, list, symbols: [], ...common };
  }
  if (rest.length === 0) throw new UsageError(`watchlist ${action} needs at least one symbol after the list name`);
  return { action: action as 'add' | 'rm', list, symbols: rest, ...common };
}

/** A bad list name exits 2 with the rule, before any store is opened. */
function requireListNameForCli(name: string): void {
  try {
    requireListName(name);
  } catch (error) {
    throw new UsageError((error as Error).message, { cause: error });
  }
}
