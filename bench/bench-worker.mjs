// The benchmark's Lambda stand-in: a fresh Node process that loads one bundled handler (what
// Lambda runs) and feeds it events, reporting import time, durations and memory.
// Usage: node --expose-gc bench/bench-worker.mjs <bundle.mjs> <import|sqs|invoke> <input.json> <report.json>
//
// Peak RSS is VmHWM from /proc (getrusage's maxRSS would include the pages of the bench process
// this one was forked from). Writing 5 to /proc/self/clear_refs resets it, so each invocation's
// own peak is measured. Elsewhere than Linux only the process's overall getrusage peak is given.
import { readFileSync, writeFileSync } from 'node:fs';

const mb = (bytes) => Math.round((bytes / 1048576) * 10) / 10;
const procPeak = () => /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
let perInvocation = true;
try {
  writeFileSync('/proc/self/clear_refs', '5');
} catch {
  perInvocation = false;
}
const peakMb = () => (perInvocation ? mb(Number(procPeak()) * 1024) : mb(process.resourceUsage().maxRSS * 1024));
const resetPeak = () => perInvocation && writeFileSync('/proc/self/clear_refs', '5');

const [bundle, mode, inputFile, reportFile] = process.argv.slice(2);
const started = performance.now();
const { handler } = await import(bundle);
const importMs = performance.now() - started;
const importPeakMb = peakMb();
const input = mode === 'import' ? { events: [] } : JSON.parse(readFileSync(inputFile, 'utf8'));
const context = {
  awsRequestId: 'bench',
  functionName: 'bench',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:local:0:function:bench',
  memoryLimitInMB: '256',
  logGroupName: 'bench',
  logStreamName: 'bench',
  getRemainingTimeInMillis: () => 60_000,
};
const durations = [];
const peaks = [];
const samples = [];
let maxRssMb = importPeakMb;
for (let i = 0; i < input.events.length; i++) {
  const event =
    mode === 'sqs'
      ? {
          Records: [
            {
              messageId: `m${i}`,
              receiptHandle: 'r',
              body: JSON.stringify(input.events[i]),
              attributes: { ApproximateReceiveCount: '1' },
              messageAttributes: {},
              md5OfBody: '',
              eventSource: 'aws:sqs',
              eventSourceARN: 'arn:aws:sqs:local:0:q',
              awsRegion: 'local',
            },
          ],
        }
      : input.events[i];
  resetPeak();
  const t = performance.now();
  const result = await handler(event, context);
  durations.push(performance.now() - t);
  const peak = peakMb();
  peaks.push(peak);
  maxRssMb = Math.max(maxRssMb, peak);
  if (mode === 'sqs' && result.batchItemFailures.length > 0) throw new Error(`batch ${i} failed`);
  if ((i + 1) % (input.sampleEvery ?? 1) === 0) {
    // Retained memory, not whatever garbage is waiting: a full collection first (--expose-gc).
    globalThis.gc?.();
    const m = process.memoryUsage();
    samples.push({ invocation: i + 1, rssMb: mb(m.rss), heapUsedMb: mb(m.heapUsed) });
  }
}
const cpu = process.cpuUsage();
writeFileSync(
  reportFile,
  JSON.stringify({
    importMs,
    importPeakMb,
    durations,
    peaks: perInvocation ? peaks : [],
    samples,
    maxRssMb,
    cpuMs: (cpu.user + cpu.system) / 1000,
  }),
);
process.exit(0);
