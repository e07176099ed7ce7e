import { ProviderError } from '../core/errors.js';
import {
  type ListLimits,
  ListError,
  parseSymbolRequest,
  requireListName,
  type SymbolForm,
  symbolFormOf,
  totalSymbolLimit,
} from '../core/lists/watchlist-rules.js';
import type { MarketData } from '../adapters/market-data/market-data.js';
import { DEFAULT_REQUESTS_PER_MINUTE } from '../adapters/market-data/providers.js';
import type { Settings } from '../adapters/settings.js';
import type { AddOutcome, ListStore, RemoveOutcome, Watchlist } from '../adapters/store/list-store.js';

/** An add as reported: what landed, what was there already, what the request named twice. */
export interface AddReport extends AddOutcome {
  readonly repeated: string[];
}

export interface WatchlistChangesDeps {
  readonly lists: Pick<ListStore, 'lists' | 'list' | 'add' | 'remove' | 'replace' | 'delete'>;
  /** The configured provider (made when a change first checks a symbol): a symbol is added only if it has bars there. */
  readonly marketData: () => MarketData;
  /** The provider's spelling of a class share. */
  readonly form: SymbolForm;
  readonly limits: ListLimits;
}

/**
 * The limits in force: the configured ones, the total held to what the provider fetches in 45
 * minutes (a per-symbol provider at its pacing in each worker).
 */
export function listLimitsOf(settings: Settings): ListLimits {
  const { provider, listLimits } = settings;
  const perSymbol = provider === 'schwab' || provider === 'yahoo';
  const rate = perSymbol ? (settings.providerRequestsPerMinute ?? DEFAULT_REQUESTS_PER_MINUTE[provider]) : undefined;
  return { ...listLimits, totalSymbols: totalSymbolLimit(listLimits.totalSymbols, rate, settings.workerConcurrency) };
}

/** The changes as the settings configure them: the provider's symbol form and limits. */
export function watchlistChanges(
  settings: Settings,
  lists: WatchlistChangesDeps['lists'],
  marketData: () => MarketData,
): WatchlistChanges {
  return new WatchlistChanges({
    lists,
    marketData,
    form: symbolFormOf(settings.provider),
    limits: listLimitsOf(settings),
  });
}

/** Bars asked for per symbol to tell a known symbol from an unknown one. */
const CHECK_LOOKBACK = 5;

/**
 * Every change to the watchlists, as the lists-writer function, the API and the CLI make it:
 * names and symbols validated and normalised, new symbols checked against the provider (one bars
 * request), then the store's atomic update. A refusal is one error naming what to fix; nothing
 * changes then.
 */
export class WatchlistChanges {
  constructor(private readonly deps: WatchlistChangesDeps) {}

  async lists(): Promise<Watchlist[]> {
    return this.deps.lists.lists();
  }

  async show(name: string): Promise<Watchlist> {
    const list = await this.deps.lists.list(requireListName(name));
    if (!list) throw new ListError('not_found', 'list', `no list named ${name}`);
    return list;
  }

  async add(name: string, input: string | readonly string[], by: string): Promise<AddReport> {
    requireListName(name);
    const { symbols, repeated } = parseSymbolRequest(input, this.deps.form, this.deps.limits.symbolsPerAdd);
    const onList = new Set((await this.deps.lists.list(name))?.symbols ?? []);
    await this.checkKnown(symbols.filter((s) => !onList.has(s)));
    return { ...(await this.deps.lists.add(name, symbols, by, this.deps.limits)), repeated };
  }

  async remove(name: string, input: string | readonly string[], by: string): Promise<RemoveOutcome> {
    requireListName(name);
    const { symbols } = parseSymbolRequest(input, this.deps.form, this.deps.limits.symbolsPerList);
    return this.deps.lists.remove(name, symbols, by);
  }

  /** Replaces a whole list (a new one without `version`; an existing one at the version read). */
  async replace(name: string, input: readonly string[], by: string, version?: number): Promise<Watchlist> {
    requireListName(name);
    const { symbols } =
      input.length === 0 ? { symbols: [] } : parseSymbolRequest(input, this.deps.form, this.deps.limits.symbolsPerList);
    const onList = new Set((await this.deps.lists.list(name))?.symbols ?? []);
    await this.checkKnown(symbols.filter((s) => !onList.has(s)));
    return this.deps.lists.replace(name, symbols, by, this.deps.limits, version);
  }

  async delete(name: string): Promise<Watchlist> {
    return this.deps.lists.delete(requireListName(name));
  }

  /** One bars request for the new symbols: any the provider does not know refuses the change, in its words. */
  private async checkKnown(symbols: readonly string[]): Promise<void> {
    if (symbols.length === 0) return;
    const marketData = this.deps.marketData();
    let answers;
    try {
      answers = await marketData.fetchDailyBars({ symbols, lookback: CHECK_LOOKBACK });
    } catch (error) {
      throw new ProviderError(
        marketData.name,
        `could not check the symbols with ${marketData.name}: ${(error as Error).message}; nothing changed`,
        undefined,
        { cause: error },
      );
    }
    const unknown = answers.filter((a) => !a.ok && a.code === 'unknown_symbol');
    if (unknown.length > 0) {
      const words = unknown
        .slice(0, 3)
        .map((a) => (a.ok ? '' : a.reason))
        .join('; ');
      throw new ListError(
        'unknown_symbol',
        'symbols',
        `${unknown.length === 1 ? 'unknown symbol' : `${unknown.length} unknown symbols`}: ${words}${unknown.length > 3 ? ' …' : ''}; nothing changed`,
      );
    }
    const failed = answers.find((a) => !a.ok);
    if (failed && !failed.ok)
      throw new ProviderError(
        marketData.name,
        `could not check ${failed.symbol} with ${marketData.name}: ${failed.reason}; nothing changed`,
        failed.symbol,
      );
  }
}
