import { readFileSync } from 'node:fs';
import * as prettier from 'prettier';
import { describe, expect, it } from 'vitest';

const UNFORMATTED = 'export function f(a:number,b:number){return a+b}\n';

describe('one formatter: npm run lint checks prettier at 120 columns', () => {
  it('runs prettier --check over the whole tree in npm run lint (and so in npm test)', () => {
    const scripts = JSON.parse(readFileSync('package.json', 'utf8')).scripts as Record<string, string>;
    expect(scripts.lint).toContain('prettier --check .');
    expect(scripts.test).toContain('npm run lint');
  });

  it('fails an unformatted source under functions/ and passes it once formatted', async () => {
    const filepath = 'functions/core/scan/probe.ts';
    const info = await prettier.getFileInfo(filepath, { ignorePath: '.prettierignore' });
    expect(info.ignored).toBe(false);
    const options = { ...(await prettier.resolveConfig(filepath)), filepath };
    expect(options.printWidth).toBe(120);
    expect(await prettier.check(UNFORMATTED, options)).toBe(false);
    const formatted = await prettier.format(UNFORMATTED, options);
    expect(formatted).toBe('export function f(a: number, b: number) {\n  return a + b;\n}\n');
    expect(await prettier.check(formatted, options)).toBe(true);
  });
});
