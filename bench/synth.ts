// The functions as the stack deploys them: the app synthesized in-process (NodejsFunction runs
// esbuild), each function's asset directory standing in for /var/task and its environment read
// from the template.
import { App } from 'aws-cdk-lib';
import { join } from 'node:path';
import { loadConfig } from '../lib/config.js';
import { ScanfleetFunction } from '../lib/lambda-function.js';
import { ScanfleetStack } from '../lib/scanfleet-stack.js';

export interface SynthesizedFunction {
  /** functions/<name>. */
  readonly name: string;
  /** Its configured memory (MemorySize). */
  readonly memoryMb: number;
  /** The bundle's directory: what Lambda unpacks into /var/task. */
  readonly assetDir: string;
  /** Its environment from the template: strings, or CloudFormation references to resolve. */
  readonly environment: Record<string, unknown>;
}

type Resource = { Type: string; Properties: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Synthesizes the stack for `context` (cdk.json's scanfleet settings) into `outdir`. */
export function synthesize(projectRoot: string, context: unknown, outdir: string): SynthesizedFunction[] {
  const app = new App({ outdir });
  // NodejsFunction bundles as the stack is built, saying so on stderr.
  const stack = quietly(
    () => new ScanfleetStack(app, 'Scanfleet', { config: loadConfig(context, projectRoot), projectRoot }),
  );
  const assembly = app.synth();
  const resources = assembly.getStackArtifact(stack.artifactId).template.Resources as Record<string, Resource>;
  return stack.node
    .findAll()
    .filter((c): c is ScanfleetFunction => c instanceof ScanfleetFunction)
    .map((f) => {
      const logicalId = stack.getLogicalId(f.fn.node.defaultChild as never);
      const { Code, MemorySize, Environment } = resources[logicalId].Properties;
      const hash = String(Code.S3Key).replace(/\.zip$/, '');
      return {
        name: f.name,
        memoryMb: Number(MemorySize),
        assetDir: join(outdir, `asset.${hash}`),
        environment: (Environment?.Variables ?? {}) as Record<string, unknown>,
      };
    });
}

/** Runs `f` with stderr's writes from this process held back (the bundler's progress lines); shown if it throws. */
function quietly<T>(f: () => T): T {
  const write = process.stderr.write;
  let held = '';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    held += chunk.toString();
    return true;
  }) as typeof process.stderr.write;
  try {
    return f();
  } catch (error) {
    write.call(process.stderr, held);
    throw error;
  } finally {
    process.stderr.write = write;
  }
}
