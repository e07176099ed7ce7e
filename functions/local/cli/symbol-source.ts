// Where a command's bars come from and for which symbols (--provider, --data, --watchlist,
// --symbols), and the streams a command writes to: shared by scan, scorecard and dev.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseWatchlist } from '../../core/scan/symbols.js';
import { isProviderName, PROVIDERS, type ProviderName } from '../../adapters/market-data/providers.js';
import { missingCredentialVariables, PROVIDER_CREDENTIALS } from '../../adapters/secrets.js';
import { UsageError } from './usage-error.js';

export const BUNDLED_DATA_DIR = fileURLToPath(new URL('../../../data/daily', import.meta.url));

export interface CommandIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
}

/** Where the bars come from and for which symbols: --provider, --data, --watchlist or --symbols. */
export interface SymbolSource {
  readonly provider: ProviderName;
  readonly dataDir: string;
  readonly symbols: string[];
}

export function resolveSymbolSource(values: {
  provider?: string;
  data?: string;
  watchlist?: string;
  symbols?: string;
}): SymbolSource {
  const provider = values.provider ?? 'csv';
  if (!isProviderName(provider))
    throw new UsageError(`--provider must be one of ${PROVIDERS.join(', ')}, got "${provider}"`);
  if (provider !== 'csv' && values.data !== undefined)
    throw new UsageError(`--data is for the csv provider; --provider ${provider} fetches over HTTP`);
  const dataDir = resolveDataDir(values.data);
  if (values.watchlist !== undefined && values.symbols !== undefined) {
    throw new UsageError('give either --watchlist or --symbols, not both');
  }
  const symbols =
    values.symbols !== undefined
      ? parseWatchlist(values.symbols, '--symbols')
      : readWatchlist(values.watchlist, dataDir);
  return { provider, dataDir, symbols };
}

/**
 * A provider's credentials, checked before a run is created or a request made: the variables the
 * environment lacks are a UsageError naming them.
 */
export function requireProviderCredentials(provider: string, env: NodeJS.ProcessEnv): void {
  const missing = missingCredentialVariables(provider, env);
  if (missing.length === 0) return;
  const { secretId } = PROVIDER_CREDENTIALS[provider as keyof typeof PROVIDER_CREDENTIALS];
  throw new UsageError(
    `--provider ${provider}: the environment lacks ${missing.join(', ')} (or set ${secretId} to a Secrets Manager secret holding them; docs/providers.md)`,
  );
}

/** --data: an existing directory (default: the bundled data set). */
export function resolveDataDir(data: string | undefined): string {
  const dataDir = resolve(data ?? BUNDLED_DATA_DIR);
  if (!existsSync(dataDir) || !statSync(dataDir).isDirectory())
    throw new UsageError(`--data: directory not found: ${dataDir}`);
  return dataDir;
}

/** --watchlist FILE, else watchlist.txt in the data directory. */
export function readWatchlist(file: string | undefined, dataDir: string): string[] {
  const path = resolve(file ?? join(dataDir, 'watchlist.txt'));
  if (!existsSync(path) || !statSync(path).isFile()) {
    throw new UsageError(
      file === undefined
        ? `no watchlist.txt in the data directory (${path}): give --watchlist FILE or --symbols A,B,C`
        : `--watchlist: file not found: ${path}`,
    );
  }
  return parseWatchlist(readFileSync(path, 'utf8'), `--watchlist ${file ?? path}`);
}
