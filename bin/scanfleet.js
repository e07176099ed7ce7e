#!/usr/bin/env node
// The `scanfleet` command: the built CLI in dist/cli/ (npm ci's prepare step makes it), built
// again first when it is missing or older than a source.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { BUILT_ENTRY, cliIsStale } from './cli-freshness.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
if (cliIsStale(root)) await (await import('./build-cli.mjs')).buildCli();
await import(pathToFileURL(join(root, BUILT_ENTRY)).href);
