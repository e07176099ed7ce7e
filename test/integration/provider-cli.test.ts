import { readdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alpacaCredentials, schwabCredentials } from '../../functions/adapters/secrets.js';
import { runCliAsync } from '../helpers/cli.js';
import { tempDir } from '../helpers/temp-dir.js';
import {
  FAKE_ALPACA as ALPACA,
  FAKE_SCHWAB as SCHWAB,
  type ProviderServer,
  startAlpacaServer,
  startSchwabServer,
  startSecretsManagerServer,
  startYahooServer,
} from '../helpers/provider-servers.js';

const SECRETS = [
  ...Object.values(SCHWAB),
  ...Object.values(ALPACA),
  Buffer.from(`${SCHWAB.appKey}:${SCHWAB.appSecret}`).toString('base64'),
];
const ARGS = ['scan', '--symbols', 'AAPL,MSFT,NVDA,GE,MDB,DDOG,ARM,ZZZZ', '--as-of', '2024-03-08', '--json'];

interface Doc {
  results: {
    symbol: string;
    scanner: string;
    status: string;
    signal: string | null;
    values: unknown;
    reason?: string;
  }[];
}

let yahoo: ProviderServer;
let alpaca: ProviderServer;
let schwab: ProviderServer;
let csv: Doc;
beforeAll(async () => {
  [yahoo, alpaca, schwab] = await Promise.all([
    startYahooServer(),
    startAlpacaServer(ALPACA),
    startSchwabServer(SCHWAB),
  ]);
  csv = JSON.parse((await runCliAsync(ARGS)).stdout) as Doc;
});
afterAll(() => Promise.all([yahoo, alpaca, schwab].map((s) => s.close())));

const env = () => ({
  PROVIDER_REQUESTS_PER_MINUTE: 'Infinity',
  YAHOO_BASE_URL: yahoo.url,
  ALPACA_DATA_URL: alpaca.url,
  ALPACA_KEY_ID: ALPACA.keyId,
  ALPACA_SECRET_KEY: ALPACA.secretKey,
  SCHWAB_BASE_URL: schwab.url,
  SCHWAB_APP_KEY: SCHWAB.appKey,
  SCHWAB_APP_SECRET: SCHWAB.appSecret,
  SCHWAB_REFRESH_TOKEN: SCHWAB.refreshToken,
});

describe.each(['yahoo', 'alpaca', 'schwab'])('scanfleet scan --provider %s', (provider) => {
  it('scans over HTTP and finds what the bundled CSV finds, symbol for symbol', async () => {
    const run = await runCliAsync([...ARGS, '--provider', provider, '--verbose'], env());
    expect(run.status, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout) as Doc;
    expect(doc.results).toHaveLength(24);
    const comparable = (d: Doc) =>
      d.results.filter((r) => r.symbol !== 'ZZZZ').map((r) => [r.symbol, r.scanner, r.status, r.signal, r.values]);
    expect(comparable(doc)).toEqual(comparable(csv));
    expect(doc.results.filter((r) => r.symbol === 'ZZZZ').map((r) => r.status)).toEqual(['error', 'error', 'error']);
    expect(doc.results.find((r) => r.symbol === 'ZZZZ')?.reason).toMatch(/ZZZZ/);
    // The handlers' logs (stderr, --verbose) and the results carry no credential.
    expect(run.stderr).toContain('batch finished');
    for (const secret of SECRETS) {
      expect(run.stdout).not.toContain(secret);
      expect(run.stderr).not.toContain(secret);
    }
  });
});

describe('credentials', () => {
  it('names the missing variables, never values, in one line before any request or run (exit 2)', async () => {
    const asked = alpaca.requests.length + schwab.requests.length;
    const db = tempDir('no-keys');
    const alpacaRun = await runCliAsync([...ARGS, '--provider', 'alpaca', '--db', db], {
      ALPACA_DATA_URL: alpaca.url,
      ALPACA_KEY_ID: ALPACA.keyId,
      ALPACA_SECRET_KEY: '',
    });
    expect(alpacaRun).toEqual({
      status: 2,
      stdout: '',
      stderr:
        'scanfleet: --provider alpaca: the environment lacks ALPACA_SECRET_KEY (or set ALPACA_SECRET_ID to a Secrets Manager secret holding them; docs/providers.md)\n',
    });
    // No store was started under --db: no run was created.
    expect(readdirSync(db)).toEqual([]);
    const schwabRun = await runCliAsync([...ARGS, '--provider', 'schwab'], {
      SCHWAB_BASE_URL: schwab.url,
      SCHWAB_APP_KEY: SCHWAB.appKey,
      SCHWAB_APP_SECRET: '',
      SCHWAB_REFRESH_TOKEN: undefined,
    });
    expect(schwabRun.status).toBe(2);
    expect(schwabRun.stderr).toBe(
      'scanfleet: --provider schwab: the environment lacks SCHWAB_APP_SECRET, SCHWAB_REFRESH_TOKEN (or set SCHWAB_SECRET_ID to a Secrets Manager secret holding them; docs/providers.md)\n',
    );
    expect(alpaca.requests.length + schwab.requests.length).toBe(asked);
  });

  it('reports an expired Schwab refresh token with what to do, and no secret in any output', async () => {
    const run = await runCliAsync([...ARGS, '--provider', 'schwab', '--verbose'], {
      ...env(),
      SCHWAB_REFRESH_TOKEN: 'fake-expired-refresh-token-6666',
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('Schwab rejected the refresh token (HTTP 400: invalid_grant)');
    expect(run.stderr).toContain('store the new refresh token in SCHWAB_REFRESH_TOKEN');
    for (const secret of [...SECRETS, 'fake-expired-refresh-token-6666']) {
      expect(run.stdout).not.toContain(secret);
      expect(run.stderr).not.toContain(secret);
    }
  });

  it('reads them from Secrets Manager when a secret id is configured', async () => {
    const secrets: Record<string, string> = {
      'scanfleet/schwab': JSON.stringify({
        appKey: SCHWAB.appKey,
        appSecret: SCHWAB.appSecret,
        refreshToken: SCHWAB.refreshToken,
      }),
      'scanfleet/alpaca': JSON.stringify({ keyId: ALPACA.keyId }),
    };
    const server = await startSecretsManagerServer(secrets);
    const { client, calls } = server;
    try {
      const schwabCreds = schwabCredentials({ schwabSecretId: 'scanfleet/schwab' }, client);
      expect(await schwabCreds.load()).toEqual(SCHWAB);
      expect(await schwabCreds.load()).toEqual(SCHWAB);
      expect(calls).toEqual(['secretsmanager.GetSecretValue scanfleet/schwab']);
      expect(schwabCreds.description).toBe('secret scanfleet/schwab (refreshToken)');
      await expect(alpacaCredentials({ alpacaSecretId: 'scanfleet/alpaca' }, client).load()).rejects.toThrow(
        'secret scanfleet/alpaca lacks secretKey',
      );
      await expect(alpacaCredentials({ alpacaSecretId: 'scanfleet/missing' }, client).load()).rejects.toThrow(
        'Secrets Manager cannot find the specified secret.',
      );
      // A re-read after reload(), once: a secret rotated while the container was warm.
      schwabCreds.reload();
      expect(await schwabCreds.load()).toEqual(SCHWAB);
      expect(await schwabCreds.load()).toEqual(SCHWAB);
      expect(calls.filter((c) => c.endsWith('scanfleet/schwab'))).toEqual([
        'secretsmanager.GetSecretValue scanfleet/schwab',
        'secretsmanager.GetSecretValue scanfleet/schwab',
      ]);
    } finally {
      await server.close();
    }
  });
});

describe('a batch that fails every delivery', () => {
  it('is named on stderr with its own error, one line a batch (the logs only with --verbose), and exits 1', async () => {
    // One symbol a batch: AAPL's and MSFT's fail on every delivery, each with its own answer; GE's is served.
    yahoo.inject((r) => r.path.endsWith('/AAPL'), { kind: 'status', status: 400 }, Infinity);
    yahoo.inject((r) => r.path.endsWith('/MSFT'), { kind: 'status', status: 422 }, Infinity);
    try {
      const args = ['scan', '--provider', 'yahoo', '--symbols', 'AAPL,MSFT,GE', '--as-of', '2024-03-08', '--json'];
      const run = await runCliAsync(args, { ...env(), BATCH_SIZE: '1' });
      expect(run.status).toBe(1);
      const lines = run.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines).toEqual(
        expect.arrayContaining([
          expect.stringMatching(
            /^scanfleet: batch \d \(1 symbol\) failed every delivery: yahoo failed for all 1 symbols of the batch: chart AAPL: HTTP 400$/,
          ),
          expect.stringMatching(
            /^scanfleet: batch \d \(1 symbol\) failed every delivery: yahoo failed for all 1 symbols of the batch: chart MSFT: HTTP 422$/,
          ),
        ]),
      );
      const { results } = JSON.parse(run.stdout) as Doc;
      expect(results.map((r) => [r.symbol, r.status])).toEqual([
        ['GE', 'ok'],
        ['GE', 'ok'],
        ['GE', 'ok'],
      ]);
      const verbose = await runCliAsync([...args, '--verbose'], { ...env(), BATCH_SIZE: '1' });
      expect(verbose.status).toBe(1);
      expect(verbose.stderr).toContain('"message":"batch failed"');
    } finally {
      yahoo.clearFaults();
    }
  });
});

describe('a provider that is down', () => {
  it('is asked no more after the first requests fail every retry: the scan ends in seconds, not minutes, naming the error', async () => {
    const symbols = ['AAPL', 'MSFT', 'GE', 'MDB', 'DDOG', 'KO', 'PEP', 'JPM', 'XOM', 'CVX', 'NVDA', 'AMD'];
    yahoo.inject(() => true, { kind: 'status', status: 503 }, Infinity);
    const before = yahoo.requests.length;
    try {
      const run = await runCliAsync(
        ['scan', '--provider', 'yahoo', '--symbols', symbols.join(','), '--as-of', '2024-03-08'],
        env(),
      );
      expect(run.status).toBe(1);
      expect(run.stderr.trimEnd().split('\n')).toEqual([
        expect.stringMatching(
          /^scanfleet: batch 0 \(12 symbols\) failed every delivery: yahoo failed for all 12 symbols of the batch: chart \w+: not sent: yahoo looks down \([3-6] requests in a row failed every retry\)$/,
        ),
      ]);
      expect(run.stdout).toMatch(
        /^Run \S+: scanned 0 of 12 symbols as of 2024-03-08 \(12 in batches that failed every delivery\) · signals: /m,
      );
      // Three requests fail every attempt (4 each), with at most three more in flight beside them
      // (4 at a time); the other symbols and the two redeliveries ask nothing. Without it: 12 × 4 × 3.
      const asked = yahoo.requests.length - before;
      expect(asked).toBeGreaterThanOrEqual(3 * 4);
      expect(asked).toBeLessThanOrEqual(6 * 4);
    } finally {
      yahoo.clearFaults();
    }
  });
});

describe('provider settings from the environment', () => {
  it('Yahoo asking for a session: the handshake goes to YAHOO_COOKIE_URL, and the scan finds what the CSV finds', async () => {
    const crumbed = await startYahooServer({ crumb: true });
    try {
      const run = await runCliAsync([...ARGS, '--provider', 'yahoo'], {
        ...env(),
        YAHOO_BASE_URL: crumbed.url,
        YAHOO_COOKIE_URL: crumbed.url,
      });
      expect(run.status, run.stderr).toBe(0);
      const doc = JSON.parse(run.stdout) as Doc;
      const comparable = (d: Doc) =>
        d.results.filter((r) => r.symbol !== 'ZZZZ').map((r) => [r.symbol, r.scanner, r.status, r.signal, r.values]);
      expect(comparable(doc)).toEqual(comparable(csv));
      expect(crumbed.handshakes()).toBeGreaterThanOrEqual(1);
      for (const secret of crumbed.issued()) {
        expect(run.stdout).not.toContain(secret);
        expect(run.stderr).not.toContain(secret);
      }
    } finally {
      await crumbed.close();
    }
  });

  it('refuses a PROVIDER_DELAY_MINUTES that is not a non-negative number, saying so', async () => {
    const run = await runCliAsync([...ARGS, '--provider', 'yahoo'], { ...env(), PROVIDER_DELAY_MINUTES: '-5' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('PROVIDER_DELAY_MINUTES must be a non-negative number of minutes');
  });
});

describe('scanfleet scan --provider yahoo --now', () => {
  interface Result {
    symbol: string;
    scanner: string;
    status: string;
    barDate?: string;
    partial?: boolean;
    values: Record<string, number> | null;
  }
  const scanAt = async (instant: string) => {
    // A Yahoo-format server living at that instant: its last bar is the day's bar so far.
    const server = await startYahooServer({ now: () => Date.parse(instant) });
    try {
      const run = await runCliAsync(
        ['scan', '--provider', 'yahoo', '--symbols', 'AAPL,GE,MDB,DDOG,COST', '--now', instant, '--json'],
        { PROVIDER_REQUESTS_PER_MINUTE: 'Infinity', YAHOO_BASE_URL: server.url },
      );
      expect(run.status, run.stderr).toBe(0);
      return (JSON.parse(run.stdout) as { results: Result[] }).results;
    } finally {
      await server.close();
    }
  };

  it('marks every result of a bar still trading partial, at 12:30 on 2024-03-08', async () => {
    const results = await scanAt('2024-03-08T12:30:00-05:00');
    expect(results).toHaveLength(15);
    expect(results.every((r) => r.status === 'ok' && r.partial === true && r.barDate === '2024-03-08')).toBe(true);
    // VPB projects the day's volume from what traded by the data's end (12:20, Yahoo's 10-minute delay).
    const ge = results.find((r) => r.symbol === 'GE' && r.scanner === 'vpb')?.values;
    expect(ge?.volumeSoFar).toBeLessThan(16_940_300); // GE's whole day
    expect(ge?.projectedVolume).toBeCloseTo((ge?.volumeSoFar ?? 0) / (ge?.sessionShare ?? 1), 3);
  });

  it('marks them closed once the close and the delay have passed, at 16:30', async () => {
    const results = await scanAt('2024-03-08T16:30:00-05:00');
    expect(results.every((r) => r.status === 'ok' && r.partial === false && r.barDate === '2024-03-08')).toBe(true);
    expect(results.find((r) => r.symbol === 'GE' && r.scanner === 'vpb')?.values).not.toHaveProperty('projectedVolume');
  });
});
