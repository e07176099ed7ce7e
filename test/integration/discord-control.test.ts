import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentClient } from '../../functions/adapters/store/dynamodb-client.js';
import { openStoresWithLists, type StoresWithLists } from '../../functions/adapters/store/stores.js';
import { deriveRunId } from '../../functions/core/run/run-id.js';
import type { NewRun } from '../../functions/core/run/run-record.js';
import { BUNDLED_DATA_DIR } from '../../functions/local/cli/symbol-source.js';
import { type LocalStack, startLocalStack } from '../../functions/local/local-stack.js';
import {
  type DiscordKeys,
  discordKeys,
  discordSettings,
  type FakeDiscord,
  PERMISSIONS,
  postInteraction,
  slashCommand,
  snowflakeAt,
  startFakeDiscord,
} from '../helpers/discord.js';

// The pause switch and /scan-now's once-only start, through signed interactions to the local
// stack's real handler and store. The handler's clock is injected (and the signatures are made
// at it), so "10 minutes later" is a clock moved, not a wait.
const { manageServer: MANAGE_SERVER, administrator: ADMINISTRATOR, sendMessages: SEND_MESSAGES } = PERMISSIONS;
const GUILD = '777000111';
let keys: DiscordKeys;
let discord: FakeDiscord;
let stack: LocalStack;
let deferred: LocalStack;
/** Configured as a deployment may be: Administrator required, a 30-minute cooldown. */
let strict: LocalStack;
let stores: StoresWithLists;
let strictStores: StoresWithLists;
let clock = new Date();
const T0 = new Date(Math.floor(Date.now() / 1000) * 1000);
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);
/** How the replies give an instant: New York's date and time with the zone (read here through another locale). */
const inNewYork = (d: Date) =>
  `${d.toLocaleString('sv-SE', { timeZone: 'America/New_York' }).slice(0, 16)} ${d
    .toLocaleString('en-US', { timeZone: 'America/New_York', timeZoneName: 'short' })
    .split(' ')
    .at(-1)}`;

const options = {
  symbols: ['GE', 'MDB'],
  scanners: ['vpb' as const],
  dataDir: BUNDLED_DATA_DIR,
  lookback: 150,
  asOf: '2024-03-08',
  port: 0,
};

beforeAll(async () => {
  keys = discordKeys();
  discord = await startFakeDiscord();
  const settings = discordSettings(keys);
  stack = await startLocalStack({
    ...options,
    watchlist: 'control',
    discord: { settings, apiUrl: discord.url, now: () => clock, provider: 'schwab' },
  });
  // Every command misses its deadline: answered deferred, then run again in a follow-up.
  deferred = await startLocalStack({
    ...options,
    watchlist: 'deferred',
    discord: { settings, apiUrl: discord.url, deadlineMs: 0 },
  });
  strict = await startLocalStack({
    ...options,
    watchlist: 'strict',
    env: { DISCORD_ADMIN_PERMISSION: 'ADMINISTRATOR', SCAN_NOW_COOLDOWN_MINUTES: '30' },
    discord: { settings, apiUrl: discord.url, now: () => clock },
  });
  stores = openStoresWithLists(createDocumentClient(stack.store.endpoint), { tableName: stack.store.tableName });
  strictStores = openStoresWithLists(createDocumentClient(strict.store.endpoint), {
    tableName: strict.store.tableName,
  });
}, 90_000);

afterAll(async () => {
  await stack?.close();
  await deferred?.close();
  await strict?.close();
  await discord?.close();
});

interface Who {
  guild?: string;
  permissions?: string;
  user?: string;
}

const interaction = (name: string, id: string, who: Who = {}, opts: { name: string; value: string }[] = []) =>
  slashCommand(name, opts, { id, guild: who.guild, permissions: who.permissions ?? MANAGE_SERVER, username: who.user });

/** Posts a signed interaction to a stack at the handler's clock. */
async function interact(target: LocalStack, body: unknown) {
  const response = await postInteraction(target.url, keys, body, clock);
  return { status: response.status, body: (await response.json()) as { type: number; data?: any } }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

async function statusFields(): Promise<Record<string, string>> {
  const { body } = await interact(stack, interaction('status', snowflakeAt(clock), { guild: GUILD }));
  return Object.fromEntries(
    (body.data.embeds[0].fields as { name: string; value: string }[]).map((f) => [f.name, f.value]),
  );
}

describe('/pause and /resume', () => {
  it('refuses a member without Manage Server, and a direct message, naming why; the schedules stay on', async () => {
    clock = at(0);
    const { body } = await interact(
      stack,
      interaction('pause', snowflakeAt(clock), { guild: GUILD, permissions: SEND_MESSAGES }, [
        { name: 'reason', value: 'mine now' },
      ]),
    );
    expect(body).toEqual({
      type: 4,
      data: { content: 'You need the Manage Server permission to pause the schedules.', flags: 64 },
    });
    const dm = await interact(stack, interaction('pause', snowflakeAt(clock, 1)));
    expect(dm.body.data).toEqual({ content: '/pause works in a server, not in a direct message.', flags: 64 });
    const resume = await interact(
      stack,
      interaction('resume', snowflakeAt(clock, 2), { guild: GUILD, permissions: '0' }),
    );
    expect(resume.body.data.content).toBe('You need the Manage Server permission to resume the schedules.');
    expect(await stores.control.paused()).toBeUndefined();
    expect((await statusFields()).Schedules).toBe('on');
  });

  it('pauses for a member with Manage Server: /status says by whom and since when, a second /pause says it stands', async () => {
    clock = at(1);
    const { body } = await interact(
      stack,
      interaction('pause', snowflakeAt(clock), { guild: GUILD, permissions: MANAGE_SERVER, user: 'alice' }, [
        { name: 'reason', value: 'Schwab maintenance' },
      ]),
    );
    expect(body).toEqual({
      type: 4,
      data: {
        content:
          '@alice paused the schedules: Schwab maintenance. Scheduled runs are recorded skipped until /resume; /scan-now still works.',
      },
    });
    const since = inNewYork(clock);
    expect(await stores.control.paused()).toEqual({
      by: '@alice',
      at: clock.toISOString(),
      reason: 'Schwab maintenance',
    });
    clock = at(31);
    const fields = await statusFields();
    expect(fields.Schedules).toBe(
      `paused by @alice since ${since} (30 min ago): Schwab maintenance; scheduled runs are recorded skipped until /resume`,
    );
    expect(fields['Next scheduled run']).toMatch(/, skipped while paused$/);
    const again = await interact(stack, interaction('pause', snowflakeAt(clock), { guild: GUILD, user: 'bob' }));
    expect(again.body.data).toEqual({
      content: `The schedules are already paused (by @alice since ${since}: Schwab maintenance); /resume restarts them.`,
      flags: 64,
    });
  });

  it('resumes for an Administrator; a second /resume says there is nothing to resume', async () => {
    clock = at(32);
    const since = inNewYork(at(1));
    const { body } = await interact(
      stack,
      interaction('resume', snowflakeAt(clock), { guild: GUILD, permissions: ADMINISTRATOR, user: 'carol' }),
    );
    expect(body.data).toEqual({
      content: `@carol resumed the schedules (paused by @alice since ${since}). The next scheduled run goes ahead.`,
    });
    expect(await stores.control.paused()).toBeUndefined();
    const again = await interact(stack, interaction('resume', snowflakeAt(clock, 1), { guild: GUILD }));
    expect(again.body.data).toEqual({ content: 'The schedules are not paused.', flags: 64 });
  });
});

/** The runs /scan-now started in a stack's store: of the full watchlist (the stack's own scan is of its watchlist). */
async function manualRuns(target: StoresWithLists): Promise<string[]> {
  return (await target.runs.listRuns(100)).items
    .filter((r) => r.kind === 'manual' && r.runId.endsWith('-full'))
    .map((r) => r.runId);
}

describe('/scan-now is for admins, in a server', () => {
  it('refuses a member without Manage Server, privately, naming the permission; no run, no cooldown taken', async () => {
    clock = at(20);
    const before = await manualRuns(stores);
    const { body } = await interact(
      stack,
      interaction('scan-now', snowflakeAt(clock), { guild: GUILD, permissions: SEND_MESSAGES, user: 'mallory' }),
    );
    expect(body).toEqual({
      type: 4,
      data: { content: 'You need the Manage Server permission to start a scan.', flags: 64 },
    });
    const dm = await interact(stack, interaction('scan-now', snowflakeAt(clock, 1)));
    expect(dm.body.data).toEqual({ content: '/scan-now works in a server, not in a direct message.', flags: 64 });
    await stack.background();
    expect(await manualRuns(stores)).toEqual(before);
    expect(await stores.runs.getRun(deriveRunId(clock, 'full'))).toBeUndefined();
  });

  it('honours the configured permission and cooldown: Administrator only, 30 minutes between runs', async () => {
    clock = at(200);
    const refused = await interact(
      strict,
      interaction('scan-now', snowflakeAt(clock), { guild: GUILD, permissions: MANAGE_SERVER }),
    );
    expect(refused.body.data).toEqual({ content: 'You need the Administrator permission to start a scan.', flags: 64 });
    const pause = await interact(
      strict,
      interaction('pause', snowflakeAt(clock, 1), { guild: GUILD, permissions: MANAGE_SERVER }),
    );
    expect(pause.body.data).toEqual({
      content: 'You need the Administrator permission to pause the schedules.',
      flags: 64,
    });
    await strict.background();
    expect(await manualRuns(strictStores)).toEqual([]);

    const first = await interact(
      strict,
      interaction('scan-now', snowflakeAt(clock, 2), { guild: GUILD, permissions: ADMINISTRATOR }),
    );
    const firstRun = deriveRunId(clock, 'full');
    expect(first.body.data.content).toMatch(`Started a scan of the full watchlist: run ${firstRun}.`);
    await strict.background();

    clock = at(220);
    const early = await interact(
      strict,
      interaction('scan-now', snowflakeAt(clock), { guild: GUILD, permissions: ADMINISTRATOR, user: 'bob' }),
    );
    expect(early.body.data).toEqual({
      content: `A scan was started here 20 min ago: run ${firstRun}, complete, 1/1 batches, 2/2 symbols. /scan-now can start another in 10 min.`,
      flags: 64,
    });
    await strict.background();
    expect(await manualRuns(strictStores)).toEqual([firstRun]);

    clock = at(230);
    const again = await interact(
      strict,
      interaction('scan-now', snowflakeAt(clock), { guild: GUILD, permissions: ADMINISTRATOR }),
    );
    expect(again.body.data.content).toMatch(`Started a scan of the full watchlist: run ${deriveRunId(clock, 'full')}.`);
    await strict.background();
    expect((await manualRuns(strictStores)).sort()).toEqual([firstRun, deriveRunId(clock, 'full')].sort());
  });
});

describe('/scan-now starts once', () => {
  it('answers the same interaction twice, deferred both times, with one run keyed by the interaction', async () => {
    clock = new Date();
    const id = snowflakeAt(new Date(T0.getTime() - 5_000));
    const runId = deriveRunId(new Date(T0.getTime() - 5_000), 'full');
    const body = interaction('scan-now', id, { guild: GUILD });
    const patches = () =>
      discord.received.filter(
        (r) => r.method === 'PATCH' && r.path === `/webhooks/123456789/token-${id}/messages/@original`,
      );
    expect((await interact(deferred, body)).body).toEqual({ type: 5 });
    await deferred.background();
    expect((await interact(deferred, body)).body).toEqual({ type: 5 });
    await deferred.background();
    expect(patches().map((p) => (p.body as { content: string }).content)).toEqual([
      `Started a scan of the full watchlist: run ${runId}. New signals will be posted to the alert channel when it completes; /status shows its progress.`,
      `Started a scan of the full watchlist: run ${runId}. New signals will be posted to the alert channel when it completes; /status shows its progress.`,
    ]);
    const { runs } = (await (await fetch(`${deferred.url}/api/runs`)).json()) as {
      runs: { runId: string; kind: string; status: string }[];
    };
    expect(runs.filter((r) => r.kind === 'manual' && r.runId.endsWith('-full'))).toEqual([
      expect.objectContaining({ runId, status: 'complete' }),
    ]);
    const deferredRuns = openStoresWithLists(createDocumentClient(deferred.store.endpoint), {
      tableName: deferred.store.tableName,
    }).runs;
    expect(await deferredRuns.getRun(runId)).toMatchObject({ requestId: id, batchesDone: 1, symbolsDone: 2 });
  });

  it('answers a second click in the server within 10 minutes with the first run; 10 minutes on, starts a new one', async () => {
    clock = at(40);
    const first = snowflakeAt(clock);
    const firstRun = deriveRunId(clock, 'full');
    expect((await interact(stack, interaction('scan-now', first, { guild: GUILD }))).body.data.content).toBe(
      `Started a scan of the full watchlist: run ${firstRun}. New signals will be posted to the alert channel when it completes; /status shows its progress.`,
    );
    await stack.background();

    clock = at(43);
    const second = await interact(stack, interaction('scan-now', snowflakeAt(clock), { guild: GUILD, user: 'bob' }));
    expect(second.body.data).toEqual({
      content: `A scan was started here 3 min ago: run ${firstRun}, complete, 1/1 batches, 2/2 symbols. /scan-now can start another in 7 min.`,
      flags: 64,
    });
    // Another server is not held back.
    const elsewhere = await interact(stack, interaction('scan-now', snowflakeAt(clock, 1), { guild: '777000222' }));
    expect(elsewhere.body.data.content).toMatch(/^Started a scan of the full watchlist: run \d{8}T\d{6}Z-full\./);
    await stack.background();

    clock = at(50);
    const third = await interact(stack, interaction('scan-now', snowflakeAt(clock), { guild: GUILD }));
    expect(third.body.data.content).toMatch(`Started a scan of the full watchlist: run ${deriveRunId(clock, 'full')}.`);
    await stack.background();
    expect(await stores.runs.getRun(deriveRunId(at(43), 'full'))).toBeDefined(); // the other server's
    expect((await stores.runs.getRun(deriveRunId(at(50), 'full')))?.status).toBe('complete');
  });

  it('still starts a run while the schedules are paused', async () => {
    clock = at(70);
    await stores.control.pause('@alice', 'quiet week');
    try {
      const { body } = await interact(stack, interaction('scan-now', snowflakeAt(clock), { guild: GUILD }));
      expect(body.data.content).toMatch(/^Started a scan/);
      await stack.background();
      expect(await stores.runs.getRun(deriveRunId(clock, 'full'))).toMatchObject({
        status: 'complete',
        kind: 'manual',
      });
    } finally {
      await stores.control.resume('@alice');
    }
  });
});

/** A market-hours run of the control watchlist (GE, MDB), scheduled at `when`. */
function scheduledRun(runId: string, when: Date, extra: Partial<NewRun>): NewRun {
  return {
    runId,
    watchlist: 'control',
    kind: 'scheduled',
    purpose: 'market-hours',
    session: '2024-03-08',
    scheduledAt: when.toISOString(),
    startedAt: when.toISOString(),
    sessionDate: '2024-03-08',
    symbols: ['GE', 'MDB'],
    scanners: ['vpb'],
    batchSize: 30,
    batchesExpected: 1,
    ...extra,
  };
}

describe('/status tells how the last run ended, and the Schwab token’s days left', () => {
  it('shows a failed run with its end reason, and a skipped one with why', async () => {
    clock = at(90);
    // What the sweeper records of a run past its deadline with no batch done.
    const failed = deriveRunId(at(80), 'control');
    await stores.runs.createRun(scheduledRun(failed, at(80), {}));
    await stores.runs.endRun(
      { runId: failed, scheduledAt: at(80).toISOString() },
      {
        status: 'failed',
        reason: 'no batch done by its deadline: batch 0 missing',
        missing: [],
      },
    );
    const fields = await statusFields();
    expect(fields['Last run']).toBe(
      `${failed} (scheduled, market-hours, session 2024-03-08): failed, 0/1 batches, started 10 min ago (no batch done by its deadline: batch 0 missing)`,
    );

    const skipped = deriveRunId(at(95), 'control');
    await stores.runs.createRun(
      scheduledRun(skipped, at(95), {
        batchesExpected: 0,
        skippedReason: 'paused (by @alice at 2026-11-24T14:00:00.000Z: quiet week)',
      }),
    );
    clock = at(96);
    expect((await statusFields())['Last run']).toBe(
      `${skipped} (scheduled, market-hours, session 2024-03-08): skipped, 0/0 batches, started 1 min ago (paused (by @alice at 2026-11-24T14:00:00.000Z: quiet week))`,
    );
  });

  it('counts the refresh token’s days from the sweeper’s last check, with a warning from 2 days before expiry', async () => {
    await stores.control.recordTokenStatus({
      provider: 'schwab',
      issuedAt: at(0).toISOString(),
      source: 'version',
      checkedAt: at(0).toISOString(),
    });
    const issued = inNewYork(at(0));
    clock = at(36 * 60); // 1.5 days after issue
    expect((await statusFields())['Schwab refresh token']).toBe(
      `5.5 days left (issued ${issued}, by the secret version's date)`,
    );
    clock = at(5.5 * 24 * 60); // 1.5 days before expiry
    expect((await statusFields())['Schwab refresh token']).toBe(
      `⚠️ 1.5 days left: sign in to Schwab again and store the new refresh token (issued ${issued}, by the secret version's date)`,
    );
  });
});
