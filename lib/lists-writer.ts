import { type HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import type { HttpLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
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
}

/**
 * The one writer of the watchlists: the API's write routes and the Discord function's /watch
 * invoke it. Its role reads and writes the lists' partition and nothing else of the table (the read
 * API and the Discord function hold no list write).
 */
export class ListsWriter extends Construct {
  readonly handler: ScanfleetFunction;

  constructor(scope: Construct, id: string, props: ListsWriterProps) {
    super(scope, id);
    const { config, table, projectRoot, api, authorizer, providerSecret } = props;
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
      },
      afterBundling: (outputDir) =>
        config.provider === 'csv'
          ? [`mkdir -p "${outputDir}/data/daily"`, `cp "${projectRoot}/data/daily/"*.csv "${outputDir}/data/daily/"`]
          : [],
    });
    this.handler.role.addToPolicy(
      onPartitions(table, ['GetItem', 'Query', 'PutItem', 'UpdateItem', 'DeleteItem'], ['lists']),
    );
    providerSecret?.grantRead(this.handler.role);
    const integration = new HttpLambdaIntegration('Writer', this.handler.fn);
    for (const rule of LIST_WRITES)
      api.addRoutes({ path: rule.path, methods: [HttpMethod[rule.method]], integration, authorizer });
  }
}
