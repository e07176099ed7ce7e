import { Duration } from 'aws-cdk-lib';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue, QueueEncryption, RedrivePermission } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ENV } from '../functions/adapters/settings.js';
import { MAX_RECEIVES } from '../functions/core/run/batching.js';
import { TABLE_KEYS } from '../functions/adapters/store/table-schema.js';
import type { ResolvedConfig } from './config.js';
import { ScanfleetFunction } from './lambda-function.js';
import { onPartitions } from './results-table.js';

export interface ScanPipelineProps {
  readonly config: ResolvedConfig;
  readonly table: Table;
  readonly projectRoot: string;
  /** Discord settings; with them the worker posts run alerts. */
  readonly discordSecret?: ISecret;
  /** The key subscriptions' webhooks are sealed with (with Discord only): the worker unseals them to post. */
  readonly subscriptionKey?: ISecret;
  /** The dashboard the alert lines link each symbol to (with Discord only). */
  readonly dashboardUrl: string;
}

/** The market-data provider's settings, for every function that fetches bars. */
export function providerEnvironment(config: ResolvedConfig, secret?: ISecret): Record<string, string> {
  const env: Record<string, string> = { [ENV.provider]: config.provider };
  if (config.provider === 'csv') env[ENV.dataDir] = '/var/task/data/daily';
  if (config.provider === 'alpaca') env[ENV.alpacaFeed] = config.alpacaFeed;
  if (config.provider === 'yahoo' || config.provider === 'schwab')
    env[ENV.providerDelayMinutes] = String(config.providerDelayMinutes);
  if (secret) env[config.provider === 'schwab' ? ENV.schwabSecretId : ENV.alpacaSecretId] = secret.secretArn;
  return env;
}

/** dispatch → SQS scan queue (with its DLQ) → scan-batch, and exactly the permissions they use. */
export class ScanPipeline extends Construct {
  readonly dispatch: ScanfleetFunction;
  readonly scanBatch: ScanfleetFunction;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly providerSecret?: ISecret;

  constructor(scope: Construct, id: string, props: ScanPipelineProps) {
    super(scope, id);
    const { config, table, projectRoot } = props;
    const ttl = {
      [ENV.tableName]: table.tableName,
      [ENV.resultsTtlDays]: String(config.retention.resultsDays),
      [ENV.runsTtlDays]: String(config.retention.runsDays),
    };

    this.deadLetterQueue = new Queue(this, 'DeadLetterQueue', {
      retentionPeriod: Duration.days(14),
      // The sweeper consumes this queue: like the scan queue, invisible for 6 × its consumer's timeout.
      visibilityTimeout: Duration.seconds(6 * config.sweeper.timeoutSeconds),
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      // Declared a dead-letter queue (SQS's default permission, made explicit): the end of the line.
      redriveAllowPolicy: { redrivePermission: RedrivePermission.ALLOW_ALL },
    });
    this.queue = new Queue(this, 'ScanQueue', {
      // A message stays invisible for 6 × the worker's timeout, so it is never handed to a second
      // worker while the first may still be running (AWS's guidance for Lambda event sources).
      visibilityTimeout: Duration.seconds(6 * config.scanBatch.timeoutSeconds),
      retentionPeriod: Duration.days(1),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: MAX_RECEIVES },
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });

    const concurrency = { [ENV.workerConcurrency]: String(config.scanBatch.maxConcurrency) };
    const seedWatchlist = JSON.stringify(config.seedWatchlist);
    this.dispatch = new ScanfleetFunction(this, 'Dispatch', {
      projectRoot,
      config,
      name: 'dispatch',
      memoryMb: config.dispatch.memoryMb,
      timeoutSeconds: config.dispatch.timeoutSeconds,
      environment: {
        ...ttl,
        [ENV.queueUrl]: this.queue.queueUrl,
        [ENV.batchSize]: String(config.batchSize),
        [ENV.seedWatchlistFile]: '/var/task/seed-watchlist.json',
        // A run's deadline: its batches × the provider's per-batch time ÷ the workers in flight.
        [ENV.provider]: config.provider,
        ...concurrency,
        [ENV.schedulesEnabled]: String(config.schedules.enabled),
      },
      // Symbols are [A-Z0-9.-] only, so the JSON is safe inside single quotes.
      afterBundling: (outputDir) => [`echo '${seedWatchlist}' > "${outputDir}/seed-watchlist.json"`],
    });

    if (config.providerSecret) {
      this.providerSecret = config.providerSecret.startsWith('arn:')
        ? Secret.fromSecretCompleteArn(this, 'ProviderSecret', config.providerSecret)
        : Secret.fromSecretNameV2(this, 'ProviderSecret', config.providerSecret);
    }
    const providerEnv = providerEnvironment(config, this.providerSecret);
    this.scanBatch = new ScanfleetFunction(this, 'ScanBatch', {
      projectRoot,
      config,
      name: 'scan-batch',
      memoryMb: config.scanBatch.memoryMb,
      timeoutSeconds: config.scanBatch.timeoutSeconds,
      environment: {
        ...ttl,
        ...providerEnv,
        ...concurrency,
        // Alerts left over when the worker's time runs short go back as delayed drain messages
        // (only Discord fills the outbox: without it the worker sends nothing to the queue).
        ...(props.discordSecret && { [ENV.queueUrl]: this.queue.queueUrl }),
        [ENV.lookbackBars]: String(config.lookbackBars),
        [ENV.scorecardTtlDays]: String(config.retention.scorecardDays),
        [ENV.scorecardHorizons]: config.scorecardHorizons.join(','),
        [ENV.maxReceives]: String(MAX_RECEIVES),
        [ENV.alertsIntraday]: String(config.alerts.intraday),
        [ENV.alertCooldownSessions]: String(config.alerts.cooldownSessions),
        ...(props.discordSecret && {
          [ENV.discordSecretId]: props.discordSecret.secretArn,
          [ENV.alertEdgeHorizon]: String(config.alerts.edgeHorizon),
          [ENV.dashboardUrl]: props.dashboardUrl,
        }),
        ...(props.subscriptionKey && { [ENV.subscriptionKeySecretId]: props.subscriptionKey.secretArn }),
      },
      afterBundling: (outputDir) =>
        config.provider === 'csv'
          ? [`mkdir -p "${outputDir}/data/daily"`, `cp "${projectRoot}/data/daily/"*.csv "${outputDir}/data/daily/"`]
          : [],
    });
    this.scanBatch.fn.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: 1,
        reportBatchItemFailures: true,
        maxConcurrency: config.scanBatch.maxConcurrency,
      }),
    );

    // Exactly the calls each function makes: no Scan, no DeleteItem; every write on the partitions
    // the function owns (dynamodb:LeadingKeys). Dispatch creates runs (a conditional put), reads a
    // run it finds existing and queries the runs index (is a run still running?) and the lists'
    // partition (what to scan); it seeds `default` in a table that never had a list (a put).
    this.dispatch.role.addToPolicy(new PolicyStatement({ actions: ['dynamodb:GetItem'], resources: [table.tableArn] }));
    this.dispatch.role.addToPolicy(onPartitions(table, ['PutItem'], ['runs', 'lists']));
    this.dispatch.role.addToPolicy(onPartitions(table, ['Query'], ['lists']));
    this.dispatch.role.addToPolicy(
      new PolicyStatement({
        actions: ['dynamodb:Query'],
        resources: [`${table.tableArn}/index/${TABLE_KEYS.runsIndex.name}`],
      }),
    );
    this.dispatch.role.addToPolicy(
      new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.queue.queueArn] }),
    );
    // The worker writes its run's progress, results and alert log, the signal events (claimed once by
    // a conditional put), the alert outbox (its messages and leases), the runtime controls
    // (once-per-cause notices) and the bars it fetched; it reads the symbols' event states in one
    // batch, on their partitions only. For the live scorecard it reads and batch-writes the
    // sessions and observations (no single-item write) and updates the aggregates and, when it
    // ends a run, the document folded from them (no put).
    this.scanBatch.role.addToPolicy(
      new PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:Query'], resources: [table.tableArn] }),
    );
    this.scanBatch.role.addToPolicy(
      onPartitions(table, ['PutItem', 'UpdateItem', 'BatchWriteItem'], ['runs', 'events', 'outbox', 'control', 'bars']),
    );
    this.scanBatch.role.addToPolicy(onPartitions(table, ['BatchWriteItem'], ['observations']));
    this.scanBatch.role.addToPolicy(onPartitions(table, ['UpdateItem'], ['scorecard', 'scorecardDocument']));
    this.scanBatch.role.addToPolicy(onPartitions(table, ['BatchGetItem'], ['events', 'observations']));
    if (props.discordSecret)
      this.scanBatch.role.addToPolicy(
        new PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.queue.queueArn] }),
      );
    this.providerSecret?.grantRead(this.scanBatch.role);
    props.discordSecret?.grantRead(this.scanBatch.role);
    props.subscriptionKey?.grantRead(this.scanBatch.role);
  }
}
