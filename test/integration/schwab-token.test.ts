import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schwabRefreshTokenIssuedAt, schwabTokenIssue } from '../../functions/adapters/market-data/schwab-token.js';
import { settingsFrom } from '../../functions/adapters/settings.js';
import { type SecretsManagerServer, startSecretsManagerServer } from '../helpers/provider-servers.js';

// No real Secrets Manager can run here: the AWS SDK's client talks to a loopback server that
// answers GetSecretValue in Secrets Manager's JSON 1.1 protocol, CreatedDate as epoch seconds on
// the wire, so the SDK's own parsing of the response is part of the test.
const credentials = { appKey: 'app-key', appSecret: 'app-secret', refreshToken: 'refresh-token-value' };
let server: SecretsManagerServer;

beforeAll(async () => {
  server = await startSecretsManagerServer(
    {
      'schwab/stated': JSON.stringify({ ...credentials, refreshTokenIssuedAt: '2026-11-20T04:00:00-05:00' }),
      'schwab/versioned': JSON.stringify(credentials),
      'schwab/bad-date': JSON.stringify({ ...credentials, refreshTokenIssuedAt: 'last tuesday' }),
      'schwab/not-json': 'refresh-token-value',
    },
    {
      'schwab/stated': new Date('2026-11-01T00:00:00Z'),
      'schwab/versioned': new Date('2026-11-22T18:30:15Z'),
    },
  );
});
afterAll(() => server.close());

describe('when the Schwab refresh token was issued', () => {
  it('reads the secret’s refreshTokenIssuedAt before its version’s date', async () => {
    const issue = await schwabRefreshTokenIssuedAt('schwab/stated', server.client());
    expect(issue).toEqual({ issuedAt: new Date('2026-11-20T09:00:00Z'), source: 'secret' });
  });

  it('else takes the creation date of the secret’s current version', async () => {
    const issue = await schwabRefreshTokenIssuedAt('schwab/versioned', server.client());
    expect(issue).toEqual({ issuedAt: new Date('2026-11-22T18:30:15Z'), source: 'version' });
    // A new token put as a new version.
    server.secrets['schwab/versioned'] = JSON.stringify({ ...credentials, refreshToken: 'newer-token' });
    server.created['schwab/versioned'] = new Date('2026-11-26T08:00:00Z');
    expect((await schwabRefreshTokenIssuedAt('schwab/versioned', server.client())).issuedAt).toEqual(
      new Date('2026-11-26T08:00:00Z'),
    );
  });

  it('names the secret and the field, never the value, when they are wrong', async () => {
    await expect(schwabRefreshTokenIssuedAt('schwab/bad-date', server.client())).rejects.toThrow(
      'secret schwab/bad-date: refreshTokenIssuedAt must be an ISO 8601 time with its zone (e.g. 2026-11-20T09:00:00Z)',
    );
    const error = await schwabRefreshTokenIssuedAt('schwab/not-json', server.client()).catch((e: Error) => e);
    expect(String(error)).toBe('ProviderError: secret schwab/not-json is not a JSON object');
    expect(String(error)).not.toContain('refresh-token-value');
  });

  it('by the settings: the secret on AWS, SCHWAB_REFRESH_TOKEN_ISSUED_AT locally, else unknown', async () => {
    expect(
      await schwabTokenIssue(settingsFrom({ SCHWAB_SECRET_ID: 'schwab/versioned' }), server.client()),
    ).toMatchObject({ source: 'version' });
    expect(await schwabTokenIssue(settingsFrom({ SCHWAB_REFRESH_TOKEN_ISSUED_AT: '2026-11-24T12:00:00Z' }))).toEqual({
      issuedAt: new Date('2026-11-24T12:00:00Z'),
      source: 'environment',
    });
    expect(await schwabTokenIssue(settingsFrom({}))).toBeUndefined();
    await expect(schwabTokenIssue(settingsFrom({ SCHWAB_REFRESH_TOKEN_ISSUED_AT: '2026-11-24' }))).rejects.toThrow(
      'SCHWAB_REFRESH_TOKEN_ISSUED_AT must be an ISO 8601 time with its zone',
    );
  });
});
