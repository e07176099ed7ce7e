import { describe, expect, expectTypeOf, it } from 'vitest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ApiDeps } from '../../../functions/api/routes.js';
import type { CommandDeps } from '../../../functions/discord/commands.js';
import { openStoresWithLists, readStores } from '../../../functions/adapters/store/stores.js';

const WRITES = [
  'createRun',
  'recordBatch',
  'recordBatchFailure',
  'recordAlert',
  'completeRun',
  'writeOutcomes',
  'writeBars',
  'writeState',
  'claimEvent',
  'resolveForming',
  'writeAlertLog',
  'openOutbox',
  'failOutbox',
  'closeOutbox',
  'pause',
  'resume',
  'claimScanNow',
  'claimLookup',
  'raiseNotice',
  'resolveNotice',
  'recordTokenStatus',
  'record',
  'add',
  'remove',
  'replace',
  'delete',
  'seed',
  'subscribe',
  'unsubscribe',
  'sealedWebhook',
];

/**
 * Never called: it only has to compile. Each write below is an error the compiler must report;
 * were the API's store type to gain a write method, `@ts-expect-error` would be unused and
 * `npm run typecheck` would fail.
 */
export function apiCannotWrite(deps: ApiDeps, commands: CommandDeps): void {
  // @ts-expect-error the API's runs are read only
  void deps.runs.createRun;
  // @ts-expect-error the API's runs are read only
  void deps.runs.completeRun;
  // @ts-expect-error the API's results are read only
  void deps.results.writeOutcomes;
  // @ts-expect-error the API's events are read only
  void deps.events.claimEvent;
  // @ts-expect-error the API cannot pause the schedules
  void deps.control.pause;
  // @ts-expect-error the API has no alert store
  void deps.alerts;
  // @ts-expect-error the Discord commands' runs are read only
  void commands.runs.recordBatch;
  // @ts-expect-error the API's scorecard is read only
  void deps.scorecard.record;
  // @ts-expect-error the API's lists are read only (their writes are the lists-writer's)
  void deps.lists.add;
  // @ts-expect-error the Discord commands' lists are read only (they ask the lists-writer)
  void commands.lists.remove;
  // @ts-expect-error the API's subscriptions are read only (their writes are the lists-writer's)
  void deps.subscriptions.unsubscribe;
  // @ts-expect-error the Discord commands' subscriptions are read only (they ask the lists-writer)
  void commands.subscriptions.subscribe;
  // @ts-expect-error nor can they read a subscription's sealed webhook
  void commands.subscriptions.sealedWebhook;
}

describe('the API and the Discord commands get the stores without their write methods', () => {
  it('types: ApiDeps and CommandDeps name only reads', () => {
    expectTypeOf<keyof ApiDeps['runs']>().toEqualTypeOf<'getRun' | 'runSymbols' | 'listRuns' | 'shownRun'>();
    expectTypeOf<keyof ApiDeps['results']>().toEqualTypeOf<
      'runResults' | 'runSignals' | 'runProblems' | 'formingBar' | 'allRunResults' | 'symbolHistory'
    >();
    expectTypeOf<keyof ApiDeps['bars']>().toEqualTypeOf<'closedBars'>();
    expectTypeOf<keyof ApiDeps['events']>().toEqualTypeOf<'eventsOf'>();
    expectTypeOf<keyof ApiDeps['control']>().toEqualTypeOf<'paused' | 'tokenStatus'>();
    expectTypeOf<keyof ApiDeps['scorecard']>().toEqualTypeOf<'scorecard'>();
    expectTypeOf<keyof ApiDeps['lists']>().toEqualTypeOf<'lists' | 'list'>();
    expectTypeOf<keyof ApiDeps['subscriptions']>().toEqualTypeOf<'routes'>();
    expectTypeOf<CommandDeps['runs']>().toEqualTypeOf<ApiDeps['runs']>();
  });

  it('at run time: readStores hands over objects that carry no write method at all', () => {
    const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'local' }));
    const read = readStores(openStoresWithLists(client, { tableName: 'unused' }));
    const methods = Object.values(read).flatMap((store) => Object.keys(store));
    expect(methods.sort()).toEqual([
      'allRunResults',
      'closedBars',
      'eventsOf',
      'formingBar',
      'getRun',
      'list',
      'listRuns',
      'lists',
      'paused',
      'routes',
      'runProblems',
      'runResults',
      'runSignals',
      'runSymbols',
      'scorecard',
      'shownRun',
      'symbolHistory',
      'tokenStatus',
    ]);
    for (const write of WRITES) expect(methods).not.toContain(write);
    client.destroy();
  });
});
