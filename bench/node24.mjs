// The Node.js the stack deploys to (nodejs24.x), for the bench and CI's second test pass:
// $SCANFLEET_NODE24 if set, else the npm registry's `node@24` package in a fixed cache directory,
// installed there on first use. `node bench/node24.mjs` prints the binary's path.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const NODE24_MAJOR = 24;
/** Where the bench keeps its Node 24: outside the clone, so every checkout shares one download. */
export const NODE24_CACHE = join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'scanfleet', 'node24');

/** The version a Node binary reports, or an error naming the binary. */
function versionOf(binary) {
  try {
    return execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
  } catch (error) {
    throw new Error(`${binary} does not run (${error.message.split('\n')[0]})`, { cause: error });
  }
}

/** The path of a Node 24 binary, installing the npm registry's node@24 into the cache if missing. */
export function node24({ log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  const chosen = process.env.SCANFLEET_NODE24;
  const binary = chosen || join(NODE24_CACHE, 'node_modules', 'node', 'bin', 'node');
  if (!chosen && !existsSync(binary)) {
    log(`installing node@${NODE24_MAJOR} from the npm registry into ${NODE24_CACHE} (once)…`);
    execFileSync(
      'npm',
      ['install', '--prefix', NODE24_CACHE, '--no-audit', '--no-fund', '--loglevel=error', `node@${NODE24_MAJOR}`],
      {
        stdio: ['ignore', 'ignore', 'inherit'],
      },
    );
  }
  const version = versionOf(binary);
  if (!version.startsWith(`v${NODE24_MAJOR}.`))
    throw new Error(`${binary} is Node ${version}, not ${NODE24_MAJOR}.x${chosen ? ' (from SCANFLEET_NODE24)' : ''}`);
  return binary;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    process.stdout.write(`${node24()}\n`);
  } catch (error) {
    process.stderr.write(`node24: ${error.message}\n`);
    process.exit(1);
  }
}
