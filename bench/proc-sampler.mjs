// A worker thread of the bench process: reads a child's /proc/<pid>/status every `intervalMs`
// until told to stop (or the child is gone), and hands back every sample. It runs beside the
// bench's loopback servers, so a busy event loop never stretches the interval.
import { closeSync, openSync, readlinkSync, readSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { Buffer } from 'node:buffer';

const { pid, intervalMs, stop } = workerData;
// Above the bench's main thread (which serves the loopback providers) where the user may raise a
// thread's priority (root, or CAP_SYS_NICE); elsewhere the sampler stays at the bench's own.
try {
  setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), -10);
} catch {
  // not permitted here
}
const flag = new Int32Array(stop);
const FIELDS = ['VmHWM', 'VmRSS', 'RssAnon', 'RssFile'];
// Samples go into fixed blocks of doubles: a growing array's copies and the collections they
// bring would pause this thread for milliseconds on a soak of minutes (a million numbers).
const BLOCK = 65_536;
const columns = Object.fromEntries(['t', ...FIELDS].map((name) => [name, [new Float64Array(BLOCK)]]));
let count = 0;
const put = (name, value) => {
  const blocks = columns[name];
  if (count % BLOCK === 0 && count > 0) blocks.push(new Float64Array(BLOCK));
  blocks[blocks.length - 1][count % BLOCK] = value;
};
// One descriptor, read again from offset 0 for each sample (the kernel writes the file anew):
// a fifth of the CPU of opening and parsing it with a pattern each time, times three samplers.
const buffer = Buffer.alloc(8192);
let fd;
try {
  fd = openSync(`/proc/${pid}/status`, 'r');
} catch {
  fd = undefined;
}
/** The field's kB value in the status text, or NaN when the line is missing. */
const kbOf = (status, field) => {
  const at = status.indexOf(`\n${field}:`);
  return at < 0 ? Number.NaN : Number.parseInt(status.slice(at + field.length + 2), 10);
};
parentPort.postMessage('started');
while (fd !== undefined && Atomics.load(flag, 0) === 0) {
  let status;
  try {
    status = buffer.latin1Slice(0, readSync(fd, buffer, 0, buffer.length, 0));
  } catch {
    break;
  }
  const values = FIELDS.map((field) => kbOf(status, field));
  // An exited child not reaped yet has a status without memory lines.
  if (values.some(Number.isNaN)) break;
  // CLOCK_MONOTONIC, the clock the child stamps its invocations with.
  put('t', Number(process.hrtime.bigint()) / 1e6);
  FIELDS.forEach((field, i) => put(field, values[i] / 1024));
  count++;
  Atomics.wait(flag, 0, 0, intervalMs);
}
if (fd !== undefined) closeSync(fd);
/** One column's samples as one array. */
const joined = (blocks) => {
  const all = new Float64Array(count);
  blocks.forEach((block, i) => all.set(block.subarray(0, Math.min(BLOCK, count - i * BLOCK)), i * BLOCK));
  return all;
};
parentPort.postMessage(Object.fromEntries(Object.entries(columns).map(([name, blocks]) => [name, joined(blocks)])));
