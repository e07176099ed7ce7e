// Preloaded (--import) into a process the bench measures: at exit, its peak resident set (maxRSS,
// KB) into the file SCANFLEET_BENCH_PEAK_FILE names.
import { writeFileSync } from 'node:fs';

process.on('exit', () => writeFileSync(process.env.SCANFLEET_BENCH_PEAK_FILE, String(process.resourceUsage().maxRSS)));
