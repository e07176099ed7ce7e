// The CLI as a user runs it (the built bin/scanfleet.js) on a given Node: its start against a
// bare Node's, and a 150-symbol scan's peak memory and time.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CliFigures {
  /** `node -e ''`: the median wall time of the runs. */
  bareStartMs: number;
  /** `scanfleet --help`: the median wall time, and its peak resident set. */
  helpMs: number;
  helpPeakMb: number;
  helpToBareStart: number;
  /** `scanfleet scan` of the bundled 150 symbols: wall time and peak resident set (VmHWM). */
  scanMs: number;
  scanPeakMb: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (v: number, digits = 0) => Math.round(v * 10 ** digits) / 10 ** digits;

export function measureCli(node: string, root: string, starts: number): CliFigures {
  const dir = mkdtempSync(join(tmpdir(), 'scanfleet-cli-'));
  const peakFile = join(dir, 'peak');
  const run = (args: string[]) => {
    const t0 = performance.now();
    const child = spawnSync(node, ['--import', join(root, 'bench/peak-rss.mjs'), ...args], {
      cwd: root,
      env: { ...process.env, SCANFLEET_BENCH_PEAK_FILE: peakFile },
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
    });
    const ms = performance.now() - t0;
    if (child.status !== 0) throw new Error(`${args.join(' ')} exited ${child.status}: ${child.stderr}`);
    return { ms, peakMb: Number(readFileSync(peakFile, 'utf8')) / 1024 };
  };
  try {
    const cli = join(root, 'bin/scanfleet.js');
    // Once each first: the CLI is built and the files are in the page cache, as on any later start.
    run(['-e', '']);
    run([cli, '--help']);
    const bare: number[] = [];
    const help: ReturnType<typeof run>[] = [];
    for (let i = 0; i < starts; i++) {
      bare.push(run(['-e', '']).ms);
      help.push(run([cli, '--help']));
    }
    const scan = run([cli, 'scan']);
    const helpMs = median(help.map((h) => h.ms));
    const bareStartMs = median(bare);
    return {
      bareStartMs: round(bareStartMs),
      helpMs: round(helpMs),
      helpPeakMb: round(median(help.map((h) => h.peakMb)), 1),
      helpToBareStart: round(helpMs / bareStartMs, 2),
      scanMs: round(scan.ms),
      scanPeakMb: round(scan.peakMb, 1),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
