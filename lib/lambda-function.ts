import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { type ICommandHooks, LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { join } from 'node:path';
import { type BundledConfig, functionBundling } from './bundling.js';
import { GUARD_RULES, suppressGuardRules } from './guard.js';

/** Every log group's guard exceptions: its retention and its encryption. */
export const LOG_GROUP_SUPPRESSIONS = [
  {
    rule: GUARD_RULES.logRetention,
    reason:
      'Retention is set per log group (two weeks: operational logs of public market data); a year would only keep billing for logs nobody reads.',
  },
  {
    rule: GUARD_RULES.logEncryption,
    reason:
      'CloudWatch Logs encrypts every log group at rest; the logs hold no secrets (never logged) and a customer-managed key would cost $1 a month plus requests and protect nothing more.',
  },
];

/** The newest Node.js runtime aws-cdk-lib knows. */
export const LAMBDA_RUNTIME = Runtime.NODEJS_24_X;

export interface ScanfleetFunctionProps {
  readonly projectRoot: string;
  /** The provider and features the bundle carries (lib/bundling.ts). */
  readonly config: BundledConfig;
  /** functions/<name>/handler.ts */
  readonly name: string;
  /** A fixed function name (only where something must know it before deploy). */
  readonly functionName?: string;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly environment: Record<string, string>;
  /** Extra files copied next to the bundle (shell commands run after esbuild). */
  readonly afterBundling?: (outputDir: string) => string[];
}

/**
 * One Lambda function as scanfleet deploys them: Node 24 on ARM64, bundled by the local esbuild
 * (no Docker) into one minified ESM file, its own role (no managed policy: each construct grants
 * exactly what its function calls) and its own log group with a retention.
 */
export class ScanfleetFunction extends Construct {
  /** functions/<name>: also the handler's telemetry service (the `service` dimension of its metrics). */
  readonly name: string;
  readonly memoryMb: number;
  readonly fn: NodejsFunction;
  readonly role: Role;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: ScanfleetFunctionProps) {
    super(scope, id);
    this.name = props.name;
    this.memoryMb = props.memoryMb;
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: RetentionDays.TWO_WEEKS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `scanfleet ${props.name}`,
    });
    this.logGroup.grantWrite(this.role);
    const hooks: ICommandHooks = {
      beforeBundling: () => [],
      beforeInstall: () => [],
      afterBundling: (_inputDir, outputDir) => props.afterBundling?.(outputDir) ?? [],
    };
    const bundling = functionBundling(props.projectRoot, props.config);
    this.fn = new NodejsFunction(this, 'Function', {
      entry: join(props.projectRoot, 'functions', props.name, 'handler.ts'),
      handler: 'handler',
      ...(props.functionName && { functionName: props.functionName }),
      runtime: LAMBDA_RUNTIME,
      architecture: Architecture.ARM_64,
      memorySize: props.memoryMb,
      timeout: Duration.seconds(props.timeoutSeconds),
      role: this.role,
      logGroup: this.logGroup,
      environment: {
        POWERTOOLS_LOG_LEVEL: 'INFO',
        // glibc gives each thread that mallocs an arena of its own (up to 8 a core) and keeps what
        // they freed: V8's compiler threads left 5–10 MB each soak, more or less from run to run.
        // Two arenas hold a warm worker at ~107 MB instead of 112–116 (npm run bench, Node 24).
        MALLOC_ARENA_MAX: '2',
        ...props.environment,
      },
      depsLockFilePath: join(props.projectRoot, 'package-lock.json'),
      projectRoot: props.projectRoot,
      bundling: {
        format: OutputFormat.ESM,
        target: bundling.target,
        minify: true,
        // esbuild says nothing unless something is wrong (its size lines: npm run bench).
        logLevel: LogLevel.WARNING,
        // The AWS SDK is bundled, not taken from the runtime: pinned versions, tree-shaken.
        externalModules: bundling.external,
        mainFields: bundling.mainFields,
        banner: bundling.banner,
        define: bundling.define,
        esbuildArgs: Object.fromEntries(Object.entries(bundling.alias).map(([from, to]) => [`--alias:${from}`, to])),
        forceDockerBundling: false,
        commandHooks: hooks,
      },
    });
    suppressGuardRules(this.fn, [
      {
        rule: GUARD_RULES.lambdaInVpc,
        reason:
          'The function reaches only public endpoints (AWS APIs, market-data providers, Discord) and no private resource; a VPC would need a NAT gateway (~$32 a month) to reach them.',
      },
    ]);
    suppressGuardRules(this.logGroup, LOG_GROUP_SUPPRESSIONS);
  }
}
