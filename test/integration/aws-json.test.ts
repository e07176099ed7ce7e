import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsError, awsJson, SECRETS_MANAGER, SQS } from '../../functions/adapters/aws/aws-json.js';
import { QueueError, SqsScanQueue } from '../../functions/adapters/queue/scan-queue.js';
import { getSecretValue, secretJson } from '../../functions/adapters/secret-json.js';
import { DRAIN_MESSAGE } from '../../functions/core/run/scan-message.js';
import { type SecretsManagerServer, startSecretsManagerServer } from '../helpers/provider-servers.js';
import { LOOPBACK_AWS, SIGNATURE_MISMATCH } from '../helpers/sigv4.js';
import { type SqsServer, startSqsServer } from '../helpers/sqs-server.js';

const CREATED = new Date('2026-11-20T09:00:00Z');
let sm: SecretsManagerServer;
let sqs: SqsServer;

beforeAll(async () => {
  sm = await startSecretsManagerServer(
    { 'scanfleet/api': JSON.stringify({ token: 'fake-api-token' }) },
    { 'scanfleet/api': CREATED },
  );
  sqs = await startSqsServer();
});
afterAll(async () => {
  await Promise.all([sm.close(), sqs.close()]);
});

/** Rejects with an AwsError; returns it. */
async function refusal(promise: Promise<unknown>): Promise<AwsError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(AwsError);
  return error as AwsError;
}

describe('Secrets Manager through the signed JSON caller', () => {
  it('reads a secret with its version date, as the service answers it', async () => {
    expect(await getSecretValue('scanfleet/api', sm.client())).toEqual({
      SecretString: JSON.stringify({ token: 'fake-api-token' }),
      CreatedDate: CREATED,
    });
  });

  it('finds the endpoint as the SDK does: the service variable first, then AWS_ENDPOINT_URL', async () => {
    const credentials = async () => LOOPBACK_AWS.credentials;
    const viaGeneral = awsJson(SECRETS_MANAGER, {
      env: { AWS_REGION: LOOPBACK_AWS.region, AWS_ENDPOINT_URL: sm.endpoint },
      credentials,
    });
    expect((await getSecretValue('scanfleet/api', viaGeneral)).CreatedDate).toEqual(CREATED);
    const viaService = awsJson(SECRETS_MANAGER, {
      env: {
        AWS_REGION: LOOPBACK_AWS.region,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint,
        AWS_ENDPOINT_URL: 'http://127.0.0.1:1',
      },
      credentials,
      maxAttempts: 1,
    });
    expect((await getSecretValue('scanfleet/api', viaService)).CreatedDate).toEqual(CREATED);
  });

  it('is refused with a signature from another secret key, at once and in one line', async () => {
    const before = sm.calls.length;
    const error = await refusal(
      getSecretValue(
        'scanfleet/api',
        sm.client({
          credentials: async () => ({ ...LOOPBACK_AWS.credentials, secretAccessKey: 'fake-other-secret-access-key' }),
        }),
      ),
    );
    expect([error.errorType, error.status, error.message]).toEqual([
      'InvalidSignatureException',
      403,
      `Secrets Manager GetSecretValue refused: InvalidSignatureException (HTTP 403): ${SIGNATURE_MISMATCH}`,
    ]);
    expect(sm.calls.length).toBe(before);
  });

  it('is refused a signature from another region or service, and one ten minutes old', async () => {
    const inRegion = await refusal(
      sm.client({ env: { AWS_REGION: 'eu-west-1', AWS_ENDPOINT_URL: sm.endpoint } })('GetSecretValue', {
        SecretId: 'scanfleet/api',
      }),
    );
    expect(inRegion.message).toBe(
      "Secrets Manager GetSecretValue refused: InvalidSignatureException (HTTP 403): Credential should be scoped to a valid region and service 'secretsmanager', not 'eu-west-1/secretsmanager'.",
    );
    const asSqs = awsJson(
      { ...SQS, endpointId: 'SECRETS_MANAGER' },
      {
        env: { AWS_REGION: LOOPBACK_AWS.region, AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.endpoint },
        credentials: async () => LOOPBACK_AWS.credentials,
      },
    );
    expect((await refusal(asSqs('GetSecretValue', { SecretId: 'scanfleet/api' }))).errorType).toBe(
      'InvalidSignatureException',
    );
    const stale = await refusal(
      getSecretValue('scanfleet/api', sm.client({ now: () => new Date(Date.now() - 600_000) })),
    );
    expect(stale.message).toMatch(
      /^Secrets Manager GetSecretValue refused: InvalidSignatureException \(HTTP 403\): Signature expired: /,
    );
  });

  it('names an unknown operation and an unknown secret with their error types, not retried', async () => {
    const before = sm.calls.length;
    const unknown = await refusal(sm.client()('DescribeSecret', { SecretId: 'scanfleet/api' }));
    expect([unknown.errorType, unknown.status]).toEqual(['UnknownOperationException', 400]);
    const missing = await refusal(getSecretValue('scanfleet/absent', sm.client()));
    expect(missing.message).toBe(
      'Secrets Manager GetSecretValue refused: ResourceNotFoundException (HTTP 400): Secrets Manager cannot find the specified secret.',
    );
    expect(sm.calls.slice(before)).toEqual(['secretsmanager.GetSecretValue scanfleet/absent']);
  });

  it('retries a throttled read up to three attempts with growing waits, then names the throttling', async () => {
    const waits: number[] = [];
    const client = sm.client({ sleep: async (ms) => void waits.push(ms) });
    sm.throttleNext(2);
    const read = secretJson('scanfleet/api', () => client);
    expect(await read()).toEqual({ token: 'fake-api-token' });
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBeLessThan(100);
    expect(waits[1]).toBeLessThan(200);
    sm.throttleNext(3);
    const before = sm.calls.length;
    const error = await refusal(getSecretValue('scanfleet/api', client));
    expect(error.message).toBe('Secrets Manager GetSecretValue refused: ThrottlingException (HTTP 400): Rate exceeded');
    expect(sm.calls.length - before).toBe(3);
  });

  it('says what is missing without a region, and what failed without an answer', async () => {
    const noRegion = await refusal(sm.client({ env: {} })('GetSecretValue', { SecretId: 'scanfleet/api' }));
    expect(noRegion.message).toBe('Secrets Manager GetSecretValue: environment variable AWS_REGION is not set');
    const waits: number[] = [];
    const closed = await refusal(
      sm.client({
        env: { AWS_REGION: LOOPBACK_AWS.region, AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://127.0.0.1:1' },
        sleep: async (ms) => void waits.push(ms),
      })('GetSecretValue', { SecretId: 'scanfleet/api' }),
    );
    expect([closed.errorType, closed.message]).toEqual([
      'TransportError',
      'Secrets Manager GetSecretValue failed: connection failed (ECONNREFUSED)',
    ]);
    expect(waits).toHaveLength(2);
  });
});

describe('SQS SendMessageBatch through the signed JSON caller', () => {
  it('sends the batches as SQS takes them, and checks the MD5 SQS answers for each body', async () => {
    const queue = new SqsScanQueue(sqs.queueUrl, { client: sqs.client(), sleep: async () => {} });
    sqs.corruptMd5Next('batch-3');
    await expect(
      queue.send(
        [0, 1, 2, 3].map((batch) => ({
          runId: '20261124T150000Z-full',
          batch,
          symbols: ['AAPL'],
          scanners: ['macd'],
          scheduledAt: '2026-11-24T15:00:00Z',
        })),
      ),
    ).rejects.toThrow(
      new QueueError("SQS answered an MD5 that is not the body's for batch-3: the messages may be corrupt"),
    );
  });

  it('asks for a drain as one delayed message, its delay within what SQS takes', async () => {
    const queue = new SqsScanQueue(sqs.queueUrl, { client: sqs.client() });
    await queue.requestDrain(61.4);
    await queue.requestDrain(5000);
    expect(sqs.delayed.slice(-2)).toEqual([
      { body: JSON.stringify(DRAIN_MESSAGE), delaySeconds: 61 },
      { body: JSON.stringify(DRAIN_MESSAGE), delaySeconds: 900 },
    ]);
  });

  it('retries a throttled call, and names a queue that does not exist', async () => {
    const queue = new SqsScanQueue(sqs.queueUrl, { client: sqs.client() });
    sqs.throttleNext(2);
    const before = sqs.calls.length;
    await queue.requestDrain(1);
    expect(sqs.calls.length - before).toBe(3);
    const elsewhere = new SqsScanQueue(`${sqs.endpoint}/000000000000/other-queue`, { client: sqs.client() });
    const error = await refusal(elsewhere.requestDrain(1));
    expect(error.message).toBe(
      'SQS SendMessageBatch refused: QueueDoesNotExist (HTTP 400): The specified queue does not exist.',
    );
  });

  it('is refused without the session token the credentials came with', async () => {
    const error = await refusal(
      new SqsScanQueue(sqs.queueUrl, {
        client: sqs.client({ credentials: async () => ({ ...LOOPBACK_AWS.credentials, sessionToken: 'fake-token' }) }),
      }).requestDrain(1),
    );
    expect([error.errorType, error.status]).toEqual(['UnrecognizedClientException', 403]);
  });
});
