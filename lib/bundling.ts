import type { BuildOptions } from 'esbuild';
import { join } from 'node:path';
import type { ResolvedConfig } from './config.js';

/**
 * How every function is bundled: by the stack (NodejsFunction, through esbuild's command line) and
 * by `npm run bench` (esbuild's API), from this one description, so the bench measures what deploys.
 */
export interface FunctionBundling {
  readonly target: string;
  readonly banner: string;
  readonly mainFields: string[];
  /** Import path → file that replaces it in the bundle. */
  readonly alias: Record<string, string>;
  /** Expression → the constant esbuild writes in its place (a JSON literal): what the bundle carries. */
  readonly define: Record<string, string>;
  /** Imports left out of the bundle, for code paths the functions never take. */
  readonly external: string[];
}

/** What of the configuration decides which code a bundle carries. */
export type BundledConfig = Pick<ResolvedConfig, 'provider' | 'discordSecret'>;

/**
 * The build-time constants the functions read (functions/adapters/bundled.ts): the configured
 * provider, and where Discord's settings come from ('secret', or 'none': the stack has no Discord
 * secret). The minifier folds the branches they decide, and the modules only the other branches
 * import (the other providers, their response schemas, the Secrets Manager client) are left out.
 */
const BUNDLED = {
  provider: 'process.env.SCANFLEET_BUNDLED_PROVIDER',
  discord: 'process.env.SCANFLEET_BUNDLED_DISCORD',
} as const;

/** Without a config (the bench's SDK floor): no constants, every branch stays. */
export function functionBundling(projectRoot: string, config?: BundledConfig): FunctionBundling {
  return {
    target: 'node24',
    banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
    mainFields: ['module', 'main'],
    alias: {
      // Lambda gives credentials in the environment; the default chain's other sources are dead weight there.
      '@aws-sdk/credential-provider-node': join(projectRoot, 'functions/adapters/aws/env-credentials.ts'),
      // Endpoint discovery is off for every client: its cache's LRU library is dead weight too.
      '@aws-sdk/endpoint-cache': join(projectRoot, 'functions/adapters/aws/endpoint-cache.ts'),
    },
    define: config
      ? {
          [BUNDLED.provider]: JSON.stringify(config.provider),
          [BUNDLED.discord]: JSON.stringify(config.discordSecret ? 'secret' : 'none'),
        }
      : {},
    // The SDK loads its event-stream support with a dynamic import(), only for operations that stream
    // (DynamoDB's do not): 14 KB no function runs. The floor is bundled without it too.
    external: ['@smithy/core/event-streams'],
  };
}

/** The same bundling as esbuild API options (the stack passes it through NodejsFunction's). */
export function esbuildOptions(bundling: FunctionBundling): BuildOptions {
  return {
    bundle: true,
    platform: 'node',
    format: 'esm',
    minify: true,
    target: bundling.target,
    mainFields: bundling.mainFields,
    banner: { js: bundling.banner },
    alias: bundling.alias,
    define: bundling.define,
    external: bundling.external,
  };
}
