import { configureLocalEnvironment } from '../local-pipeline.js';
import { startLocalStack } from '../local-stack.js';
import { type CommandIo, parseScanArgs, pipelineOptions, SCAN_USAGE } from './scan-command.js';
import { UsageError } from './usage-error.js';

export const DEV_USAGE = `Usage: scanfleet dev [--port N] [--host ADDRESS] [scan options]

Runs a scan, then serves the API and the dashboard over the embedded store until Ctrl-C.
  --port N        port (default 8787; 0 picks a free one)
  --host ADDRESS  address to listen on (default 127.0.0.1)

${SCAN_USAGE.split('\n').slice(4).join('\n')}`;

export async function devCommand(argv: readonly string[], io: CommandIo): Promise<void> {
  const rest: string[] = [];
  let port = 8787;
  let host = '127.0.0.1';
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
    } else if (arg === '-h' || arg === '--help') {
      io.stdout.write(`${DEV_USAGE}\n`);
      return;
    } else {
      rest.push(arg);
    }
  }
  const args = parseScanArgs(rest);
  if (args.json) throw new UsageError('--json is for scanfleet scan; dev serves the results over HTTP');
  configureLocalEnvironment({ verbose: args.verbose });
  io.stderr.write(`Scanning ${args.symbols.length} symbols…\n`);
  const stack = await startLocalStack({ ...pipelineOptions(args), env: io.env, port, host });
  io.stdout.write(
    `Run ${stack.run.runId}: ${stack.run.symbolsDone} symbols scanned.\nDashboard: ${stack.url}/\nAPI:       ${stack.url}/api/health\nPress Ctrl-C to stop.\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await stack.close();
}
