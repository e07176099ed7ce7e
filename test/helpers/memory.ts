import { readFileSync } from 'node:fs';

/** A process's peak resident memory so far (Linux VmHWM), in bytes: "self" or a child's pid. */
export function peakRss(pid: number | 'self' = 'self'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmHWM:\s+(\d+) kB$/m.exec(status);
  if (!kb) throw new Error(`/proc/${pid}/status has no VmHWM line`);
  return Number(kb[1]) * 1024;
}

export const MB = 1_048_576;
