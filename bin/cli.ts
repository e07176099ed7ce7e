import { Console } from 'node:console';
import { readFileSync } from 'node:fs';
import { setTelemetryOutput } from '../functions/adapters/telemetry/output.js';
import { CommandFailure, UsageError } from '../functions/local/cli/usage-error.js';

const USAGE = `Usage: scanfleet <command> [options]

Commands:
  scan       scan a watchlist over the bundled data (or --data DIR) and print the signals
  dev        scan, then serve the API, the dashboard and the Discord endpoint on 127.0.0.1:8787
  replay     replay the schedule over past sessions: what would the Discord channel have received?
  scorecard  what happened after each signal: forward returns per scanner and signal vs all sessions
  discord    register the Discord slash commands (discord register --guild ID | --global)
  watchlist  the watchlists a run scans: ls, show, add, rm, import, export (--db DIR | --table NAME)
  pause      pause the scheduled runs (pause [--reason TEXT] --table NAME | --db DIR); resume undoes it

Run "scanfleet <command> --help" for a command's options; "scanfleet --version" for the version.`;

// stdout is the command's output (tables or one JSON document); the handlers' structured logs,
// and whatever libraries print through the global console, go to stderr.
globalThis.console = new Console({ stdout: process.stderr, stderr: process.stderr });
setTelemetryOutput(process.stderr);

const io = { stdout: process.stdout, stderr: process.stderr, env: process.env };
const [command, ...rest] = process.argv.slice(2);

try {
  // Each command is loaded when run: `--help` and `--version` load none (the built CLI splits here).
  switch (command) {
    case 'scan':
      await (await import('../functions/local/cli/scan-command.js')).scanCommand(rest, io);
      break;
    case 'dev':
      await (await import('../functions/local/cli/dev-command.js')).devCommand(rest, io);
      break;
    case 'replay':
      await (await import('../functions/local/cli/replay-command.js')).replayCommand(rest, io);
      break;
    case 'scorecard':
      await (await import('../functions/local/cli/scorecard-command.js')).scorecardCommand(rest, io);
      break;
    case 'discord':
      await (await import('../functions/local/cli/discord-command.js')).discordCommand(rest, io);
      break;
    case 'watchlist':
      await (await import('../functions/local/cli/watchlist-command.js')).watchlistCommand(rest, io);
      break;
    case 'pause':
    case 'resume':
      await (await import('../functions/local/cli/control-command.js')).controlCommand(command, rest, io);
      break;
    case '--version':
    case '-V':
    case 'version': {
      const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
        version: string;
      };
      process.stdout.write(`scanfleet ${version}\n`);
      break;
    }
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(`${USAGE}\n`);
      break;
    default:
      throw new UsageError(`unknown command "${command}"; run "scanfleet --help"`);
  }
} catch (error) {
  if (error instanceof UsageError) {
    process.stderr.write(`scanfleet: ${error.message}\n`);
    process.exitCode = 2;
  } else if (error instanceof CommandFailure) {
    process.stderr.write(`scanfleet: ${error.message}\n`);
    process.exitCode = 1;
  } else {
    // One line; the stack only when asked for (--verbose).
    const detail =
      error instanceof Error
        ? rest.includes('--verbose')
          ? (error.stack ?? error.message)
          : error.message
        : String(error);
    process.stderr.write(
      `scanfleet: unexpected failure: ${detail}${rest.includes('--verbose') ? '' : ' (--verbose shows where)'}\n`,
    );
    process.exitCode = 1;
  }
}
