import { nextCronTime, previousCronTime } from '../market/cron-next.js';
import { wallClock } from '../market/wall-clock.js';
import {
  isSessionDay,
  lastClosedSession,
  newYorkDayOfMs,
  previousSessionDay,
  referenceInstant,
  sessionOn,
} from '../market/market-clock.js';
import { type EpochDay, isoDay, parseIsoDay } from '../market/trading-day.js';
import type { RunPurpose } from './dispatch-plan.js';
import { type RunRecord, runAsOf } from './run-record.js';

/**
 * The watchdog's verdicts, which the sweeper emits every 15 minutes as two metrics (0 or 1) for
 * CloudWatch alarms: alarms know no market hours or holidays, so the market clock decides here.
 *
 * **FullRunOverdue** looks at the newest scheduled firing T (of any schedule, in the last 24 h)
 * whose deadline has passed: T + 15 minutes, or the run's own `deadlineAt` when later. It is 1
 * when no run scheduled at T answered it: a run that ended `complete` or `partial`, or was
 * `skipped` (a holiday, a pause, a previous run still running: dispatch ran and decided). A run
 * still `running` past its deadline, a `failed` run and no run at all (dispatch never ran) are
 * overdue. A later firing whose deadline has not passed yet does not hide it; one whose deadline
 * has passed does (the metric says how things stand now, the reasons say which firing).
 *
 * **ResultsStale** asks whether the results people see (the newest `complete` or `partial` run
 * by scheduled time, as the dashboard and /api pick it) cover the session they should. The rule:
 *
 *   the session required at an instant is the newest session day D whose after-close firing
 *   (the after-close schedule's first firing at or after D's close) has passed its deadline,
 *   capped by the last closed session at the instant (its close plus the provider's delay);
 *   results are stale when the run's closed as-of is older than D.
 *
 * A run's *closed as-of* is its as-of date (`runAsOf`) capped by the last session whose bar was
 * final when it ran, by the reference rule (`referenceInstant`: its explicit instant, else its
 * start; the provider's delay counted). A market-hours run at 15:30 has bars dated today, but
 * they were still trading: it covers yesterday's closed session, not today's.
 *
 * So on a session day the requirement moves from the previous session to today exactly at
 * today's after-close deadline (17:00 with the default 16:45 schedule), never at the close:
 * between 16:00 and 17:00 the 15:30 run (closed as-of yesterday) is enough, and after 17:00 only
 * a run that started after today's close (the after-close run, the 20:00 re-fetch, a manual run)
 * is — so an evening without its after-close run is stale, however many market-hours runs
 * completed. Weekends and holidays keep the last session day's requirement: a Friday whose
 * after-close run never came stays stale until a run covers Friday. On an early close (13:00) the
 * 16:45 after-close run covers the day like any other. A deployment on fixed history (the csv
 * provider) is never stale: its data is its own "today".
 *
 * Both are 0 while the schedules are disabled or paused: nothing is due (the reasons say so).
 * The runs passed in must reach back to `watchdogRunsSince(now)`. Pure: the instant is given.
 */

export interface WatchdogSchedule {
  readonly cron: string;
  readonly purpose: RunPurpose;
}

export interface WatchdogInput {
  readonly now: Date;
  readonly schedules: readonly WatchdogSchedule[];
  /** The schedules' time zone (America/New_York). */
  readonly timeZone: string;
  /** Config `schedules.enabled`. */
  readonly enabled: boolean;
  /** The runtime pause flag. */
  readonly paused: boolean;
  /** Runs scheduled since `watchdogRunsSince(now)`, any order, any kind. */
  readonly runs: readonly RunRecord[];
  readonly providerDelayMs: number;
  /** A provider of fixed history (csv): its results are never stale. */
  readonly fixedHistory: boolean;
  /** The least time a firing has to produce its run (15 minutes). */
  readonly minDeadlineMs?: number;
}

export interface WatchdogVerdict {
  readonly fullRunOverdue: 0 | 1;
  readonly resultsStale: 0 | 1;
  /** One line per metric at least: why it is 0 or 1, for the logs and the operator. */
  readonly reasons: string[];
}

export const WATCHDOG_MIN_DEADLINE_MS = 15 * 60_000;
/** Firings older than this are history, not the watchdog's business. */
export const WATCHDOG_WINDOW_MS = 24 * 3_600_000;

const ANSWERED: readonly RunRecord['status'][] = ['complete', 'partial', 'skipped'];
const RESULT_STATUSES: readonly RunRecord['status'][] = ['complete', 'partial'];

export function watchdogVerdict(input: WatchdogInput): WatchdogVerdict {
  const minDeadlineMs = input.minDeadlineMs ?? WATCHDOG_MIN_DEADLINE_MS;
  if (!input.enabled || input.paused) {
    const why = !input.enabled
      ? 'the schedules are disabled (config schedules.enabled is false)'
      : 'the schedules are paused (/resume or `scanfleet resume` restarts them)';
    return {
      fullRunOverdue: 0,
      resultsStale: 0,
      reasons: [`full run overdue: no, ${why}: no run is due`, `results stale: not judged, ${why}`],
    };
  }
  const overdue = judgeOverdue(input, minDeadlineMs);
  const stale = judgeStale(input, minDeadlineMs);
  return {
    fullRunOverdue: overdue.verdict,
    resultsStale: stale.verdict,
    reasons: [overdue.reason, stale.reason],
  };
}

/**
 * From when the sweeper must list runs (by scheduled time) for the watchdog to see what it
 * needs: the last 24 h of firings, and far enough back to find a run covering the session
 * before the last closed one (Monday morning looks back to Thursday's close).
 */
export function watchdogRunsSince(now: Date, providerDelayMs: number): Date {
  const lastClosed = lastClosedSession(now.getTime(), providerDelayMs);
  const before = sessionOn(previousSessionDay(lastClosed))!;
  return new Date(Math.min(now.getTime() - WATCHDOG_WINDOW_MS - 3_600_000, before.closeMs));
}

interface Judgement {
  readonly verdict: 0 | 1;
  readonly reason: string;
}

function judgeOverdue(input: WatchdogInput, minDeadlineMs: number): Judgement {
  const nowMs = input.now.getTime();
  const firings = new Map<number, RunPurpose>();
  for (const schedule of input.schedules) {
    for (
      let t = previousCronTime(schedule.cron, input.timeZone, input.now);
      t !== null && t.getTime() > nowMs - WATCHDOG_WINDOW_MS;
      t = previousCronTime(schedule.cron, input.timeZone, t)
    ) {
      if (!firings.has(t.getTime())) firings.set(t.getTime(), schedule.purpose);
    }
  }
  for (const [firingMs, purpose] of [...firings].sort(([a], [b]) => b - a)) {
    const runs = scheduledRunsAt(input.runs, firingMs);
    const deadlineMs = firingDeadline(firingMs, runs, minDeadlineMs);
    if (nowMs <= deadlineMs) continue; // still within its time: the one before is judged
    const due = `the ${purpose} run due ${localTime(firingMs, input.timeZone)}`;
    const deadline = `deadline ${localClock(deadlineMs, firingMs, input.timeZone)}`;
    if (runs.length === 0)
      return { verdict: 1, reason: `full run overdue: ${due} has not completed (${deadline}): no run was recorded` };
    const unanswered = runs.find((r) => !ANSWERED.includes(r.status));
    if (unanswered?.status === 'failed')
      return {
        verdict: 1,
        reason: `full run overdue: ${due} failed (${deadline})${unanswered.endReason ? `: ${unanswered.endReason}` : ''}`,
      };
    if (unanswered)
      return {
        verdict: 1,
        reason: `full run overdue: ${due} has not completed (${deadline}): ${unanswered.runId} is still ${unanswered.status}, ${unanswered.batchesDone} of ${unanswered.batchesExpected} batches done`,
      };
    const outcome = runs
      .map((r) => (r.status === 'skipped' ? `skipped (${r.skippedReason ?? 'no reason given'})` : `ended ${r.status}`))
      .join(', ');
    return { verdict: 0, reason: `full run overdue: no, ${due} ${outcome}` };
  }
  return { verdict: 0, reason: 'full run overdue: no, no scheduled firing of the last 24 h has reached its deadline' };
}

function judgeStale(input: WatchdogInput, minDeadlineMs: number): Judgement {
  if (input.fixedHistory)
    return { verdict: 0, reason: 'results stale: no, the provider serves fixed history (never stale)' };
  const nowMs = input.now.getTime();
  const afterClose = input.schedules.filter((s) => s.purpose === 'after-close');
  if (afterClose.length === 0) return { verdict: 0, reason: 'results stale: not judged, no after-close schedule' };
  const required = requiredSession(input, afterClose, minDeadlineMs);
  if (!required)
    return { verdict: 0, reason: 'results stale: not judged, the after-close schedule fires on no session' };
  const lastClosed = lastClosedSession(nowMs, input.providerDelayMs);
  const day = Math.min(required.day, lastClosed);
  const why = `session ${isoDay(day)} was due by its after-close run's deadline ${localTime(required.deadlineMs, input.timeZone)}`;
  const latest = [...input.runs]
    .filter((r) => RESULT_STATUSES.includes(r.status))
    .sort((a, b) => Date.parse(b.scheduledAt) - Date.parse(a.scheduledAt))[0];
  if (!latest)
    return {
      verdict: 1,
      reason: `results stale: no complete or partial run among the ${input.runs.length} looked at; ${why}`,
    };
  const covered = closedAsOf(latest, input.providerDelayMs);
  const shown = `the newest complete or partial run, ${latest.runId}, covers ${covered === null ? 'no session' : `the closed session ${isoDay(covered)}`} (as-of ${runAsOf(latest) ?? 'none'})`;
  if (covered === null || covered < day) return { verdict: 1, reason: `results stale: ${shown}; ${why}` };
  return { verdict: 0, reason: `results stale: no, ${shown}; ${why}` };
}

/** The newest session day whose after-close firing has passed its deadline (looking back two weeks at most). */
function requiredSession(
  input: WatchdogInput,
  afterClose: readonly WatchdogSchedule[],
  minDeadlineMs: number,
): { day: EpochDay; deadlineMs: number } | null {
  const nowMs = input.now.getTime();
  const today = newYorkDayOfMs(nowMs);
  for (let day = today; day > today - 14; day--) {
    if (!isSessionDay(day)) continue;
    const closeMs = sessionOn(day)!.closeMs;
    const firings = afterClose
      .map((s) => nextCronTime(s.cron, input.timeZone, new Date(closeMs - 1))?.getTime())
      .filter((t): t is number => t !== undefined && newYorkDayOfMs(t) === day);
    if (firings.length === 0) continue;
    const firingMs = Math.min(...firings);
    const deadlineMs = firingDeadline(firingMs, scheduledRunsAt(input.runs, firingMs), minDeadlineMs);
    if (nowMs > deadlineMs) return { day, deadlineMs };
  }
  return null;
}

/**
 * The newest session a run's results cover with a final bar: its as-of date, capped by the last
 * session closed at its reference instant (an explicit instant, else its start).
 */
export function closedAsOf(run: RunRecord, providerDelayMs: number): EpochDay | null {
  const asOf = runAsOf(run);
  if (asOf === null) return null;
  const reference = referenceInstant({
    clockMs: Date.parse(run.now ?? run.startedAt),
    explicit: run.now !== undefined,
    asOf: run.asOf === undefined ? undefined : parseIsoDay(run.asOf),
    delayMs: providerDelayMs,
  });
  return Math.min(parseIsoDay(asOf), reference.lastClosedSession);
}

/** The scheduled runs of a firing (one per watchlist), matched to the minute. */
function scheduledRunsAt(runs: readonly RunRecord[], firingMs: number): RunRecord[] {
  return runs.filter(
    (r) => r.kind === 'scheduled' && Math.floor(Date.parse(r.scheduledAt) / 60_000) * 60_000 === firingMs,
  );
}

/** A firing's deadline: its time plus the minimum, or its runs' own deadline when later. */
function firingDeadline(firingMs: number, runs: readonly RunRecord[], minDeadlineMs: number): number {
  const own = runs.map((r) => (r.deadlineAt ? Date.parse(r.deadlineAt) : Date.parse(r.startedAt) + minDeadlineMs));
  return Math.max(firingMs + minDeadlineMs, ...own);
}

interface LocalWallClock {
  readonly date: string;
  readonly time: string;
  readonly offset: string;
}

function localWallClock(ms: number, timeZone: string): LocalWallClock {
  const w = wallClock(ms, timeZone);
  const two = (n: number) => String(n).padStart(2, '0');
  const minuteMs = Math.floor(ms / 60_000) * 60_000;
  const offsetMinutes = (Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute) - minuteMs) / 60_000;
  const abs = Math.abs(offsetMinutes);
  const offset =
    offsetMinutes === 0 ? 'Z' : `${offsetMinutes < 0 ? '-' : '+'}${two(Math.floor(abs / 60))}:${two(abs % 60)}`;
  return { date: `${w.year}-${two(w.month)}-${two(w.day)}`, time: `${two(w.hour)}:${two(w.minute)}`, offset };
}

/** "2026-11-27T16:45-05:00": an instant as the zone's wall clock, with its offset. */
function localTime(ms: number, timeZone: string): string {
  const w = localWallClock(ms, timeZone);
  return `${w.date}T${w.time}${w.offset}`;
}

/** "17:00" when on the same local date as `sameDayAs`, else the full local time. */
function localClock(ms: number, sameDayAs: number, timeZone: string): string {
  const w = localWallClock(ms, timeZone);
  return w.date === localWallClock(sameDayAs, timeZone).date ? w.time : localTime(ms, timeZone);
}
