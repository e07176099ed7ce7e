import { join } from 'node:path';

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
}

export function functionBundling(projectRoot: string): FunctionBundling {
  return {
    target: 'node24',
    banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
    mainFields: ['module', 'main'],
    alias: {
      // Lambda gives credentials in the environment; the default chain's other sources are dead weight there.
      '@aws-sdk/credential-provider-node': join(projectRoot, 'functions/adapters/aws/env-credentials.ts'),
    },
  };
}
