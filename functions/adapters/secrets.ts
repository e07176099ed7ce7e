import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ProviderError } from '../core/errors.js';
import { ENV, type Settings } from './settings.js';
import type { AlpacaCredentials } from './market-data/alpaca-market-data.js';
import type { SchwabCredentials } from './market-data/schwab-market-data.js';

/** A secret's JSON, read once and kept; reload() drops the kept copy so the next call reads again. */
export interface SecretReader {
  (): Promise<Record<string, unknown>>;
  reload(): void;
}

/**
 * Reads a JSON secret from Secrets Manager once per container and keeps it for the container's
 * life (a single small object: nothing that grows), until reload() drops it (a rotated secret:
 * the caller saw the kept value refused). Errors name the secret, never its value.
 */
export function secretJson(
  secretId: string,
  client: () => SecretsManagerClient = () => new SecretsManagerClient({}),
): SecretReader {
  let cached: Promise<Record<string, unknown>> | undefined;
  const read = () => {
    if (cached) return cached;
    const reading: Promise<Record<string, unknown>> = (async () => {
      const { SecretString } = await client().send(new GetSecretValueCommand({ SecretId: secretId }));
      try {
        const value = JSON.parse(SecretString ?? '') as unknown;
        if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
      } catch {
        // reported below without the content
      }
      throw new ProviderError('secrets', `secret ${secretId} is not a JSON object`);
    })().catch((error: unknown) => {
      if (cached === reading) cached = undefined; // a failed read is tried again on the next batch
      throw error;
    });
    return (cached = reading);
  };
  return Object.assign(read, {
    reload: () => {
      cached = undefined;
    },
  });
}

function required(
  source: Record<string, unknown>,
  keys: Record<string, string>,
  where: string,
): Record<string, string> {
  const missing = Object.entries(keys).filter(
    ([, key]) => typeof source[key] !== 'string' || (source[key] as string).length === 0,
  );
  if (missing.length > 0)
    throw new ProviderError('credentials', `${where} lacks ${missing.map(([, key]) => key).join(', ')}`);
  return Object.fromEntries(Object.entries(keys).map(([name, key]) => [name, source[key] as string]));
}

export interface CredentialSource<T> {
  readonly load: () => Promise<T>;
  /** Where they come from, for error messages: a secret id or variable names. */
  readonly description: string;
  /**
   * Drops any kept copy, so that the next load() reads the source again: a secret rotated while
   * this container was warm. Credentials given in the settings do not change: nothing to drop.
   */
  readonly reload: () => void;
}

const nothingToDrop = () => {};

export function schwabCredentials(
  settings: Pick<Settings, 'schwabSecretId' | 'schwabAppKey' | 'schwabAppSecret' | 'schwabRefreshToken'>,
  secrets?: () => SecretsManagerClient,
): CredentialSource<SchwabCredentials> {
  const secretId = settings.schwabSecretId;
  if (secretId) {
    const read = secretJson(secretId, secrets);
    return {
      description: `secret ${secretId} (refreshToken)`,
      reload: read.reload,
      load: async () =>
        required(
          await read(),
          { appKey: 'appKey', appSecret: 'appSecret', refreshToken: 'refreshToken' },
          `secret ${secretId}`,
        ) as unknown as SchwabCredentials,
    };
  }
  return {
    description: ENV.schwabRefreshToken,
    reload: nothingToDrop,
    load: async () =>
      required(
        {
          [ENV.schwabAppKey]: settings.schwabAppKey,
          [ENV.schwabAppSecret]: settings.schwabAppSecret,
          [ENV.schwabRefreshToken]: settings.schwabRefreshToken,
        },
        { appKey: ENV.schwabAppKey, appSecret: ENV.schwabAppSecret, refreshToken: ENV.schwabRefreshToken },
        'the environment',
      ) as unknown as SchwabCredentials,
  };
}

export function alpacaCredentials(
  settings: Pick<Settings, 'alpacaSecretId' | 'alpacaKeyId' | 'alpacaSecretKey'>,
  secrets?: () => SecretsManagerClient,
): CredentialSource<AlpacaCredentials> {
  const secretId = settings.alpacaSecretId;
  if (secretId) {
    const read = secretJson(secretId, secrets);
    return {
      description: `secret ${secretId}`,
      reload: read.reload,
      load: async () =>
        required(
          await read(),
          { keyId: 'keyId', secretKey: 'secretKey' },
          `secret ${secretId}`,
        ) as unknown as AlpacaCredentials,
    };
  }
  return {
    description: `${ENV.alpacaKeyId} / ${ENV.alpacaSecretKey}`,
    reload: nothingToDrop,
    load: async () =>
      required(
        { [ENV.alpacaKeyId]: settings.alpacaKeyId, [ENV.alpacaSecretKey]: settings.alpacaSecretKey },
        { keyId: ENV.alpacaKeyId, secretKey: ENV.alpacaSecretKey },
        'the environment',
      ) as unknown as AlpacaCredentials,
  };
}
