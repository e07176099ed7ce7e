import { Duration, Validations } from 'aws-cdk-lib';
import type { HttpRoute, HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpApi, HttpMethod, LogGroupLogDestination } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { Table } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { type ISecret, Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ENV } from '../functions/adapters/settings.js';
import {
  ALWAYS_PUBLIC,
  type ApiAccess,
  NEVER_PUBLIC,
  PROTECTED_PATHS,
  PUBLIC_READS,
  type RouteRule,
} from '../functions/core/api/access.js';
import { TABLE_KEYS } from '../functions/adapters/store/table-schema.js';
import type { ResolvedConfig } from './config.js';
import { GUARD_RULES, suppressGuardRules } from './guard.js';
import { LOG_GROUP_SUPPRESSIONS, ScanfleetFunction } from './lambda-function.js';

export interface QueryApiProps {
  readonly config: ResolvedConfig;
  readonly table: Table;
  readonly projectRoot: string;
}

/**
 * Marks a route that is public by design, with the reason: cdk-nag's APIG4 is acknowledged on it,
 * and cfn-guard's route-authorization rule is suppressed in its template metadata — on this route
 * alone, never on the API.
 */
export function acknowledgePublicRoute(route: HttpRoute, reason: string): void {
  Validations.of(route).acknowledge({ id: 'AwsSolutions-APIG4', reason });
  suppressGuardRules(route, [{ rule: GUARD_RULES.routeAuthorization, reason }]);
}

/** The authorizer's answers are kept this long per Authorization header value. */
export const AUTHORIZER_CACHE_SECONDS = 300;

/**
 * The HTTP API and dashboard: one read-only function behind a throttled HTTP API stage. /api and
 * everything below it need the bearer token, checked at the gateway by a Lambda REQUEST
 * authorizer against a secret; the dashboard's files, GET /api/health and, with `api.public`, the
 * read-only routes have routes of their own without it (functions/core/api/access.ts).
 */
export class QueryApi extends Construct {
  readonly api: HttpApi;
  readonly handler: ScanfleetFunction;
  readonly authorizer: ScanfleetFunction;
  /** {"token": "…"}: the user's (api.tokenSecret) or one the stack generates. */
  readonly tokenSecret: ISecret;
  readonly stage: HttpStage;
  /** The bearer-token authorizer every protected route uses (the lists-writer's routes too). */
  readonly tokenAuthorizer: HttpLambdaAuthorizer;

  constructor(scope: Construct, id: string, props: QueryApiProps) {
    super(scope, id);
    const { config, table, projectRoot } = props;
    const chartsBuild = join(
      dirname(fileURLToPath(import.meta.resolve('lightweight-charts'))),
      'lightweight-charts.standalone.production.js',
    );
    const version = (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string })
      .version;
    const access: ApiAccess = config.api.public ? 'public-reads' : 'token';
    this.tokenSecret = config.api.tokenSecret
      ? config.api.tokenSecret.startsWith('arn:')
        ? Secret.fromSecretCompleteArn(this, 'TokenSecret', config.api.tokenSecret)
        : Secret.fromSecretNameV2(this, 'TokenSecret', config.api.tokenSecret)
      : this.generatedTokenSecret();

    this.handler = new ScanfleetFunction(this, 'Api', {
      projectRoot,
      config,
      name: 'api',
      memoryMb: config.api.memoryMb,
      timeoutSeconds: config.api.timeoutSeconds,
      environment: {
        [ENV.tableName]: table.tableName,
        [ENV.dashboardDir]: '/var/task/dashboard',
        [ENV.chartsFile]: '/var/task/dashboard/vendor/lightweight-charts.js',
        [ENV.lookbackBars]: String(config.lookbackBars),
        [ENV.appVersion]: version,
        ...(config.api.debugMemory && { [ENV.debugMemory]: 'true' }),
        ...(config.api.corsOrigin && { [ENV.corsOrigin]: config.api.corsOrigin }),
        [ENV.apiAccess]: access,
      },
      afterBundling: (outputDir) => [
        `mkdir -p "${outputDir}/dashboard/vendor"`,
        `cp "${projectRoot}/functions/api/dashboard/"* "${outputDir}/dashboard/"`,
        `cp "${chartsBuild}" "${outputDir}/dashboard/vendor/lightweight-charts.js"`,
      ],
    });
    // Read-only: the items and the two indexes, nothing else. The items include the subscriptions
    // (SUBS, for GET /api/subscriptions), whose webhooks are sealed with a key in a secret this
    // role cannot read.
    const indexes = [TABLE_KEYS.runsIndex.name, TABLE_KEYS.symbolIndex.name].map(
      (name) => `${table.tableArn}/index/${name}`,
    );
    this.handler.role.addToPolicy(
      new PolicyStatement({ actions: ['dynamodb:GetItem', 'dynamodb:Query'], resources: [table.tableArn, ...indexes] }),
    );

    this.authorizer = new ScanfleetFunction(this, 'Authorizer', {
      projectRoot,
      config,
      name: 'authorizer',
      // VmHWM 66.7–67.7 MB over 500 requests (npm run bench, three runs): within 85% of 128 MB.
      memoryMb: 128,
      timeoutSeconds: 5,
      environment: { [ENV.apiTokenSecretId]: this.tokenSecret.secretArn },
    });
    this.tokenSecret.grantRead(this.authorizer.role);

    const integration = new HttpLambdaIntegration('Handler', this.handler.fn);
    this.api = new HttpApi(this, 'Http', {
      description: 'scanfleet: read API and dashboard',
      defaultIntegration: integration,
      createDefaultStage: false,
      ...(config.api.corsOrigin && {
        corsPreflight: { allowOrigins: [config.api.corsOrigin], allowMethods: [], allowHeaders: ['authorization'] },
      }),
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.TWO_WEEKS });
    suppressGuardRules(accessLogs, LOG_GROUP_SUPPRESSIONS);
    this.stage = this.api.addStage('Stage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: config.api.throttleRate, burstLimit: config.api.throttleBurst },
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs) },
    });

    this.tokenAuthorizer = new HttpLambdaAuthorizer('Token', this.authorizer.fn, {
      authorizerName: 'scanfleet-token',
      identitySource: ['$request.header.Authorization'],
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      resultsCacheTtl: Duration.seconds(AUTHORIZER_CACHE_SECONDS),
    });
    const authorizer = this.tokenAuthorizer;
    for (const path of PROTECTED_PATHS)
      this.api.addRoutes({ path, methods: [HttpMethod.ANY], integration, authorizer });
    for (const rule of NEVER_PUBLIC) this.addRoute(rule, integration, authorizer);
    for (const rule of ALWAYS_PUBLIC)
      this.publicRoute(
        this.addRoute(rule, integration),
        'The health check answers a status, the version and the last run’s id and age, for uptime monitors; nothing else.',
      );
    if (access === 'public-reads')
      for (const rule of PUBLIC_READS)
        this.publicRoute(
          this.addRoute(rule, integration),
          'Made public by the owner (api.public: true): a read-only route of scan results that calls no provider; the stage is throttled.',
        );
    // The $default route serves the dashboard's own files: no /api path reaches it (the routes above take them all).
    this.publicRoute(
      this.api.node.findChild('DefaultRoute') as HttpRoute,
      'The $default route serves the dashboard’s static files (HTML, script, style) and nothing under /api.',
    );
  }

  private addRoute(rule: RouteRule, integration: HttpLambdaIntegration, authorizer?: HttpLambdaAuthorizer): HttpRoute {
    const [route] = this.api.addRoutes({
      path: rule.path,
      methods: [HttpMethod[rule.method]],
      integration,
      authorizer,
    });
    return route;
  }

  /** A route without the authorizer: cdk-nag's APIG4 and cfn-guard's CT.APIGATEWAY.PR.5 acknowledged on it alone. */
  private publicRoute(route: HttpRoute, reason: string): void {
    acknowledgePublicRoute(route, reason);
  }

  /** A secret {"token": <40 random letters and digits>} made by CloudFormation; never in the template. */
  private generatedTokenSecret(): Secret {
    const secret = new Secret(this, 'Token', {
      description: 'scanfleet: the API bearer token ("token"); read it with aws secretsmanager get-secret-value',
      generateSecretString: {
        secretStringTemplate: '{}',
        generateStringKey: 'token',
        excludePunctuation: true,
        passwordLength: 40,
      },
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'A static bearer token the owner replaces with put-secret-value when they choose; the authorizer reads it again within 5 minutes.',
    });
    return secret;
  }
}
