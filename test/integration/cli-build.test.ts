import { mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module (bin/scanfleet.js runs it before anything is built)
import { BUILT_ENTRY, cliIsStale } from '../../bin/cli-freshness.mjs';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const isStale = cliIsStale as (root: string) => boolean;

/** The files a module loads before it runs: its static imports, and theirs (not its dynamic import()s). */
function staticallyLoaded(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const code = readFileSync(file, 'utf8');
  for (const [, spec] of code.matchAll(/\bfrom\s*"(\.[^"]+)"|^import\s*"(\.[^"]+)"/gm))
    if (spec) staticallyLoaded(join(dirname(file), spec), seen);
  for (const [, spec] of code.matchAll(/^import\s*"(\.[^"]+)"/gm)) staticallyLoaded(join(dirname(file), spec), seen);
  return seen;
}

describe('the CLI ships built', () => {
  it('is one esbuild bundle split at each command: --help and --version load no command and no package', () => {
    const entry = join(ROOT, BUILT_ENTRY);
    const loaded = [...staticallyLoaded(entry)];
    const code = loaded.map((file) => readFileSync(file, 'utf8')).join('\n');
    expect(code.length).toBeLessThan(12_000);
    // The commands are called there, not defined.
    expect(code).toContain('.scanCommand(');
    expect(code).not.toMatch(/function (scan|dev|replay|scorecard|discord|watchlist|control)Command\b/);
    // The packages stay in node_modules and none is imported at start.
    expect(code).not.toMatch(/from\s*"(@aws-sdk|dynalite|esbuild|tsx)/);
    expect(readFileSync(entry, 'utf8')).toMatch(/import\("\.\/chunks\/scan-command-[A-Z0-9]+\.js"\)/);
    expect(runCli(['--version'])).toMatchObject({
      status: 0,
      stdout: expect.stringMatching(/^scanfleet \d+\.\d+\.\d+\n$/),
    });
  });

  it('is built by npm ci (prepare); tsx is for development only', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
    expect(pkg.scripts.prepare).toBe('node bin/build-cli.mjs');
    expect(pkg.dependencies.tsx).toBeUndefined();
    expect(pkg.devDependencies.tsx).toBeDefined();
    expect(readFileSync(join(ROOT, 'bin/scanfleet.js'), 'utf8')).not.toContain('tsx');
  });

  it('is built again when missing or older than package.json or a .ts source under bin/ or functions/', () => {
    const root = tempDir('scanfleet-fresh-');
    const at = (path: string, seconds: number) => {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), '');
      utimesSync(join(root, path), seconds, seconds);
    };
    at('package.json', 1_000);
    at('bin/cli.ts', 1_000);
    at('functions/core/scan/macd.ts', 1_000);
    at('functions/api/dashboard/app.js', 5_000); // read at run time, not built
    expect(isStale(root)).toBe(true); // no bundle yet
    at(BUILT_ENTRY, 2_000);
    expect(isStale(root)).toBe(false);
    at('functions/core/scan/macd.ts', 3_000);
    expect(isStale(root)).toBe(true);
    at(BUILT_ENTRY, 3_000);
    expect(isStale(root)).toBe(false);
    at('package.json', 4_000);
    expect(isStale(root)).toBe(true);
  });
});
