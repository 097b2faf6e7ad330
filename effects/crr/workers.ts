// The CRR controller's workers (`--crr-workers`, upstream 32): at most that many pods have CRR
// effects (status writes, runtime inspections, kills with their hooks) in flight at once. A pod
// holds one worker while any of its effects runs, so its write and inspection side by side share
// it; other pods wait in the order they asked. Upstream's workqueue gives a worker one pod key at
// a time in the same way.

export interface WorkerLease {
  release(): void;
}

export class CrrWorkers {
  private readonly held = new Map<string, number>();
  private readonly waiting: Array<{ readonly pod: string; readonly grant: () => void }> = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error(`CRR workers must be a whole number above 0, not ${size}`);
  }

  /** Pods holding a worker now. */
  get busy(): number {
    return this.held.size;
  }

  /** Pods waiting for a worker. */
  get queued(): number {
    return new Set(this.waiting.map((w) => w.pod)).size;
  }

  /**
   * A worker for `pod`: at once when the pod holds one or one is free, else once one frees up
   * (`onQueued` is called first, once). Rejects with the signal's reason if it aborts while waiting.
   */
  acquire(pod: string, signal: AbortSignal, onQueued?: () => void): Promise<WorkerLease> {
    signal.throwIfAborted();
    if (this.held.has(pod) || this.held.size < this.size) return Promise.resolve(this.take(pod));
    onQueued?.();
    return new Promise<WorkerLease>((resolve, reject) => {
      const entry = { pod, grant: () => resolve(this.take(pod)) };
      this.waiting.push(entry);
      signal.addEventListener(
        'abort',
        () => {
          const at = this.waiting.indexOf(entry);
          if (at < 0) return;
          this.waiting.splice(at, 1);
          reject(signal.reason);
        },
        { once: true },
      );
    });
  }

  /** Runs `work` holding a worker for `pod`. */
  async run<T>(pod: string, signal: AbortSignal, work: () => Promise<T>, onQueued?: () => void): Promise<T> {
    const lease = await this.acquire(pod, signal, onQueued);
    try {
      return await work();
    } finally {
      lease.release();
    }
  }

  private take(pod: string): WorkerLease {
    this.held.set(pod, (this.held.get(pod) ?? 0) + 1);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        const left = (this.held.get(pod) ?? 1) - 1;
        if (left > 0) this.held.set(pod, left);
        else {
          this.held.delete(pod);
          this.grantNext();
        }
      },
    };
  }

  /** Hands a freed worker to the first waiting pod, and to that pod's other waiting effects. */
  private grantNext(): void {
    const first = this.waiting[0];
    if (first === undefined || this.held.size >= this.size) return;
    const mine = this.waiting.filter((w) => w.pod === first.pod);
    this.waiting.splice(0, this.waiting.length, ...this.waiting.filter((w) => w.pod !== first.pod));
    for (const w of mine) w.grant();
  }
}
