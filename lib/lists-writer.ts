import { Validations } from 'aws-cdk-lib';
import { type HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import type { HttpLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { LIST_WRITES } from '../functions/core/api/access.js';
import { ENV } from '../functions/adapters/settings.js';
import type { ResolvedConfig } from './config.js';
import { ScanfleetFunction } from './lambda-function.js';
import { onPartitions } from './results-table.js';
import { providerEnvironment } from './scan-pipeline.js';

export interface ListsWriterProps {
  readonly config: ResolvedConfig;
  readonly table: Table;
  readonly projectRoot: string;
  /** The HTTP API whose write routes for the lists this function serves, behind its authorizer. */
  readonly api: HttpApi;
  readonly authorizer: HttpLambdaAuthorizer;
  /** The provider's credentials: new symbols are checked with it. */
  readonly providerSecret?: ISecret;
  /** The key it seals subscriptions' webhook URLs with (with Discord only: subscriptions come from /subscribe). */
  readonly subscriptionKey?: ISecret;
}

/**
 * A secret {"key": <64 random letters and digits>} made by CloudFormation, never in the template:
 * subscriptions' webhook URLs are sealed with a key derived from it (AES-256-GCM). Not rotated: a
 * new key would leave every stored webhook sealed under the old one.
 */
export function subscriptionKeySecret(scope: Construct): Secret {
  const secret = new Secret(scope, 'SubscriptionKey', {
    description: 'scanfleet: the key alert subscriptions\' webhook URLs are encrypted with ("key")',
    generateSecretString: {
      secretStringTemplate: '{}',
      generateStringKey: 'key',
      excludePunctuation: true,
      passwordLength: 64,
    },
  });
  Validations.of(secret).acknowledge({
    id: 'AwsSolutions-SMG4',
    reason:
      'An encryption key for stored webhook URLs: rotating it would leave every subscription sealed under the old key (remove and add them again to re-key).',
  });
  return secret;
}

/**
 * The one writer of the watchlists and the alert subscriptions: the API's write routes and the
 * Discord function's /watch and /subscribe invoke it. Its role reads and writes the lists' and the
 * subscriptions' partitions and nothing else of the table (the read API and the Discord function
 * hold no list or subscription write).
 */
export class ListsWriter extends Construct {
  readonly handler: ScanfleetFunction;

  constructor(scope: Construct, id: string, props: ListsWriterProps) {
    super(scope, id);
    const { config, table, projectRoot, api, authorizer, providerSecret, subscriptionKey } = props;
    const { lists } = config;
    this.handler = new ScanfleetFunction(this, 'Writer', {
      projectRoot,
      config,
      name: 'lists-writer',
      memoryMb: lists.memoryMb,
      timeoutSeconds: lists.timeoutSeconds,
      environment: {
        [ENV.tableName]: table.tableName,
        ...providerEnvironment(config, providerSecret),
        [ENV.workerConcurrency]: String(config.scanBatch.maxConcurrency),
        [ENV.listLimits]: JSON.stringify({
          lists: lists.lists,
          symbolsPerList: lists.symbolsPerList,
          symbolsPerAdd: lists.symbolsPerAdd,
          totalSymbols: lists.totalSymbols,
        }),
        ...(subscriptionKey && { [ENV.subscriptionKeySecretId]: subscriptionKey.secretArn }),
      },
      afterBundling: (outputDir) =>
        config.provider === 'csv'
          ? [`mkdir -p "${outputDir}/data/daily"`, `cp "${projectRoot}/data/daily/"*.csv "${outputDir}/data/daily/"`]
          : [],
    });
    this.handler.role.addToPolicy(
      onPartitions(table, ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'], ['lists', 'subscriptions']),
    );
    providerSecret?.grantRead(this.handler.role);
    subscriptionKey?.grantRead(this.handler.role);
    const integration = new HttpLambdaIntegration('Writer', this.handler.fn);
    for (const rule of LIST_WRITES)
      api.addRoutes({ path: rule.path, methods: [HttpMethod[rule.method]], integration, authorizer });
  }
}
