// The benchmark's Lambda stand-in: started by the bench with the Node binary and flags Lambda
// uses, it loads one bundled handler (what Lambda runs) and feeds it events, stamping each
// invocation on CLOCK_MONOTONIC (the clock of the bench's /proc sampler) and reading the
// kernel's peak (VmHWM, reset before each invocation by writing 5 to /proc/self/clear_refs) and
// V8's heap after it. Nothing else runs in it: no forced GC, as on Lambda.
// Usage: node <flags> bench/bench-worker.mjs <bundle.mjs> <input.json> <report.json> <memoryMb>
// input: { mode: 'sqs' | 'invoke', events: [...], first?, count } — invocation i gets events[i % events.length],
// but invocation 0 gets `first` when the input has one.
import { readFileSync, writeFileSync } from 'node:fs';

const now = () => Number(process.hrtime.bigint()) / 1e6;
const kbToMb = (kb) => kb / 1024;
const vmHwmMb = () => kbToMb(Number(/^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'latin1'))[1]));
const resetPeak = () => writeFileSync('/proc/self/clear_refs', '5');
const heap = () => {
  const m = process.memoryUsage();
  return { heapTotal: m.heapTotal / 1048576, heapUsed: m.heapUsed / 1048576, external: m.external / 1048576 };
};

const [bundle, inputFile, reportFile, memoryMb] = process.argv.slice(2);
// The bench's sampler is running once a line arrives on stdin: only then does the import start.
await new Promise((resolve) => process.stdin.once('data', resolve));
process.stdin.destroy();
const importStart = now();
const { handler } = await import(bundle);
const importEnd = now();
const imported = { start: importStart, end: importEnd, vmHwmMb: vmHwmMb(), ...heap() };
const input = JSON.parse(readFileSync(inputFile, 'utf8'));
const context = {
  awsRequestId: 'bench',
  functionName: 'bench',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:bench',
  memoryLimitInMB: memoryMb,
  logGroupName: 'bench',
  logStreamName: 'bench',
  getRemainingTimeInMillis: () => 60_000,
};
const sqsEvent = (body, i) => ({
  Records: [
    {
      messageId: `m${i}`,
      receiptHandle: 'r',
      body: JSON.stringify(body),
      attributes: { ApproximateReceiveCount: '1' },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:q',
      awsRegion: 'us-east-1',
    },
  ],
});
const count = input.count ?? input.events.length;
// Column-wise, so the report itself stays small in this process.
const start = new Float64Array(count);
const end = new Float64Array(count);
const vmHwm = new Float64Array(count);
const heapTotal = new Float64Array(count);
const heapUsed = new Float64Array(count);
const external = new Float64Array(count);
for (let i = 0; i < count; i++) {
  const body = i === 0 && 'first' in input ? input.first : input.events[i % input.events.length];
  const event = input.mode === 'sqs' ? sqsEvent(body, i) : body;
  resetPeak();
  start[i] = now();
  const result = await handler(event, context);
  end[i] = now();
  vmHwm[i] = vmHwmMb();
  const h = heap();
  heapTotal[i] = h.heapTotal;
  heapUsed[i] = h.heapUsed;
  external[i] = h.external;
  const failed =
    input.mode === 'sqs'
      ? result?.batchItemFailures?.length > 0
      : input.expect && !new RegExp(input.expect).test(JSON.stringify(result));
  if (failed) {
    process.stderr.write(
      `bench worker: invocation ${i} of ${bundle} failed: ${JSON.stringify(result).slice(0, 300)}\n`,
    );
    process.exit(2);
  }
}
writeFileSync(
  reportFile,
  JSON.stringify({
    node: process.version,
    execArgv: process.execArgv,
    imported,
    invocations: {
      start: [...start],
      end: [...end],
      vmHwm: [...vmHwm],
      heapTotal: [...heapTotal],
      heapUsed: [...heapUsed],
      external: [...external],
    },
  }),
);
process.exit(0);
