import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, type ITable, ProjectionType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { LEADING_KEYS, TABLE_KEYS } from '../functions/adapters/store/table-schema.js';
import { GUARD_RULES, suppressGuardRules } from './guard.js';

/** A partition family of the table, as `LEADING_KEYS` names it. */
export type Partition = keyof typeof LEADING_KEYS;

/**
 * Item actions on the table limited to the partitions named: every key of the request (each item
 * of a batch) must begin with one of their prefixes (`dynamodb:LeadingKeys`).
 */
export function onPartitions(table: ITable, actions: string[], partitions: Partition[]): PolicyStatement {
  return new PolicyStatement({
    actions: actions.map((action) => `dynamodb:${action}`),
    resources: [table.tableArn],
    conditions: {
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': partitions.map((p) => LEADING_KEYS[p]) },
    },
  });
}

/** The single results table: runs and per-symbol results, expiring through TTL. */
export class ResultsTable extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const { partitionKey, sortKey, runsIndex, symbolIndex, ttlAttribute } = TABLE_KEYS;
    this.table = new Table(this, 'Table', {
      partitionKey: { name: partitionKey, type: AttributeType.STRING },
      sortKey: { name: sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: ttlAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Results are reproducible from market data, but runs are a user's history: keep the table.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    suppressGuardRules(this.table, [
      {
        rule: GUARD_RULES.tableKmsKey,
        reason:
          'Encrypted at rest with the AWS-owned key; the table holds public market data and scan results, so a customer-managed key ($1 a month plus requests) would protect nothing more.',
      },
    ]);
    for (const index of [runsIndex, symbolIndex]) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
        sortKey: { name: index.sortKey, type: AttributeType.STRING },
        projectionType: ProjectionType.ALL,
      });
    }
  }
}
