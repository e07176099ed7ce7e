import { ProviderError } from '../core/errors.js';
import { type AwsJsonCaller, awsJson, SECRETS_MANAGER } from './aws/aws-json.js';

/** Secrets Manager's answer to GetSecretValue, as far as it is read. */
export interface SecretValue {
  readonly SecretString?: string;
  /** When the version read (AWSCURRENT) was created. */
  readonly CreatedDate?: Date;
}

/** Secrets Manager's GetSecretValue of the AWSCURRENT version (CreatedDate is epoch seconds on the wire). */
export async function getSecretValue(
  secretId: string,
  call: AwsJsonCaller = awsJson(SECRETS_MANAGER),
): Promise<SecretValue> {
  const { SecretString, CreatedDate } = await call<{ SecretString?: string; CreatedDate?: number }>('GetSecretValue', {
    SecretId: secretId,
  });
  return { SecretString, ...(typeof CreatedDate === 'number' && { CreatedDate: new Date(CreatedDate * 1000) }) };
}

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
  client: () => AwsJsonCaller = () => awsJson(SECRETS_MANAGER),
): SecretReader {
  let cached: Promise<Record<string, unknown>> | undefined;
  const read = () => {
    if (cached) return cached;
    const reading: Promise<Record<string, unknown>> = (async () => {
      const { SecretString } = await getSecretValue(secretId, client());
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
