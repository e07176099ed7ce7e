import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/** Lints a source text as if it stood at `filePath`, with the project's own ESLint config. */
async function lint(code: string, filePath: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: process.cwd() });
  const [result] = await eslint.lintText(code, { filePath });
  return result.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('core imports nothing outside core (the scanfleet/core-boundary lint rule)', () => {
  it('refuses an adapter imported from a file under functions/core', async () => {
    const messages = await lint(
      "import { ResultStore } from '../../adapters/store/result-store.js';\nexport const store = ResultStore;\n",
      'functions/core/scan/probe.ts',
    );
    expect(messages).toEqual([
      "scanfleet/core-boundary: functions/core may not import '../../adapters/store/result-store.js': it resolves outside functions/core (functions/adapters/store/result-store.js)",
    ]);
  });

  it('refuses a handler, an SDK package and a Node built-in, re-exports and dynamic imports included', async () => {
    const messages = await lint(
      [
        "export { handler } from '../dispatch/handler.js';",
        "import { DynamoDBClient } from '@aws-sdk/client-dynamodb';",
        "import { readFileSync } from 'node:fs';",
        "export const later = () => import('../local/dev-server.js');",
        'export const used = [DynamoDBClient, readFileSync];',
      ].join('\n'),
      'functions/core/probe.ts',
    );
    expect(messages).toHaveLength(4);
    expect(messages[0]).toContain("'../dispatch/handler.js'");
    expect(messages[1]).toContain("the package '@aws-sdk/client-dynamodb'");
    expect(messages[2]).toContain("the package 'node:fs'");
    expect(messages[3]).toContain("'../local/dev-server.js'");
  });

  it('allows core importing core across its folders, and leaves files outside core alone', async () => {
    const inside = await lint(
      "import { marketPhase } from '../market/market-clock.js';\nexport const phase = marketPhase;\n",
      'functions/core/scan/probe.ts',
    );
    expect(inside).toEqual([]);
    const adapter = await lint(
      "import { ResultStore } from './store/result-store.js';\nexport const store = ResultStore;\n",
      'functions/adapters/probe.ts',
    );
    expect(adapter).toEqual([]);
  });
});
