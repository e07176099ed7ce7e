import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ProviderError } from '../core/errors.js';

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
