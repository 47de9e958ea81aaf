// Time source of the simulator: the system clock, or a manual clock that tests advance by hand.

export interface SimClock {
  now(): number;
}

export interface ManualClock extends SimClock {
  set(ms: number): void;
  advance(ms: number): number;
}

export const systemClock: SimClock = { now: () => Date.now() };

export function createManualClock(startMs: number = Date.now()): ManualClock {
  let current = startMs;
  return {
    now: () => current,
    set: (ms) => {
      current = ms;
    },
    advance: (ms) => {
      current += ms;
      return current;
    },
  };
}

export function isManualClock(clock: SimClock): clock is ManualClock {
  return typeof (clock as Partial<ManualClock>).advance === 'function';
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
