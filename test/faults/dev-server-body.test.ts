import { type ChildProcess, spawn } from 'node:child_process';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_REQUEST_BYTES } from '../../functions/local/dev-server.js';
import { MB, peakRss } from '../helpers/memory.js';

// The real `scanfleet dev` in a child process, so its memory is its own: a 200 MB body, made
// as it is sent (one 64 KB buffer, sent again and again), is refused with 413 while it is read,
// with and without a Content-Length, and the server's peak RSS (VmHWM) barely moves.
const CLI = fileURLToPath(new URL('../../bin/scanfleet.js', import.meta.url));
const HUGE = 200 * MB;
let dev: ChildProcess;
let url: string;

beforeAll(async () => {
  dev = spawn(process.execPath, [CLI, 'dev', '--port', '0', '--symbols', 'GE', '--scanners', 'vpb'], {
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    dev.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
      const found = /Dashboard: (http:\/\/\S+)\//.exec(out);
      if (found) resolve(found[1]);
    });
    dev.on('exit', (code) => reject(new Error(`scanfleet dev exited (${code}) before serving`)));
  });
}, 60_000);
afterAll(() => {
  dev?.kill('SIGTERM');
});

interface Upload {
  status?: number;
  body: string;
  /** Bytes handed to the socket before the answer came (or the connection closed). */
  sent: number;
}

/** POSTs `total` bytes, generated as they are sent, with a Content-Length or chunked. */
function upload(path: string, total: number, withLength: boolean): Promise<Upload> {
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  return new Promise((resolve) => {
    const result: Upload = { body: '', sent: 0 };
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      req.destroy();
      resolve(result);
    };
    const req = request(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream', ...(withLength && { 'content-length': String(total) }) },
    });
    req.on('response', (res) => {
      result.status = res.statusCode;
      res.on('data', (data: Buffer) => (result.body += data.toString('utf8')));
      res.on('end', finish);
    });
    req.on('error', finish);
    const pump = () => {
      while (!done && result.sent < total) {
        const part = chunk.subarray(0, Math.min(chunk.length, total - result.sent));
        result.sent += part.length;
        if (!req.write(part)) return void req.once('drain', pump);
      }
      if (!done) req.end();
    };
    pump();
  });
}

describe('the dev server bounds a request body while reading it', () => {
  const refusal = {
    error: { code: 'payload_too_large', message: `the request body is over ${MAX_REQUEST_BYTES} bytes` },
  };

  it.each([
    ['with a Content-Length of 200 MB: 413 at once', true],
    ['chunked, 200 MB without a length: 413 once the limit is passed', false],
  ])(
    'refuses a 200 MB body %s, its memory flat',
    async (_, withLength) => {
      const before = peakRss(dev.pid as number);
      const response = await upload('/api/health', HUGE, withLength);
      const growth = peakRss(dev.pid as number) - before;
      expect(response.status).toBe(413);
      expect(JSON.parse(response.body)).toEqual(refusal);
      expect(response.sent).toBeLessThan(HUGE);
      process.stdout.write(
        `200 MB body ${withLength ? 'with a length' : 'chunked'}: 413 after ${(response.sent / MB).toFixed(1)} MB sent; dev server peak RSS grew ${(growth / MB).toFixed(1)} MB\n`,
      );
      expect(growth).toBeLessThan(50 * MB);
    },
    60_000,
  );

  it('reads a body of exactly the limit, chunked, and hands it on: the API answers', async () => {
    const response = await upload('/api/health', MAX_REQUEST_BYTES, false);
    expect(response.status).toBe(405); // the API's answer: /api/health is GET only
    expect(response.sent).toBe(MAX_REQUEST_BYTES);
  }, 30_000);
});
