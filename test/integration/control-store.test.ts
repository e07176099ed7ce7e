import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { openStoresWithLists } from '../../functions/adapters/store/stores.js';
import { KEYS } from '../../functions/adapters/store/table-schema.js';
import { useEmbeddedStore } from '../helpers/store.js';

// The control store on dynalite: every decision two callers could race on is a conditional write.
const db = useEmbeddedStore();
const T0 = new Date('2026-11-24T15:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

function storesAt(clock: () => Date) {
  return openStoresWithLists(db.client(), { tableName: db.store().tableName, now: clock });
}

describe('the pause switch', () => {
  it('pauses once, keeps the first pause, resumes once, and says when there was nothing to resume', async () => {
    let now = T0;
    const { control } = storesAt(() => now);
    expect(await control.paused()).toBeUndefined();
    expect(await control.resume('ops')).toEqual({ resumed: false });

    expect(await control.pause('alice', 'provider outage')).toEqual({
      paused: true,
      pause: { by: 'alice', at: '2026-11-24T15:00:00.000Z', reason: 'provider outage' },
    });
    now = at(5);
    expect(await control.pause('bob')).toEqual({
      paused: false,
      pause: { by: 'alice', at: '2026-11-24T15:00:00.000Z', reason: 'provider outage' },
    });
    expect(await control.paused()).toEqual({ by: 'alice', at: '2026-11-24T15:00:00.000Z', reason: 'provider outage' });

    now = at(30);
    expect(await control.resume('bob')).toEqual({
      resumed: true,
      was: { by: 'alice', at: '2026-11-24T15:00:00.000Z', reason: 'provider outage' },
    });
    expect(await control.paused()).toBeUndefined();
    expect(await control.resume('bob')).toEqual({ resumed: false });
    const { Item } = await db
      .client()
      .send(new GetCommand({ TableName: db.store().tableName, Key: KEYS.pause(), ConsistentRead: true }));
    expect(Item).toMatchObject({ active: false, resumedBy: 'bob', resumedAt: '2026-11-24T15:30:00.000Z' });

    // Paused again after a resume: a new pause, without a reason.
    now = at(40);
    expect(await control.pause('carol')).toEqual({
      paused: true,
      pause: { by: 'carol', at: '2026-11-24T15:40:00.000Z' },
    });
    expect(await control.paused()).toEqual({ by: 'carol', at: '2026-11-24T15:40:00.000Z' });
    await control.resume('carol');
  });

  it('lets exactly one of two concurrent pauses through', async () => {
    const { control } = storesAt(() => T0);
    const outcomes = await Promise.all([control.pause('one'), control.pause('two')]);
    expect(outcomes.filter((o) => o.paused)).toHaveLength(1);
    const winner = outcomes.find((o) => o.paused)?.pause.by;
    expect(outcomes.map((o) => o.pause.by)).toEqual([winner, winner]);
    const resumes = await Promise.all([control.resume('x'), control.resume('y')]);
    expect(resumes.filter((r) => r.resumed)).toHaveLength(1);
  });
});

describe('/symbol lookup claims', () => {
  it("grants a member one lookup a minute (its own interaction again), counted in the server's 10", async () => {
    const { control } = storesAt(() => T0);
    expect(await control.claimLookup('lg', 'alice', 'i1', T0)).toEqual({ granted: true });
    // The deferred follow-up of the same interaction, counted once.
    expect(await control.claimLookup('lg', 'alice', 'i1', at(0.1))).toEqual({ granted: true });
    expect(await control.claimLookup('lg', 'alice', 'i2', at(0.5))).toEqual({
      granted: false,
      by: 'member',
      retryAt: '2026-11-24T15:01:00.000Z',
    });
    expect(await control.claimLookup('lg', 'alice', 'i3', at(1))).toEqual({ granted: true });
    const { Item: window } = await db
      .client()
      .send(new GetCommand({ TableName: db.store().tableName, Key: KEYS.lookups('lg') }));
    // alice's first lookup opened the window, her third the next one.
    expect(window).toMatchObject({ windowStart: '2026-11-24T15:01:00.000Z', lookups: 1 });

    const members = await Promise.all(
      Array.from({ length: 12 }, (_, i) => control.claimLookup('busy', `m${i}`, `busy-${i}`, T0)),
    );
    expect(members.filter((c) => c.granted)).toHaveLength(10);
    expect(members.filter((c) => !c.granted)).toEqual([
      { granted: false, by: 'server', retryAt: '2026-11-24T15:01:00.000Z' },
      { granted: false, by: 'server', retryAt: '2026-11-24T15:01:00.000Z' },
    ]);
    expect(await control.claimLookup('busy', 'm12', 'busy-12', at(1))).toEqual({ granted: true });
  });
});

describe('/scan-now claims', () => {
  it('starts one run per server within the cooldown; the same interaction again is the same run', async () => {
    const { control } = storesAt(() => T0);
    expect(await control.claimScanNow('g1', 'i1', 'run-a', T0)).toEqual({
      started: true,
      runId: 'run-a',
      claimedAt: '2026-11-24T15:00:00.000Z',
    });
    // The deferred follow-up of the same interaction.
    expect(await control.claimScanNow('g1', 'i1', 'run-a', at(0.05))).toEqual({
      started: true,
      runId: 'run-a',
      claimedAt: '2026-11-24T15:00:00.000Z',
    });
    // Another click in the same server, 9 min 59 s later: the first run.
    expect(await control.claimScanNow('g1', 'i2', 'run-b', new Date(at(10).getTime() - 1000))).toEqual({
      started: false,
      runId: 'run-a',
      claimedAt: '2026-11-24T15:00:00.000Z',
    });
    // Another server is not held back.
    expect(await control.claimScanNow('g2', 'i3', 'run-c', at(1))).toMatchObject({ started: true, runId: 'run-c' });
    // 10 minutes on: a new run.
    expect(await control.claimScanNow('g1', 'i4', 'run-d', at(10))).toEqual({
      started: true,
      runId: 'run-d',
      claimedAt: '2026-11-24T15:10:00.000Z',
    });
    // A shorter cooldown, when configured.
    expect(await control.claimScanNow('g1', 'i5', 'run-e', at(12), 60_000)).toMatchObject({
      started: true,
      runId: 'run-e',
    });
  });

  it('of eight concurrent clicks in one server, starts exactly one', async () => {
    const { control } = storesAt(() => T0);
    const claims = await Promise.all(
      Array.from({ length: 8 }, (_, i) => control.claimScanNow('race', `click-${i}`, `run-${i}`, T0)),
    );
    const started = claims.filter((c) => c.started);
    expect(started).toHaveLength(1);
    expect(new Set(claims.map((c) => c.runId))).toEqual(new Set([started[0].runId]));
  });
});

describe('notices', () => {
  it('opens a cause once until it is resolved, then again', async () => {
    const { control } = storesAt(() => T0);
    expect(await control.openNotices()).toEqual([]);
    expect(await control.resolveNotice('schwab-token', T0)).toBe(false);
    expect(await control.raiseNotice('schwab-token', 'Schwab refused the refresh token', T0)).toBe(true);
    expect(await control.raiseNotice('schwab-token', 'Schwab refused the refresh token again', at(15))).toBe(false);
    expect(await control.raiseNotice('run-failed', 'run 20261124T143000Z-full failed', at(16))).toBe(true);
    expect(await control.openNotices()).toEqual([
      { cause: 'run-failed', text: 'run 20261124T143000Z-full failed', raisedAt: '2026-11-24T15:16:00.000Z' },
      { cause: 'schwab-token', text: 'Schwab refused the refresh token', raisedAt: '2026-11-24T15:00:00.000Z' },
    ]);
    expect(await control.resolveNotice('schwab-token', at(60))).toBe(true);
    expect(await control.resolveNotice('schwab-token', at(61))).toBe(false);
    expect((await control.openNotices()).map((n) => n.cause)).toEqual(['run-failed']);
    expect(await control.raiseNotice('schwab-token', 'refused once more', at(120))).toBe(true);
    expect(await control.openNotices()).toContainEqual({
      cause: 'schwab-token',
      text: 'refused once more',
      raisedAt: '2026-11-24T17:00:00.000Z',
    });
  });

  it('of concurrent raises of one cause, exactly one opens it', async () => {
    const { control } = storesAt(() => T0);
    const raised = await Promise.all(
      Array.from({ length: 6 }, (_, i) => control.raiseNotice('concurrent', `attempt ${i}`, T0)),
    );
    expect(raised.filter(Boolean)).toHaveLength(1);
    const resolved = await Promise.all([
      control.resolveNotice('concurrent', at(1)),
      control.resolveNotice('concurrent', at(1)),
    ]);
    expect(resolved.filter(Boolean)).toHaveLength(1);
  });
});

describe('token status', () => {
  it('keeps the last check of the refresh token', async () => {
    const { control } = storesAt(() => T0);
    expect(await control.tokenStatus()).toBeUndefined();
    await control.recordTokenStatus({
      provider: 'schwab',
      issuedAt: '2026-11-20T09:00:00.000Z',
      source: 'secret',
      checkedAt: '2026-11-24T15:00:00.000Z',
    });
    await control.recordTokenStatus({
      provider: 'schwab',
      issuedAt: '2026-11-21T09:00:00.000Z',
      source: 'version',
      checkedAt: '2026-11-24T15:15:00.000Z',
    });
    expect(await control.tokenStatus()).toEqual({
      provider: 'schwab',
      issuedAt: '2026-11-21T09:00:00.000Z',
      source: 'version',
      checkedAt: '2026-11-24T15:15:00.000Z',
    });
  });
});
