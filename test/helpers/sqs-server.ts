import { createHash, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SqsServer {
  readonly endpoint: string;
  readonly queueUrl: string;
  /** Bodies of the messages accepted, in order. */
  readonly received: string[];
  /** SendMessageBatch calls seen (entry ids per call). */
  readonly calls: string[][];
  /** Entry ids to report as failed (server fault) the next `times` times they are sent. */
  failNext(id: string, times: number, senderFault?: boolean): void;
  close(): Promise<void>;
}

/**
 * A loopback server speaking SQS's JSON protocol for SendMessageBatch, as the AWS SDK's SQS
 * client calls it (AWS JSON 1.0, X-Amz-Target AmazonSQS.SendMessageBatch, MD5 of each body).
 * No SQS-compatible server runs here, so this stands in for the real service's answers.
 */
export async function startSqsServer(): Promise<SqsServer> {
  const received: string[] = [];
  const calls: string[][] = [];
  const failures = new Map<string, { times: number; senderFault: boolean }>();
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      const target = request.headers['x-amz-target'];
      if (target !== 'AmazonSQS.SendMessageBatch') {
        response.writeHead(400, { 'content-type': 'application/x-amz-json-1.0' });
        response.end(
          JSON.stringify({
            __type: 'com.amazonaws.sqs#UnsupportedOperation',
            message: `not supported here: ${String(target)}`,
          }),
        );
        return;
      }
      const input = JSON.parse(body) as { Entries: { Id: string; MessageBody: string }[] };
      calls.push(input.Entries.map((e) => e.Id));
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
        Successful.push({
          Id: entry.Id,
          MessageId: randomUUID(),
          MD5OfMessageBody: createHash('md5').update(entry.MessageBody).digest('hex'),
        });
      }
      response.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      response.end(JSON.stringify({ Successful, Failed }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    queueUrl: `${endpoint}/000000000000/scan-queue`,
    received,
    calls,
    failNext: (id, times, senderFault = false) => failures.set(id, { times, senderFault }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
