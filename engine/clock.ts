// Clocks for the actor host. XState only needs setTimeout/clearTimeout; the host also reads
// `now()` to stamp records. The live clock remembers every timer as an absolute deadline, so the
// host can say what is pending and recovery can re-arm timers at the deadlines the log implies
// (XState itself does not persist scheduled events). The simulated clock moves only when a test
// advances it.

export interface EngineClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface PendingTimer {
  readonly deadline: number;
}

export class LiveClock implements EngineClock {
  private readonly deadlines = new Map<NodeJS.Timeout, number>();

  now(): number {
    return Date.now();
  }

  setTimeout(fn: () => void, ms: number): NodeJS.Timeout {
    const handle: NodeJS.Timeout = setTimeout(
      () => {
        this.deadlines.delete(handle);
        fn();
      },
      Math.max(0, ms),
    );
    // Not unref'd: a pending backoff or deadline is work the process still owes.
    this.deadlines.set(handle, Date.now() + Math.max(0, ms));
    return handle;
  }

  clearTimeout(handle: unknown): void {
    clearTimeout(handle as NodeJS.Timeout);
    this.deadlines.delete(handle as NodeJS.Timeout);
  }

  pending(): PendingTimer[] {
    return [...this.deadlines.values()].sort((a, b) => a - b).map((deadline) => ({ deadline }));
  }
}

interface SimulatedTimer {
  readonly id: number;
  readonly deadline: number;
  readonly fn: () => void;
}

export class SimulatedClock implements EngineClock {
  private time: number;
  private nextId = 1;
  private readonly timers = new Map<number, SimulatedTimer>();

  constructor(startTime = Date.UTC(2026, 0, 1)) {
    this.time = startTime;
  }

  now(): number {
    return this.time;
  }

  setTimeout(fn: () => void, ms: number): number {
    const id = this.nextId++;
    this.timers.set(id, { id, deadline: this.time + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  pending(): PendingTimer[] {
    return [...this.timers.values()].sort((a, b) => a.deadline - b.deadline).map(({ deadline }) => ({ deadline }));
  }

  /** Moves time forward, firing due timers in deadline order (timers they set included). */
  advance(ms: number): void {
    const target = this.time + ms;
    for (;;) {
      const due = [...this.timers.values()].filter((timer) => timer.deadline <= target).sort((a, b) => a.deadline - b.deadline || a.id - b.id)[0];
      if (due === undefined) break;
      this.timers.delete(due.id);
      this.time = due.deadline;
      due.fn();
    }
    this.time = target;
  }
}
