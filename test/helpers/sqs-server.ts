import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AwsJsonCaller, type AwsJsonOptions, awsJson, SQS } from '../../functions/adapters/aws/aws-json.js';
import type { AwsCredentials } from '../../functions/adapters/aws/aws-request.js';
import { checkSignature, LOOPBACK_AWS } from './sigv4.js';

export interface SqsServer {
  readonly endpoint: string;
  readonly queueUrl: string;
  /** Bodies of the messages accepted, in order. */
  readonly received: string[];
  /** Messages accepted with a delay, in order. */
  readonly delayed: { body: string; delaySeconds: number }[];
  /** SendMessageBatch calls seen (entry ids per call), refused ones included. */
  readonly calls: string[][];
  /** Entry ids to report as failed (server fault) the next `times` times they are sent. */
  failNext(id: string, times: number, senderFault?: boolean): void;
  /** Refuses the next `times` calls as throttled (400 RequestThrottled). */
  throttleNext(times: number): void;
  /** Answers an MD5 that is not the body's the next time this entry id is accepted. */
  corruptMd5Next(id: string): void;
  /** A caller of this server with its credentials, no waits between attempts; `options` overrides. */
  client(options?: AwsJsonOptions): AwsJsonCaller;
  close(): Promise<void>;
}

export interface SqsServerOptions {
  /** The only credentials it accepts (default LOOPBACK_AWS's). */
  readonly credentials?: AwsCredentials;
  readonly region?: string;
  /** The server's clock, for the signature's age (default the real one). */
  readonly now?: () => Date;
}

const QUEUE_PATH = '/000000000000/scan-queue';

/**
 * A loopback server speaking SQS's JSON protocol for SendMessageBatch (AWS JSON 1.0, X-Amz-Target
 * AmazonSQS.SendMessageBatch, the MD5 of each body) and refusing what SQS refuses, with its status
 * codes and error types: a request not signed right (sigv4.ts), another operation or content
 * type, another queue, a throttled call when told. No SQS-compatible server runs here, so this
 * stands in for the real service's answers.
 */
export async function startSqsServer(options: SqsServerOptions = {}): Promise<SqsServer> {
  const credentials = options.credentials ?? LOOPBACK_AWS.credentials;
  const region = options.region ?? LOOPBACK_AWS.region;
  const received: string[] = [];
  const delayed: { body: string; delaySeconds: number }[] = [];
  const calls: string[][] = [];
  const failures = new Map<string, { times: number; senderFault: boolean }>();
  const corrupt = new Set<string>();
  let throttled = 0;
  let queueUrl = '';

  const refuse = (response: ServerResponse, status: number, type: string, message: string) => {
    response.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' });
    response.end(JSON.stringify({ __type: `com.amazonaws.sqs#${type}`, message }));
  };

  const handle = async (request: IncomingMessage, body: Buffer, response: ServerResponse) => {
    const refusal = await checkSignature(request, body, {
      service: 'sqs',
      credentials,
      region,
      now: options.now ?? (() => new Date()),
    });
    if (refusal) return refuse(response, refusal.status, refusal.type, refusal.message);
    const target = request.headers['x-amz-target'];
    if (request.method !== 'POST' || request.url !== '/' || target !== 'AmazonSQS.SendMessageBatch')
      return refuse(response, 400, 'UnknownOperationException', `not supported here: ${String(target)}`);
    if (request.headers['content-type'] !== 'application/x-amz-json-1.0')
      return refuse(
        response,
        400,
        'InvalidParameterValue',
        `unsupported content type ${request.headers['content-type']}`,
      );
    const input = JSON.parse(body.toString('utf8')) as {
      QueueUrl: string;
      Entries: { Id: string; MessageBody: string; DelaySeconds?: number }[];
    };
    calls.push(input.Entries.map((e) => e.Id));
    if (throttled > 0) {
      throttled--;
      return refuse(response, 400, 'RequestThrottled', 'Request is throttled.');
    }
    if (input.QueueUrl !== queueUrl)
      return refuse(response, 400, 'QueueDoesNotExist', 'The specified queue does not exist.');
    const Successful = [];
    const Failed = [];
    for (const entry of input.Entries) {
      const failure = failures.get(entry.Id);
      if (failure && failure.times > 0) {
        failure.times--;
        Failed.push({
          Id: entry.Id,
          SenderFault: failure.senderFault,
          Code: failure.senderFault ? 'InvalidMessageContents' : 'InternalError',
          Message: 'injected failure',
        });
        continue;
      }
      received.push(entry.MessageBody);
      if (entry.DelaySeconds !== undefined) delayed.push({ body: entry.MessageBody, delaySeconds: entry.DelaySeconds });
      Successful.push({
        Id: entry.Id,
        MessageId: randomUUID(),
        MD5OfMessageBody: createHash('md5')
          .update(corrupt.delete(entry.Id) ? `${entry.MessageBody} ` : entry.MessageBody)
          .digest('hex'),
      });
    }
    response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
    response.end(JSON.stringify({ Successful, Failed }));
  };

  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      handle(request, Buffer.concat(chunks), response).catch((error: Error) =>
        refuse(response, 500, 'InternalError', error.message),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  queueUrl = `${endpoint}${QUEUE_PATH}`;
  return {
    endpoint,
    queueUrl,
    received,
    delayed,
    calls,
    failNext: (id, times, senderFault = false) => failures.set(id, { times, senderFault }),
    throttleNext: (times) => (throttled = times),
    corruptMd5Next: (id) => corrupt.add(id),
    client: (overrides = {}) =>
      awsJson(SQS, {
        env: { AWS_REGION: region, AWS_ENDPOINT_URL_SQS: endpoint },
        credentials: async () => credentials,
        sleep: async () => {},
        ...overrides,
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
