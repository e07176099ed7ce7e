import { describe, expect, it } from 'vitest';
import { CHROMIUM_CANDIDATES, chromiumPath } from '../../helpers/chromium.js';

describe('the browser tests’ Chromium', () => {
  it('takes CHROMIUM_PATH first, and refuses one that does not exist', () => {
    expect(chromiumPath({ CHROMIUM_PATH: '/opt/mine/chrome' }, (p) => p === '/opt/mine/chrome')).toBe(
      '/opt/mine/chrome',
    );
    expect(() => chromiumPath({ CHROMIUM_PATH: '/nowhere/chrome' }, () => false)).toThrow(
      'CHROMIUM_PATH is /nowhere/chrome, which does not exist',
    );
  });

  it('finds a snap, Fedora’s or macOS’s install when Debian’s is absent, in the listed order', () => {
    expect(chromiumPath({}, (p) => p === '/snap/bin/chromium')).toBe('/snap/bin/chromium');
    expect(chromiumPath({}, (p) => p === '/usr/lib64/chromium-browser/chromium-browser')).toBe(
      '/usr/lib64/chromium-browser/chromium-browser',
    );
    expect(chromiumPath({}, (p) => p.startsWith('/Applications/'))).toBe(
      '/Applications/Chromium.app/Contents/MacOS/Chromium',
    );
    expect(chromiumPath({}, () => true)).toBe(CHROMIUM_CANDIDATES[0]);
  });

  it('says how to install one when none is found', () => {
    expect(() => chromiumPath({}, () => false)).toThrow(
      /^no Chromium found for the browser tests: install it \(Debian\/Ubuntu: apt-get install chromium;.*or set CHROMIUM_PATH/,
    );
  });
});
