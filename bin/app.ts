// The CDK app: `npx cdk synth` / `npx cdk deploy`. Configuration: cdk.json → context.scanfleet.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../lib/config.js';
import { ControlTowerChecks } from '../lib/guard-validator.js';
import { ScanfleetStack } from '../lib/scanfleet-stack.js';

const projectRoot = fileURLToPath(new URL('..', import.meta.url));
const app = new App();
const config = loadConfig(app.node.tryGetContext('scanfleet'), projectRoot);
new ScanfleetStack(app, 'Scanfleet', {
  config,
  projectRoot,
  description: 'scanfleet: scheduled stock technical scans (MACD, TTM Squeeze, volume-price breakouts)',
});
// cdk-nag's AwsSolutions pack, and AWS Control Tower's proactive controls (cfn-guard rules).
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ControlTowerChecks());
app.synth();
