import { ProviderError } from '../../core/errors.js';
import type { AwsJsonCaller } from '../aws/aws-json.js';
import { getSecretValue } from '../secret-json.js';
import type { TokenSource } from '../store/control-store.js';
import { ENV, type Settings } from '../settings.js';

/** When the Schwab refresh token in use was issued, and where that was read. */
export interface TokenIssue {
  readonly issuedAt: Date;
  readonly source: TokenSource;
}

/**
 * When the refresh token in the Schwab secret was issued: the secret's `refreshTokenIssuedAt`
 * (ISO 8601, written by whoever stores a new token), else the creation date of the secret's
 * AWSCURRENT version (GetSecretValue reads that version and returns its CreatedDate: a new token
 * put with `put-secret-value` is a new version). Errors name the secret, never its value.
 */
export async function schwabRefreshTokenIssuedAt(secretId: string, client?: AwsJsonCaller): Promise<TokenIssue> {
  const { SecretString, CreatedDate } = await getSecretValue(secretId, client);
  let value: unknown;
  try {
    value = JSON.parse(SecretString ?? '');
  } catch {
    // reported below without the content
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new ProviderError('secrets', `secret ${secretId} is not a JSON object`);
  const stated = (value as Record<string, unknown>).refreshTokenIssuedAt;
  if (stated !== undefined) {
    const issuedAt = typeof stated === 'string' ? parseIsoInstant(stated) : undefined;
    if (!issuedAt)
      throw new ProviderError(
        'secrets',
        `secret ${secretId}: refreshTokenIssuedAt must be an ISO 8601 time with its zone (e.g. 2026-11-20T09:00:00Z)`,
      );
    return { issuedAt, source: 'secret' };
  }
  if (!CreatedDate) throw new ProviderError('secrets', `secret ${secretId}: its current version has no creation date`);
  return { issuedAt: CreatedDate, source: 'version' };
}

/**
 * The Schwab token's issue time by the settings: from the secret (AWS), else from
 * SCHWAB_REFRESH_TOKEN_ISSUED_AT (local runs), else unknown.
 */
export async function schwabTokenIssue(
  settings: Pick<Settings, 'schwabSecretId' | 'schwabRefreshTokenIssuedAt'>,
  client?: AwsJsonCaller,
): Promise<TokenIssue | undefined> {
  if (settings.schwabSecretId) return schwabRefreshTokenIssuedAt(settings.schwabSecretId, client);
  const stated = settings.schwabRefreshTokenIssuedAt;
  if (stated === undefined) return undefined;
  const issuedAt = parseIsoInstant(stated);
  if (!issuedAt)
    throw new ProviderError(
      'settings',
      `${ENV.schwabRefreshTokenIssuedAt} must be an ISO 8601 time with its zone (e.g. 2026-11-20T09:00:00Z)`,
    );
  return { issuedAt, source: 'environment' };
}

/** An instant with an explicit zone (Z or ±hh:mm); anything else is undefined. */
function parseIsoInstant(text: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) return undefined;
  const date = new Date(text);
  return Number.isNaN(date.getTime()) ? undefined : date;
}
