import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TransportError } from '../../functions/adapters/http-transport.js';
import { MAX_RESPONSE_BYTES, send } from '../../functions/adapters/http-transport.js';
import { gzipBomb } from '../helpers/provider-servers.js';
import { MB, peakRss } from '../helpers/memory.js';

const JSON_BODY = JSON.stringify({ chart: { result: [{ close: [1.5, 2.25] }] } });
let url: string;
/** 1 GB of zeros, gzipped (about 4.5 MB). */
let bomb: Buffer;
let seen: { method?: string; headers: IncomingMessage['headers']; body: string }[] = [];
const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  let body = '';
  req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
  req.on('end', () => {
    seen.push({ method: req.method, headers: req.headers, body });
    switch (req.url) {
      case '/gzip':
        res.writeHead(200, { 'content-encoding': 'gzip' });
        return res.end(gzipSync(JSON_BODY));
      case '/br':
        res.writeHead(200, { 'content-encoding': 'br' });
        return res.end(brotliCompressSync(JSON_BODY));
      case '/bomb':
        res.writeHead(200, { 'content-encoding': 'gzip' });
        return res.end(bomb);
      case '/bad-gzip':
        res.writeHead(200, { 'content-encoding': 'gzip' });
        return res.end('not gzip at all');
      case '/big':
        res.writeHead(200);
        return res.end('x'.repeat(5000));
      case '/half':
        // Promises 1,000 bytes, sends 10, then drops the connection.
        res.writeHead(200, { 'content-length': '1000' });
        res.write('0123456789');
        return setTimeout(() => req.socket.destroy(), 20);
      case '/hang':
        return undefined;
      default:
        res.writeHead(429, { 'retry-after': '2', 'content-type': 'application/json' });
        return res.end('{"retry_after":2}');
    }
  });
});
beforeAll(async () => {
  bomb = await gzipBomb(1024 * MB);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(
  () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
);

const failure = (path: string, options: { timeoutMs?: number; maxBytes?: number } = {}) =>
  send(`${url}${path}`, { timeoutMs: options.timeoutMs ?? 2000, maxBytes: options.maxBytes }).then(
    () => undefined,
    (error: unknown) => error as TransportError,
  );

describe('http transport (node:http, no fetch)', () => {
  it('sends method, headers and body, and answers status, headers and body of any status', async () => {
    seen = [];
    const response = await send(`${url}/limited`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer fake-token' },
      body: '{"a":1}',
      timeoutMs: 2000,
    });
    expect(response.status).toBe(429);
    expect(response.headers['retry-after']).toBe('2');
    expect(response.body).toBe('{"retry_after":2}');
    expect(seen[0]).toMatchObject({
      method: 'POST',
      body: '{"a":1}',
      headers: { 'content-type': 'application/json', authorization: 'Bearer fake-token' },
    });
  });

  it('decodes gzip and brotli bodies', async () => {
    expect((await send(`${url}/gzip`, { timeoutMs: 2000 })).body).toBe(JSON_BODY);
    expect((await send(`${url}/br`, { timeoutMs: 2000 })).body).toBe(JSON_BODY);
    expect(await failure('/bad-gzip')).toMatchObject({ message: 'the gzip body does not decode', duringBody: true });
  });

  it('refuses a gzip bomb (1 GB of zeros) at the limit, once, without inflating it', async () => {
    const before = peakRss();
    const error = await failure('/bomb');
    const growth = peakRss() - before;
    expect(bomb.length).toBeLessThan(MAX_RESPONSE_BYTES);
    expect(error).toMatchObject({
      name: 'TransportError',
      message: `response larger than ${MAX_RESPONSE_BYTES} bytes once gzip-decoded`,
      duringBody: true,
      final: true,
    });
    process.stdout.write(`gzip bomb: ${bomb.length} bytes of gzip, peak RSS grew ${(growth / MB).toFixed(1)} MB\n`);
    expect(growth).toBeLessThan(MAX_RESPONSE_BYTES + 32 * MB);
  }, 30_000);

  it('fails with a reason: too large, dropped mid-body, no answer, nothing listening', async () => {
    expect(await failure('/big', { maxBytes: 1000 })).toMatchObject({
      name: 'TransportError',
      message: 'response larger than 1000 bytes',
      duringBody: true,
    });
    expect(await failure('/half')).toMatchObject({ duringBody: true });
    expect(await failure('/hang', { timeoutMs: 100 })).toMatchObject({
      message: 'no response within 100 ms',
      duringBody: false,
    });
    const refused = await send('http://127.0.0.1:1/', { timeoutMs: 2000 }).catch(
      (error: unknown) => error as TransportError,
    );
    expect(refused).toMatchObject({ message: 'connection failed (ECONNREFUSED)', duringBody: false });
    expect(
      await send('ftp://127.0.0.1/', { timeoutMs: 100 }).catch((error: unknown) => error as TransportError),
    ).toMatchObject({ message: 'unsupported protocol ftp:' });
  });
});
