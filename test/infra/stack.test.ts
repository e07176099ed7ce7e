import type { Stack } from 'aws-cdk-lib';
import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../lib/config.js';
import { ScanfleetStack } from '../../lib/scanfleet-stack.js';
import { KEYS, LEADING_KEYS } from '../../functions/adapters/store/table-schema.js';

const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

function synth(context: unknown = {}, extra?: (stack: Stack) => void) {
  const app = new App();
  const stack = new ScanfleetStack(app, 'Scanfleet', { config: loadConfig(context, projectRoot), projectRoot });
  extra?.(stack);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack, template: () => Template.fromStack(stack) };
}

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };
type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

let template: Template;
let resources: Resources;
beforeAll(() => {
  template = synth().template();
  resources = template.toJSON().Resources as Resources;
}, 60_000);

const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
const functionId = (name: string) =>
  ofType('AWS::Lambda::Function').find(([id]) =>
    id.startsWith(name === 'Api' ? 'QueryApiFunction' : `Pipeline${name}Function`),
  )?.[0] as string;
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
    expect(functions).toHaveLength(3);
    for (const [, fn] of functions) {
      expect(fn.Properties.Runtime).toBe('nodejs24.x');
      expect(fn.Properties.Architectures).toEqual(['arm64']);
      expect(fn.Properties.Handler).toBe('index.handler');
      expect(fn.Properties.MemorySize).toBe(256);
    }
    const env = (name: string) =>
      (resources[functionId(name)].Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env('Dispatch')).toMatchObject({
      BATCH_SIZE: '30',
      RESULTS_TTL_DAYS: '7',
      RUNS_TTL_DAYS: '30',
      WATCHLISTS_FILE: '/var/task/watchlists.json',
      TABLE_NAME: { Ref: expect.stringMatching(/^ResultsTable/) },
      QUEUE_URL: { Ref: expect.stringMatching(/^PipelineScanQueue/) },
    });
    expect(env('ScanBatch')).toMatchObject({
      PROVIDER: 'csv',
      DATA_DIR: '/var/task/data/daily',
      LOOKBACK_BARS: '150',
      MAX_RECEIVES: '3',
      TABLE_NAME: { Ref: expect.stringMatching(/^ResultsTable/) },
    });
    expect(env('ScanBatch').QUEUE_URL).toBeUndefined();
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

  it('lets dispatch create and update runs and send batches — nothing else', () => {
    const role = roleOf(functionId('Dispatch'));
    expect(actionsOf(role).sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'sqs:SendMessage',
    ]);
    const table = statementsOf(role).find((s) => [s.Action].flat().includes('dynamodb:PutItem'));
    expect(table?.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ResultsTable/), 'Arn'] });
  });

  it('lets scan-batch write results and progress and consume its queue — and never send to it', () => {
    const actions = actionsOf(roleOf(functionId('ScanBatch')));
    expect(actions.sort()).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:BatchWriteItem',
      'dynamodb:DeleteItem',
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
    ]);
    expect(actionsOf(roleOf(functionId('Dispatch')))).not.toContain('dynamodb:BatchWriteItem');
    expect(actionsOf(roleOf(functionId('Dispatch')))).not.toContain('sqs:ReceiveMessage');
  });

  it('limits scan-batch’s item puts, deletes and batch reads to signal events and the alert outbox, by partition key', () => {
    const keyed = statementsOf(roleOf(functionId('ScanBatch'))).filter((st) =>
      [st.Action].flat().some((a) => ['dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:BatchGetItem'].includes(a)),
    );
    const prefixes = ['EVENT#*', 'OUTBOX'];
    expect(keyed.map((st) => [[st.Action].flat().sort(), (st as { Condition?: unknown }).Condition])).toEqual([
      [
        ['dynamodb:BatchGetItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem'],
        { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': prefixes } },
      ],
    ]);
    // The keys the store writes are the ones the condition names.
    expect([LEADING_KEYS.events, LEADING_KEYS.outbox]).toEqual(prefixes);
    expect(KEYS.event('AAPL', '2024-03-08', 'macd', 'bullish_cross').pk).toBe('EVENT#AAPL');
    expect(KEYS.state('AAPL').pk).toBe('EVENT#AAPL');
    expect(KEYS.outboxMessage('20261124T214500Z-full#0a1b2c3d', 0).pk).toBe('OUTBOX');
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

  it('lets the schedules invoke dispatch only', () => {
    const schedulerRole = ofType('AWS::IAM::Role').find(([, r]) =>
      JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('scheduler.amazonaws.com'),
    )?.[0] as string;
    expect(actionsOf(schedulerRole).sort()).toEqual(['lambda:InvokeFunction', 'sqs:SendMessage']);
    const invoke = statementsOf(schedulerRole).find((s) => s.Action === 'lambda:InvokeFunction');
    expect(JSON.stringify(invoke?.Resource)).toContain(functionId('Dispatch'));
    expect(JSON.stringify(invoke?.Resource)).not.toContain(functionId('ScanBatch'));
  });
});

describe('schedules', () => {
  it('scan the full watchlist hourly in market hours, at 16:45 after the close and at 20:00 to re-fetch, in New York time', () => {
    const schedules = ofType('AWS::Scheduler::Schedule').map(([, s]) => ({
      expression: s.Properties.ScheduleExpression,
      timeZone: s.Properties.ScheduleExpressionTimezone,
      input: JSON.parse((s.Properties.Target as { Input: string }).Input) as {
        watchlist: string;
        purpose: string;
        scheduledAt: string;
      },
      retries: (s.Properties.Target as { RetryPolicy: { MaximumRetryAttempts: number } }).RetryPolicy
        .MaximumRetryAttempts,
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
    }
  });

  it('bundle the watchlist dispatch resolves: 150 symbols', () => {
    const config = loadConfig({}, projectRoot);
    expect(config.watchlists).toEqual({ full: expect.any(Array) });
    expect(config.watchlists.full).toHaveLength(150);
  });

  it('give the worker the alert settings and the provider its delay', () => {
    const t = synth({
      provider: 'yahoo',
      providerDelayMinutes: 15,
      alerts: { intraday: true, cooldownSessions: 5 },
    }).template();
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
      PROVIDER: 'csv',
      APP_VERSION: '0.1.0',
    });
    expect(env.DEBUG_MEMORY).toBeUndefined();
    expect(env.API_TOKEN_SECRET_ID).toBeUndefined();
    expect(resources[functionId('Api')].Properties.Timeout).toBe(10);
  });

  it('wires the optional bearer token secret, CORS origin and debug endpoint from configuration', () => {
    const custom = synth({
      api: {
        tokenSecret: 'scanfleet/api-token',
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
          API_TOKEN_SECRET_ID: Match.anyValue(),
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

describe('observability', () => {
  it('has a dashboard of memory (MaxRss), duration, errors, dead letters and signals', () => {
    const [, dashboard] = ofType('AWS::CloudWatch::Dashboard')[0];
    const body = JSON.stringify(dashboard.Properties.DashboardBody);
    for (const text of [
      'Peak RSS of a container (MB)',
      '"scanfleet\\",\\"MaxRss\\"',
      'Duration p99 (ms)',
      'Dead letters waiting',
      'SignalsFound',
      'ApproximateNumberOfMessagesVisible',
    ])
      expect(body).toContain(text);
  });

  it('alarms on any dead letter and on any function error', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm').map(([, a]) => a.Properties);
    const byMetric = alarms.map((a) => `${String(a.Namespace)}/${String(a.MetricName)}`).sort();
    expect(byMetric).toEqual([
      'AWS/Lambda/Errors',
      'AWS/Lambda/Errors',
      'AWS/Lambda/Errors',
      'AWS/SQS/ApproximateNumberOfMessagesVisible',
      'AWS/SQS/ApproximateNumberOfMessagesVisible',
    ]);
    for (const alarm of alarms) {
      expect(alarm.Threshold).toBe(0);
      expect(alarm.ComparisonOperator).toBe('GreaterThanThreshold');
      expect(alarm.AlarmActions).toEqual([{ Ref: expect.stringMatching(/^ObservabilityAlarms/) }]);
    }
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
    ['{not json', 'scanfleet must be JSON when given on the command line'],
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
      'scanfleet.api.corsorigin is not a setting (known: memoryMb, timeoutSeconds, throttleRate, throttleBurst, corsOrigin, debugMemory, tokenSecret)',
    ],
  ])('reports a bad nested key %j with its full path, as the whole message', (context, message) => {
    expect(() => loadConfig(context, projectRoot)).toThrow(new ConfigError(message));
  });
});

describe('live providers', () => {
  it('wires the Schwab secret into scan-batch only, readable by it alone', () => {
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
    const readers = policies.filter((p) =>
      JSON.stringify(p.Properties.PolicyDocument).includes('secretsmanager:GetSecretValue'),
    );
    // The worker fetches bars; the API fetches them for its chart. Dispatch never reads it.
    const roles = readers.map((p) => JSON.stringify(p.Properties.Roles));
    expect(roles).toHaveLength(2);
    expect(roles.filter((r) => r.includes('PipelineScanBatchRole'))).toHaveLength(1);
    expect(roles.filter((r) => r.includes('QueryApiRole'))).toHaveLength(1);
  });

  it('wires an Alpaca secret given by ARN, with the feed', () => {
    const arn = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:scanfleet/alpaca-AbCdEf';
    const alpaca = synth({ provider: 'alpaca', providerSecret: arn, alpacaFeed: 'sip' }).template();
    alpaca.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ PROVIDER: 'alpaca', ALPACA_SECRET_ID: arn, ALPACA_FEED: 'sip' }) },
    });
  });
});

describe('discord', () => {
  it('adds the interactions function and route only when a Discord secret is configured, with exactly its permissions', () => {
    expect(ofType('AWS::Lambda::Function').some(([id]) => id.startsWith('DiscordInteractions'))).toBe(false);
    const withDiscord = synth({ discordSecret: 'scanfleet/discord' }).template();
    const res = withDiscord.toJSON().Resources as Resources;
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
    const roleId = (fn?.Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
    const statements = Object.values(res)
      .filter(
        (r) => r.Type === 'AWS::IAM::Policy' && (r.Properties.Roles as { Ref: string }[]).some((x) => x.Ref === roleId),
      )
      .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
    expect(statements.flatMap((st) => [st.Action].flat()).sort()).toEqual([
      'dynamodb:GetItem',
      'dynamodb:Query',
      'lambda:InvokeFunction',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
    ]);
    const invoke = JSON.stringify(statements.find((st) => st.Action === 'lambda:InvokeFunction')?.Resource);
    expect(invoke).toContain('PipelineDispatchFunction');
    expect(invoke).toContain(':function:Scanfleet-discord');
    expect(invoke).not.toContain('ScanBatch');
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
});

describe('cdk-nag AwsSolutions', () => {
  it('passes with every acknowledgment justified in code', () => {
    const { app } = synth();
    expect(() => app.synth()).not.toThrow();
    const { app: full } = synth({
      discordSecret: 'scanfleet/discord',
      provider: 'schwab',
      providerSecret: 'scanfleet/schwab',
      api: { tokenSecret: 'scanfleet/api' },
    });
    expect(() => full.synth()).not.toThrow();
  });

  it('is a check that can fail: an unencrypted queue without a DLQ fails synthesis', () => {
    const { app } = synth({}, (stack) => new Queue(stack, 'Careless', { enforceSSL: false }));
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS(3|4)/);
  });
});
