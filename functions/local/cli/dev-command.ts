import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { tokenOfSecret } from '../../api/bearer-auth.js';
import { configureLocalEnvironment } from '../local-pipeline.js';
import { startLocalStack } from '../local-stack.js';
import { parseScanArgs, pipelineOptions, SCAN_USAGE } from './scan-command.js';
import { type CommandIo, requireProviderCredentials } from './symbol-source.js';
import { CommandFailure, UsageError } from './usage-error.js';

/** The variable `dev --auth` takes its token from; without it a random one is made and printed. */
export const DEV_TOKEN_VARIABLE = 'SCANFLEET_API_TOKEN';

export const DEV_USAGE = `Usage: scanfleet dev [--port N] [--host ADDRESS] [--auth] [scan options]

Runs a scan, then serves the API and the dashboard over the embedded store until Ctrl-C.
  --port N        port (default 8787; 0 picks a free one)
  --host ADDRESS  address to listen on (default 127.0.0.1)
  --auth          require "Authorization: Bearer <token>" on /api/* as the deployed stack does
                  (health stays public); the token is $${DEV_TOKEN_VARIABLE}, else a random one printed at start

${SCAN_USAGE.split('\n').slice(4).join('\n')}`;

export async function devCommand(argv: readonly string[], io: CommandIo): Promise<void> {
  const rest: string[] = [];
  let port = 8787;
  let host = '127.0.0.1';
  let auth = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--port' || arg === '--host') {
      const value = argv[++i];
      if (value === undefined) throw new UsageError(`${arg} needs a value`);
      if (arg === '--host') host = value;
      else {
        port = Number(value);
        if (!Number.isInteger(port) || port < 0 || port > 65_535)
          throw new UsageError(`--port must be a whole number from 0 to 65535, got "${value}"`);
      }
    } else if (arg === '--auth') {
      auth = true;
    } else if (arg === '-h' || arg === '--help') {
      io.stdout.write(`${DEV_USAGE}\n`);
      return;
    } else {
      rest.push(arg);
    }
  }
  const args = parseScanArgs(rest);
  if (args.format !== 'table')
    throw new UsageError('--format and --json are for scanfleet scan; dev serves the results over HTTP');
  if (args.signals) throw new UsageError('--signal is for scanfleet scan; dev serves the results over HTTP');
  if (args.top) throw new UsageError('--top is for scanfleet scan; dev serves the results over HTTP');
  requireProviderCredentials(args.provider, io.env);
  const token = auth ? devToken(io.env) : undefined;
  configureLocalEnvironment({ verbose: args.verbose });
  // Checked before the scan: a port in use would otherwise fail only once the scan has run.
  await requireFreePort(port, host);
  io.stderr.write(`Scanning ${args.symbols.length} symbols…\n`);
  const stack = await startLocalStack({
    ...pipelineOptions(args),
    env: io.env,
    port,
    host,
    ...(token && { auth: { token: token.value, access: 'token' } }),
  });
  io.stdout.write(
    `Run ${stack.run.runId}: ${stack.run.symbolsDone} symbols scanned.\nDashboard: ${stack.url}/\nAPI:       ${stack.url}/api/health\n${
      token ? (token.generated ? `API token: ${token.value}\n` : `API token: $${DEV_TOKEN_VARIABLE}\n`) : ''
    }Press Ctrl-C to stop.\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await stack.close();
}

/** A port something else serves is a CommandFailure naming it; 0 (any free port) always is free. */
async function requireFreePort(port: number, host: string): Promise<void> {
  if (port === 0) return;
  const server = createServer();
  const failure = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
    server.once('error', resolve);
    server.listen(port, host, () => resolve(undefined));
  });
  if (!failure) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return;
  }
  throw new CommandFailure(
    failure.code === 'EADDRINUSE'
      ? `port ${port} on ${host} is in use: stop what serves it, or give --port N (0 picks a free one)`
      : `cannot listen on ${host}:${port} (${failure.code ?? failure.message})`,
  );
}

/** The token `dev --auth` requires: the variable's (checked as the authorizer checks a secret's), else a random one. */
function devToken(env: NodeJS.ProcessEnv): { value: string; generated: boolean } {
  const given = env[DEV_TOKEN_VARIABLE];
  if (given === undefined || given === '') return { value: randomBytes(24).toString('base64url'), generated: true };
  const checked = tokenOfSecret({ token: given });
  if ('problem' in checked) throw new UsageError(`${DEV_TOKEN_VARIABLE}: ${checked.problem}`);
  return { value: checked.token, generated: false };
}
