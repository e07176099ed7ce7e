import { beforeAll, describe, expect, it } from 'vitest';
import type { ReplayAlert, ReplayReport } from '../../functions/local/replay/replay.js';
import { type CliRun, runCli, runCliAsync } from '../helpers/cli.js';
import { referenceEvents } from '../helpers/reference-events.js';

// The done-when of the live-market issue: the schedule replayed over 26 bundled sessions, its
// alerts checked against events derived straight from the CSV files by an independent oracle
// (test/helpers/reference-events.ts, which imports nothing from functions/).
const FROM = '2024-02-01';
const TO = '2024-03-08';
/**
 * The replay's first instant (09:30 on 02-01) finds no recorded session: it records the events
 * of the 5 closed sessions up to 01-31 as seen. The oracle's cooldown chain starts there too.
 */
const BOOTSTRAP_FROM = '2024-01-25';

let closedOnly: ReplayReport;
let intraday: ReplayReport;
beforeAll(async () => {
  const parse = (run: CliRun) => {
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    return JSON.parse(run.stdout) as ReplayReport;
  };
  // Each replay is 234 runs through the real handlers (about 160 s alone on this 2-core machine);
  // the two run at once beside the other test files, so the limits are a hang's, not a speed bound.
  const [a, b] = await Promise.all([
    runCliAsync(['replay', '--from', FROM, '--to', TO, '--json'], {}, 600_000),
    runCliAsync(['replay', '--from', FROM, '--to', TO, '--intraday', '--json'], {}, 600_000),
  ]);
  closedOnly = parse(a);
  intraday = parse(b);
}, 660_000);

const key = (a: { symbol: string; scanner: string; signal: string }) => `${a.symbol} ${a.scanner} ${a.signal}`;
const bySession = (alerts: ReplayAlert[]) =>
  alerts.map((a) => `${key(a)}${a.suppressedBy ? ` held back by ${a.suppressedBy}` : ''}`).sort();

describe('scanfleet replay over the bundled sessions', () => {
  it('runs the configured schedule: 9 runs a session over 26 sessions', () => {
    expect(closedOnly).toMatchObject({ from: FROM, to: TO, instants: 234, intraday: false });
    expect(closedOnly.sessions).toHaveLength(26);
    expect(closedOnly.sessions[0].session).toBe('2024-02-01');
    expect(closedOnly.sessions.map((s) => s.session)).not.toContain('2024-02-19'); // Washington's Birthday
  });

  it('alerts exactly the closed-bar events an independent derivation finds, session by session, held-back ones included', () => {
    const reference = referenceEvents({ from: BOOTSTRAP_FROM, to: TO });
    for (const { session, alerts } of closedOnly.sessions) {
      const expected = reference
        .filter((e) => e.session === session)
        .map((e) => `${key(e)}${e.suppressedBy ? ` held back by ${e.suppressedBy}` : ''}`)
        .sort();
      const alerted = alerts.filter((a) => a.kind === 'alert');
      expect(bySession(alerted), session).toEqual(expected);
      // Each at the after-close run, about its own bar, on time.
      expect(new Set(alerted.map((a) => a.at)).size <= 1, session).toBe(true);
      expect(
        alerted.every((a) => a.barDate === session && a.at.endsWith('21:45:00.000Z') && !a.late),
        session,
      ).toBe(true);
    }
    expect(closedOnly.totals.alerts).toBe(reference.filter((e) => e.session >= FROM).length);
  });

  it('sets suppressedBy exactly on crosses and breakouts within 3 sessions after the last unsuppressed one, and sends the rest', () => {
    const alerts = closedOnly.sessions.flatMap((s) => s.alerts);
    const held = alerts.filter((a) => a.suppressedBy !== undefined);
    expect(held.length).toBeGreaterThan(20);
    expect(held.every((a) => ['bullish_cross', 'bearish_cross', 'buy', 'sell'].includes(a.signal))).toBe(true);
    // Walk each (symbol, scanner, signal) in order: held back iff 1–3 sessions after the last one sent.
    const sessions = closedOnly.sessions.map((s) => s.session);
    const lastSent = new Map<string, string>();
    for (const reference of referenceEvents({ from: BOOTSTRAP_FROM, to: '2024-01-31' }).filter((e) => !e.suppressedBy))
      lastSent.set(key(reference), reference.session);
    const allSessions = [
      ...referenceEvents({ from: BOOTSTRAP_FROM, to: '2024-01-31' }).map((e) => e.session),
      ...sessions,
    ]
      .filter((s, i, list) => list.indexOf(s) === i)
      .sort();
    for (const a of alerts.filter((x) => x.kind === 'alert')) {
      const previous = lastSent.get(key(a));
      const gap = previous === undefined ? Infinity : allSessions.indexOf(a.barDate) - allSessions.indexOf(previous);
      const cooled = ['bullish_cross', 'bearish_cross', 'buy', 'sell'].includes(a.signal) && gap >= 1 && gap <= 3;
      expect(a.suppressedBy, `${key(a)} ${a.barDate}`).toBe(cooled ? previous : undefined);
      if (!cooled) lastSent.set(key(a), a.barDate);
    }
    expect(closedOnly.totals.sent).toBe(alerts.filter((a) => a.kind === 'alert').length - held.length);
  });

  it('alerts no squeeze twice and no event twice', () => {
    const alerts = closedOnly.sessions.flatMap((s) => s.alerts);
    const once = alerts.map((a) => `${key(a)} ${a.barDate}`);
    expect(new Set(once).size).toBe(once.length);
    // A squeeze is alerted on its first bar on; the next squeeze_on of a symbol needs a fire between.
    const squeezes = alerts.filter((a) => a.signal === 'squeeze_on');
    expect(squeezes.length).toBeGreaterThan(10);
    for (const s of squeezes) {
      const earlier = squeezes
        .filter((t) => t.symbol === s.symbol && t.barDate < s.barDate)
        .map((t) => t.barDate)
        .sort()
        .at(-1);
      if (earlier === undefined) continue;
      const fired = alerts.some(
        (f) =>
          f.symbol === s.symbol &&
          f.scanner === 'ttm-squeeze' &&
          f.signal.startsWith('fired') &&
          f.barDate > earlier &&
          f.barDate < s.barDate,
      );
      expect(fired, `${s.symbol} squeeze_on ${earlier} then ${s.barDate}`).toBe(true);
    }
  });

  it('with intraday alerts, gives every forming alert exactly one confirmation or retraction, and the closed events stay the same', () => {
    const alerts = intraday.sessions.flatMap((s) => s.alerts);
    const forming = alerts.filter((a) => a.kind === 'forming');
    expect(forming.length).toBeGreaterThan(50);
    for (const f of forming) {
      const resolutions = alerts.filter(
        (a) => (a.kind === 'confirmed' || a.kind === 'retracted') && key(a) === key(f) && a.barDate === f.barDate,
      );
      expect(resolutions, `${key(f)} ${f.barDate}`).toHaveLength(1);
      expect(resolutions[0].at > f.at).toBe(true);
    }
    expect(alerts.filter((a) => a.kind === 'confirmed' || a.kind === 'retracted')).toHaveLength(forming.length);
    expect(intraday.totals.retracted).toBeGreaterThan(0);
    // A confirmation stands for the closed event's alert: together they are the same events.
    for (const { session, alerts: list } of intraday.sessions) {
      const closed = list.filter((a) => a.kind === 'alert' || a.kind === 'confirmed');
      const expected =
        closedOnly.sessions.find((s) => s.session === session)?.alerts.filter((a) => a.kind === 'alert') ?? [];
      expect(bySession(closed), session).toEqual(bySession(expected));
    }
  });
});

describe('scanfleet replay: bad input', () => {
  it.each([
    [['replay', '--from', '2024-03-08', '--to', '2024-02-01'], 'scanfleet: --from 2024-03-08 is after --to 2024-02-01'],
    [
      ['replay', '--from', '2030-01-01', '--to', '2030-01-31'],
      /^scanfleet: no sessions between 2030-01-01 and 2030-01-31 in \/.+data\/daily$/,
    ],
    [
      ['replay', '--from', '2024-02-30', '--to', '2024-03-08'],
      'scanfleet: --from must be a real date as YYYY-MM-DD, got "2024-02-30"',
    ],
    [['replay', '--to', '2024-03-08'], 'scanfleet: replay needs --from YYYY-MM-DD and --to YYYY-MM-DD'],
    [
      ['replay', '--from', '2024-03-01', '--to', '2024-03-08', '--every', '2d'],
      'scanfleet: --every must be a duration from 5m to 390m such as 30m or 1h, got "2d"',
    ],
    [
      ['replay', '--from', '2024-03-01', '--to', '2024-03-08', '--now', '2024-03-05T12:00'],
      'scanfleet: --now must be an ISO-8601 instant with Z or an offset (e.g. 2024-03-08T12:30:00-05:00), got "2024-03-05T12:00"',
    ],
    [
      ['replay', '--from', '2024-03-07', '--to', '2024-03-08', '--now', '2024-03-01T12:00:00Z'],
      'scanfleet: no run of the schedule between 2024-03-07 and 2024-03-08 is at or before 2024-03-01T12:00:00.000Z',
    ],
  ])('%j exits 2 with one line', (args, message) => {
    const run = runCli(args);
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    if (typeof message === 'string') expect(run.stderr.trim()).toBe(message);
    else expect(run.stderr.trim()).toMatch(message);
  });
});

describe('scanfleet replay --now', () => {
  it('replays the past only: no run after the instant it stands at', async () => {
    const run = await runCliAsync([
      'replay',
      '--from',
      '2024-03-07',
      '--to',
      '2024-03-08',
      '--now',
      '2024-03-08T12:00:00-05:00',
      '--every',
      '1h',
      '--json',
    ]);
    expect(run.status, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as ReplayReport;
    // 03-07: 09:30 … 15:30 and 16:45; 03-08: 09:30, 10:30, 11:30. The 03-08 close is not reached: nothing alerted for it.
    expect(report.instants).toBe(8 + 3);
    expect(report.sessions.map((s) => [s.session, s.alerts.length > 0])).toEqual([
      ['2024-03-07', true],
      ['2024-03-08', false],
    ]);
  });
});
