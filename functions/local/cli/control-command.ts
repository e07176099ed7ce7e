import { parseArgs } from 'node:util';
import { createDocumentClient } from '../../adapters/store/dynamodb-client.js';
import { openControlStore } from '../../adapters/store/stores.js';
import type { Pause } from '../../adapters/store/control-store.js';
import type { ControlStore } from '../../adapters/store/control-changes.js';
import { ENV } from '../../adapters/settings.js';
import { configureLocalEnvironment } from '../local-pipeline.js';
import { startEmbeddedStore } from '../embedded-store.js';
import type { CommandIo } from './symbol-source.js';
import { UsageError } from './usage-error.js';

export const PAUSE_USAGE = `Usage: scanfleet pause [--reason TEXT] (--table NAME | --db DIR)
       scanfleet resume (--table NAME | --db DIR)

Pauses or resumes the scheduled runs at run time, without a redeploy: while paused, each
scheduled run is recorded skipped ("paused (by you at T: reason)") and sends nothing; /scan-now
and manual runs still run. Discord's /pause and /resume do the same.

Options:
  --table NAME      a deployed stack's results table (its TableName output), with the AWS SDK's
                    default credentials and region (AWS_PROFILE, AWS_REGION …)
  --db DIR          a local store kept under DIR (as scan, dev and replay's --db)
  --reason TEXT     why (pause only): shown by /status and on the skipped runs
  -h, --help        show this help`;

/** `scanfleet pause` and `scanfleet resume`: the store's pause switch. */
export async function controlCommand(verb: 'pause' | 'resume', argv: readonly string[], io: CommandIo): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        table: { type: 'string' },
        db: { type: 'string' },
        reason: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('\n')[0]}; run "scanfleet ${verb} --help"`, {
      cause: error,
    });
  }
  if (values.help) {
    io.stdout.write(`${PAUSE_USAGE}\n`);
    return;
  }
  if ((values.table === undefined) === (values.db === undefined))
    throw new UsageError(`${verb} needs one of --table NAME (a deployed stack's table) or --db DIR (a local store)`);
  if (values.table !== undefined && !/^[A-Za-z0-9_.-]{3,255}$/.test(values.table))
    throw new UsageError(`--table must be a DynamoDB table name, got "${values.table}"`);
  if (verb === 'resume' && values.reason !== undefined) throw new UsageError('--reason is for pause only');
  const reason = values.reason?.trim().slice(0, 200);
  const by = `${io.env.USER ?? io.env.LOGNAME ?? 'someone'} (CLI)`;

  configureLocalEnvironment();
  const act = async (control: ControlStore) =>
    io.stdout.write(`${await (verb === 'pause' ? pause(control, by, reason) : resume(control, by))}\n`);
  if (values.table !== undefined) {
    // DYNAMODB_ENDPOINT points the deployed-table path at a DynamoDB-compatible server instead (tests, DynamoDB Local).
    const client = createDocumentClient(io.env[ENV.dynamodbEndpoint] || undefined);
    try {
      await act(openControlStore(client, { tableName: values.table }));
    } catch (error) {
      if ((error as Error).name === 'ResourceNotFoundException')
        throw new UsageError(
          `there is no table "${values.table}" here: check --table and the AWS region (AWS_REGION)`,
          {
            cause: error,
          },
        );
      throw error;
    } finally {
      client.destroy();
    }
    return;
  }
  const store = await startEmbeddedStore({ path: values.db });
  const client = createDocumentClient(store.endpoint);
  try {
    await act(openControlStore(client, { tableName: store.tableName }));
  } finally {
    client.destroy();
    await store.close();
  }
}

const described = (p: Pause) => `by ${p.by} at ${p.at}${p.reason ? `: ${p.reason}` : ''}`;

async function pause(control: ControlStore, by: string, reason: string | undefined): Promise<string> {
  const { paused, pause: standing } = await control.pause(by, reason || undefined);
  return paused
    ? `Paused the schedules (${described(standing)}). Scheduled runs are recorded skipped until "scanfleet resume" or /resume; manual runs still run.`
    : `The schedules are already paused (${described(standing)}).`;
}

async function resume(control: ControlStore, by: string): Promise<string> {
  const { resumed, was } = await control.resume(by);
  if (!resumed) return 'The schedules are not paused.';
  return `Resumed the schedules${was ? ` (paused ${described(was)})` : ''}.`;
}
