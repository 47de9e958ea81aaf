// Where this process is in its life: readiness (GET /ready) answers from it; main.ts moves it along.

export type Phase = 'migrating' | 'ready' | 'stopping';

export class Lifecycle {
  constructor(private current: Phase = 'ready') {}

  get phase(): Phase {
    return this.current;
  }

  /** Once stopping, always stopping: a shutdown is never undone. */
  moveTo(phase: Phase): void {
    if (this.current !== 'stopping') this.current = phase;
  }
}
