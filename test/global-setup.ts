import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// The CLI the tests run is the built one (dist/cli/): built once here, from the sources under
// test, so that no two test files build it at once.
export default function setup(): void {
  execFileSync(process.execPath, [fileURLToPath(new URL('../bin/build-cli.mjs', import.meta.url))], {
    stdio: 'inherit',
  });
}
