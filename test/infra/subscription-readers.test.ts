import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lib/config.js';
import { ScanfleetStack } from '../../lib/scanfleet-stack.js';
import { KEYS, LEADING_KEYS } from '../../functions/adapters/store/table-schema.js';

// Who may read and who may write the subscriptions (partition SUBS): the read API
// (GET /api/subscriptions) and the Discord function (/subscriptions) read them; neither writes
// them — the lists-writer, which /subscribe and /unsubscribe ask, does.
const projectRoot = fileURLToPath(new URL('../..', import.meta.url));

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
type Resources = Record<string, { Type: string; Properties: Record<string, unknown> }>;

/** The item reads; every other DynamoDB action (and any wildcard) writes or administers. */
const TABLE_READS = new Set(['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query']);
const writes = (action: string) => action.includes('*') || (action.startsWith('dynamodb:') && !TABLE_READS.has(action));
/** Whether a key matches an IAM StringLike pattern (`*` any run of characters). */
const like = (pattern: string, key: string) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(key);

let resources: Resources;
beforeAll(() => {
  const app = new App();
  const stack = new ScanfleetStack(app, 'Scanfleet', {
    config: loadConfig({ discordSecret: 'scanfleet/discord' }, projectRoot),
    projectRoot,
  });
  resources = Template.fromStack(stack).toJSON().Resources as Resources;
}, 60_000);

/** Every statement of the role of the function whose logical id starts with `prefix`. */
function statementsOf(prefix: string): Statement[] {
  const [, fn] =
    Object.entries(resources).find(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith(prefix)) ?? [];
  expect(fn, prefix).toBeDefined();
  const roleId = (fn?.Properties.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
  return Object.values(resources)
    .filter(
      (r) => r.Type === 'AWS::IAM::Policy' && (r.Properties.Roles as { Ref: string }[]).some((x) => x.Ref === roleId),
    )
    .flatMap((r) => (r.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

const actionsOf = (st: Statement) => [st.Action].flat();
/** Whether a statement names the results table itself (not only an index of it). */
const onTable = (st: Statement) =>
  [st.Resource].flat().some((r) => /^\{"Fn::GetAtt":\["ResultsTable[0-9A-F]{8}","Arn"\]\}$/.test(JSON.stringify(r)));
/** The partitions a statement is limited to; undefined when it has no condition (every partition). */
const partitionsOf = (st: Statement) =>
  st.Condition === undefined
    ? undefined
    : (st.Condition as Record<string, Record<string, string[]>>)['ForAllValues:StringLike']['dynamodb:LeadingKeys'];
/** Whether a statement allows `action` on a key of partition `pk`. */
const allows = (st: Statement, action: string, pk: string) =>
  st.Effect === 'Allow' &&
  actionsOf(st).includes(action) &&
  onTable(st) &&
  (partitionsOf(st) ?? ['*']).some((pattern) => like(pattern, pk));

describe('the subscriptions’ readers', () => {
  const subs = LEADING_KEYS.subscriptions;

  it('keeps every subscription item in the SUBS partition', () => {
    expect(subs).toBe('SUBS');
    expect(KEYS.subscription('1a2b3c4d').pk).toBe(subs);
    expect(KEYS.configuredRemoved().pk).toBe(subs);
  });

  it('lets the read API Query SUBS, and still write nothing at all', () => {
    const statements = statementsOf('QueryApiFunction');
    expect(statements.some((st) => allows(st, 'dynamodb:Query', subs))).toBe(true);
    expect(statements.flatMap(actionsOf).filter(writes)).toEqual([]);
  });

  it('lets the Discord function Query SUBS; its only table write stays CONTROL', () => {
    const statements = statementsOf('DiscordInteractionsFunction');
    expect(statements.some((st) => allows(st, 'dynamodb:Query', subs))).toBe(true);
    for (const action of ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'])
      expect(
        statements.some((st) => allows(st, action, subs)),
        action,
      ).toBe(false);
    const tableWrites = statements.filter((st) => actionsOf(st).some(writes));
    expect(tableWrites.map((st) => [actionsOf(st).filter(writes).sort(), partitionsOf(st)])).toEqual([
      [['dynamodb:PutItem', 'dynamodb:UpdateItem'], [LEADING_KEYS.control]],
    ]);
  });

  it('is a check that can fail: a write on SUBS given to the Discord function is caught', () => {
    const granted: Statement = {
      Effect: 'Allow',
      Action: ['dynamodb:PutItem'],
      Resource: { 'Fn::GetAtt': ['ResultsTable0A1B2C3D', 'Arn'] },
      Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [LEADING_KEYS.control, subs] } },
    };
    expect(allows(granted, 'dynamodb:PutItem', subs)).toBe(true);
    expect(allows({ ...granted, Condition: undefined }, 'dynamodb:PutItem', subs)).toBe(true);
    expect(
      allows({ ...granted, Resource: [{ 'Fn::Join': ['', ['arn', '/index/gsi1']] }] }, 'dynamodb:PutItem', subs),
    ).toBe(false);
  });
});
