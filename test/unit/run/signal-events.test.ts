import { describe, expect, it } from 'vitest';
import { scanSymbol } from '../../../functions/core/scan/scan-symbol.js';
import { planScan } from '../../../functions/core/scan/scanners.js';
import {
  type EventState,
  eventsOfScan,
  planEvents,
  sameEventState,
  type SignalEvent,
  sessionsToDerive,
} from '../../../functions/core/run/signal-events.js';
import { isoDay, parseIsoDay } from '../../../functions/core/market/trading-day.js';
import { bundledBars } from '../../helpers/bars.js';

const d = parseIsoDay;
const cross = (day: string, signal = 'bullish_cross'): SignalEvent => ({
  scanner: 'macd',
  signal,
  start: d(day),
  barDay: d(day),
  values: null,
});
const squeeze = (day: string, start: string): SignalEvent => ({
  scanner: 'ttm-squeeze',
  signal: 'squeeze_on',
  start: d(start),
  barDay: d(day),
  values: null,
});
const fire = (day: string): SignalEvent => ({
  scanner: 'ttm-squeeze',
  signal: 'fired_long',
  start: d(day),
  barDay: d(day),
  values: null,
});
const recorded = (session: string, extra: Partial<EventState> = {}): EventState => ({
  session,
  lastEvent: {},
  ongoing: [],
  forming: [],
  ...extra,
});
/** The sessions of 2024-03-04 … 2024-03-15 and what each bar shows. */
const week = (events: Record<string, SignalEvent[]>) =>
  Object.entries(events).map(([day, list]) => ({ day: d(day), events: list }));
const brief = (records: ReturnType<typeof planEvents>['records']) =>
  records.map((r) => [r.barDate, r.signal, r.kind, r.suppressedBy ?? '', r.late ?? false]);

describe('signal events', () => {
  it('start a squeeze on its first bar on, and anything else on its own bar', async () => {
    const bars = await bundledBars('DDOG', '2024-03-08', 150); // fired short after a 17-bar squeeze
    const events = eventsOfScan(scanSymbol(bars, planScan()), bars);
    expect(events.map((e) => [e.scanner, e.signal, isoDay(e.start), isoDay(e.barDay)])).toEqual([
      ['ttm-squeeze', 'fired_short', '2024-03-08', '2024-03-08'],
    ]);
    const on = await bundledBars('INTC', '2024-03-08', 150); // squeeze on for 11 bars
    const squeezes = eventsOfScan(scanSymbol(on, planScan()), on).filter((e) => e.signal === 'squeeze_on');
    expect(squeezes.map((e) => [isoDay(e.start), isoDay(e.barDay)])).toEqual([['2024-02-23', '2024-03-08']]); // 11 sessions: 02-23 … 03-08
  });

  it('records everything as seen, alerting nothing, when the store has no recorded session', () => {
    const { records, state } = planEvents({
      state: null,
      closed: week({ '2024-03-06': [cross('2024-03-06')], '2024-03-07': [squeeze('2024-03-07', '2024-02-20')] }),
      newestClosed: d('2024-03-07'),
      cooldownSessions: 3,
    });
    expect(brief(records)).toEqual([
      ['2024-03-06', 'bullish_cross', 'seen', '', false],
      ['2024-03-07', 'squeeze_on', 'seen', '', false],
    ]);
    expect(state).toEqual({
      session: '2024-03-07',
      lastEvent: { 'macd#bullish_cross': '2024-03-06' },
      ongoing: ['ttm-squeeze#squeeze_on#2024-02-20'],
      forming: [],
    });
  });

  it('holds back a cross within 3 sessions of the last alerted one; a held-back cross does not restart the wait', () => {
    const { records } = planEvents({
      state: recorded('2024-03-01'),
      closed: week({
        '2024-03-04': [cross('2024-03-04')],
        '2024-03-06': [cross('2024-03-06')],
        '2024-03-08': [cross('2024-03-08'), cross('2024-03-08', 'bearish_cross')],
        '2024-03-11': [cross('2024-03-11')],
      }),
      newestClosed: d('2024-03-11'),
      cooldownSessions: 3,
    });
    expect(brief(records)).toEqual([
      ['2024-03-04', 'bullish_cross', 'alert', '', true],
      ['2024-03-06', 'bullish_cross', 'alert', '2024-03-04', true], // 2 sessions after
      ['2024-03-08', 'bullish_cross', 'alert', '', true], // 4 sessions after 03-04
      ['2024-03-08', 'bearish_cross', 'alert', '', true], // its own signal: no wait
      ['2024-03-11', 'bullish_cross', 'alert', '2024-03-08', false], // Friday → Monday is 1 session
    ]);
  });

  it('never holds back a fire, and alerts a squeeze once however long it lasts', () => {
    const first = planEvents({
      state: recorded('2024-03-04'),
      closed: week({
        '2024-03-05': [squeeze('2024-03-05', '2024-03-05')],
        '2024-03-06': [squeeze('2024-03-06', '2024-03-05')],
      }),
      newestClosed: d('2024-03-06'),
      cooldownSessions: 3,
    });
    expect(brief(first.records)).toEqual([['2024-03-05', 'squeeze_on', 'alert', '', true]]);
    const second = planEvents({
      state: first.state,
      closed: week({ '2024-03-07': [squeeze('2024-03-07', '2024-03-05')], '2024-03-08': [fire('2024-03-08')] }),
      newestClosed: d('2024-03-08'),
      cooldownSessions: 3,
    });
    const third = planEvents({
      state: second.state,
      closed: week({ '2024-03-11': [fire('2024-03-11')] }),
      newestClosed: d('2024-03-11'),
      cooldownSessions: 3,
    });
    expect(brief([...second.records, ...third.records])).toEqual([
      ['2024-03-08', 'fired_long', 'alert', '', false],
      ['2024-03-11', 'fired_long', 'alert', '', false],
    ]);
    // A new squeeze after the fire is a new event.
    const again = planEvents({
      state: third.state,
      closed: week({ '2024-03-12': [squeeze('2024-03-12', '2024-03-12')] }),
      newestClosed: d('2024-03-12'),
      cooldownSessions: 3,
    });
    expect(brief(again.records)).toEqual([['2024-03-12', 'squeeze_on', 'alert', '', false]]);
  });

  it('alerts a forming signal once, then confirms it at the close, or retracts it', () => {
    const morning = planEvents({
      state: recorded('2024-03-07'),
      closed: [],
      forming: [cross('2024-03-08'), fire('2024-03-08')],
      newestClosed: d('2024-03-07'),
      cooldownSessions: 3,
    });
    expect(brief(morning.records)).toEqual([
      ['2024-03-08', 'bullish_cross', 'forming', '', false],
      ['2024-03-08', 'fired_long', 'forming', '', false],
    ]);
    const noon = planEvents({
      state: morning.state,
      closed: [],
      forming: [cross('2024-03-08')],
      newestClosed: d('2024-03-07'),
      cooldownSessions: 3,
    });
    expect(noon.records).toEqual([]);
    const close = planEvents({
      state: noon.state,
      closed: week({ '2024-03-08': [cross('2024-03-08')] }),
      newestClosed: d('2024-03-08'),
      cooldownSessions: 3,
    });
    expect(brief(close.records)).toEqual([
      ['2024-03-08', 'bullish_cross', 'confirmed', '', false],
      ['2024-03-08', 'fired_long', 'retracted', '', false],
    ]);
    expect(close.state.forming).toEqual([]);
    expect(close.state.lastEvent).toEqual({ 'macd#bullish_cross': '2024-03-08' });
  });

  it('does not form what is already an event or held back', () => {
    const state = recorded('2024-03-07', {
      lastEvent: { 'macd#bullish_cross': '2024-03-06' },
      ongoing: ['ttm-squeeze#squeeze_on#2024-03-01'],
    });
    const { records } = planEvents({
      state,
      closed: [],
      forming: [cross('2024-03-08'), squeeze('2024-03-08', '2024-03-01')],
      newestClosed: d('2024-03-07'),
      cooldownSessions: 3,
    });
    expect(records).toEqual([]);
  });

  it('derives at most the 5 newest closed sessions since the recorded one, never backwards, and the recorded one again on a re-fetch', () => {
    const days = Int32Array.from(
      [
        '2024-02-26',
        '2024-02-27',
        '2024-02-28',
        '2024-02-29',
        '2024-03-01',
        '2024-03-04',
        '2024-03-05',
        '2024-03-06',
        '2024-03-07',
        '2024-03-08',
      ].map(d),
    );
    const iso = (list: number[]) => list.map(isoDay);
    expect(iso(sessionsToDerive(null, d('2024-03-07'), days))).toEqual([
      '2024-03-01',
      '2024-03-04',
      '2024-03-05',
      '2024-03-06',
      '2024-03-07',
    ]);
    expect(iso(sessionsToDerive(recorded('2024-02-27'), d('2024-03-08'), days))).toEqual([
      '2024-03-04',
      '2024-03-05',
      '2024-03-06',
      '2024-03-07',
      '2024-03-08',
    ]);
    expect(iso(sessionsToDerive(recorded('2024-03-06'), d('2024-03-08'), days))).toEqual(['2024-03-07', '2024-03-08']);
    expect(iso(sessionsToDerive(recorded('2024-03-08'), d('2024-03-08'), days))).toEqual([]);
    expect(iso(sessionsToDerive(recorded('2024-03-08'), d('2024-03-08'), days, true))).toEqual(['2024-03-08']);
    expect(iso(sessionsToDerive(recorded('2024-03-08'), d('2024-03-05'), days))).toEqual([]);
  });

  it('compares states regardless of the order a store gives back', () => {
    const a = recorded('2024-03-08', {
      lastEvent: { 'macd#bullish_cross': '2024-03-01', 'vpb#buy': '2024-03-04' },
      ongoing: ['x', 'y'],
    });
    expect(
      sameEventState(a, {
        ...a,
        lastEvent: { 'vpb#buy': '2024-03-04', 'macd#bullish_cross': '2024-03-01' },
        ongoing: ['y', 'x'],
      }),
    ).toBe(true);
    expect(sameEventState(a, { ...a, session: '2024-03-11' })).toBe(false);
  });
});
