#!/usr/bin/env node
// Builds the CLI into dist/cli/: bin/cli.ts and what it imports from functions/, bundled by
// esbuild and split at each command's dynamic import, so `scanfleet --help` loads only the entry.
// The packages stay in node_modules. npm's prepare step runs it (npm ci); bin/scanfleet.js runs it
// again when a source is newer than the bundle.
import { build } from 'esbuild';
import { readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const OUT = join(ROOT, 'dist', 'cli');

/**
 * Each module keeps its own import.meta.url: the sources find the bundled data, the dashboard's
 * files and package.json relative to themselves, wherever their code lands in the bundle.
 */
const ownLocation = {
  name: 'own-location',
  setup(bundle) {
    bundle.onLoad({ filter: /\.ts$/ }, async ({ path }) => ({
      contents: (await readFile(path, 'utf8')).replaceAll('import.meta.url', JSON.stringify(pathToFileURL(path).href)),
      loader: 'ts',
    }));
  },
};

export async function buildCli() {
  // Built beside, then swapped in by two renames.
  const staging = `${OUT}.${process.pid}`;
  await build({
    entryPoints: { cli: join(ROOT, 'bin', 'cli.ts') },
    outdir: staging,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    chunkNames: 'chunks/[name]-[hash]',
    plugins: [ownLocation],
    logLevel: 'warning',
  });
  const old = `${OUT}.old.${process.pid}`;
  await rename(OUT, old).catch(() => {});
  await rename(staging, OUT);
  await rm(old, { recursive: true, force: true });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildCli();
