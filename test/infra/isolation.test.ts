import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config.js';
import { ControlTowerChecks } from '../../lib/guard-validator.js';
import { ScanfleetStack } from '../../lib/scanfleet-stack.js';

// Every role of the full stack (a Discord secret, a provider secret and an API token secret, so
// that every function and grant exists), read statement by statement: which role may do what to
// which resource. The expectations are what lib/ means each function to do, and no more.
const projectRoot = fileURLToPath(new URL('../..', import.meta.url));
const FULL = {
  discordSecret: 'scanfleet/discord',
  provider: 'schwab',
  providerSecret: 'scanfleet/schwab',
  api: { tokenSecret: 'scanfleet/api-token' },
};

type Statement = {
  Effect: string;
  Action?: string | string[];
  NotAction?: unknown;
  Resource?: unknown;
  NotResource?: unknown;
  Principal?: unknown;
  NotPrincipal?: unknown;
  Condition?: unknown;
};
type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;
type RoleName =
  | 'dispatch'
  | 'scan-batch'
  | 'api'
  | 'authorizer'
  | 'discord'
  | 'sweeper'
  | 'alarm-notify'
  | 'lists-writer'
  | 'scheduler'
  | 'sweep-scheduler';
type FunctionName = Exclude<RoleName, 'scheduler' | 'sweep-scheduler'>;
/** One action a role may take on one resource (the resource as its template JSON). */
interface Grant {
  role: RoleName;
  action: string;
  resource: string;
}

function synth(extra?: (stack: ScanfleetStack) => void): Resources {
  const app = new App();
  const stack = new ScanfleetStack(app, 'Scanfleet', { config: loadConfig(FULL, projectRoot), projectRoot });
  // cdk-nag and the Control Tower rules would refuse a careless stack (its wildcards) before the analysis below could look at it.
  if (extra) extra(stack);
  else Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ControlTowerChecks());
  return Template.fromStack(stack).toJSON().Resources as Resources;
}

/** The template's functions, roles and grants, by the names lib/ gives them. */
function model(resources: Resources) {
  const ofType = (type: string) => Object.entries(resources).filter(([, r]) => r.Type === type);
  const idOf = (type: string, prefix: string) => {
    const found = ofType(type).filter(([id]) => id.startsWith(prefix));
    expect(
      found.map(([id]) => id),
      `${type} ${prefix}`,
    ).toHaveLength(1);
    return found[0][0];
  };
  const functions: Record<FunctionName, string> = {
    dispatch: idOf('AWS::Lambda::Function', 'PipelineDispatchFunction'),
    'scan-batch': idOf('AWS::Lambda::Function', 'PipelineScanBatchFunction'),
    api: idOf('AWS::Lambda::Function', 'QueryApiFunction'),
    authorizer: idOf('AWS::Lambda::Function', 'QueryAuthorizerFunction'),
    discord: idOf('AWS::Lambda::Function', 'DiscordInteractionsFunction'),
    sweeper: idOf('AWS::Lambda::Function', 'OperationsSweeperFunction'),
    'alarm-notify': idOf('AWS::Lambda::Function', 'ObservabilityAlarmNotifyFunction'),
    'lists-writer': idOf('AWS::Lambda::Function', 'ListsWriterFunction'),
  };
  const roleOfFunction = (fnId: string) =>
    (resources[fnId].Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
  const schedulerRoles = ofType('AWS::IAM::Role').filter(([, r]) =>
    JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('scheduler.amazonaws.com'),
  );
  expect(schedulerRoles.map(([id]) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
    'OperationsSchedulerRole',
    'SchedulesSchedulerRole',
  ]);
  const roles: Record<RoleName, string> = {
    dispatch: roleOfFunction(functions.dispatch),
    'scan-batch': roleOfFunction(functions['scan-batch']),
    api: roleOfFunction(functions.api),
    authorizer: roleOfFunction(functions.authorizer),
    discord: roleOfFunction(functions.discord),
    sweeper: roleOfFunction(functions.sweeper),
    'alarm-notify': roleOfFunction(functions['alarm-notify']),
    'lists-writer': roleOfFunction(functions['lists-writer']),
    scheduler: idOf('AWS::IAM::Role', 'SchedulesSchedulerRole'),
    'sweep-scheduler': idOf('AWS::IAM::Role', 'OperationsSchedulerRole'),
  };
  const roleName = (roleId: string) =>
    (Object.entries(roles).find(([, id]) => id === roleId)?.[0] ?? `unknown role ${roleId}`) as RoleName;
  const policies = ofType('AWS::IAM::Policy');
  const statements = policies.flatMap(([, p]) =>
    (p.Properties.Roles as { Ref: string }[]).flatMap((r) =>
      (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement.map((statement) => ({
        role: roleName(r.Ref),
        statement,
      })),
    ),
  );
  const grants: Grant[] = statements.flatMap(({ role, statement }) =>
    [statement.Action ?? []]
      .flat()
      .flatMap((action) =>
        [statement.Resource ?? []].flat().map((resource) => ({ role, action, resource: JSON.stringify(resource) })),
      ),
  );
  const table = idOf('AWS::DynamoDB::Table', 'ResultsTable');
  const scanQueue = idOf('AWS::SQS::Queue', 'PipelineScanQueue');
  const pipelineDlq = idOf('AWS::SQS::Queue', 'PipelineDeadLetterQueue');
  const schedulerDlq = idOf('AWS::SQS::Queue', 'SchedulesDeadLetterQueue');
  /** The roles that may take an action matching `action` on a resource whose JSON contains `resource`. */
  const who = (action: RegExp, resource: string) =>
    [
      ...new Set(grants.filter((g) => action.test(g.action) && g.resource.includes(resource)).map((g) => g.role)),
    ].sort();
  return { resources, ofType, functions, roles, statements, grants, table, scanQueue, pipelineDlq, schedulerDlq, who };
}

const TABLE_WRITES =
  /^dynamodb:(PutItem|UpdateItem|DeleteItem|BatchWriteItem|TransactWriteItems|PartiQLInsert|PartiQLUpdate|PartiQLDelete|DeleteTable|UpdateTable|CreateTable)$/;
const TABLE_READS = /^dynamodb:(GetItem|BatchGetItem|Query|Scan|TransactGetItems|PartiQLSelect)$/;
const SECRET_READ = /^secretsmanager:(GetSecretValue|DescribeSecret|ListSecretVersionIds|\*)$/;
const SECRETS = {
  provider: 'secret:scanfleet/schwab-',
  apiToken: 'secret:scanfleet/api-token-',
  discord: 'secret:scanfleet/discord-',
  /** Generated in the stack (with Discord): the key subscriptions' webhooks are sealed with. */
  subscriptionKey: '"Ref":"SubscriptionKey',
};

let m: ReturnType<typeof model>;
beforeAll(() => {
  m = model(synth());
}, 60_000);

describe('roles', () => {
  it('gives every function a role of its own, assumed by Lambda alone, with no managed or inline policies', () => {
    const roleIds = Object.values(m.roles);
    expect(new Set(roleIds).size).toBe(10);
    expect(
      m
        .ofType('AWS::IAM::Role')
        .map(([id]) => id)
        .sort(),
    ).toEqual([...roleIds].sort());
    for (const [name, id] of Object.entries(m.roles)) {
      const role = m.resources[id].Properties;
      const principals = (role.AssumeRolePolicyDocument as { Statement: Statement[] }).Statement.map(
        (s) => s.Principal,
      );
      expect(principals, name).toEqual([
        { Service: name.endsWith('scheduler') ? 'scheduler.amazonaws.com' : 'lambda.amazonaws.com' },
      ]);
      expect(role.ManagedPolicyArns, name).toBeUndefined();
      expect(role.Policies, name).toBeUndefined();
    }
  });

  it('grants by Allow statements with explicit resources only: no NotAction, NotResource or NotPrincipal', () => {
    for (const { role, statement } of m.statements) {
      expect(statement.Effect, role).toBe('Allow');
      expect(statement.NotAction ?? statement.NotResource ?? statement.NotPrincipal, role).toBeUndefined();
      expect(statement.Resource, role).toBeDefined();
    }
  });

  it('grants no action and no data-plane resource by wildcard', () => {
    for (const grant of m.grants) {
      expect(grant.action, grant.role).not.toMatch(/\*/);
      if (!/^(dynamodb|sqs|secretsmanager|lambda):/.test(grant.action)) continue;
      expect(grant.resource, `${grant.role} ${grant.action}`).not.toBe('"*"');
      if (!grant.resource.includes('*')) continue;
      // The wildcards lib/ means, each acknowledged where it is made: Scheduler may invoke dispatch's
      // versions (<dispatch ARN>:*, scan-schedules.ts), the sweep schedule and dispatch's on-failure
      // destination the sweeper's (operations.ts).
      const versions = (fn: string) => JSON.stringify({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [fn, 'Arn'] }, ':*']] });
      expect([
        { role: 'scheduler', action: 'lambda:InvokeFunction', resource: versions(m.functions.dispatch) },
        { role: 'sweep-scheduler', action: 'lambda:InvokeFunction', resource: versions(m.functions.sweeper) },
        { role: 'dispatch', action: 'lambda:InvokeFunction', resource: versions(m.functions.sweeper) },
      ]).toContainEqual({ role: grant.role, action: grant.action, resource: grant.resource });
    }
  });

  it('lets each function write its own log group only', () => {
    for (const [name, fnId] of Object.entries(m.functions)) {
      const logGroup = (m.resources[fnId].Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      const logs = m.grants.filter((g) => g.role === name && g.action.startsWith('logs:'));
      expect(logs.map((g) => g.action).sort(), name).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
      for (const grant of logs) expect(grant.resource, name).toBe(JSON.stringify({ 'Fn::GetAtt': [logGroup, 'Arn'] }));
    }
    expect(m.grants.filter((g) => g.role.endsWith('scheduler') && g.action.startsWith('logs:'))).toEqual([]);
  });
});

describe('the results table', () => {
  const CONTROL = { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['CONTROL'] } };
  const LISTS = { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['LISTS', 'SUBS'] } };
  /** A role's statements that write the table: their actions and conditions. */
  const tableWrites = (name: RoleName) =>
    m.statements
      .filter(
        ({ role, statement }) => role === name && [statement.Action].flat().some((a) => TABLE_WRITES.test(a ?? '')),
      )
      .map(({ statement }) => [[statement.Action].flat().sort(), statement.Condition]);
  const arn = () => ({ 'Fn::GetAtt': [m.table, 'Arn'] });
  const index = (name: string) => JSON.stringify({ 'Fn::Join': ['', [arn(), `/index/${name}`]] });

  it('is written by dispatch, scan-batch and the sweeper — by the Discord function on the CONTROL partition alone, by the lists-writer on the LISTS and SUBS partitions alone', () => {
    expect(m.who(TABLE_WRITES, m.table)).toEqual(['discord', 'dispatch', 'lists-writer', 'scan-batch', 'sweeper']);
    expect(tableWrites('discord')).toEqual([
      [['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], CONTROL],
    ]);
    expect(tableWrites('lists-writer')).toEqual([
      [['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem'], LISTS],
    ]);
    // Nothing else of the lists-writer's touches the table, and it reaches no index.
    expect(
      m.statements
        .filter(
          ({ role, statement }) => role === 'lists-writer' && /^dynamodb:/.test(String([statement.Action].flat()[0])),
        )
        .map(({ statement }) => [statement.Resource, statement.Condition]),
    ).toEqual([[arn(), LISTS]]);
    // Deletes: the lists-writer alone (a list or a subscription deleted), and only on LISTS and SUBS.
    expect(m.who(/^dynamodb:DeleteItem$/, m.table)).toEqual(['lists-writer']);
  });

  it('is only read by the API: GetItem and Query, on the table and its two indexes', () => {
    const table = m.grants.filter((g) => g.role === 'api' && g.action.startsWith('dynamodb:'));
    expect([...new Set(table.map((g) => g.action))].sort()).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
    expect(table.every((g) => TABLE_READS.test(g.action))).toBe(true);
    expect([...new Set(table.map((g) => g.resource))].sort()).toEqual(
      [JSON.stringify(arn()), index('gsi1'), index('gsi2')].sort(),
    );
  });

  it('is read by the Discord function like the API, besides its CONTROL items', () => {
    const reads = m.statements.filter(
      ({ role, statement }) =>
        role === 'discord' &&
        statement.Condition === undefined &&
        /^dynamodb:/.test(String([statement.Action].flat()[0])),
    );
    expect(
      reads.map(({ statement }) => [
        [statement.Action].flat().sort(),
        [statement.Resource]
          .flat()
          .map((r) => JSON.stringify(r))
          .sort(),
      ]),
    ).toEqual([[['dynamodb:GetItem', 'dynamodb:Query'], [JSON.stringify(arn()), index('gsi1'), index('gsi2')].sort()]]);
  });

  it('is touched by no other role, and through an index only by the roles that query it (dispatch and the sweeper: the runs index, Query alone)', () => {
    expect(m.who(/^dynamodb:/, m.table)).toEqual([
      'api',
      'discord',
      'dispatch',
      'lists-writer',
      'scan-batch',
      'sweeper',
    ]);
    expect(m.who(/^dynamodb:/, '/index/')).toEqual(['api', 'discord', 'dispatch', 'sweeper']);
    for (const role of ['dispatch', 'sweeper'] as const)
      expect(
        m.grants.filter((g) => g.role === role && g.resource.includes('/index/')).map((g) => [g.action, g.resource]),
        role,
      ).toEqual([['dynamodb:Query', index('gsi1')]]);
  });
});

describe('the scan queue and the dead-letter queues', () => {
  it('is sent to by dispatch (batches), scan-batch and the sweeper (delayed drain messages) — SendMessage alone', () => {
    expect(m.who(/^sqs:SendMessage(Batch)?$/, m.scanQueue)).toEqual(['dispatch', 'scan-batch', 'sweeper']);
    for (const role of ['dispatch', 'sweeper'] as const)
      expect(
        m.grants.filter((g) => g.role === role && g.resource.includes(m.scanQueue)).map((g) => g.action),
        role,
      ).toEqual(['sqs:SendMessage']);
  });

  it('is consumed (received, deleted, its visibility changed) by scan-batch only', () => {
    expect(m.who(/^sqs:ReceiveMessage$/, m.scanQueue)).toEqual(['scan-batch']);
    expect(m.who(/^sqs:DeleteMessage(Batch)?$/, m.scanQueue)).toEqual(['scan-batch']);
    expect(m.who(/^sqs:ChangeMessageVisibility(Batch)?$/, m.scanQueue)).toEqual(['scan-batch']);
    expect(m.who(/^sqs:/, m.scanQueue)).toEqual(['dispatch', 'scan-batch', 'sweeper']);
  });

  it('fills the pipeline’s DLQ by SQS redrive alone, and lets the sweeper alone consume it', () => {
    expect(m.who(/^sqs:/, m.pipelineDlq)).toEqual(['sweeper']);
    expect(
      m.grants
        .filter((g) => g.resource.includes(m.pipelineDlq))
        .map((g) => g.action)
        .sort(),
    ).toEqual([
      'sqs:ChangeMessageVisibility',
      'sqs:DeleteMessage',
      'sqs:GetQueueAttributes',
      'sqs:GetQueueUrl',
      'sqs:ReceiveMessage',
    ]);
  });

  it('lets Scheduler send undeliverable invocations to its own DLQ, and nothing else touch it', () => {
    expect(m.who(/^sqs:/, m.schedulerDlq)).toEqual(['scheduler']);
    expect(
      m.grants.filter((g) => g.role === 'scheduler' && g.action.startsWith('sqs:')).map((g) => [g.action, g.resource]),
    ).toEqual([['sqs:SendMessage', JSON.stringify({ 'Fn::GetAtt': [m.schedulerDlq, 'Arn'] })]]);
    expect(m.grants.filter((g) => g.role === 'sweep-scheduler' && g.action.startsWith('sqs:'))).toEqual([]);
  });

  it('has queue policies that only deny (insecure transport), never allow a principal', () => {
    const policies = m.ofType('AWS::SQS::QueuePolicy');
    expect(policies).toHaveLength(3);
    for (const [id, policy] of policies) {
      for (const statement of (policy.Properties.PolicyDocument as { Statement: Statement[] }).Statement) {
        expect(statement.Effect, id).toBe('Deny');
        expect(statement.Condition, id).toEqual({ Bool: { 'aws:SecureTransport': 'false' } });
      }
    }
  });
});

describe('secrets', () => {
  it('lets the worker read the provider secret, the sweeper (the token’s age) and the lists-writer (a new symbol checked) — no one else: the API’s chart draws cached bars', () => {
    expect(m.who(SECRET_READ, SECRETS.provider)).toEqual(['lists-writer', 'scan-batch', 'sweeper']);
    const named = (resource: string) => Object.entries(SECRETS).find(([, s]) => resource.includes(s))?.[0] ?? resource;
    expect(
      m.grants
        .filter((g) => g.role === 'lists-writer' && g.action.startsWith('secretsmanager:'))
        .map((g) => [g.action, named(g.resource)]),
    ).toEqual([
      ['secretsmanager:GetSecretValue', 'provider'],
      ['secretsmanager:DescribeSecret', 'provider'],
      ['secretsmanager:GetSecretValue', 'subscriptionKey'],
      ['secretsmanager:DescribeSecret', 'subscriptionKey'],
    ]);
    expect(
      m.grants
        .filter((g) => g.role === 'sweeper' && g.action.startsWith('secretsmanager:'))
        .map((g) => [
          g.action,
          g.resource.includes(SECRETS.provider)
            ? 'provider'
            : g.resource.includes(SECRETS.discord)
              ? 'discord'
              : g.resource.includes(SECRETS.subscriptionKey)
                ? 'subscriptionKey'
                : g.resource,
        ]),
    ).toEqual([
      ['secretsmanager:GetSecretValue', 'discord'],
      ['secretsmanager:GetSecretValue', 'provider'],
      ['secretsmanager:GetSecretValue', 'subscriptionKey'],
    ]);
  });

  it('lets the lists-writer (sealing), the worker and the sweeper (posting) read the subscriptions’ key — no one else', () => {
    expect(m.who(SECRET_READ, SECRETS.subscriptionKey)).toEqual(['lists-writer', 'scan-batch', 'sweeper']);
  });

  it('lets the authorizer alone read the API token secret, and nothing else but its logs', () => {
    expect(m.who(SECRET_READ, SECRETS.apiToken)).toEqual(['authorizer']);
    expect(
      m.grants
        .filter((g) => g.role === 'authorizer' && !g.action.startsWith('logs:'))
        .map((g) => [g.action, g.resource]),
    ).toEqual([
      ['secretsmanager:GetSecretValue', expect.stringContaining(SECRETS.apiToken)],
      ['secretsmanager:DescribeSecret', expect.stringContaining(SECRETS.apiToken)],
    ]);
  });

  it('lets the Discord function, the worker and the sweeper (webhooks) and alarm-notify (the operator webhook) read the Discord secret — no one else', () => {
    expect(m.who(SECRET_READ, SECRETS.discord)).toEqual(['alarm-notify', 'discord', 'scan-batch', 'sweeper']);
    expect(
      m.grants.filter((g) => g.role === 'alarm-notify' && !g.action.startsWith('logs:')).map((g) => g.action),
    ).toEqual(['secretsmanager:GetSecretValue']);
  });

  it('grants only reads of those four secrets, and nothing on any other secret', () => {
    const secrets = m.grants.filter((g) => g.action.startsWith('secretsmanager:'));
    expect([...new Set(secrets.map((g) => g.action))].sort()).toEqual([
      'secretsmanager:DescribeSecret',
      'secretsmanager:GetSecretValue',
    ]);
    for (const grant of secrets)
      expect(
        Object.values(SECRETS).filter((s) => grant.resource.includes(s)),
        `${grant.role} ${grant.resource}`,
      ).toHaveLength(1);
    // The API function reads no secret: the gateway checks the token, the chart reads cached bars.
    expect(m.who(/^secretsmanager:/, 'secret:')).toEqual([
      'alarm-notify',
      'authorizer',
      'discord',
      'lists-writer',
      'scan-batch',
      'sweeper',
    ]);
  });
});

describe('invocations', () => {
  /** The functions a role may invoke, by name. */
  const targets = (role: RoleName) =>
    [
      ...new Set(
        m.grants
          .filter((g) => g.role === role && g.action.startsWith('lambda:'))
          .map((g) => {
            expect(g.action).toBe('lambda:InvokeFunction');
            if (g.resource.includes(m.functions.dispatch)) return 'dispatch';
            if (g.resource.includes(m.functions.sweeper)) return 'sweeper';
            if (g.resource === JSON.stringify({ 'Fn::GetAtt': [m.functions['lists-writer'], 'Arn'] }))
              return 'lists-writer';
            if (g.resource.includes(':function:Scanfleet-discord"')) return 'discord';
            return `unexpected ${g.resource}`;
          }),
      ),
    ].sort();

  it('lets the schedules invoke dispatch (and its versions) only, and the sweep schedule the sweeper only', () => {
    expect(targets('scheduler')).toEqual(['dispatch']);
    expect(targets('sweep-scheduler')).toEqual(['sweeper']);
  });

  it('lets the Discord function invoke dispatch (/scan-now), the lists-writer (/watch) and itself (deferred replies) only', () => {
    expect(targets('discord')).toEqual(['discord', 'dispatch', 'lists-writer']);
    expect(m.resources[m.functions.discord].Properties.FunctionName).toBe('Scanfleet-discord');
  });

  it('lets dispatch invoke the sweeper alone (its on-failure destination)', () => {
    expect(targets('dispatch')).toEqual(['sweeper']);
  });

  it('lets no other role invoke any function', () => {
    for (const role of ['scan-batch', 'api', 'sweeper', 'alarm-notify', 'lists-writer'] as const)
      expect(targets(role), role).toEqual([]);
  });

  it('lets API Gateway invoke the API function on its routes, the lists-writer on the list writes, the authorizer as this API’s authorizer and, on its one route, the Discord function, and SNS the alarm function from the alarm topic — nothing else', () => {
    const permissions = m.ofType('AWS::Lambda::Permission').map(([, p]) => p.Properties);
    const api = m.ofType('AWS::ApiGatewayV2::Api')[0][0];
    const topic = m.ofType('AWS::SNS::Topic')[0][0];
    const target = (p: Record<string, unknown>) => (p.FunctionName as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
    expect([...new Set(permissions.map(target))].sort()).toEqual(
      [
        m.functions.discord,
        m.functions.api,
        m.functions.authorizer,
        m.functions['alarm-notify'],
        m.functions['lists-writer'],
      ].sort(),
    );
    // One permission per API route, each for that route's path only.
    const routes = m.ofType('AWS::ApiGatewayV2::Route').map(([, r]) => String(r.Properties.RouteKey));
    const listWrites = [
      'DELETE /api/watchlists/{name}',
      'DELETE /api/watchlists/{name}/symbols/{symbol}',
      'POST /api/watchlists/{name}/symbols',
      'PUT /api/watchlists/{name}',
    ];
    expect(routes.filter((key) => key.includes('/watchlists')).sort()).toEqual(listWrites);
    const apiRoutes = routes.filter((key) => !key.includes('/discord/') && !listWrites.includes(key)).length;
    expect(permissions.filter((p) => target(p) === m.functions.api)).toHaveLength(apiRoutes);
    const sourcePath = (p: Record<string, unknown>) =>
      (p.SourceArn as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1].at(-1);
    expect(
      permissions
        .filter((p) => target(p) === m.functions['lists-writer'])
        .map(sourcePath)
        .sort(),
    ).toEqual(listWrites.map((key) => `/*/*${key.split(' ')[1]}`).sort());
    const authorizerId = m.ofType('AWS::ApiGatewayV2::Authorizer')[0][0];
    const authorizer = permissions.filter((p) => target(p) === m.functions.authorizer);
    expect(authorizer).toHaveLength(1);
    expect(JSON.stringify(authorizer[0].SourceArn)).toContain(`"/authorizers/",{"Ref":"${authorizerId}"}`);
    for (const permission of permissions) {
      expect(permission.Action).toBe('lambda:InvokeFunction');
      if (target(permission) === m.functions['alarm-notify']) {
        expect(permission.Principal).toBe('sns.amazonaws.com');
        expect(permission.SourceArn).toEqual({ Ref: topic });
        continue;
      }
      expect(permission.Principal).toBe('apigateway.amazonaws.com');
      expect(JSON.stringify(permission.SourceArn)).toContain(`{"Ref":"${api}"}`);
    }
    const discord = permissions.find((p) => JSON.stringify(p.FunctionName).includes(m.functions.discord));
    expect(JSON.stringify(discord?.SourceArn)).toMatch(/\/discord\/interactions"\]\]\}$/);
  });
});

describe('the analysis', () => {
  it('catches a grant too many: the API given queue sends and table writes', () => {
    const careless = model(
      synth((stack) => {
        stack.pipeline.queue.grantSendMessages(stack.queryApi.handler.role);
        stack.results.table.grantWriteData(stack.queryApi.handler.role);
        stack.pipeline.providerSecret?.grantRead(stack.pipeline.dispatch.role);
      }),
    );
    expect(careless.who(/^sqs:SendMessage$/, careless.scanQueue)).toEqual(['api', 'dispatch', 'scan-batch', 'sweeper']);
    expect(careless.who(TABLE_WRITES, careless.table)).toEqual([
      'api',
      'discord',
      'dispatch',
      'lists-writer',
      'scan-batch',
      'sweeper',
    ]);
    expect(careless.who(SECRET_READ, SECRETS.provider)).toEqual(['dispatch', 'lists-writer', 'scan-batch', 'sweeper']);
  }, 60_000);
});
