// A worker thread of the bench process: reads a child's /proc/<pid>/status every `intervalMs`
// until told to stop (or the child is gone), and hands back every sample. It runs beside the
// bench's loopback servers, so a busy event loop never stretches the interval.
import { readFileSync, readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';

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
const columns = { t: [], VmHWM: [], VmRSS: [], RssAnon: [], RssFile: [] };
const pattern = new RegExp(`^(${FIELDS.join('|')}):\\s+(\\d+) kB$`, 'gm');
parentPort.postMessage('started');
while (Atomics.load(flag, 0) === 0) {
  let status;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'latin1');
  } catch {
    break;
  }
  const found = [...status.matchAll(pattern)];
  // An exited child not reaped yet has a status without memory lines.
  if (found.length !== FIELDS.length) break;
  // CLOCK_MONOTONIC, the clock the child stamps its invocations with.
  columns.t.push(Number(process.hrtime.bigint()) / 1e6);
  for (const [, name, kb] of found) columns[name].push(Number(kb) / 1024);
  Atomics.wait(flag, 0, 0, intervalMs);
}
parentPort.postMessage(Object.fromEntries(Object.entries(columns).map(([k, v]) => [k, Float64Array.from(v)])));
