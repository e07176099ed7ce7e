/** A clock a test sets: `sleep` advances it at once instead of waiting, and records each wait. */
export interface ManualClock {
  now(): Date;
  set(at: Date | string): void;
  advance(ms: number): void;
  sleep(ms: number): Promise<void>;
  /** Every `sleep`'s milliseconds, in order. */
  readonly waits: number[];
}

export function manualClock(start: Date | string): ManualClock {
  let at = new Date(start);
  const waits: number[] = [];
  const advance = (ms: number) => {
    at = new Date(at.getTime() + ms);
  };
  return {
    now: () => at,
    set: (to) => {
      at = new Date(to);
    },
    advance,
    sleep: async (ms) => {
      waits.push(ms);
      advance(ms);
    },
    waits,
  };
}
