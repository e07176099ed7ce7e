import { existsSync } from 'node:fs';

/**
 * Where the browser tests find Chromium: `CHROMIUM_PATH` when set, else the usual install paths
 * (Debian's and Ubuntu's packages, a snap, Fedora's, Homebrew's and the macOS app). Never a
 * downloaded browser: the tests run on the system's.
 */
export const CHROMIUM_CANDIDATES = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/snap/bin/chromium',
  '/usr/lib64/chromium-browser/chromium-browser',
  '/usr/bin/google-chrome',
  '/opt/homebrew/bin/chromium',
  '/Applications/Chromium.app/Contents/MacOS/Chromium',
  '/Applications/Google Chrome.app/Contents/MacOS/Google Chrome',
];

/** The Chromium to launch, or an error saying how to get one. */
export function chromiumPath(
  env: NodeJS.ProcessEnv = process.env,
  exists: (path: string) => boolean = existsSync,
): string {
  const configured = env.CHROMIUM_PATH;
  if (configured) {
    if (exists(configured)) return configured;
    throw new Error(`CHROMIUM_PATH is ${configured}, which does not exist`);
  }
  const found = CHROMIUM_CANDIDATES.find((path) => exists(path));
  if (found) return found;
  throw new Error(
    'no Chromium found for the browser tests: install it (Debian/Ubuntu: apt-get install chromium; Fedora: dnf install chromium; macOS: brew install --cask chromium) or set CHROMIUM_PATH to its executable',
  );
}
