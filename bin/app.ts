// The CDK app: `npx cdk synth` / `npx cdk deploy`. Configuration: cdk.json → context.scanfleet.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { fileURLToPath } from 'node:url';
import { ConfigError, loadConfig } from '../lib/config.js';
import { ControlTowerChecks } from '../lib/guard-validator.js';
import { ScanfleetStack } from '../lib/scanfleet-stack.js';

const projectRoot = fileURLToPath(new URL('..', import.meta.url));
const app = new App();
const config = configOrExit(app.node.tryGetContext('scanfleet'));
new ScanfleetStack(app, 'Scanfleet', {
  config,
  projectRoot,
  description: 'scanfleet: scheduled stock technical scans (MACD, TTM Squeeze, volume-price breakouts)',
});
// cdk-nag's AwsSolutions pack, and AWS Control Tower's proactive controls (cfn-guard rules).
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ControlTowerChecks());
app.synth();

/** The settings, or a bad one named in one line (exit 2), as the CLI reports a usage error: no stack trace. */
function configOrExit(context: unknown) {
  try {
    return loadConfig(context, projectRoot);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(
      `scanfleet settings: ${error.message} (cdk.json's context.scanfleet, or cdk -c scanfleet='{…}')\n`,
    );
    process.exit(2);
  }
}
