// Preloaded (--import) into a process the bench measures: at exit, its peak resident set (VmHWM,
// KB) into the file SCANFLEET_BENCH_PEAK_FILE names. Not maxRSS: Linux keeps the parent's across
// the exec that starts the process.
import { readFileSync, writeFileSync } from 'node:fs';

process.on('exit', () => {
  const vmHwm = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  writeFileSync(process.env.SCANFLEET_BENCH_PEAK_FILE, vmHwm ?? '');
});
