import { ScanfleetError } from '../../core/errors.js';
import { headerValue, TransportError } from '../http-transport.js';
import { type AwsOptions, type AwsService, awsErrorOf, awsSender, MissingRegionError } from './aws-request.js';

/** A service spoken in AWS's JSON protocol: POST / with X-Amz-Target `<targetPrefix>.<Operation>`. */
export interface AwsJsonService extends AwsService {
  /** Its name in messages. */
  readonly label: string;
  readonly targetPrefix: string;
  /** application/x-amz-json-<version>. */
  readonly version: '1.0' | '1.1';
}

export const SECRETS_MANAGER: AwsJsonService = {
  label: 'Secrets Manager',
  signingName: 'secretsmanager',
  endpointId: 'SECRETS_MANAGER',
  targetPrefix: 'secretsmanager',
  version: '1.1',
};

export const SQS: AwsJsonService = {
  label: 'SQS',
  signingName: 'sqs',
  endpointId: 'SQS',
  targetPrefix: 'AmazonSQS',
  version: '1.0',
};

export interface AwsJsonOptions extends AwsOptions {
  /** Attempts of a call refused as throttled, by a 5xx or by the network (default 3, as the SDK's). */
  readonly maxAttempts?: number;
  /** Waits between attempts (default a timer). */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Calls an operation with its input; resolves with the service's answer as JSON. */
export type AwsJsonCaller = <T>(operation: string, input: Record<string, unknown>) => Promise<T>;

/** The service refused a call, or none of its attempts reached it; `errorType` is its error (ResourceNotFoundException, …). */
export class AwsError extends ScanfleetError {
  override readonly name = 'AwsError';
  override readonly code = 'aws_error';

  constructor(
    readonly operation: string,
    readonly errorType: string,
    /** The HTTP status of the answer, 0 without one. */
    readonly status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** An attempt's limit: both services answer these calls in tens of milliseconds. */
const CALL_TIMEOUT_MS = 5000;
/** GetSecretValue's answer is at most 64 KB of secret; SendMessageBatch's, ten short entries. */
const MAX_ANSWER_BYTES = 1_048_576;
/** The error types the SDK retries as throttling (its standard retry strategy). */
const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'LimitExceededException',
  'SlowDown',
]);

/**
 * AWS's JSON protocol as one signed POST per attempt (lib/bundling.ts's credentials and the SDK's
 * signer, through aws-request.ts): the SDK's SQS client for this one call cost dispatch 22 KB,
 * its Secrets Manager client the authorizer 128 KB (docs/deploy.md). Retried as the SDK retries: a throttled, 5xx or unanswered call
 * up to `maxAttempts` times with full-jitter backoff (100 ms doubling, at most 20 s); anything
 * else is an AwsError at once, one line with the service's error type and message.
 */
export function awsJson(service: AwsJsonService, options: AwsJsonOptions = {}): AwsJsonCaller {
  const post = awsSender(service, options);
  const maxAttempts = options.maxAttempts ?? 3;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const contentType = `application/x-amz-json-${service.version}`;
  return async <T>(operation: string, input: Record<string, unknown>): Promise<T> => {
    const what = `${service.label} ${operation}`;
    for (let attempt = 1; ; attempt++) {
      let failure: AwsError;
      try {
        const response = await post({
          path: '/',
          headers: { 'content-type': contentType, 'x-amz-target': `${service.targetPrefix}.${operation}` },
          body: JSON.stringify(input),
          timeoutMs: CALL_TIMEOUT_MS,
          maxBytes: MAX_ANSWER_BYTES,
        });
        if (response.status >= 200 && response.status < 300) {
          try {
            return JSON.parse(response.body) as T;
          } catch (error) {
            throw new AwsError(operation, 'InvalidResponse', response.status, `${what}: the answer is not JSON`, {
              cause: error,
            });
          }
        }
        const { type, message } = awsErrorOf(headerValue(response.headers['x-amzn-errortype']), response.body);
        failure = new AwsError(
          operation,
          type,
          response.status,
          `${what} refused: ${type} (HTTP ${response.status})${message ? `: ${message}` : ''}`,
        );
        if (!THROTTLING.has(type) && response.status !== 429 && response.status < 500) throw failure;
      } catch (error) {
        if (error instanceof AwsError) throw error;
        if (error instanceof MissingRegionError)
          throw new AwsError(operation, 'MissingRegion', 0, `${what}: ${error.message}`);
        if (!(error instanceof TransportError)) throw error;
        failure = new AwsError(operation, 'TransportError', 0, `${what} failed: ${error.message}`, { cause: error });
        if (error.final) throw failure;
      }
      if (attempt >= maxAttempts) throw failure;
      await sleep(Math.random() * Math.min(20_000, 100 * 2 ** (attempt - 1)));
    }
  };
}
