import { describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../functions/adapters/store/dynamodb-client.js';
import { openStoresWithLists } from '../../functions/adapters/store/stores.js';
import { startEmbeddedStore } from '../../functions/local/embedded-store.js';
import { runCliAsync } from '../helpers/cli.js';
import { useEmbeddedStore } from '../helpers/store.js';
import { tempDir } from '../helpers/temp-dir.js';

// The real `scanfleet pause|resume` in a child process, against a persisted local store (--db)
// and against a table by name (--table) on a DynamoDB-compatible server on loopback.
const db = useEmbeddedStore();
const ISO = '\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z';

async function pausedIn(dir: string) {
  const store = await startEmbeddedStore({ path: dir });
  const client = createDocumentClient(store.endpoint);
  try {
    return await openStoresWithLists(client, { tableName: store.tableName }).control.paused();
  } finally {
    client.destroy();
    await store.close();
  }
}

describe('scanfleet pause | resume', () => {
  it('pauses and resumes a local store kept under --db, and says when there is nothing to do', async () => {
    const dir = tempDir('pause');
    const env = { USER: 'dana' };
    const paused = await runCliAsync(['pause', '--reason', 'holiday week', '--db', dir], env);
    expect(paused.status, paused.stderr).toBe(0);
    expect(paused.stdout).toMatch(
      new RegExp(
        `^Paused the schedules \\(by dana \\(CLI\\) at ${ISO}: holiday week\\)\\. Scheduled runs are recorded skipped until "scanfleet resume" or /resume; manual runs still run\\.\\n$`,
      ),
    );
    expect(await pausedIn(dir)).toMatchObject({ by: 'dana (CLI)', reason: 'holiday week' });

    const again = await runCliAsync(['pause', '--db', dir], { USER: 'erin' });
    expect(again.stdout).toMatch(
      new RegExp(`^The schedules are already paused \\(by dana \\(CLI\\) at ${ISO}: holiday week\\)\\.\\n$`),
    );

    const resumed = await runCliAsync(['resume', '--db', dir], env);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(
      new RegExp(`^Resumed the schedules \\(paused by dana \\(CLI\\) at ${ISO}: holiday week\\)\\.\\n$`),
    );
    expect(await pausedIn(dir)).toBeUndefined();
    expect((await runCliAsync(['resume', '--db', dir], env)).stdout).toBe('The schedules are not paused.\n');
  }, 60_000);

  it('pauses a table by name (--table), as against a deployed stack', async () => {
    const env = { USER: 'frank', DYNAMODB_ENDPOINT: db.store().endpoint };
    const run = await runCliAsync(['pause', '--table', db.store().tableName], env);
    expect(run.status, run.stderr).toBe(0);
    const control = openStoresWithLists(db.client(), { tableName: db.store().tableName }).control;
    expect(await control.paused()).toMatchObject({ by: 'frank (CLI)' });
    expect((await runCliAsync(['resume', '--table', db.store().tableName], env)).stdout).toMatch(
      /^Resumed the schedules/,
    );
    expect(await control.paused()).toBeUndefined();
    const missing = await runCliAsync(['pause', '--table', 'no-such-table'], env);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe(
      'scanfleet: there is no table "no-such-table" here: check --table and the AWS region (AWS_REGION)\n',
    );
  }, 60_000);

  it.each([
    [['pause'], "scanfleet: pause needs one of --table NAME (a deployed stack's table) or --db DIR (a local store)\n"],
    [
      ['resume', '--table', 't1', '--db', '/tmp/x'],
      "scanfleet: resume needs one of --table NAME (a deployed stack's table) or --db DIR (a local store)\n",
    ],
    [['resume', '--reason', 'x', '--table', 'tbl'], 'scanfleet: --reason is for pause only\n'],
    [
      ['pause', '--table', 'no spaces allowed'],
      'scanfleet: --table must be a DynamoDB table name, got "no spaces allowed"\n',
    ],
  ])('refuses %j with exit code 2 and one line', async (args, message) => {
    const run = await runCliAsync(args);
    expect(run.status).toBe(2);
    expect(run.stderr).toBe(message);
  });

  it('prints its help', async () => {
    const run = await runCliAsync(['pause', '--help']);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^Usage: scanfleet pause \[--reason TEXT\] \(--table NAME \| --db DIR\)\n/);
  });
});
