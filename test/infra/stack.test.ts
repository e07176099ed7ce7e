import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../lib/config.js';
import { ControlTowerChecks } from '../../lib/guard-validator.js';
import { ScanfleetStack } from '../../lib/scanfleet-stack.js';
import { KEYS, LEADING_KEYS } from '../../functions/adapters/store/table-schema.js';
import { HANDLER_METRICS, stackInventory } from '../../bench/cost-model.js';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

function synth(context: unknown = {}, extra?: (stack: ScanfleetStack) => void) {
  const app = new App();
  const stack = new ScanfleetStack(app, 'Scanfleet', { config: loadConfig(context, projectRoot), projectRoot });
  extra?.(stack);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ControlTowerChecks());
  return { app, stack, template: () => Template.fromStack(stack) };
}

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

let template: Template;
let resources: Resources;
let stack: ScanfleetStack;
/** Every setting this issue adds, off or changed: one more synth. */
let configured: { resources: Resources; alarms: Record<string, Record<string, unknown>> };
beforeAll(() => {
  const synthesized = synth();
  stack = synthesized.stack;
  template = synthesized.template();
  resources = template.toJSON().Resources as Resources;
  const other = synth({
    schedules: { enabled: false },
    budget: { enabled: false },
    sweeper: { memoryMb: 512, timeoutSeconds: 120 },
    lists: { lists: 5, symbolsPerList: 200, memoryMb: 256, timeoutSeconds: 20 },
  })
    .template()
    .toJSON().Resources as Resources;
  configured = {
    resources: other,
    alarms: Object.fromEntries(
      Object.entries(other)
        .filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm')
        .map(([id, a]) => [id.replace(/^Observability/, '').replace(/[0-9A-F]{8}$/, ''), a.Properties]),
    ),
  };
}, 60_000);

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const FUNCTION_PREFIX: Record<string, string> = {
  Api: 'QueryApiFunction',
  Authorizer: 'QueryAuthorizerFunction',
  Sweeper: 'OperationsSweeperFunction',
  ListsWriter: 'ListsWriterFunction',
};
const functionId = (name: string) =>
  ofType('AWS::Lambda::Function').find(([id]) =>
    id.startsWith(FUNCTION_PREFIX[name] ?? `Pipeline${name}Function`),
  )?.[0] as string;
/** The services (functions/<name>) of the functions Observability watches: every function of the stack. */
const deployedServices = () => Object.values(stack.observability.functions).map((f) => f.name);
const roleOf = (fnId: string) =>
  (resources[fnId].Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
/** Every statement of every policy attached to a role. */
function statementsOf(roleId: string): Statement[] {
  return ofType('AWS::IAM::Policy')
    .filter(([, p]) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
    .flatMap(([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}
const actionsOf = (roleId: string) =>
  statementsOf(roleId).flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));

describe('results table', () => {
  it('is on-demand, with TTL on expiresAt, point-in-time recovery and the two indexes', () => {
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        Match.objectLike({
          IndexName: 'gsi1',
          KeySchema: [
            { AttributeName: 'gsi1pk', KeyType: 'HASH' },
            { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
          ],
        }),
        Match.objectLike({
          IndexName: 'gsi2',
          KeySchema: [
            { AttributeName: 'gsi2pk', KeyType: 'HASH' },
            { AttributeName: 'gsi2sk', KeyType: 'RANGE' },
          ],
        }),
      ],
    });
    template.hasResource('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain' });
  });
});

describe('scan pipeline', () => {
  it('sends a batch to the DLQ after 3 receives, with a visibility timeout of 6 × the worker timeout', () => {
    const scanBatchTimeout = resources[functionId('ScanBatch')].Properties.Timeout as number;
    expect(scanBatchTimeout).toBe(60);
    const queues = ofType('AWS::SQS::Queue').filter(([, q]) => q.Properties.RedrivePolicy);
    expect(queues).toHaveLength(1);
    const [, queue] = queues[0];
    expect(queue.Properties.VisibilityTimeout).toBe(6 * scanBatchTimeout);
    expect((queue.Properties.RedrivePolicy as { maxReceiveCount: number }).maxReceiveCount).toBe(3);
    expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
  });

  it('feeds scan-batch one message at a time, reporting partial failures, at most 2 at once', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: functionId('ScanBatch') },
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 2 },
    });
  });

  it('runs every function on Node.js 24, ARM64, as an ESM bundle, with its settings in the environment', () => {
    const functions = ofType('AWS::Lambda::Function');
    expect(functions).toHaveLength(6);
    for (const [, fn] of functions) {
      expect(fn.Properties.Runtime).toBe('nodejs24.x');
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      expect(fn.Properties.Handler).toBe('index.handler');
      // glibc's arenas for V8's threads capped at two (lib/lambda-function.ts): 5–10 MB less at a warm soak.
      expect((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables.MALLOC_ARENA_MAX).toBe(
        '2',
      );
    }
    // Sized by the bench (Node 24, 128 MB flags): 128 MB only where a warm soak stays within 85% of it.
    expect(
      Object.fromEntries(
        ['Dispatch', 'ScanBatch', 'Api', 'Authorizer', 'Sweeper', 'ListsWriter'].map((name) => [
          name,
          resources[functionId(name)].Properties.MemorySize,
        ]),
      ),
    ).toEqual({ Dispatch: 128, ScanBatch: 192, Api: 192, Authorizer: 128, Sweeper: 192, ListsWriter: 192 });
    const env = (name: string) =>
      (resources[functionId(name)].Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env('Dispatch')).toMatchObject({
      BATCH_SIZE: '30',
      RESULTS_TTL_DAYS: '7',
      RUNS_TTL_DAYS: '30',
      SEED_WATCHLIST_FILE: '/var/task/seed-watchlist.json',
      TABLE_NAME: { Ref: expect.stringMatching(/^ResultsTable/) },
      QUEUE_URL: { Ref: expect.stringMatching(/^PipelineScanQueue/) },
      // A run's deadline divides its batches by the workers in flight; a paused deployment expects no run.
      PROVIDER: 'csv',
      WORKER_CONCURRENCY: '2',
      SCHEDULES_ENABLED: 'true',
    });
    expect(env('ScanBatch')).toMatchObject({
      PROVIDER: 'csv',
      DATA_DIR: '/var/task/data/daily',
      LOOKBACK_BARS: '150',
      SCORECARD_TTL_DAYS: '400',
      SCORECARD_HORIZONS: '1,5,10,20',
      MAX_RECEIVES: '3',
      TABLE_NAME: { Ref: expect.stringMatching(/^ResultsTable/) },
      WORKER_CONCURRENCY: '2',
    });
    // Only Discord fills the outbox: without it the worker sends no drain message, and is told no queue.
    expect(env('ScanBatch')).not.toHaveProperty('QUEUE_URL');
  });
});

describe('least privilege', () => {
  it('grants no wildcard action to anyone', () => {
    for (const [id, policy] of ofType('AWS::IAM::Policy')) {
      for (const statement of (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement) {
        for (const action of [statement.Action].flat()) expect(action, id).not.toMatch(/(^\*$|:\*$)/);
      }
    }
    expect(ofType('AWS::IAM::Role').every(([, r]) => r.Properties.ManagedPolicyArns === undefined)).toBe(true);
  });

  it('lets dispatch create and read runs, query the runs index and the lists, send batches and hand a failure to the sweeper — nothing else', () => {
    const role = roleOf(functionId('Dispatch'));
    expect(actionsOf(role).sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:Query',
      'lambda:InvokeFunction',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'sqs:SendMessage',
    ]);
    const table = statementsOf(role).find((s) => [s.Action].flat().includes('dynamodb:PutItem'));
    expect(table?.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ResultsTable/), 'Arn'] });
    // Is a run still running? The runs index, and no other; on the table, the lists' partition only.
    const queries = statementsOf(role).filter((s) => s.Action === 'dynamodb:Query');
    expect(queries.map((s) => [s.Resource, s.Condition])).toEqual([
      [
        { 'Fn::GetAtt': [expect.stringMatching(/^ResultsTable/), 'Arn'] },
        { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['LISTS'] } },
      ],
      [
        { 'Fn::Join': ['', [{ 'Fn::GetAtt': [expect.stringMatching(/^ResultsTable/), 'Arn'] }, '/index/gsi1']] },
        undefined,
      ],
    ]);
    const invoke = statementsOf(role).find((s) => s.Action === 'lambda:InvokeFunction');
    expect(invoke?.Resource).toEqual([
      { 'Fn::GetAtt': [functionId('Sweeper'), 'Arn'] },
      { 'Fn::Join': ['', [{ 'Fn::GetAtt': [functionId('Sweeper'), 'Arn'] }, ':*']] },
    ]);
  });

  it('lets scan-batch write results and progress and consume its queue; with Discord, send delayed drain messages to it', () => {
    const consume = [
      'dynamodb:BatchGetItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:ReceiveMessage',
    ];
    // Table actions recur over the per-partition statements (pinned below, statement by statement).
    expect([...new Set(actionsOf(roleOf(functionId('ScanBatch'))))].sort()).toEqual(consume);
    const withDiscord = synth({ discordSecret: 'scanfleet/discord' }).template().toJSON().Resources as Resources;
    const statements = statementsOfFunction(withDiscord, 'PipelineScanBatchFunction');
    const send = statements.find((s) => s.Action === 'sqs:SendMessage');
    expect(send?.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^PipelineScanQueue/), 'Arn'] });
    const [, fn] = Object.entries(withDiscord).find(([id]) => id.startsWith('PipelineScanBatchFunction')) ?? [];
    expect((fn?.Properties.Environment as { Variables: Record<string, unknown> }).Variables.QUEUE_URL).toEqual({
      Ref: expect.stringMatching(/^PipelineScanQueue/),
    });
    expect(actionsOf(roleOf(functionId('Dispatch')))).not.toContain('dynamodb:BatchWriteItem');
    expect(actionsOf(roleOf(functionId('Dispatch')))).not.toContain('sqs:ReceiveMessage');
  });

  it('lets the API read runs and results (items and the two indexes) — and write nothing', () => {
    const role = roleOf(functionId('Api'));
    expect(actionsOf(role).sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:Query',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
    ]);
    const read = statementsOf(role).find((s) => [s.Action].flat().includes('dynamodb:Query'));
    expect(JSON.stringify(read?.Resource)).toContain('/index/gsi1');
    expect(JSON.stringify(read?.Resource)).toContain('/index/gsi2');
    expect(JSON.stringify(read?.Resource)).not.toContain('/index/*');
  });

  it('lets the lists-writer read and write the lists’ and subscriptions’ partitions (LISTS, SUBS) and its own logs — nothing else', () => {
    const role = roleOf(functionId('ListsWriter'));
    // The default stack (csv) names no provider secret: nothing to read but the table.
    expect(statementsOf(role).map((s) => [[s.Action].flat().sort(), s.Resource, s.Condition])).toEqual([
      [
        ['logs:CreateLogStream', 'logs:PutLogEvents'],
        { 'Fn::GetAtt': [expect.stringMatching(/^ListsWriterLogs/), 'Arn'] },
        undefined,
      ],
      [
        ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
        { 'Fn::GetAtt': [expect.stringMatching(/^ResultsTable/), 'Arn'] },
        { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [LEADING_KEYS.lists, LEADING_KEYS.subscriptions] } },
      ],
    ]);
    expect([LEADING_KEYS.lists, LEADING_KEYS.subscriptions]).toEqual(['LISTS', 'SUBS']);
    // No index, no other partition, no queue, no invocation.
    expect(JSON.stringify(statementsOf(role))).not.toContain('/index/');
  });

  it('lets the schedules invoke dispatch only', () => {
    const schedulerRole = ofType('AWS::IAM::Role').find(
      ([id, r]) =>
        id.startsWith('Schedules') &&
        JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('scheduler.amazonaws.com'),
    )?.[0] as string;
    expect(actionsOf(schedulerRole).sort()).toEqual(['lambda:InvokeFunction', 'sqs:SendMessage']);
    const invoke = statementsOf(schedulerRole).find((s) => s.Action === 'lambda:InvokeFunction');
    expect(JSON.stringify(invoke?.Resource)).toContain(functionId('Dispatch'));
    expect(JSON.stringify(invoke?.Resource)).not.toContain(functionId('ScanBatch'));
  });
});

/** Every function, route and secret: the Discord bot, a live provider, the API token. */
const FULL = {
  discordSecret: 'scanfleet/discord',
  provider: 'schwab',
  providerSecret: 'scanfleet/schwab',
  api: { tokenSecret: 'scanfleet/api-token' },
};
/** The item reads; every other DynamoDB action (and any wildcard) writes or administers. */
const TABLE_READS = new Set(['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query']);
const writes = (action: string) => action.includes('*') || (action.startsWith('dynamodb:') && !TABLE_READS.has(action));
/** A role's statements in a template, by its function's logical id prefix. */
function statementsOfFunction(res: Resources, prefix: string): (Statement & { Condition?: unknown })[] {
  const [, fn] =
    Object.entries(res).find(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith(prefix)) ?? [];
  expect(fn, prefix).toBeDefined();
  const roleId = (fn?.Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
  return Object.values(res)
    .filter(
      (r) => r.Type === 'AWS::IAM::Policy' && (r.Properties.Roles as { Ref: string }[]).some((x) => x.Ref === roleId),
    )
    .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}
/** What an API role may do beyond reading the table and its secrets and writing its own logs. */
function apiBeyondReads(res: Resources): string[] {
  const allowed = [
    'dynamodb:GetItem',
    'dynamodb:Query',
    'secretsmanager:GetSecretValue',
    'secretsmanager:DescribeSecret',
    'logs:CreateLogStream',
    'logs:PutLogEvents',
  ];
  return statementsOfFunction(res, 'QueryApiFunction').flatMap((st) =>
    [st.Action, (st as { NotAction?: unknown }).NotAction === undefined ? [] : ['NotAction']]
      .flat()
      .filter((a) => writes(a) || !allowed.includes(a)),
  );
}
/** Whether a key matches an IAM StringLike pattern (`*` any run of characters). */
const like = (pattern: string, key: string) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(key);

describe('least privilege down to the key', () => {
  let full: Resources;
  beforeAll(() => {
    full = synth(FULL).template().toJSON().Resources as Resources;
  }, 60_000);

  // Each function's writes and the partitions it owns, as the stores it uses write them: one
  // statement per grant.
  const OWNED = {
    // Runs, and the list `default` seeded once.
    dispatch: { fn: 'PipelineDispatchFunction', grants: [{ writes: ['PutItem'], partitions: ['RUN#*', 'LISTS'] }] },
    'scan-batch': {
      fn: 'PipelineScanBatchFunction',
      grants: [
        {
          writes: ['BatchWriteItem', 'PutItem', 'UpdateItem'],
          partitions: ['RUN#*', 'EVENT#*', 'OUTBOX', 'CONTROL', 'BARS#*'],
        },
        // The live scorecard: sessions and observations batch-written, the aggregates and the document updated; nothing else.
        { writes: ['BatchWriteItem'], partitions: ['OBS#*'] },
        { writes: ['UpdateItem'], partitions: ['SCORECARD', 'SCORECARD#DOC'] },
      ],
    },
    sweeper: {
      fn: 'OperationsSweeperFunction',
      grants: [
        { writes: ['BatchWriteItem', 'PutItem', 'UpdateItem'], partitions: ['RUN#*', 'OUTBOX', 'CONTROL'] },
        // A run it ends folds the scorecard's document; the aggregates it only reads.
        { writes: ['UpdateItem'], partitions: ['SCORECARD#DOC'] },
      ],
    },
    discord: {
      fn: 'DiscordInteractionsFunction',
      grants: [{ writes: ['PutItem', 'UpdateItem'], partitions: ['CONTROL'] }],
    },
    // The lists (created, replaced, added to and removed from by atomic set updates, deleted) and
    // the subscriptions (added, removed, the configured one's tombstone); nothing else.
    'lists-writer': {
      fn: 'ListsWriterFunction',
      grants: [{ writes: ['DeleteItem', 'PutItem', 'UpdateItem'], partitions: ['LISTS', 'SUBS'] }],
    },
    api: { fn: 'QueryApiFunction', grants: [] },
    'alarm-notify': { fn: 'ObservabilityAlarmNotifyFunction', grants: [] },
  };
  const partitionsOf = (name: keyof typeof OWNED) => OWNED[name].grants.flatMap((g) => g.partitions);

  it.each(Object.entries(OWNED))(
    'conditions every table write of %s on the partitions it owns (dynamodb:LeadingKeys)',
    (_, { fn, grants }) => {
      const statements = statementsOfFunction(full, fn).filter((st) => [st.Action].flat().some(writes));
      expect(
        statements.map((st) => ({
          writes: [st.Action]
            .flat()
            .filter(writes)
            .map((a) => a.replace('dynamodb:', ''))
            .sort(),
          partitions: (st.Condition as Record<string, Record<string, string[]>>)['ForAllValues:StringLike'][
            'dynamodb:LeadingKeys'
          ],
        })),
      ).toEqual(grants);
      for (const st of statements) {
        expect(Object.keys(st.Condition as object)).toEqual(['ForAllValues:StringLike']);
        expect(st.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ResultsTable/), 'Arn'] });
      }
    },
  );

  it('builds the conditions from the store contract, whose keys fall in the partitions each writer owns', () => {
    expect(LEADING_KEYS).toEqual({
      runs: 'RUN#*',
      events: 'EVENT#*',
      outbox: 'OUTBOX',
      control: 'CONTROL',
      bars: 'BARS#*',
      observations: 'OBS#*',
      scorecard: 'SCORECARD',
      scorecardDocument: 'SCORECARD#DOC',
      lists: 'LISTS',
      subscriptions: 'SUBS',
    });
    const owns = (partitions: string[], key: { pk: string }) => partitions.some((p) => like(p, key.pk));
    const runKeys = [
      KEYS.run('20261124T214500Z-full'),
      KEYS.shownRun(),
      KEYS.runSymbols('20261124T214500Z-full'),
      KEYS.result('r1', 'macd', 'BRK.B'),
      KEYS.alertLog('r1', 'AAPL', 'k', 'new'),
    ];
    const eventKeys = [KEYS.event('AAPL', '2024-03-08', 'macd', 'bullish_cross'), KEYS.state('AAPL')];
    const scorecardKeys = [
      KEYS.session('AAPL', '2024-03-08'),
      KEYS.observation('AAPL', '2024-03-08', 'macd', 'bullish_cross'),
      KEYS.aggregate(10, 'macd', 'bullish_cross', 15),
    ];
    const documentKeys = [KEYS.scorecardDocument()];
    const listKeys = [KEYS.watchlist('semis'), KEYS.listsSeeded()];
    const subscriptionKeys = [KEYS.subscription('0a1b2c3d'), KEYS.configuredRemoved()];
    const outboxKeys = [KEYS.outboxMessage('20261124T214500Z-full#0a1b2c3d', 0), KEYS.outboxLease('alerts')];
    const controlKeys = [
      KEYS.pause(),
      KEYS.scanNow('123456789012345678'),
      KEYS.lookup('123456789012345678', '4242'),
      KEYS.lookups('123456789012345678'),
      KEYS.notice('provider-credentials'),
      KEYS.tokenStatus(),
    ];
    for (const key of [...runKeys, ...listKeys]) expect(owns(partitionsOf('dispatch'), key), key.pk).toBe(true);
    for (const key of [...runKeys, ...eventKeys, ...outboxKeys, ...controlKeys, ...scorecardKeys, ...documentKeys])
      expect(owns(partitionsOf('scan-batch'), key), key.pk).toBe(true);
    for (const key of [...runKeys, ...outboxKeys, ...controlKeys, ...documentKeys])
      expect(owns(partitionsOf('sweeper'), key), key.pk).toBe(true);
    for (const key of controlKeys) expect(owns(partitionsOf('discord'), key), key.pk).toBe(true);
    for (const key of [...listKeys, ...subscriptionKeys])
      expect(owns(partitionsOf('lists-writer'), key), key.pk).toBe(true);
    // And no further: dispatch cannot touch the controls, the events or the scorecard, the sweeper
    // the events or the scorecard's items other than its document, Discord the runs; the worker's
    // scorecard grants cover nothing else.
    for (const key of [...eventKeys, ...outboxKeys, ...controlKeys, ...scorecardKeys, ...documentKeys])
      expect(owns(partitionsOf('dispatch'), key), key.pk).toBe(false);
    for (const key of [...eventKeys, ...scorecardKeys]) expect(owns(partitionsOf('sweeper'), key), key.pk).toBe(false);
    for (const key of [...runKeys, ...eventKeys, ...outboxKeys, ...scorecardKeys, ...documentKeys, ...listKeys])
      expect(owns(partitionsOf('discord'), key), key.pk).toBe(false);
    for (const key of [...listKeys, ...subscriptionKeys]) {
      expect(owns(partitionsOf('scan-batch'), key), key.pk).toBe(false);
      expect(owns(partitionsOf('sweeper'), key), key.pk).toBe(false);
      expect(owns(partitionsOf('discord'), key), key.pk).toBe(false);
    }
    for (const key of subscriptionKeys) expect(owns(partitionsOf('dispatch'), key), key.pk).toBe(false);
    // The lists-writer owns the lists and nothing else: no run, event, outbox message, control or scorecard item.
    for (const key of [...runKeys, ...eventKeys, ...outboxKeys, ...controlKeys, ...scorecardKeys, ...documentKeys])
      expect(owns(partitionsOf('lists-writer'), key), key.pk).toBe(false);
    const [, observations, aggregates] = OWNED['scan-batch'].grants;
    for (const key of [...runKeys, ...eventKeys, ...outboxKeys, ...controlKeys]) {
      expect(owns(observations.partitions, key), key.pk).toBe(false);
      expect(owns(aggregates.partitions, key), key.pk).toBe(false);
    }
    for (const key of documentKeys) expect(owns(observations.partitions, key), key.pk).toBe(false);
  });

  it('gives the API role no write at all: its whole policy reads the table and writes its own logs', () => {
    expect(apiBeyondReads(full)).toEqual([]);
    expect(statementsOfFunction(full, 'QueryApiFunction').map((st) => [st.Action].flat().sort())).toEqual([
      ['logs:CreateLogStream', 'logs:PutLogEvents'],
      ['dynamodb:GetItem', 'dynamodb:Query'],
    ]);
  });

  it('gives the lists-writer, with a live provider and Discord, the provider’s secret to check new symbols with and the subscriptions’ key — no other secret', () => {
    expect(
      statementsOfFunction(full, 'ListsWriterFunction').map((st) => [
        [st.Action].flat().sort(),
        JSON.stringify(st.Resource),
        st.Condition,
      ]),
    ).toEqual([
      [
        ['logs:CreateLogStream', 'logs:PutLogEvents'],
        expect.stringMatching(/^\{"Fn::GetAtt":\["ListsWriterLogs/),
        undefined,
      ],
      [
        ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'],
        expect.stringMatching(/^\{"Fn::GetAtt":\["ResultsTable[0-9A-F]{8}","Arn"\]\}$/),
        { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['LISTS', 'SUBS'] } },
      ],
      [
        ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
        expect.stringMatching(/":secret:scanfleet\/schwab-\?{6}"\]\]\}$/),
        undefined,
      ],
      [
        ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
        expect.stringMatching(/^\{"Ref":"SubscriptionKey[0-9A-F]{8}"\}$/),
        undefined,
      ],
    ]);
  });

  it('generates the subscriptions’ key in Secrets Manager (never in the template) for the writer, the worker and the sweeper alone', () => {
    const [[id, key]] = Object.entries(full).filter(([, r]) => r.Type === 'AWS::SecretsManager::Secret');
    expect(id).toMatch(/^SubscriptionKey/);
    expect(key.Properties.GenerateSecretString).toEqual({
      SecretStringTemplate: '{}',
      GenerateStringKey: 'key',
      ExcludePunctuation: true,
      PasswordLength: 64,
    });
    expect(key.Properties.SecretString).toBeUndefined();
    const readers = Object.entries(full)
      .filter(([, r]) => r.Type === 'AWS::Lambda::Function' && JSON.stringify(r.Properties.Environment).includes(id))
      .map(([fn]) => fn.replace(/[0-9A-F]{8}$/, ''))
      .sort();
    expect(readers).toEqual(['ListsWriterFunction', 'OperationsSweeperFunction', 'PipelineScanBatchFunction']);
    for (const fn of readers)
      expect(
        statementsOfFunction(full, fn).some(
          (st) =>
            [st.Action].flat().includes('secretsmanager:GetSecretValue') && JSON.stringify(st.Resource).includes(id),
        ),
        fn,
      ).toBe(true);
    // Without Discord there is no /subscribe, and no key.
    expect(JSON.stringify(resources)).not.toContain('SubscriptionKey');
  });

  it('is a check that can fail: an API given table writes and a wildcard is caught', () => {
    // Without cdk-nag, which would refuse the wildcard before this analysis could look at it.
    const app = new App();
    const stack = new ScanfleetStack(app, 'Scanfleet', { config: loadConfig({}, projectRoot), projectRoot });
    stack.results.table.grantReadWriteData(stack.queryApi.handler.role);
    stack.queryApi.handler.role.addToPolicy(
      new PolicyStatement({ actions: ['dynamodb:*'], resources: [stack.results.table.tableArn] }),
    );
    const careless = Template.fromStack(stack).toJSON().Resources as Resources;
    const found = apiBeyondReads(careless);
    for (const action of [
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:DeleteItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:*',
    ])
      expect(found).toContain(action);
  }, 60_000);
});

describe('schedules', () => {
  it('scan the full watchlist hourly in market hours, at 16:45 after the close and at 20:00 to re-fetch, in New York time', () => {
    const schedules = ofType('AWS::Scheduler::Schedule')
      .filter(([id]) => id.startsWith('Schedules'))
      .map(([, s]) => ({
        expression: s.Properties.ScheduleExpression,
        timeZone: s.Properties.ScheduleExpressionTimezone,
        input: JSON.parse((s.Properties.Target as { Input: string }).Input) as {
          watchlist: string;
          purpose: string;
          scheduledAt: string;
        },
        retries: (s.Properties.Target as { RetryPolicy: { MaximumRetryAttempts: number } }).RetryPolicy
          .MaximumRetryAttempts,
        state: s.Properties.State,
      }));
    expect(schedules.map((s) => [s.expression, s.input.watchlist, s.input.purpose])).toEqual([
      ['cron(30 9-15 ? * MON-FRI *)', 'full', 'market-hours'],
      ['cron(45 16 ? * MON-FRI *)', 'full', 'after-close'],
      ['cron(0 20 ? * MON-FRI *)', 'full', 'refetch'],
    ]);
    for (const s of schedules) {
      expect(s.timeZone).toBe('America/New_York');
      expect(s.input.scheduledAt).toBe('<aws.scheduler.scheduled-time>');
      expect(s.retries).toBe(2);
      expect(s.state).toBe('ENABLED');
    }
  });

  it('bundle the watchlist file dispatch seeds the list `default` from: 150 symbols', () => {
    const config = loadConfig({}, projectRoot);
    expect(config.seedWatchlist).toHaveLength(150);
    expect(config.seedWatchlist.slice(0, 2)).toEqual(['AAPL', 'MSFT']);
  });

  it('give the worker the alert settings and the provider its delay (and the budget its amount)', () => {
    const t = synth({
      provider: 'yahoo',
      providerDelayMinutes: 15,
      alerts: { intraday: true, cooldownSessions: 5 },
      budget: { monthlyUsd: 25 },
    }).template();
    t.hasResourceProperties('AWS::Budgets::Budget', {
      Budget: Match.objectLike({ BudgetLimit: { Amount: 25, Unit: 'USD' } }),
    });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          PROVIDER: 'yahoo',
          PROVIDER_DELAY_MINUTES: '15',
          ALERTS_INTRADAY: 'true',
          ALERT_COOLDOWN_SESSIONS: '5',
        }),
      },
    });
  });
});

describe('query API', () => {
  it('puts the API function behind an HTTP API whose stage is throttled and access-logged', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: '$default' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 },
      AccessLogSettings: { DestinationArn: Match.anyValue() },
    });
    const env = (resources[functionId('Api')].Properties.Environment as { Variables: Record<string, unknown> })
      .Variables;
    expect(env).toMatchObject({
      DASHBOARD_DIR: '/var/task/dashboard',
      CHARTS_FILE: '/var/task/dashboard/vendor/lightweight-charts.js',
      APP_VERSION: '0.1.0',
    });
    // The chart draws the bars the worker cached: the API knows no provider.
    expect(Object.keys(env).filter((name) => /PROVIDER|DATA_DIR|SCHWAB|ALPACA/.test(name))).toEqual([]);
    expect(env.DEBUG_MEMORY).toBeUndefined();
    // The gateway checks the token; the function only knows which answers to keep private.
    expect(env.API_TOKEN_SECRET_ID).toBeUndefined();
    expect(env.API_ACCESS).toBe('token');
    expect(resources[functionId('Api')].Properties.Timeout).toBe(10);
  });

  it('wires the CORS origin and debug endpoint from configuration', () => {
    const custom = synth({
      api: {
        corsOrigin: 'https://trader.example.com',
        debugMemory: true,
        throttleRate: 5,
      },
    }).template();
    custom.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          DEBUG_MEMORY: 'true',
          CORS_ORIGIN: 'https://trader.example.com',
        }),
      },
    });
    custom.hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: Match.objectLike({ AllowOrigins: ['https://trader.example.com'] }),
    });
    custom.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: Match.objectLike({ ThrottlingRateLimit: 5 }),
    });
  });
});

describe('API authentication at the gateway', () => {
  /** Each route's key → its authorization type (and whether it names the one authorizer). */
  const routeTable = (res: Resources) => {
    const [authorizerId] = Object.entries(res).find(([, r]) => r.Type === 'AWS::ApiGatewayV2::Authorizer') ?? [];
    return Object.fromEntries(
      Object.values(res)
        .filter((r) => r.Type === 'AWS::ApiGatewayV2::Route')
        .map((r) => {
          const authorizer = r.Properties.AuthorizerId as { Ref: string } | undefined;
          expect(authorizer === undefined || authorizer.Ref === authorizerId).toBe(true);
          return [r.Properties.RouteKey as string, r.Properties.AuthorizationType as string];
        }),
    );
  };
  /** The construct paths that acknowledge cdk-nag's APIG4 (no authorization). */
  const apig4Acknowledged = (scope: ScanfleetStack) =>
    scope.node
      .findAll()
      .filter((c) =>
        c.node.metadata.some(
          (m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY && JSON.stringify(m.data).includes('APIG4'),
        ),
      )
      .map((c) => c.node.path);
  const PROTECTED = {
    'ANY /api': 'CUSTOM',
    'ANY /api/{proxy+}': 'CUSTOM',
    'GET /api/symbols/{symbol}/chart': 'CUSTOM',
    // The watchlists' writes (the lists-writer's routes): never public.
    'PUT /api/watchlists/{name}': 'CUSTOM',
    'DELETE /api/watchlists/{name}': 'CUSTOM',
    'POST /api/watchlists/{name}/symbols': 'CUSTOM',
    'DELETE /api/watchlists/{name}/symbols/{symbol}': 'CUSTOM',
  };

  it('puts the authorizer on /api and everything below it; only the dashboard’s files and health are public', () => {
    expect(routeTable(resources)).toEqual({ $default: 'NONE', 'GET /api/health': 'NONE', ...PROTECTED });
  });

  it('makes the read-only routes public with api.public, never the chart', () => {
    const open = synth({ api: { public: true } })
      .template()
      .toJSON().Resources as Resources;
    expect(routeTable(open)).toEqual({
      $default: 'NONE',
      'GET /api/health': 'NONE',
      'GET /api/scans/{scanner}': 'NONE',
      'GET /api/symbols/{symbol}': 'NONE',
      'GET /api/runs': 'NONE',
      'GET /api/runs/{runId}': 'NONE',
      ...PROTECTED,
    });
    const api = Object.entries(open).find(
      ([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('QueryApiFunction'),
    )?.[1];
    expect((api?.Properties.Environment as { Variables: Record<string, unknown> }).Variables.API_ACCESS).toBe(
      'public-reads',
    );
  });

  it('sends the four list writes, behind the token authorizer, to the lists-writer — and only them', () => {
    const [authorizerId] = ofType('AWS::ApiGatewayV2::Authorizer')[0];
    const integrations = Object.fromEntries(ofType('AWS::ApiGatewayV2::Integration'));
    /** Each route's key → its authorization, its authorizer and the function its integration invokes. */
    const routes = Object.fromEntries(
      ofType('AWS::ApiGatewayV2::Route').map(([, r]) => {
        const target = (r.Properties.Target as { 'Fn::Join': [string, [string, { Ref: string }]] })['Fn::Join'][1];
        expect(target[0]).toBe('integrations/');
        const integration = integrations[target[1].Ref].Properties;
        expect([integration.IntegrationType, integration.PayloadFormatVersion]).toEqual(['AWS_PROXY', '2.0']);
        return [
          r.Properties.RouteKey as string,
          [
            r.Properties.AuthorizationType,
            r.Properties.AuthorizerId,
            (integration.IntegrationUri as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'],
          ],
        ];
      }),
    );
    const writer = [functionId('ListsWriter'), 'Arn'];
    const writes = [
      'PUT /api/watchlists/{name}',
      'DELETE /api/watchlists/{name}',
      'POST /api/watchlists/{name}/symbols',
      'DELETE /api/watchlists/{name}/symbols/{symbol}',
    ];
    for (const key of writes) expect(routes[key], key).toEqual(['CUSTOM', { Ref: authorizerId }, writer]);
    // Every other route (the read API's) goes to the API function: no read route reaches the writer.
    for (const [key, [, , uri]] of Object.entries(routes).filter(([key]) => !writes.includes(key)))
      expect(uri, key).toEqual([functionId('Api'), 'Arn']);
    // API Gateway may invoke the lists-writer on these four paths of this API alone.
    const invokes = ofType('AWS::Lambda::Permission').filter(([, p]) =>
      JSON.stringify(p.Properties.FunctionName).includes(functionId('ListsWriter')),
    );
    const api = ofType('AWS::ApiGatewayV2::Api')[0][0];
    expect(
      invokes
        .map(([, p]) => {
          expect([p.Properties.Action, p.Properties.Principal]).toEqual([
            'lambda:InvokeFunction',
            'apigateway.amazonaws.com',
          ]);
          const parts = (p.Properties.SourceArn as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
          expect(parts.at(-2)).toEqual({ Ref: api });
          return parts.at(-1);
        })
        .sort(),
    ).toEqual(
      [
        '/*/*/api/watchlists/{name}',
        '/*/*/api/watchlists/{name}',
        '/*/*/api/watchlists/{name}/symbols',
        '/*/*/api/watchlists/{name}/symbols/{symbol}',
      ].sort(),
    );
  });

  it('authorizes with a Lambda REQUEST authorizer: the Authorization header, simple responses, 300 s cache', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      AuthorizerType: 'REQUEST',
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: true,
      IdentitySource: ['$request.header.Authorization'],
      AuthorizerResultTtlInSeconds: 300,
      AuthorizerUri: Match.objectLike({
        'Fn::Join': Match.arrayWith([Match.arrayWith([{ 'Fn::GetAtt': [functionId('Authorizer'), 'Arn'] }])]),
      }),
    });
    // API Gateway may invoke it, for this API only.
    const invokes = ofType('AWS::Lambda::Permission').filter(([, p]) =>
      JSON.stringify(p.Properties.FunctionName).includes(functionId('Authorizer')),
    );
    expect(invokes.map(([, p]) => p.Properties.Principal)).toEqual(['apigateway.amazonaws.com']);
  });

  it('generates the token secret, names it in an output, and lets the authorizer alone read it', () => {
    const [[secretId, secret]] = ofType('AWS::SecretsManager::Secret');
    expect(secret.Properties.GenerateSecretString).toEqual({
      SecretStringTemplate: '{}',
      GenerateStringKey: 'token',
      ExcludePunctuation: true,
      PasswordLength: 40,
    });
    expect(template.toJSON().Outputs.ApiTokenSecret.Value).toEqual({ Ref: secretId });
    const authorizerEnv = (
      resources[functionId('Authorizer')].Properties.Environment as { Variables: Record<string, unknown> }
    ).Variables;
    expect(authorizerEnv.API_TOKEN_SECRET_ID).toEqual({ Ref: secretId });
    expect(statementsOf(roleOf(functionId('Authorizer'))).map((st) => [st.Action, st.Resource])).toEqual([
      [['logs:CreateLogStream', 'logs:PutLogEvents'], expect.anything()],
      [['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], { Ref: secretId }],
    ]);
    const readers = ofType('AWS::IAM::Policy').filter(([, p]) =>
      JSON.stringify(p.Properties.PolicyDocument).includes(`"Ref":"${secretId}"`),
    );
    expect(readers.map(([, p]) => p.Properties.Roles)).toEqual([[{ Ref: roleOf(functionId('Authorizer')) }]]);
    expect(actionsOf(roleOf(functionId('Api'))).filter((a) => a.startsWith('secretsmanager:'))).toEqual([]);
  });

  it('uses the owner’s token secret when api.tokenSecret names one, and creates none', () => {
    const own = synth({ api: { tokenSecret: 'scanfleet/api-token' } })
      .template()
      .toJSON();
    const res = own.Resources as Resources;
    expect(Object.values(res).filter((r) => r.Type === 'AWS::SecretsManager::Secret')).toEqual([]);
    expect(JSON.stringify(own.Outputs.ApiTokenSecret.Value)).toContain('secret:scanfleet/api-token');
    const readers = Object.values(res).filter(
      (r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties.PolicyDocument).includes('api-token'),
    );
    expect(readers.map((r) => JSON.stringify(r.Properties.Roles))).toEqual([
      expect.stringContaining('QueryAuthorizerRole'),
    ]);
  });

  it('acknowledges cdk-nag’s APIG4 on the public routes only, each with its reason, never on the API', () => {
    expect(apig4Acknowledged(stack).sort()).toEqual([
      'Scanfleet/Query/Http/DefaultRoute',
      'Scanfleet/Query/Http/GET--api--health',
    ]);
    const open = synth({ api: { public: true }, discordSecret: 'scanfleet/discord' });
    expect(apig4Acknowledged(open.stack).sort()).toEqual(
      [
        'Scanfleet/Query/Http/DefaultRoute',
        'Scanfleet/Query/Http/GET--api--health',
        'Scanfleet/Query/Http/GET--api--runs',
        'Scanfleet/Query/Http/GET--api--runs--{runId}',
        'Scanfleet/Query/Http/GET--api--scans--{scanner}',
        'Scanfleet/Query/Http/GET--api--symbols--{symbol}',
        'Scanfleet/Query/Http/POST--discord--interactions',
      ].sort(),
    );
    // cfn-guard (Control Tower's CT.APIGATEWAY.PR.5): suppressed in the metadata of exactly the routes without an authorizer.
    const routes = Object.values(open.template().toJSON().Resources as Record<string, Record<string, unknown>>).filter(
      (r) => r.Type === 'AWS::ApiGatewayV2::Route',
    );
    const suppressed = (r: Record<string, unknown>) =>
      (r.Metadata as { guard?: { SuppressedRules: string[] } } | undefined)?.guard?.SuppressedRules ?? [];
    const keyOf = (r: Record<string, unknown>) => (r.Properties as { RouteKey: string }).RouteKey;
    expect(routes.filter((r) => suppressed(r).length > 0).map(keyOf)).toEqual(
      routes.filter((r) => (r.Properties as { AuthorizationType: string }).AuthorizationType === 'NONE').map(keyOf),
    );
    expect(routes.filter((r) => suppressed(r).length > 0)).toHaveLength(7);
    for (const route of routes.filter((r) => suppressed(r).length > 0))
      expect(suppressed(route)).toEqual(['api_gw_v2_authorization_type_configured_check']);
  });

  it('is a check that can fail: a new route without the authorizer fails synthesis', () => {
    const { app } = synth({}, (s) =>
      s.queryApi.api.addRoutes({
        path: '/api/watchlists',
        methods: [HttpMethod.POST],
        integration: new HttpLambdaIntegration('Careless', s.queryApi.handler.fn),
      }),
    );
    expect(() => app.synth()).toThrow(/AwsSolutions-APIG4/);
  });
});

describe('observability', () => {
  const topic = () => ofType('AWS::SNS::Topic')[0][0];
  const key = () => ofType('AWS::KMS::Key')[0][0];
  type Alarm = Record<string, unknown>;
  /** Every alarm by its construct id (the logical id without the Observability prefix and hash). */
  const alarms = (): Record<string, Alarm> =>
    Object.fromEntries(
      ofType('AWS::CloudWatch::Alarm').map(([id, a]) => [
        id.replace(/^Observability/, '').replace(/[0-9A-F]{8}$/, ''),
        a.Properties,
      ]),
    );
  const ref = (id: string) => ({ Ref: id });
  const lambda = (name: string, metric: string) => ({
    Namespace: 'AWS/Lambda',
    MetricName: metric,
    Dimensions: [{ Name: 'FunctionName', Value: ref(functionId(name)) }],
    Statistic: 'Sum',
    Period: 300,
    Threshold: 0,
    ComparisonOperator: 'GreaterThanThreshold',
    EvaluationPeriods: 1,
    TreatMissingData: 'notBreaching',
  });
  const custom = (service: string, metric: string, statistic: string, threshold: number, period = 300) => ({
    Namespace: 'scanfleet',
    MetricName: metric,
    Dimensions: [{ Name: 'service', Value: service }],
    Statistic: statistic,
    Period: period,
    Threshold: threshold,
  });
  const queue = (prefix: string, metric: string, threshold: number) => ({
    Namespace: 'AWS/SQS',
    MetricName: metric,
    Dimensions: [
      {
        Name: 'QueueName',
        Value: { 'Fn::GetAtt': [ofType('AWS::SQS::Queue').find(([id]) => id.startsWith(prefix))?.[0], 'QueueName'] },
      },
    ],
    Statistic: 'Maximum',
    Period: 300,
    Threshold: threshold,
    ComparisonOperator: 'GreaterThanThreshold',
    EvaluationPeriods: 1,
    TreatMissingData: 'notBreaching',
  });

  it('watches every promise: each alarm’s metric, statistic, period, threshold and comparison', () => {
    const above = {
      ComparisonOperator: 'GreaterThanThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
    };
    const expected: Record<string, Alarm> = {
      ScanQueueDlqDepth: queue('PipelineDeadLetterQueue', 'ApproximateNumberOfMessagesVisible', 0),
      SchedulerDlqDepth: queue('SchedulesDeadLetterQueue', 'ApproximateNumberOfMessagesVisible', 0),
      ScanQueueAge: queue('PipelineScanQueue', 'ApproximateAgeOfOldestMessage', 900),
      Api5xx: {
        Namespace: 'AWS/ApiGateway',
        MetricName: '5xx',
        Dimensions: [{ Name: 'ApiId', Value: ref(ofType('AWS::ApiGatewayV2::Api')[0][0]) }],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 0,
        ...above,
      },
      BatchesFailed: { ...custom('scan-batch', 'BatchesFailed', 'Sum', 0), ...above },
      // A dead watchdog alarms: no data for two 15-minute periods counts as overdue.
      FullRunOverdue: {
        ...custom('sweeper', 'FullRunOverdue', 'Maximum', 1, 900),
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 2,
        TreatMissingData: 'breaching',
      },
      ResultsStale: {
        ...custom('sweeper', 'ResultsStale', 'Maximum', 1, 900),
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        EvaluationPeriods: 1,
        TreatMissingData: 'notBreaching',
      },
    };
    const services = {
      Dispatch: 'dispatch',
      ScanBatch: 'scan-batch',
      Api: 'api',
      Authorizer: 'authorizer',
      Sweeper: 'sweeper',
      ListsWriter: 'lists-writer',
    };
    for (const [name, service] of Object.entries(services)) {
      expected[`${name}Errors`] = lambda(name, 'Errors');
      expected[`${name}Throttles`] = lambda(name, 'Throttles');
      // 85% of the function's memory: 192 MB (the lists-writer's too), dispatch's and the authorizer's 128 MB.
      const threshold = name === 'Authorizer' || name === 'Dispatch' ? 108.8 : 163.2;
      expected[`${name}MaxRss`] = { ...custom(service, 'MaxRss', 'Maximum', threshold), ...above };
    }
    const actual = alarms();
    expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
    for (const [id, want] of Object.entries(expected)) expect(actual[id], id).toMatchObject(want);
    expect(stack.observability.alarms).toHaveLength(25);
  });

  it('sends every alarm’s ALARM and OK to the topic, with a description that says what to do', () => {
    for (const [id, alarm] of Object.entries(alarms())) {
      expect(alarm.AlarmActions, id).toEqual([ref(topic())]);
      expect(alarm.OKActions, id).toEqual([ref(topic())]);
      expect(alarm.AlarmDescription, id).toMatch(/What to do: \S/);
    }
  });

  it('sets a MaxRss alarm at 85% of each function’s own memory', () => {
    expect(alarms().SweeperMaxRss.AlarmDescription).toContain('passed 163.2 MB, 85% of its 192 MB');
    expect(alarms().AuthorizerMaxRss.AlarmDescription).toContain('passed 108.8 MB, 85% of its 128 MB');
    expect(configured.alarms.SweeperMaxRss.Threshold).toBe(435.2);
    expect(configured.alarms.DispatchMaxRss.Threshold).toBe(108.8);
  });

  it('encrypts the topic with a customer-managed key, rotated, that CloudWatch and Budgets may use — exactly Decrypt and GenerateDataKey*', () => {
    const keyProps = resources[key()].Properties;
    expect(keyProps.EnableKeyRotation).toBe(true);
    expect(resources[topic()].Properties.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [key(), 'Arn'] });
    template.hasResource('AWS::KMS::Key', { DeletionPolicy: 'Delete', UpdateReplacePolicy: 'Delete' });
    const statements = (
      keyProps.KeyPolicy as { Statement: (Statement & { Principal: unknown; Condition?: unknown })[] }
    ).Statement;
    const byService = (service: string) =>
      statements.filter((s) => JSON.stringify(s.Principal) === JSON.stringify({ Service: service }));
    for (const service of ['cloudwatch.amazonaws.com', 'budgets.amazonaws.com']) {
      const granted = byService(service);
      expect(granted, service).toHaveLength(1);
      expect(granted[0].Effect).toBe('Allow');
      expect([granted[0].Action].flat().sort(), service).toEqual(['kms:Decrypt', 'kms:GenerateDataKey*']);
    }
    // Budgets only on this account's behalf (its guide's confused-deputy conditions).
    expect(byService('budgets.amazonaws.com')[0].Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
      ArnLike: {
        'aws:SourceArn': {
          'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':budgets::', { Ref: 'AWS::AccountId' }, ':*']],
        },
      },
    });
    // No other service principal may use the key; the account keeps administering it.
    expect(statements.filter((s) => JSON.stringify(s.Principal).includes('Service'))).toHaveLength(2);
  });

  it('lets CloudWatch alarms and Budgets of this account publish to the topic, over TLS only', () => {
    const [, policy] = ofType('AWS::SNS::TopicPolicy')[0];
    expect(policy.Properties.Topics).toEqual([ref(topic())]);
    const statements = (
      policy.Properties.PolicyDocument as { Statement: (Statement & { Principal: unknown; Condition: unknown })[] }
    ).Statement;
    const allow = statements.filter((s) => s.Effect === 'Allow');
    expect(allow.map((s) => [s.Principal, s.Action, s.Resource])).toEqual([
      [{ Service: 'cloudwatch.amazonaws.com' }, 'sns:Publish', ref(topic())],
      [{ Service: 'budgets.amazonaws.com' }, 'sns:Publish', ref(topic())],
    ]);
    const account = { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } };
    expect(allow[0].Condition).toMatchObject({ StringEquals: account });
    expect(JSON.stringify(allow[0].Condition)).toContain(':alarm:*');
    expect(allow[1].Condition).toMatchObject({ StringEquals: account });
    expect(statements.filter((s) => s.Effect === 'Deny').map((s) => s.Condition)).toEqual([
      { Bool: { 'aws:SecureTransport': 'false' } },
    ]);
  });

  it('budgets the account’s monthly cost at $10, telling the topic at 80% actual and 100% forecast', () => {
    const [[budgetId, budget]] = ofType('AWS::Budgets::Budget');
    expect(budget.Properties.Budget).toEqual({
      BudgetName: 'Scanfleet-monthly',
      BudgetType: 'COST',
      TimeUnit: 'MONTHLY',
      BudgetLimit: { Amount: 10, Unit: 'USD' },
    });
    const notifications = budget.Properties.NotificationsWithSubscribers as {
      Notification: Record<string, unknown>;
      Subscribers: unknown[];
    }[];
    expect(notifications.map((n) => [n.Notification.NotificationType, n.Notification.Threshold])).toEqual([
      ['ACTUAL', 80],
      ['FORECASTED', 100],
    ]);
    for (const n of notifications) {
      expect(n.Notification).toMatchObject({ ComparisonOperator: 'GREATER_THAN', ThresholdType: 'PERCENTAGE' });
      expect(n.Subscribers).toEqual([{ SubscriptionType: 'SNS', Address: ref(topic()) }]);
    }
    // Budgets checks its publish permission when the budget is created.
    const json = template.toJSON().Resources as Record<string, { DependsOn?: string[] }>;
    expect(json[budgetId].DependsOn).toEqual([ofType('AWS::SNS::TopicPolicy')[0][0]]);
  });

  it('shows every alarm’s state on the dashboard, with memory, duration, errors, dead letters and signals', () => {
    const [, dashboard] = ofType('AWS::CloudWatch::Dashboard')[0];
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    expect(body).toContain('\\"type\\":\\"alarm\\"');
    for (const [id] of ofType('AWS::CloudWatch::Alarm')) expect(body, id).toContain(`{"Fn::GetAtt":["${id}","Arn"]}`);
    for (const text of [
      'Peak RSS of a container (MB)',
      '"scanfleet\\",\\"MaxRss\\"',
      'Duration p99 (ms)',
      'Dead letters waiting',
      'SignalsFound',
      'ApproximateNumberOfMessagesVisible',
      'FullRunOverdue',
      'ResultsStale',
    ])
      expect(body).toContain(text);
  });

  it('holds what the cost model counts: its alarms, dashboard, key and the custom metrics the handlers publish', () => {
    const inventory = stackInventory({ discord: false, secrets: 0 });
    expect(ofType('AWS::CloudWatch::Alarm')).toHaveLength(inventory.alarms);
    expect(ofType('AWS::CloudWatch::Dashboard')).toHaveLength(inventory.dashboards);
    expect(ofType('AWS::KMS::Key')).toHaveLength(inventory.kmsKeys);
    // Custom metrics: each handler's addMetric names (its own directory), MaxRss of every deployed
    // function, and the ones the alarms watch (the sweeper's, whose handler lives in the runtime work).
    const services = deployedServices();
    expect(services.sort()).toEqual(['api', 'authorizer', 'dispatch', 'lists-writer', 'scan-batch', 'sweeper']);
    const metrics = new Set<string>();
    for (const service of services) {
      metrics.add(`${service}/MaxRss`);
      const dir = join(projectRoot, 'functions', service);
      for (const file of readdirSync(dir, { recursive: true })
        .map(String)
        .filter((f) => f.endsWith('.ts')))
        for (const [, name] of readFileSync(join(dir, file), 'utf8').matchAll(/addMetric\('(\w+)'/g))
          metrics.add(`${service}/${name}`);
    }
    for (const [, alarm] of ofType('AWS::CloudWatch::Alarm'))
      if (alarm.Properties.Namespace === 'scanfleet')
        metrics.add(
          `${(alarm.Properties.Dimensions as { Value: string }[])[0].Value}/${String(alarm.Properties.MetricName)}`,
        );
    expect([...metrics].sort()).toEqual(
      [
        ...services.map((s) => `${s}/MaxRss`),
        ...Object.entries(HANDLER_METRICS).flatMap(([service, names]) => names.map((n) => `${service}/${n}`)),
      ].sort(),
    );
    expect(metrics.size).toBe(inventory.customMetrics);
  });

  it('subscribes no e-mail and no Discord function without their settings', () => {
    template.resourceCountIs('AWS::SNS::Subscription', 0);
  });
});

describe('the sweeper', () => {
  const sweeperRole = () => roleOf(functionId('Sweeper'));

  it('runs with 192 MB for 300 s, with the settings it sweeps by', () => {
    const fn = resources[functionId('Sweeper')].Properties;
    expect([fn.MemorySize, fn.Timeout, fn.Runtime]).toEqual([192, 300, 'nodejs24.x']);
    const env = (fn.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env).toEqual({
      POWERTOOLS_LOG_LEVEL: 'INFO',
      MALLOC_ARENA_MAX: '2',
      TABLE_NAME: { Ref: expect.stringMatching(/^ResultsTable/) },
      RESULTS_TTL_DAYS: '7',
      RUNS_TTL_DAYS: '30',
      BATCH_SIZE: '30',
      WORKER_CONCURRENCY: '2',
      SCHEDULES: JSON.stringify([
        'cron(30 9-15 ? * MON-FRI *)',
        'cron(45 16 ? * MON-FRI *)',
        'cron(0 20 ? * MON-FRI *)',
      ]),
      SCHEDULE_TIME_ZONE: 'America/New_York',
      SCHEDULES_ENABLED: 'true',
      MAX_RECEIVES: '3',
      PROVIDER: 'csv',
      DATA_DIR: '/var/task/data/daily',
    });
  });

  it('is invoked every 15 minutes by its own schedule with {"sweep": true}, whose role may invoke it alone', () => {
    const sweeps = ofType('AWS::Scheduler::Schedule').filter(([id]) => id.startsWith('Operations'));
    expect(sweeps).toHaveLength(1);
    const [, schedule] = sweeps[0];
    expect(schedule.Properties.ScheduleExpression).toBe('rate(15 minutes)');
    expect(schedule.Properties.State).toBe('ENABLED');
    const target = schedule.Properties.Target as { Arn: unknown; Input: string; RoleArn: { 'Fn::GetAtt': [string] } };
    expect(target.Arn).toEqual({ 'Fn::GetAtt': [functionId('Sweeper'), 'Arn'] });
    expect(JSON.parse(target.Input)).toEqual({ sweep: true });
    const role = target.RoleArn['Fn::GetAtt'][0];
    expect(JSON.stringify(resources[role].Properties.AssumeRolePolicyDocument)).toContain('scheduler.amazonaws.com');
    expect(statementsOf(role).map((s) => [s.Action, s.Resource])).toEqual([
      [
        'lambda:InvokeFunction',
        [
          { 'Fn::GetAtt': [functionId('Sweeper'), 'Arn'] },
          { 'Fn::Join': ['', [{ 'Fn::GetAtt': [functionId('Sweeper'), 'Arn'] }, ':*']] },
        ],
      ],
    ]);
  });

  it('consumes the scan pipeline’s dead-letter queue one message at a time, reporting failures', () => {
    const dlq = ofType('AWS::SQS::Queue').find(([id]) => id.startsWith('PipelineDeadLetterQueue'))?.[0] as string;
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: functionId('Sweeper') },
      EventSourceArn: { 'Fn::GetAtt': [dlq, 'Arn'] },
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    // Lambda refuses an event source whose visibility timeout is shorter than the function's timeout.
    expect(resources[dlq].Properties.VisibilityTimeout).toBe(6 * 300);
  });

  it('is dispatch’s asynchronous on-failure destination, after 2 retries', () => {
    const configs = ofType('AWS::Lambda::EventInvokeConfig');
    expect(configs.map(([, c]) => c.Properties)).toEqual([
      {
        FunctionName: { Ref: functionId('Dispatch') },
        Qualifier: '$LATEST',
        MaximumRetryAttempts: 2,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [functionId('Sweeper'), 'Arn'] } } },
      },
    ]);
  });

  it('may read and update runs, the outbox and the controls, update the scorecard’s document, and query the runs index — exactly; with Discord, send drain messages', () => {
    const table = { 'Fn::GetAtt': [expect.stringMatching(/^ResultsTable/), 'Arn'] };
    const dlq = { 'Fn::GetAtt': [expect.stringMatching(/^PipelineDeadLetterQueue/), 'Arn'] };
    expect(
      statementsOf(sweeperRole()).map((s) => [
        [s.Action].flat().sort(),
        s.Resource,
        (s as { Condition?: unknown }).Condition,
      ]),
    ).toEqual([
      [
        ['logs:CreateLogStream', 'logs:PutLogEvents'],
        { 'Fn::GetAtt': [expect.stringMatching(/^OperationsSweeperLogs/), 'Arn'] },
        undefined,
      ],
      [['dynamodb:GetItem', 'dynamodb:Query'], table, undefined],
      [
        ['dynamodb:BatchWriteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        table,
        { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['RUN#*', 'OUTBOX', 'CONTROL'] } },
      ],
      [['dynamodb:UpdateItem'], table, { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['SCORECARD#DOC'] } }],
      [['dynamodb:Query'], { 'Fn::Join': ['', [table, '/index/gsi1']] }, undefined],
      [
        [
          'sqs:ChangeMessageVisibility',
          'sqs:DeleteMessage',
          'sqs:GetQueueAttributes',
          'sqs:GetQueueUrl',
          'sqs:ReceiveMessage',
        ],
        dlq,
        undefined,
      ],
    ]);
    const withDiscord = synth({ discordSecret: 'scanfleet/discord' }).template().toJSON().Resources as Resources;
    const send = statementsOfFunction(withDiscord, 'OperationsSweeperFunction').find(
      (st) => st.Action === 'sqs:SendMessage',
    );
    expect(send?.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^PipelineScanQueue/), 'Arn'] });
  });
});

describe('the lists-writer', () => {
  it('runs with 192 MB for 29 s (the HTTP API’s integration limit), with the table, the provider and the lists’ limits', () => {
    const fn = resources[functionId('ListsWriter')].Properties;
    expect([fn.MemorySize, fn.Timeout, fn.Runtime, fn.Architectures]).toEqual([192, 29, 'nodejs24.x', ['arm64']]);
    expect((fn.Environment as { Variables: Record<string, unknown> }).Variables).toEqual({
      POWERTOOLS_LOG_LEVEL: 'INFO',
      MALLOC_ARENA_MAX: '2',
      TABLE_NAME: { Ref: expect.stringMatching(/^ResultsTable/) },
      // New symbols are checked against the provider: the csv one reads the bundled copy of the data.
      PROVIDER: 'csv',
      DATA_DIR: '/var/task/data/daily',
      WORKER_CONCURRENCY: '2',
      LIST_LIMITS: JSON.stringify({ lists: 50, symbolsPerList: 1000, symbolsPerAdd: 100, totalSymbols: 5000 }),
    });
    expect(fn.LoggingConfig).toEqual({ LogGroup: { Ref: expect.stringMatching(/^ListsWriterLogs/) } });
  });

  it('takes its size and the lists’ limits from the settings `lists`', () => {
    const [, fn] =
      Object.entries(configured.resources).find(
        ([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('ListsWriterFunction'),
      ) ?? [];
    expect([fn?.Properties.MemorySize, fn?.Properties.Timeout]).toEqual([256, 20]);
    expect(
      JSON.parse((fn?.Properties.Environment as { Variables: Record<string, string> }).Variables.LIST_LIMITS),
    ).toEqual({ lists: 5, symbolsPerList: 200, symbolsPerAdd: 100, totalSymbols: 5000 });
    // Its MaxRss alarm follows its memory: 85% of 256 MB.
    expect(configured.alarms.ListsWriterMaxRss.Threshold).toBe(217.6);
  });

  it('has resources of its own named ListsWriter…, none of them the API’s: no logical id contains "Api"', () => {
    for (const res of [resources, configured.resources]) {
      const own = Object.keys(res).filter((id) => id.startsWith('ListsWriter'));
      expect(own.map((id) => `${res[id].Type} ${id.replace(/[0-9A-F]{8}$/, '')}`).sort()).toEqual([
        'AWS::IAM::Policy ListsWriterRoleDefaultPolicy',
        'AWS::IAM::Role ListsWriterRole',
        'AWS::Lambda::Function ListsWriterFunction',
        'AWS::Logs::LogGroup ListsWriterLogs',
      ]);
      for (const id of own) expect(id).not.toMatch(/Api/);
    }
    // The read API's function and role are another function's, with another role.
    expect(roleOf(functionId('ListsWriter'))).not.toBe(roleOf(functionId('Api')));
  });
});

describe('configuration', () => {
  it.each([
    [{ retention: { resultsDays: 'x' } }, 'scanfleet.retention.resultsDays must be a whole number from 1 up, got "x"'],
    [{ batchSize: 0 }, 'scanfleet.batchSize must be a whole number from 1 to 100, got 0'],
    [
      { scanBatch: { maxConcurrency: 1 } },
      'scanfleet.scanBatch.maxConcurrency must be a whole number from 2 to 1000, got 1',
    ],
    [
      { schedules: { marketHours: 'every hour' } },
      'scanfleet.schedules.marketHours must be a cron(…) expression with six fields, got "every hour"',
    ],
    [
      { schedules: { offHours: ['cron(0 0 ? * * *)'] } },
      'scanfleet.schedules.offHours is no longer a setting: daily bars cannot change outside a session, so the off-hours runs are gone; remove it',
    ],
    [
      { reducedWatchlistSize: 50 },
      'scanfleet.reducedWatchlistSize is no longer a setting: the off-hours runs of a reduced watchlist are gone (daily bars cannot change after the close); remove it',
    ],
    [{ alerts: { intraday: 'yes' } }, 'scanfleet.alerts.intraday must be true or false, got "yes"'],
    [
      { alerts: { cooldownSessions: 30 } },
      'scanfleet.alerts.cooldownSessions must be a whole number from 0 to 20, got 30',
    ],
    [
      { alerts: { dashboardUrl: 'http://scans.example.com' } },
      'scanfleet.alerts.dashboardUrl must be an https URL (http only on 127.0.0.1 or localhost), without ? or #, got "http://scans.example.com"',
    ],
    [{ alpacaFeed: 'otc' }, 'scanfleet.alpacaFeed must be "sip" or "iex", got "otc"'],
    [{ provider: 'bloomberg' }, 'scanfleet.provider must be one of csv, schwab, alpaca, yahoo, got "bloomberg"'],
    [{ provider: 'schwab' }, 'scanfleet.providerSecret is required for provider "schwab"'],
    [{ timeZone: 'Mars/Olympus' }, 'scanfleet.timeZone must be an IANA time zone'],
    [{ watchlistFile: 'nope.txt' }, 'scanfleet.watchlistFile: cannot read'],
    [{ alarmEmail: 'ops' }, 'scanfleet.alarmEmail must be an e-mail address, got "ops"'],
    [{ api: { corsOrigin: '*' } }, 'scanfleet.api.corsOrigin must be an origin such as https://example.com, got "*"'],
    [{ api: { debugMemory: 'yes' } }, 'scanfleet.api.debugMemory must be true or false, got "yes"'],
    [{ api: { timeoutSeconds: 60 } }, 'scanfleet.api.timeoutSeconds must be a whole number from 1 to 29, got 60'],
    [{ batchsize: 30 }, 'scanfleet.batchsize is not a setting'],
    [{ schedules: { enabled: 'off' } }, 'scanfleet.schedules.enabled must be true or false, got "off"'],
    [{ budget: { enabled: 'no' } }, 'scanfleet.budget.enabled must be true or false, got "no"'],
    [
      { sweeper: { timeoutSeconds: 901 } },
      'scanfleet.sweeper.timeoutSeconds must be a whole number from 1 to 900, got 901',
    ],
    ['{not json', 'scanfleet must be JSON when given on the command line'],
    [
      { discord: { adminPermission: 'Manage Server' } },
      'scanfleet.discord.adminPermission must be a Discord permission name, one of ADMINISTRATOR, MANAGE_GUILD, MANAGE_CHANNELS, MANAGE_ROLES, MANAGE_WEBHOOKS, MANAGE_MESSAGES, MANAGE_EVENTS, KICK_MEMBERS, BAN_MEMBERS, MODERATE_MEMBERS, got "Manage Server"',
    ],
    [
      { discord: { scanNowCooldownMinutes: 0 } },
      'scanfleet.discord.scanNowCooldownMinutes must be a whole number from 1 to 1440, got 0',
    ],
  ])('rejects %j naming the key', (context, message) => {
    expect(() => loadConfig(context, projectRoot)).toThrow(ConfigError);
    expect(() => loadConfig(context, projectRoot)).toThrow(message);
  });

  it.each([
    [{ api: { corsOrigin: 'x' } }, 'scanfleet.api.corsOrigin must be an origin such as https://example.com, got "x"'],
    [{ api: { corsOrigin: 5 } }, 'scanfleet.api.corsOrigin must be an origin such as https://example.com, got 5'],
    [{ api: { tokenSecret: '' } }, 'scanfleet.api.tokenSecret must be a non-empty string, got ""'],
    [{ api: { tokenSecret: 42 } }, 'scanfleet.api.tokenSecret must be a non-empty string, got 42'],
    [{ scanBatch: { memoryMb: 64 } }, 'scanfleet.scanBatch.memoryMb must be a whole number from 128 to 10240, got 64'],
    [{ alerts: { intraday: 1 } }, 'scanfleet.alerts.intraday must be true or false, got 1'],
    [
      { schedules: { refetch: 'at eight' } },
      'scanfleet.schedules.refetch must be a cron(…) expression with six fields, got "at eight"',
    ],
    [
      { api: { corsorigin: 'https://example.com' } },
      'scanfleet.api.corsorigin is not a setting (known: memoryMb, timeoutSeconds, throttleRate, throttleBurst, corsOrigin, debugMemory, tokenSecret, public)',
    ],
    [
      { budget: { monthlyUsd: 0 } },
      'scanfleet.budget.monthlyUsd must be a number of US dollars above 0, at most 1000000, got 0',
    ],
    [
      { budget: { monthlyUsd: '10' } },
      'scanfleet.budget.monthlyUsd must be a number of US dollars above 0, at most 1000000, got "10"',
    ],
    [{ sweeper: { memoryMb: 100 } }, 'scanfleet.sweeper.memoryMb must be a whole number from 128 to 10240, got 100'],
    [{ retention: { scorecardDays: 0 } }, 'scanfleet.retention.scorecardDays must be a whole number from 1 up, got 0'],
    [
      { retention: { scorecardDays: 30 } },
      "scanfleet.retention.scorecardDays must keep a session until its longest horizon's return falls due: 20 sessions (and a gap-fill) need 45 days, got 30",
    ],
    [
      { scorecardHorizons: [5, 0] },
      'scanfleet.scorecardHorizons must be whole numbers of sessions from 1 to 250, got [5,0]',
    ],
    [{ scorecardHorizons: [] }, 'scanfleet.scorecardHorizons must name at least one horizon, got []'],
    [{ sweeper: { memory: 512 } }, 'scanfleet.sweeper.memory is not a setting (known: memoryMb, timeoutSeconds)'],
    [[], 'scanfleet must be an object of settings'],
    [{ api: ['public'] }, 'scanfleet.api must be an object'],
  ])('reports a bad nested key %j with its full path, as the whole message', (context, message) => {
    expect(() => loadConfig(context, projectRoot)).toThrow(new ConfigError(message));
  });

  it('ends the app as cdk runs it in one line naming the setting, exit 2, no stack trace', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
      cwd: projectRoot,
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ scanfleet: { batchSize: -1 } }) },
      encoding: 'utf8',
    });
    expect([run.status, run.stdout, run.stderr]).toEqual([
      2,
      '',
      "scanfleet settings: scanfleet.batchSize must be a whole number from 1 to 100, got -1 (cdk.json's context.scanfleet, or cdk -c scanfleet='{…}')\n",
    ]);
  });
});

describe('operations settings', () => {
  it('default to schedules on, a $10 budget and a 192 MB, 300 s sweeper', () => {
    const config = loadConfig({}, projectRoot);
    expect([config.schedules.enabled, config.budget, config.sweeper]).toEqual([
      true,
      { enabled: true, monthlyUsd: 10 },
      { memoryMb: 192, timeoutSeconds: 300 },
    ]);
    expect(loadConfig({ budget: { monthlyUsd: 12.5 } }, projectRoot).budget).toEqual({
      enabled: true,
      monthlyUsd: 12.5,
    });
  });

  it('switch every run schedule off with schedules.enabled false, keep the sweep on, and tell dispatch and the sweeper', () => {
    const res = configured.resources;
    const schedules = Object.entries(res).filter(([, r]) => r.Type === 'AWS::Scheduler::Schedule');
    expect(schedules.map(([id, s]) => [id.replace(/[0-9A-F]{8}$/, ''), s.Properties.State])).toEqual([
      ['SchedulesMarketHours', 'DISABLED'],
      ['SchedulesAfterClose', 'DISABLED'],
      ['SchedulesRefetch', 'DISABLED'],
      ['OperationsSweepSchedule', 'ENABLED'],
    ]);
    const env = (prefix: string) =>
      (
        Object.entries(res).find(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith(prefix))?.[1]
          .Properties.Environment as { Variables: Record<string, unknown> }
      ).Variables;
    expect(env('PipelineDispatchFunction').SCHEDULES_ENABLED).toBe('false');
    expect(env('OperationsSweeperFunction').SCHEDULES_ENABLED).toBe('false');
  });

  it('create no budget with budget.enabled false, and size the sweeper (and its DLQ’s visibility) from its settings', () => {
    const res = Object.values(configured.resources);
    expect(res.filter((r) => r.Type === 'AWS::Budgets::Budget')).toEqual([]);
    const sweeper = Object.entries(configured.resources).find(
      ([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('OperationsSweeperFunction'),
    )?.[1];
    expect([sweeper?.Properties.MemorySize, sweeper?.Properties.Timeout]).toEqual([512, 120]);
    const dlq = Object.entries(configured.resources).find(([id]) => id.startsWith('PipelineDeadLetterQueue'))?.[1];
    expect(dlq?.Properties.VisibilityTimeout).toBe(720);
  });
});

describe('live providers', () => {
  it('wires the Schwab secret into the functions that fetch bars or watch the token, readable by them alone', () => {
    const schwab = synth({ provider: 'schwab', providerSecret: 'scanfleet/schwab' }).template().toJSON()
      .Resources as Resources;
    const fn = Object.entries(schwab).find(
      ([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('PipelineScanBatchFunction'),
    );
    const env = (fn?.[1].Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env.PROVIDER).toBe('schwab');
    expect(JSON.stringify(env.SCHWAB_SECRET_ID)).toContain('secret:scanfleet/schwab');
    expect(env.DATA_DIR).toBeUndefined();
    const policies = Object.values(schwab).filter((r) => r.Type === 'AWS::IAM::Policy');
    const readers = policies.filter((p) => {
      const document = JSON.stringify(p.Properties.PolicyDocument);
      return document.includes('secretsmanager:GetSecretValue') && document.includes('scanfleet/schwab');
    });
    // The worker fetches bars; the sweeper checks the refresh token's age; the lists-writer checks
    // a new symbol with one bars request. Neither the API (its chart draws the cached bars) nor
    // dispatch reads it.
    const roles = readers.map((p) => JSON.stringify(p.Properties.Roles));
    expect(roles).toHaveLength(3);
    expect(roles.filter((r) => r.includes('PipelineScanBatchRole'))).toHaveLength(1);
    expect(roles.filter((r) => r.includes('QueryApiRole'))).toHaveLength(0);
    expect(roles.filter((r) => r.includes('OperationsSweeperRole'))).toHaveLength(1);
    expect(roles.filter((r) => r.includes('ListsWriterRole'))).toHaveLength(1);
    expect(roles.filter((r) => r.includes('PipelineDispatchRole'))).toHaveLength(0);
    const writer = Object.entries(schwab).find(
      ([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('ListsWriterFunction'),
    );
    const writerEnv = (writer?.[1].Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(writerEnv).toMatchObject({ PROVIDER: 'schwab', PROVIDER_DELAY_MINUTES: '10' });
    expect(JSON.stringify(writerEnv.SCHWAB_SECRET_ID)).toContain('secret:scanfleet/schwab');
    expect(writerEnv.DATA_DIR).toBeUndefined();
    // The token's age comes with the secret's value (GetSecretValue's CreatedDate): nobody lists versions.
    expect(policies.some((p) => JSON.stringify(p.Properties.PolicyDocument).includes('ListSecretVersionIds'))).toBe(
      false,
    );
    const sweeper = Object.entries(schwab).find(
      ([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('OperationsSweeperFunction'),
    );
    const sweeperEnv = (sweeper?.[1].Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(sweeperEnv).toMatchObject({ PROVIDER: 'schwab', PROVIDER_DELAY_MINUTES: '10' });
    expect(JSON.stringify(sweeperEnv.SCHWAB_SECRET_ID)).toContain('secret:scanfleet/schwab');
  });

  it('wires an Alpaca secret given by ARN, with the feed', () => {
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:scanfleet/alpaca-AbCdEf';
    const alpaca = synth({ provider: 'alpaca', providerSecret: arn, alpacaFeed: 'sip' }).template();
    alpaca.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ PROVIDER: 'alpaca', ALPACA_SECRET_ID: arn, ALPACA_FEED: 'sip' }) },
    });
  });
});

let discordTemplate: Resources;
describe('discord', () => {
  it('adds the interactions function and route only when a Discord secret is configured, with exactly its permissions', () => {
    expect(ofType('AWS::Lambda::Function').some(([id]) => id.startsWith('DiscordInteractions'))).toBe(false);
    const withDiscord = synth({ discordSecret: 'scanfleet/discord' }).template();
    const res = withDiscord.toJSON().Resources as Resources;
    discordTemplate = res;
    withDiscord.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /discord/interactions' });
    const [fnId, fn] =
      Object.entries(res).find(
        ([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('DiscordInteractionsFunction'),
      ) ?? [];
    expect(fn?.Properties.FunctionName).toBe('Scanfleet-discord');
    const env = (fn?.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(JSON.parse(env.SCHEDULES as string)).toEqual([
      'cron(30 9-15 ? * MON-FRI *)',
      'cron(45 16 ? * MON-FRI *)',
      'cron(0 20 ? * MON-FRI *)',
    ]);
    expect(env.ALERTS_INTRADAY).toBe('false');
    expect(env.SCHEDULE_TIME_ZONE).toBe('America/New_York');
    // Who may /scan-now, /pause and /resume, and how often a server may start a run: the defaults.
    expect(env.DISCORD_ADMIN_PERMISSION).toBe('MANAGE_GUILD');
    expect(env.SCAN_NOW_COOLDOWN_MINUTES).toBe('10');
    expect(
      loadConfig({ discord: { adminPermission: 'ADMINISTRATOR', scanNowCooldownMinutes: 30 } }, projectRoot).discord,
    ).toEqual({ adminPermission: 'ADMINISTRATOR', scanNowCooldownMinutes: 30 });
    const roleId = (fn?.Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
    const statements = Object.values(res)
      .filter(
        (r) => r.Type === 'AWS::IAM::Policy' && (r.Properties.Roles as { Ref: string }[]).some((x) => x.Ref === roleId),
      )
      .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
    expect(statements.flatMap((st) => [st.Action].flat()).sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
      'lambda:InvokeFunction',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
    ]);
    // Its writes: the pause flag, the /scan-now cooldown and the /symbol lookup claims, on the CONTROL partition alone.
    const writes = statements.filter((st) => [st.Action].flat().includes('dynamodb:PutItem'));
    expect(writes.map((st) => [[st.Action].flat().sort(), (st as { Condition?: unknown }).Condition])).toEqual([
      [
        ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [LEADING_KEYS.control] } },
      ],
    ]);
    expect(KEYS.scanNow('123456789012345678').pk).toBe(LEADING_KEYS.control);
    expect(KEYS.lookup('123456789012345678', '4242').pk).toBe(LEADING_KEYS.control);
    // No list write: /watch asks the lists-writer, whose role alone holds LISTS.
    expect(JSON.stringify(statements)).not.toContain(LEADING_KEYS.lists);
    expect(KEYS.watchlist('semis').pk).toBe(LEADING_KEYS.lists);
    // It may invoke dispatch (/scan-now), the lists-writer (/watch) and itself (deferred replies): nothing else.
    const invokes = statements.filter((st) => [st.Action].flat().includes('lambda:InvokeFunction'));
    expect(invokes.map((st) => [st.Action, st.Resource])).toEqual([
      [
        'lambda:InvokeFunction',
        [
          { 'Fn::GetAtt': [expect.stringMatching(/^PipelineDispatchFunction[0-9A-F]{8}$/), 'Arn'] },
          { 'Fn::GetAtt': [expect.stringMatching(/^ListsWriterFunction[0-9A-F]{8}$/), 'Arn'] },
          {
            'Fn::Join': [
              '',
              [
                'arn:',
                { Ref: 'AWS::Partition' },
                ':lambda:',
                { Ref: 'AWS::Region' },
                ':',
                { Ref: 'AWS::AccountId' },
                ':function:Scanfleet-discord',
              ],
            ],
          },
        ],
      ],
    ]);
    expect(env.LISTS_WRITER_FUNCTION).toEqual({ Ref: expect.stringMatching(/^ListsWriterFunction[0-9A-F]{8}$/) });
    expect(env.DISPATCH_FUNCTION).toEqual({ Ref: expect.stringMatching(/^PipelineDispatchFunction[0-9A-F]{8}$/) });
    expect(fnId).toBeDefined();
    // The worker may now post alerts: it reads the Discord secret (its event and outbox grants are the same with or without Discord).
    const scanBatch = Object.entries(res).find(
      ([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('PipelineScanBatchFunction'),
    )?.[1];
    const scanRole = (scanBatch?.Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
    const scanActions = Object.values(res)
      .filter(
        (r) =>
          r.Type === 'AWS::IAM::Policy' && (r.Properties.Roles as { Ref: string }[]).some((x) => x.Ref === scanRole),
      )
      .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement)
      .flatMap((st) => [st.Action].flat());
    expect(scanActions).toEqual(expect.arrayContaining(['secretsmanager:GetSecretValue']));
    expect(
      (scanBatch?.Properties.Environment as { Variables: Record<string, unknown> }).Variables.DISCORD_SECRET_ID,
    ).toBeDefined();
  });

  it('gives the worker and the sweeper the dashboard their alert lines link to: the HTTP API’s address, or alerts.dashboardUrl', () => {
    const posters = ['PipelineScanBatchFunction', 'OperationsSweeperFunction'];
    const dashboardIn = (res: Resources) =>
      posters.map(
        (prefix) =>
          (
            Object.entries(res).find(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith(prefix))?.[1]
              .Properties.Environment as { Variables: Record<string, unknown> }
          ).Variables.DASHBOARD_URL,
      );
    const [apiId] = Object.entries(discordTemplate).find(([, r]) => r.Type === 'AWS::ApiGatewayV2::Api') ?? [];
    expect(apiId).toMatch(/^QueryHttp[0-9A-F]{8}$/);
    const endpoint = { 'Fn::GetAtt': [apiId, 'ApiEndpoint'] };
    expect(dashboardIn(discordTemplate)).toEqual([endpoint, endpoint]);
    // Without Discord nothing posts alerts: no address.
    expect(dashboardIn(resources)).toEqual([undefined, undefined]);
    const custom = synth({ discordSecret: 'scanfleet/discord', alerts: { dashboardUrl: 'https://scans.example.com' } })
      .template()
      .toJSON().Resources as Resources;
    expect(dashboardIn(custom)).toEqual(['https://scans.example.com', 'https://scans.example.com']);
  });
});

describe('alarms in Discord', () => {
  it('subscribes the bundled alarm-notify function to the topic when a Discord secret is configured; it may read that secret and write its logs, nothing else', () => {
    const res = discordTemplate;
    const [fnId, fn] =
      Object.entries(res).find(
        ([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith('ObservabilityAlarmNotifyFunction'),
      ) ?? [];
    expect(fnId).toBeDefined();
    expect([fn?.Properties.Runtime, fn?.Properties.Handler, fn?.Properties.MemorySize]).toEqual([
      'nodejs24.x',
      'index.handler',
      128,
    ]);
    expect((fn?.Properties.Code as { S3Key: string }).S3Key).toMatch(/\.zip$/);
    const env = (fn?.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(Object.keys(env).sort()).toEqual(['DISCORD_SECRET_ID', 'MALLOC_ARENA_MAX', 'POWERTOOLS_LOG_LEVEL']);
    const topicId = Object.entries(res).find(([, r]) => r.Type === 'AWS::SNS::Topic')?.[0];
    const subscriptions = Object.values(res).filter((r) => r.Type === 'AWS::SNS::Subscription');
    expect(subscriptions.map((r) => r.Properties)).toEqual([
      { Protocol: 'lambda', TopicArn: { Ref: topicId }, Endpoint: { 'Fn::GetAtt': [fnId, 'Arn'] } },
    ]);
    const invokers = Object.values(res).filter(
      (r) => r.Type === 'AWS::Lambda::Permission' && JSON.stringify(r.Properties.FunctionName).includes(fnId as string),
    );
    expect(invokers.map((r) => [r.Properties.Principal, r.Properties.SourceArn])).toEqual([
      ['sns.amazonaws.com', { Ref: topicId }],
    ]);
    const roleId = (fn?.Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
    const statements = Object.values(res)
      .filter(
        (r) => r.Type === 'AWS::IAM::Policy' && (r.Properties.Roles as { Ref: string }[]).some((x) => x.Ref === roleId),
      )
      .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
    expect(statements.map((st) => [st.Action, JSON.stringify(st.Resource)])).toEqual([
      [['logs:CreateLogStream', 'logs:PutLogEvents'], expect.stringContaining('ObservabilityAlarmNotifyLogs')],
      ['secretsmanager:GetSecretValue', expect.stringContaining(':secret:scanfleet/discord-??????')],
    ]);
    // It is watched like every function: errors, throttles and peak memory, 31 alarms in all.
    const alarms = Object.entries(res)
      .filter(([, r]) => r.Type === 'AWS::CloudWatch::Alarm')
      .map(([id]) => id);
    expect(alarms.filter((id) => id.startsWith('ObservabilityAlarmNotify'))).toHaveLength(3);
    expect(alarms).toHaveLength(31);
    expect(alarms).toHaveLength(stackInventory({ discord: true, secrets: 1 }).alarms);
  });
});

describe('cdk-nag AwsSolutions and the Control Tower rules', () => {
  it('pass with every acknowledgment and suppression justified in code', () => {
    const { app } = synth();
    expect(() => app.synth()).not.toThrow();
    const { app: full } = synth({
      discordSecret: 'scanfleet/discord',
      provider: 'schwab',
      providerSecret: 'scanfleet/schwab',
      api: { tokenSecret: 'scanfleet/api', public: true },
    });
    expect(() => full.synth()).not.toThrow();
    // Two synths, each bundling every function (eight in the full one).
  }, 60_000);

  it('is a check that can fail: an unencrypted queue without a DLQ fails synthesis', () => {
    const { app } = synth({}, (stack) => new Queue(stack, 'Careless', { enforceSSL: false }));
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS(3|4)/);
  });
});
