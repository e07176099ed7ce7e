/** Who paused the schedules, when (ISO 8601), and why. */
export interface PauseNote {
  readonly by: string;
  readonly at: string;
  readonly reason?: string;
}

/** A scheduled run's skippedReason while the schedules are paused: "paused (by X at T: reason)". */
export function pausedReason(pause: PauseNote): string {
  return `paused (by ${pause.by} at ${pause.at}${pause.reason ? `: ${pause.reason}` : ''})`;
}
