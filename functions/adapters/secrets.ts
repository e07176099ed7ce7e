import { ProviderError } from '../core/errors.js';
import type { AwsJsonCaller } from './aws/aws-json.js';
import { secretJson } from './secret-json.js';
import { ENV, type Settings } from './settings.js';
import type { AlpacaCredentials } from './market-data/alpaca-market-data.js';
import type { SchwabCredentials } from './market-data/schwab-market-data.js';

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

/**
 * Where each provider that needs credentials takes them: a Secrets Manager secret when its id is
 * set, else these variables (field → variable).
 */
export const PROVIDER_CREDENTIALS = {
  schwab: {
    secretId: ENV.schwabSecretId,
    variables: { appKey: ENV.schwabAppKey, appSecret: ENV.schwabAppSecret, refreshToken: ENV.schwabRefreshToken },
  },
  alpaca: {
    secretId: ENV.alpacaSecretId,
    variables: { keyId: ENV.alpacaKeyId, secretKey: ENV.alpacaSecretKey },
  },
} as const;

/**
 * The credential variables `env` lacks (unset or empty) for a provider, checked before any
 * request: none when the provider needs no credentials or a secret id says where they live.
 */
export function missingCredentialVariables(
  provider: string,
  env: Readonly<Record<string, string | undefined>>,
): string[] {
  if (!Object.hasOwn(PROVIDER_CREDENTIALS, provider)) return [];
  const { secretId, variables } = PROVIDER_CREDENTIALS[provider as keyof typeof PROVIDER_CREDENTIALS];
  if (env[secretId]) return [];
  return Object.values(variables).filter((name) => !env[name]);
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
  secrets?: () => AwsJsonCaller,
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
        PROVIDER_CREDENTIALS.schwab.variables,
        'the environment',
      ) as unknown as SchwabCredentials,
  };
}

export function alpacaCredentials(
  settings: Pick<Settings, 'alpacaSecretId' | 'alpacaKeyId' | 'alpacaSecretKey'>,
  secrets?: () => AwsJsonCaller,
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
        PROVIDER_CREDENTIALS.alpaca.variables,
        'the environment',
      ) as unknown as AlpacaCredentials,
  };
}
