import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, runCliAsync } from '../helpers/cli.js';

// `scanfleet dev --auth` as a user runs it: a child process on a free port, read from its output.
const CLI = fileURLToPath(new URL('../../bin/scanfleet.js', import.meta.url));
let child: ChildProcessWithoutNullStreams | undefined;

afterEach(async () => {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child?.once('exit', resolve));
  child.kill('SIGINT');
  await exited;
});

/** Starts `scanfleet dev` and resolves with its output once it serves. */
function startDev(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const started = spawn(
    process.execPath,
    [CLI, 'dev', '--port', '0', '--symbols', 'GE,MDB', '--as-of', '2024-03-08', ...args],
    { env: { ...process.env, NO_COLOR: '1', POWERTOOLS_LOG_LEVEL: 'CRITICAL', ...env } },
  );
  child = started;
  let stdout = '';
  return new Promise((resolve, reject) => {
    started.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
      if (stdout.includes('Press Ctrl-C')) resolve(stdout);
    });
    started.on('exit', (code) => reject(new Error(`dev exited with ${code}: ${stdout}`)));
  });
}

const urlOf = (stdout: string) => /Dashboard: (http:\/\/127\.0\.0\.1:\d+)\//.exec(stdout)?.[1] as string;

describe('scanfleet dev --auth', () => {
  it('generates a token, prints it once, and requires it on /api/* but health', async () => {
    const stdout = await startDev(['--auth']);
    const tokens = [...stdout.matchAll(/^API token: (\S+)$/gm)].map((m) => m[1]);
    expect(tokens).toHaveLength(1);
    expect(tokens[0]).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const url = urlOf(stdout);
    const none = await fetch(`${url}/api/runs`);
    expect([none.status, none.headers.get('www-authenticate')]).toEqual([401, 'Bearer']);
    const wrong = await fetch(`${url}/api/runs`, { headers: { authorization: 'Bearer fake-wrong' } });
    expect(wrong.status).toBe(403);
    const right = await fetch(`${url}/api/runs`, { headers: { authorization: `bearer ${tokens[0]}` } });
    expect(right.status).toBe(200);
    expect((await fetch(`${url}/api/health`)).status).toBe(200);
  }, 60_000);

  it('takes the token from SCANFLEET_API_TOKEN and does not print it', async () => {
    const stdout = await startDev(['--auth'], { SCANFLEET_API_TOKEN: 'fake-dev-token-1234' });
    expect(stdout).not.toContain('fake-dev-token-1234');
    expect(stdout).toContain('API token: $SCANFLEET_API_TOKEN\n');
    const url = urlOf(stdout);
    const right = await fetch(`${url}/api/runs`, { headers: { authorization: 'Bearer fake-dev-token-1234' } });
    expect(right.status).toBe(200);
  }, 60_000);

  it('stays open without --auth', async () => {
    const stdout = await startDev([]);
    expect(stdout).not.toContain('API token');
    expect((await fetch(`${urlOf(stdout)}/api/runs`)).status).toBe(200);
  }, 60_000);

  it('refuses a token no Bearer header can carry, in one line, exit 2', () => {
    const run = runCli(['dev', '--auth', '--port', '0'], { SCANFLEET_API_TOKEN: 'fake token' });
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('SCANFLEET_API_TOKEN: "token" contains white space');
  });

  it('refuses a port in use before scanning, in one line, exit 1', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', () => resolve()));
    const { port } = busy.address() as AddressInfo;
    try {
      const run = await runCliAsync(['dev', '--port', String(port)]);
      expect(run).toEqual({
        status: 1,
        stdout: '',
        stderr: `scanfleet: port ${port} on 127.0.0.1 is in use: stop what serves it, or give --port N (0 picks a free one)\n`,
      });
    } finally {
      await new Promise<void>((resolve) => busy.close(() => resolve()));
    }
  });
});
