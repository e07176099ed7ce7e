import { describe, expect, it } from 'vitest';
import { nextCronTime } from '../../../functions/core/market/cron-next.js';
import { DEFAULT_SCHEDULES } from '../../../functions/core/market/schedules.js';
import { isoDay } from '../../../functions/core/market/trading-day.js';
import { newYorkDayOfMs, newYorkMinutes } from '../../../functions/core/market/market-clock.js';
import type { RunPurpose } from '../../../functions/core/run/dispatch-plan.js';
import { deriveRunId } from '../../../functions/core/run/run-id.js';
import { initialRunRecord, type RunRecord } from '../../../functions/core/run/run-record.js';
import {
  closedAsOf,
  watchdogRunsSince,
  watchdogVerdict,
  type WatchdogInput,
} from '../../../functions/core/run/watchdog.js';

const NY = 'America/New_York';
const MINUTE = 60_000;
const DELAY = 16 * MINUTE; // Alpaca's SIP
const SCHEDULES: WatchdogInput['schedules'] = [
  { cron: DEFAULT_SCHEDULES.marketHours, purpose: 'market-hours' },
  { cron: DEFAULT_SCHEDULES.afterClose, purpose: 'after-close' },
  { cron: DEFAULT_SCHEDULES.refetch, purpose: 'refetch' },
];
const PURPOSE_OF: Record<string, RunPurpose> = {
  [DEFAULT_SCHEDULES.marketHours]: 'market-hours',
  [DEFAULT_SCHEDULES.afterClose]: 'after-close',
  [DEFAULT_SCHEDULES.refetch]: 'refetch',
};

interface RunSpec {
  readonly scheduledAt: string;
  readonly status?: RunRecord['status'];
  readonly kind?: RunRecord['kind'];
  readonly purpose?: RunPurpose;
  /** Defaults to the scheduled time plus 2 s. */
  readonly startedAt?: string;
  readonly barDates?: string[];
  readonly deadlineAt?: string;
  readonly skippedReason?: string;
  readonly endReason?: string;
  readonly batchesDone?: number;
  readonly watchlist?: string;
  readonly now?: string;
  readonly asOf?: string;
}

function run(spec: RunSpec): RunRecord {
  const scheduledMs = Date.parse(spec.scheduledAt);
  const startedAt = spec.startedAt ?? new Date(scheduledMs + 2_000).toISOString();
  const status = spec.status ?? 'complete';
  const base = initialRunRecord(
    {
      runId: deriveRunId(new Date(scheduledMs), spec.watchlist ?? 'full'),
      watchlist: spec.watchlist ?? 'full',
      kind: spec.kind ?? 'scheduled',
      purpose: spec.purpose,
      session: isoDay(newYorkDayOfMs(scheduledMs)),
      scheduledAt: new Date(scheduledMs).toISOString(),
      startedAt,
      sessionDate: isoDay(newYorkDayOfMs(scheduledMs)),
      symbols: ['AAPL'],
      scanners: ['macd'],
      batchSize: 50,
      batchesExpected: 5,
      deadlineAt: spec.deadlineAt ?? new Date(Date.parse(startedAt) + 15 * MINUTE).toISOString(),
      ...(spec.skippedReason && { skippedReason: spec.skippedReason }),
      ...(spec.now && { now: spec.now }),
      ...(spec.asOf && { asOf: spec.asOf }),
    },
    0,
  );
  return {
    ...base,
    status,
    batchesDone: spec.batchesDone ?? (status === 'complete' ? 5 : 0),
    barDates: spec.barDates ?? (status === 'skipped' ? [] : [isoDay(newYorkDayOfMs(Date.parse(startedAt)))]),
    ...(spec.endReason && { endReason: spec.endReason }),
  };
}

/**
 * The runs a healthy deployment has at `nowIso`: every firing from `fromIso` on, each started
 * 2 s after its time and complete 3 minutes later (running until then), its bars dated the
 * New York day it ran; holidays' firings skipped as dispatch records them.
 */
function healthyRuns(fromIso: string, nowIso: string, skip: (purpose: RunPurpose, at: Date) => boolean = () => false) {
  const nowMs = Date.parse(nowIso);
  const runs: RunRecord[] = [];
  for (const cron of Object.values(DEFAULT_SCHEDULES)) {
    for (let t = nextCronTime(cron, NY, new Date(Date.parse(fromIso) - 1)); t && t.getTime() <= nowMs;) {
      const purpose = PURPOSE_OF[cron];
      if (!skip(purpose, t)) {
        const holiday = HOLIDAYS[isoDay(newYorkDayOfMs(t.getTime()))];
        const done = t.getTime() + 3 * MINUTE <= nowMs;
        runs.push(
          holiday
            ? run({ scheduledAt: t.toISOString(), purpose, status: 'skipped', skippedReason: holiday })
            : run({ scheduledAt: t.toISOString(), purpose, status: done ? 'complete' : 'running' }),
        );
      }
      t = nextCronTime(cron, NY, t);
    }
  }
  return runs.sort((a, b) => b.scheduledAt.localeCompare(a.scheduledAt));
}
/** The timeline's runs as the store holds them at `t`: those not started yet absent, those not done running. */
function asSeenAt(timeline: readonly RunRecord[], t: number): RunRecord[] {
  return timeline
    .filter((r) => Date.parse(r.startedAt) <= t)
    .map((r) =>
      r.status === 'complete' && Date.parse(r.scheduledAt) + 3 * MINUTE > t
        ? { ...r, status: 'running', batchesDone: 0, barDates: [] }
        : r,
    );
}
const HOLIDAYS: Record<string, string> = { '2026-11-26': 'unchanged: NYSE closed (Thanksgiving Day)' };

function verdict(nowIso: string, runs: readonly RunRecord[], overrides: Partial<WatchdogInput> = {}) {
  return watchdogVerdict({
    now: new Date(nowIso),
    schedules: SCHEDULES,
    timeZone: NY,
    enabled: true,
    paused: false,
    runs,
    providerDelayMs: DELAY,
    fixedHistory: false,
    ...overrides,
  });
}

// November 2026 is standard time: New York = UTC−5. Tue 11-24 is a normal session day.
const TUE_EVENING = '2026-11-24T22:30:00Z'; // 17:30 EST
const TUE_AFTER_CLOSE = '2026-11-24T21:45:00Z'; // 16:45 EST

describe('watchdog: a normal session day', () => {
  it('a Tuesday evening with the after-close run complete: 0/0, and says which firing it judged', () => {
    const v = verdict(TUE_EVENING, healthyRuns('2026-11-23T00:00:00Z', TUE_EVENING));
    expect(v).toEqual({
      fullRunOverdue: 0,
      resultsStale: 0,
      reasons: [
        'full run overdue: no, the after-close run due 2026-11-24T16:45-05:00 ended complete',
        "results stale: no, the newest complete or partial run, 20261124T214500Z-full, covers the closed session 2026-11-24 (as-of 2026-11-24); session 2026-11-24 was due by its after-close run's deadline 2026-11-24T17:00-05:00",
      ],
    });
  });

  it('the after-close run missing: overdue and stale from its deadline', () => {
    const runs = healthyRuns(
      '2026-11-23T00:00:00Z',
      TUE_EVENING,
      (p, t) => p === 'after-close' && t.getTime() === Date.parse(TUE_AFTER_CLOSE),
    );
    const v = verdict(TUE_EVENING, runs);
    expect(v.fullRunOverdue).toBe(1);
    expect(v.resultsStale).toBe(1);
    expect(v.reasons[0]).toBe(
      'full run overdue: the after-close run due 2026-11-24T16:45-05:00 has not completed (deadline 17:00): no run was recorded',
    );
    // The 15:30 run completed, with bars dated today, but they were still trading: it covers Monday.
    expect(v.reasons[1]).toBe(
      "results stale: the newest complete or partial run, 20261124T203000Z-full, covers the closed session 2026-11-23 (as-of 2026-11-24); session 2026-11-24 was due by its after-close run's deadline 2026-11-24T17:00-05:00",
    );
    // Before its deadline (16:59) the missing run is not yet anyone's business; at 17:00:00.001 it is.
    expect(verdict('2026-11-24T21:59:00Z', runs)).toMatchObject({ fullRunOverdue: 0, resultsStale: 0 });
    expect(verdict('2026-11-24T22:00:00Z', runs)).toMatchObject({ fullRunOverdue: 0, resultsStale: 0 });
    expect(verdict('2026-11-24T22:00:00.001Z', runs)).toMatchObject({ fullRunOverdue: 1, resultsStale: 1 });
    // The 20:00 re-fetch completing answers both: the newest firing is answered, and it covers Tuesday.
    const later = healthyRuns(
      '2026-11-23T00:00:00Z',
      '2026-11-25T01:30:00Z',
      (p, t) => p === 'after-close' && t.getTime() === Date.parse(TUE_AFTER_CLOSE),
    );
    expect(verdict('2026-11-25T01:30:00Z', later)).toMatchObject({ fullRunOverdue: 0, resultsStale: 0 });
  });

  it('never flaps on a healthy day: 0/0 from Monday 15:00 to Wednesday 11:00, every minute around the close and the deadlines', () => {
    const end = Date.parse('2026-11-25T16:00:00Z');
    const timeline = healthyRuns('2026-11-20T00:00:00Z', new Date(end).toISOString());
    expect(timeline.filter((r) => r.sessionDate === '2026-11-24')).toHaveLength(9); // 7 + after-close + re-fetch
    // Every minute around the close, the after-close deadline and the re-fetch; every 10 elsewhere.
    const busy = (t: number) => {
      const m = newYorkMinutes(t);
      return (m >= 15 * 60 + 30 && m <= 17 * 60 + 30) || (m >= 19 * 60 + 45 && m <= 20 * 60 + 30);
    };
    for (let t = Date.parse('2026-11-23T20:00:00Z'); t <= end; t += busy(t) ? MINUTE : 10 * MINUTE) {
      const nowIso = new Date(t).toISOString();
      const v = verdict(nowIso, asSeenAt(timeline, t));
      expect([v.fullRunOverdue, v.resultsStale], `${nowIso}: ${v.reasons.join(' | ')}`).toEqual([0, 0]);
    }
  });

  it('a run still running past its deadline is overdue; within its own longer deadline it is not', () => {
    const base = healthyRuns(
      '2026-11-23T00:00:00Z',
      TUE_EVENING,
      (p, t) => p === 'after-close' && t.getTime() === Date.parse(TUE_AFTER_CLOSE),
    );
    const late = run({
      scheduledAt: TUE_AFTER_CLOSE,
      purpose: 'after-close',
      status: 'running',
      batchesDone: 2,
      deadlineAt: '2026-11-24T22:00:02Z',
    });
    const v = verdict(TUE_EVENING, [late, ...base]);
    expect(v.fullRunOverdue).toBe(1);
    expect(v.reasons[0]).toBe(
      'full run overdue: the after-close run due 2026-11-24T16:45-05:00 has not completed (deadline 17:00): 20261124T214500Z-full is still running, 2 of 5 batches done',
    );
    // A big run whose own deadline is 17:45: at 17:30 its firing is not judged yet, so the 15:30 one is;
    // and the requirement stays Monday's session until then.
    const slow = { ...late, deadlineAt: '2026-11-24T22:45:00Z' };
    const w = verdict(TUE_EVENING, [slow, ...base]);
    expect(w).toMatchObject({ fullRunOverdue: 0, resultsStale: 0 });
    expect(w.reasons[0]).toBe('full run overdue: no, the market-hours run due 2026-11-24T15:30-05:00 ended complete');
    expect(verdict('2026-11-24T22:46:00Z', [slow, ...base])).toMatchObject({ fullRunOverdue: 1, resultsStale: 1 });
  });

  it('a failed run is overdue and says why; a partial one is an answer', () => {
    const base = healthyRuns(
      '2026-11-23T00:00:00Z',
      TUE_EVENING,
      (p, t) => p === 'after-close' && t.getTime() === Date.parse(TUE_AFTER_CLOSE),
    );
    const failed = run({
      scheduledAt: TUE_AFTER_CLOSE,
      status: 'failed',
      endReason: 'dispatch failed: watchlist "full" has no symbols',
    });
    expect(verdict(TUE_EVENING, [failed, ...base])).toEqual({
      fullRunOverdue: 1,
      resultsStale: 1,
      reasons: [
        'full run overdue: the after-close run due 2026-11-24T16:45-05:00 failed (deadline 17:00): dispatch failed: watchlist "full" has no symbols',
        expect.stringMatching(/^results stale: .*20261124T203000Z-full, covers the closed session 2026-11-23/),
      ],
    });
    const partial = run({ scheduledAt: TUE_AFTER_CLOSE, status: 'partial', batchesDone: 4 });
    expect(verdict(TUE_EVENING, [partial, ...base])).toMatchObject({ fullRunOverdue: 0, resultsStale: 0 });
  });

  it('every watchlist of a firing must answer; a manual run answers staleness but not the schedule', () => {
    const base = healthyRuns('2026-11-23T00:00:00Z', TUE_EVENING);
    const other = run({
      scheduledAt: TUE_AFTER_CLOSE,
      watchlist: 'etfs',
      status: 'running',
      deadlineAt: '2026-11-24T22:00:02Z',
    });
    expect(verdict(TUE_EVENING, [other, ...base]).fullRunOverdue).toBe(1);
    const withoutAfterClose = base.filter((r) => r.scheduledAt !== new Date(TUE_AFTER_CLOSE).toISOString());
    const manual = run({ scheduledAt: '2026-11-24T21:50:13Z', kind: 'manual' });
    expect(verdict(TUE_EVENING, [manual, ...withoutAfterClose])).toMatchObject({ fullRunOverdue: 1, resultsStale: 0 });
  });

  it('no complete run at all is stale, and says how many runs it looked at', () => {
    const v = verdict(TUE_EVENING, []);
    expect(v).toMatchObject({ fullRunOverdue: 1, resultsStale: 1 });
    expect(v.reasons[1]).toBe(
      "results stale: no complete or partial run among the 0 looked at; session 2026-11-24 was due by its after-close run's deadline 2026-11-24T17:00-05:00",
    );
  });
});

describe('watchdog: holidays, early closes and weekends', () => {
  // Thu 2026-11-26 is Thanksgiving; Fri 11-27 closes at 13:00.
  it('Thanksgiving with every firing recorded skipped: 0/0 (Wednesday is the session required)', () => {
    const now = '2026-11-27T02:00:00Z'; // Thu 21:00 EST
    const v = verdict(now, healthyRuns('2026-11-24T00:00:00Z', now));
    expect(v).toMatchObject({ fullRunOverdue: 0, resultsStale: 0 });
    expect(v.reasons[0]).toBe(
      'full run overdue: no, the refetch run due 2026-11-26T20:00-05:00 skipped (unchanged: NYSE closed (Thanksgiving Day))',
    );
    expect(v.reasons[1]).toContain('covers the closed session 2026-11-25');
    expect(v.reasons[1]).toContain('session 2026-11-25 was due');
  });

  it('Thanksgiving without any run record is overdue: dispatch never ran', () => {
    const now = '2026-11-26T15:00:00Z'; // Thu 10:00 EST
    const runs = healthyRuns('2026-11-24T00:00:00Z', now).filter((r) => r.sessionDate !== '2026-11-26');
    const v = verdict(now, runs);
    expect(v).toMatchObject({ fullRunOverdue: 1, resultsStale: 0 });
    expect(v.reasons[0]).toBe(
      'full run overdue: the market-hours run due 2026-11-26T09:30-05:00 has not completed (deadline 09:45): no run was recorded',
    );
  });

  it('the Friday after Thanksgiving (13:00 close) with the 16:45 after-close run complete: 0/0', () => {
    const now = '2026-11-27T22:30:00Z'; // Fri 17:30 EST
    const runs = healthyRuns('2026-11-24T00:00:00Z', now);
    const v = verdict(now, runs);
    expect(v).toMatchObject({ fullRunOverdue: 0, resultsStale: 0 });
    expect(v.reasons[0]).toBe('full run overdue: no, the after-close run due 2026-11-27T16:45-05:00 ended complete');
    expect(v.reasons[1]).toContain('covers the closed session 2026-11-27');
    // The 13:30–15:30 runs started after the 13:00 close (+16 min): they already cover Friday,
    // so the afternoon is fresh even before the after-close run.
    const afternoon = '2026-11-27T21:30:00Z'; // 16:30
    expect(verdict(afternoon, healthyRuns('2026-11-24T00:00:00Z', afternoon)).reasons[1]).toContain(
      'covers the closed session 2026-11-27',
    );
    // Without the after-close run but with the 15:30 run (after the close): overdue, not stale.
    const missing = runs.filter((r) => r.purpose !== 'after-close' || r.sessionDate !== '2026-11-27');
    expect(verdict(now, missing)).toMatchObject({ fullRunOverdue: 1, resultsStale: 0 });
  });

  it('a weekend with Friday complete: 0/0 on Saturday, Sunday and Monday before the open', () => {
    const runs = healthyRuns('2026-11-24T00:00:00Z', '2026-11-28T02:00:00Z');
    const saturday = verdict('2026-11-28T17:00:00Z', runs);
    expect(saturday).toMatchObject({ fullRunOverdue: 0, resultsStale: 0 });
    expect(saturday.reasons[0]).toBe('full run overdue: no, the refetch run due 2026-11-27T20:00-05:00 ended complete');
    const sunday = verdict('2026-11-29T17:00:00Z', runs);
    expect(sunday).toMatchObject({ fullRunOverdue: 0, resultsStale: 0 });
    expect(sunday.reasons[0]).toBe(
      'full run overdue: no, no scheduled firing of the last 24 h has reached its deadline',
    );
    expect(verdict('2026-11-30T14:15:00Z', runs)).toMatchObject({ fullRunOverdue: 0, resultsStale: 0 }); // Mon 09:15
  });

  it('a weekend after a Friday whose evening runs never came stays stale until a run covers Friday', () => {
    const runs = healthyRuns('2026-11-24T00:00:00Z', '2026-11-28T02:00:00Z').filter(
      (r) => !(r.sessionDate === '2026-11-27' && r.purpose !== 'market-hours'),
    );
    // The 15:30 run started after the early close: it does cover Friday. Drop the afternoon runs too.
    const morningOnly = runs.filter(
      (r) => r.sessionDate !== '2026-11-27' || Date.parse(r.scheduledAt) < Date.parse('2026-11-27T18:00:00Z'),
    );
    expect(verdict('2026-11-28T17:00:00Z', morningOnly)).toMatchObject({ fullRunOverdue: 1, resultsStale: 1 });
    expect(verdict('2026-11-29T17:00:00Z', morningOnly)).toMatchObject({ fullRunOverdue: 0, resultsStale: 1 });
  });
});

describe('watchdog: switches and providers', () => {
  it('paused: 0/0 whatever the runs, and says so', () => {
    expect(verdict(TUE_EVENING, [], { paused: true })).toEqual({
      fullRunOverdue: 0,
      resultsStale: 0,
      reasons: [
        'full run overdue: no, the schedules are paused (/resume or `scanfleet resume` restarts them): no run is due',
        'results stale: not judged, the schedules are paused (/resume or `scanfleet resume` restarts them)',
      ],
    });
  });

  it('disabled: 0/0 whatever the runs, and says so', () => {
    const v = verdict(TUE_EVENING, [], { enabled: false });
    expect(v).toMatchObject({ fullRunOverdue: 0, resultsStale: 0 });
    expect(v.reasons[0]).toContain('the schedules are disabled (config schedules.enabled is false)');
  });

  it('a paused firing recorded skipped is an answer once resumed', () => {
    const runs = healthyRuns('2026-11-23T00:00:00Z', TUE_EVENING).map((r) =>
      r.scheduledAt === new Date(TUE_AFTER_CLOSE).toISOString()
        ? run({ scheduledAt: TUE_AFTER_CLOSE, status: 'skipped', skippedReason: 'skipped: paused' })
        : r,
    );
    const v = verdict(TUE_EVENING, runs);
    expect(v.fullRunOverdue).toBe(0);
    expect(v.reasons[0]).toBe(
      'full run overdue: no, the after-close run due 2026-11-24T16:45-05:00 skipped (skipped: paused)',
    );
    // Its results did not happen, though: stale until a run covers Tuesday.
    expect(v.resultsStale).toBe(1);
  });

  it('csv fixed history is never stale, even with old bars or no run; overdue is still judged', () => {
    const old = healthyRuns('2026-11-23T00:00:00Z', TUE_EVENING).map((r) => ({ ...r, barDates: ['2024-01-19'] }));
    expect(verdict(TUE_EVENING, old, { fixedHistory: true, providerDelayMs: 0 })).toEqual({
      fullRunOverdue: 0,
      resultsStale: 0,
      reasons: [
        'full run overdue: no, the after-close run due 2026-11-24T16:45-05:00 ended complete',
        'results stale: no, the provider serves fixed history (never stale)',
      ],
    });
    expect(verdict(TUE_EVENING, old).resultsStale).toBe(1); // the same runs from a live provider
    expect(verdict(TUE_EVENING, [], { fixedHistory: true })).toMatchObject({ fullRunOverdue: 1, resultsStale: 0 });
  });
});

describe('watchdog: daylight saving', () => {
  // Sunday 2026-11-01 New York falls back to UTC−5; Friday 10-30 was still UTC−4.
  it('judges the Monday after the switch at standard-time firings', () => {
    const now = '2026-11-02T22:30:00Z'; // Mon 17:30 EST
    const runs = healthyRuns('2026-10-29T00:00:00Z', now);
    expect(runs.map((r) => r.scheduledAt)).toContain('2026-11-02T21:45:00.000Z'); // 16:45 EST
    expect(runs.map((r) => r.scheduledAt)).toContain('2026-10-30T20:45:00.000Z'); // 16:45 EDT
    const v = verdict(now, runs);
    expect(v).toMatchObject({ fullRunOverdue: 0, resultsStale: 0 });
    expect(v.reasons[0]).toBe('full run overdue: no, the after-close run due 2026-11-02T16:45-05:00 ended complete');
    // A run recorded at the daylight-time instant (20:45 UTC, 15:45 EST) does not answer the firing.
    const wrong = runs.map((r) =>
      r.scheduledAt === '2026-11-02T21:45:00.000Z'
        ? run({ scheduledAt: '2026-11-02T20:45:00Z', purpose: 'after-close' })
        : r,
    );
    expect(verdict(now, wrong).fullRunOverdue).toBe(1);
    // Monday 10:00 EST judges the 09:30 EST firing (14:30 UTC).
    expect(verdict('2026-11-02T15:00:00Z', runs).reasons[0]).toBe(
      'full run overdue: no, the market-hours run due 2026-11-02T09:30-05:00 ended complete',
    );
    // Saturday 10-31 judges Friday's 20:00 EDT re-fetch.
    expect(verdict('2026-10-31T16:00:00Z', runs).reasons[0]).toBe(
      'full run overdue: no, the refetch run due 2026-10-30T20:00-04:00 ended complete',
    );
  });
});

describe('closed as-of and the runs to list', () => {
  it('caps a run as-of by the last session closed when it ran', () => {
    const d = (iso: string) => isoDay(closedAsOf(run({ scheduledAt: iso }), DELAY)!);
    expect(d('2026-11-24T20:30:00Z')).toBe('2026-11-23'); // 15:30: the bar is trading
    expect(d('2026-11-24T21:15:00Z')).toBe('2026-11-23'); // 16:15: closed, but not 16 minutes ago
    expect(d('2026-11-24T21:17:00Z')).toBe('2026-11-24'); // 16:17
    // An explicit instant (a replay) stands for its run; an as-of day is capped by it.
    expect(
      isoDay(
        closedAsOf(
          run({ scheduledAt: '2026-11-24T21:45:00Z', now: '2026-11-20T15:00:00Z', barDates: ['2026-11-20'] }),
          DELAY,
        )!,
      ),
    ).toBe('2026-11-19');
    expect(isoDay(closedAsOf(run({ scheduledAt: '2026-11-24T21:45:00Z', asOf: '2026-11-20' }), DELAY)!)).toBe(
      '2026-11-20',
    );
    expect(closedAsOf(run({ scheduledAt: '2026-11-24T21:45:00Z', barDates: [] }), DELAY)).toBeNull();
  });

  it('reaches back over the last 24 h and to the close before the last closed session', () => {
    // Tuesday 17:30: 25 h back is Monday 16:30, the close before Tuesday's is Monday 16:00.
    expect(watchdogRunsSince(new Date(TUE_EVENING), DELAY).toISOString()).toBe('2026-11-23T21:00:00.000Z');
    // Monday 09:15 after Thanksgiving week: the last closed session is Friday (13:00); the one before, Wednesday.
    expect(watchdogRunsSince(new Date('2026-11-30T14:15:00Z'), DELAY).toISOString()).toBe('2026-11-25T21:00:00.000Z');
  });
});
