import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AlertStore } from './alert-store.js';
import { BarsStore } from './bars-store.js';
import { ControlStore } from './control-changes.js';
import { OperatorNotices } from './control-store.js';
import { EventStore } from './event-store.js';
import { ListStore } from './list-store.js';
import { OutboxStore } from './outbox-store.js';
import { ResultStore } from './result-store.js';
import { RunProgress, RunStore } from './run-store.js';
import { ScorecardStore } from './scorecard-store.js';
import { SubscriptionStore } from './subscription-store.js';
import { SubscriptionWriter } from './subscription-writer.js';
import { Table, type TableOptions } from './table.js';
import { DEFAULT_RETENTION } from './table-schema.js';

export interface StoreOptions extends TableOptions {
  /**
   * Days results, and runs with their events and alerts, are kept (DynamoDB TTL); and the
   * scorecard's sessions and observations (400 unless said).
   */
  readonly retention?: { readonly resultsDays: number; readonly runsDays: number; readonly scorecardDays?: number };
}

/** The results table's stores, one per aggregate. */
export interface Stores {
  readonly runs: RunStore;
  readonly results: ResultStore;
  /** Each symbol's closed bars, as the worker fetched them: what the chart draws. Kept as long as results. */
  readonly bars: BarsStore;
  /** Signal events and each symbol's event state; kept as long as runs, so a squeeze can last. */
  readonly events: EventStore;
  readonly alerts: AlertStore;
  /** Discord messages to send, at least once, within the rate limits. */
  readonly outbox: OutboxStore;
  /** The runtime controls: the pause switch, /scan-now's cooldown, operator notices, the token's age. */
  readonly control: OperatorNotices;
  /** The live scorecard: each observation once, and the aggregates the reads serve. */
  readonly scorecard: ScorecardStore;
  /** Where alerts go besides the configured webhook: the subscriptions, their webhooks sealed. */
  readonly subscriptions: SubscriptionStore;
}

/** The stores and the watchlists: what dispatch, the readers and the lists-writer open (the worker and the sweeper need no list). */
export interface StoresWithLists extends Stores {
  /** With the pause switch and Discord's claims (the readers, dispatch and the Discord function). */
  readonly control: ControlStore;
  /** The named watchlists a run of every list scans the union of. */
  readonly lists: ListStore;
}

export function openStores(client: DynamoDBDocumentClient, options: StoreOptions): Stores {
  return openStoresOf(client, options, (table, days) => new RunStore(table, days));
}

/** The worker's stores: its runs only progress (no creating or listing), so its bundle carries none of it. */
export function openWorkerStores(client: DynamoDBDocumentClient, options: StoreOptions): WorkerStoreSet {
  return openStoresOf(client, options, (table, days) => new RunProgress(table, days));
}

export type WorkerStoreSet = Omit<Stores, 'runs'> & { readonly runs: RunProgress };

function openStoresOf<R>(
  client: DynamoDBDocumentClient,
  options: StoreOptions,
  runs: (table: Table, runsDays: number) => R,
): Omit<Stores, 'runs'> & { readonly runs: R } {
  const table = new Table(client, options);
  const retention = options.retention ?? DEFAULT_RETENTION;
  return {
    runs: runs(table, retention.runsDays),
    results: new ResultStore(table, retention.resultsDays),
    bars: new BarsStore(table, retention.resultsDays),
    events: new EventStore(table, retention.runsDays),
    alerts: new AlertStore(table, retention.runsDays),
    outbox: new OutboxStore(table, retention.runsDays),
    control: new OperatorNotices(table, retention.runsDays),
    scorecard: new ScorecardStore(table, retention.scorecardDays ?? DEFAULT_RETENTION.scorecardDays),
    subscriptions: new SubscriptionStore(table),
  };
}

/** The watchlists' store alone. Apart from openStores, so that a bundle that never reads a list carries none of it. */
export function openListStore(client: DynamoDBDocumentClient, options: TableOptions): ListStore {
  return new ListStore(new Table(client, options));
}

/** The runtime controls with their changes (pausing, Discord's claims): not in openStores, so the worker's bundle carries none of it. */
export function openControlStore(client: DynamoDBDocumentClient, options: StoreOptions): ControlStore {
  return new ControlStore(new Table(client, options), (options.retention ?? DEFAULT_RETENTION).runsDays);
}

/** The subscriptions with their writes: the lists-writer's. */
export function openSubscriptionStore(client: DynamoDBDocumentClient, options: TableOptions): SubscriptionWriter {
  return new SubscriptionWriter(new Table(client, options));
}

export function openStoresWithLists(client: DynamoDBDocumentClient, options: StoreOptions): StoresWithLists {
  return {
    ...openStores(client, options),
    control: openControlStore(client, options),
    lists: openListStore(client, options),
  };
}

/** What a reader of runs may call: no write. */
export type RunReader = Pick<RunStore, 'getRun' | 'runSymbols' | 'listRuns' | 'shownRun'>;
export type ResultReader = Pick<
  ResultStore,
  'runResults' | 'runSignals' | 'runProblems' | 'formingBar' | 'allRunResults' | 'symbolHistory'
>;
export type BarsReader = Pick<BarsStore, 'closedBars'>;
export type EventReader = Pick<EventStore, 'eventsOf'>;
export type ControlReader = Pick<ControlStore, 'paused' | 'tokenStatus'>;
export type ScorecardReader = Pick<ScorecardStore, 'scorecard'>;
export type ListReader = Pick<ListStore, 'lists' | 'list'>;
export type SubscriptionReader = Pick<SubscriptionStore, 'routes'>;

/** The stores as the API and the Discord commands see them: reads only. */
export interface ReadStores {
  readonly runs: RunReader;
  readonly results: ResultReader;
  readonly bars: BarsReader;
  readonly events: EventReader;
  readonly control: ControlReader;
  readonly scorecard: ScorecardReader;
  readonly lists: ListReader;
  readonly subscriptions: SubscriptionReader;
}

/** Only the read methods of the stores, so a reader's dependencies cannot write. */
export function readStores({
  runs,
  results,
  bars,
  events,
  control,
  scorecard,
  lists,
  subscriptions,
}: StoresWithLists): ReadStores {
  return {
    runs: {
      getRun: runs.getRun.bind(runs),
      runSymbols: runs.runSymbols.bind(runs),
      listRuns: runs.listRuns.bind(runs),
      shownRun: runs.shownRun.bind(runs),
    },
    results: {
      runResults: results.runResults.bind(results),
      runSignals: results.runSignals.bind(results),
      runProblems: results.runProblems.bind(results),
      formingBar: results.formingBar.bind(results),
      allRunResults: results.allRunResults.bind(results),
      symbolHistory: results.symbolHistory.bind(results),
    },
    bars: { closedBars: bars.closedBars.bind(bars) },
    events: { eventsOf: events.eventsOf.bind(events) },
    control: { paused: control.paused.bind(control), tokenStatus: control.tokenStatus.bind(control) },
    scorecard: { scorecard: scorecard.scorecard.bind(scorecard) },
    lists: { lists: lists.lists.bind(lists), list: lists.list.bind(lists) },
    subscriptions: { routes: subscriptions.routes.bind(subscriptions) },
  };
}
