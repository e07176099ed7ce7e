// Whether the built CLI (dist/cli/cli.js) is older than a source it is built from: package.json,
// or a .ts file under bin/ or functions/.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const BUILT_ENTRY = join('dist', 'cli', 'cli.js');

export function cliIsStale(root) {
  const built = statSync(join(root, BUILT_ENTRY), { throwIfNoEntry: false })?.mtimeMs;
  if (built === undefined) return true;
  if (statSync(join(root, 'package.json')).mtimeMs > built) return true;
  for (const dir of ['bin', 'functions'])
    for (const file of readdirSync(join(root, dir), { recursive: true }))
      if (file.endsWith('.ts') && statSync(join(root, dir, file)).mtimeMs > built) return true;
  return false;
}
