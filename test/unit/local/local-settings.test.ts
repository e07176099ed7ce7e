import { describe, expect, it } from 'vitest';
import { localSettings } from '../../../functions/local/local-pipeline.js';

const store = { endpoint: 'http://127.0.0.1:1', tableName: 'scanfleet-local' };
const run = { dataDir: 'data/daily', lookback: 150 };

describe('a local run’s settings', () => {
  it('link alert lines only to the dashboard the local stack gives (`scanfleet dev`), never one from the environment', () => {
    const env = { DASHBOARD_URL: 'https://scans.example.com' };
    // `scanfleet scan` and `replay` pass their environment and no dashboard: their alert lines carry no link.
    expect(localSettings({ ...run, env }, store).dashboardUrl).toBeUndefined();
    expect(localSettings({ ...run, env, dashboardUrl: 'http://127.0.0.1:8787' }, store).dashboardUrl).toBe(
      'http://127.0.0.1:8787',
    );
  });
});
