// Exponential backoff with jitter, and an abortable sleep. One Backoff per retry loop: `next()`
// gives the delay before the next attempt and counts it; `reset()` after a healthy period.

export interface BackoffOptions {
  /** First delay (default 200 ms). */
  readonly initialMs: number;
  /** Ceiling before jitter (default 30 s). */
  readonly maxMs: number;
  readonly factor: number;
  /** ± this fraction of the delay, at random (default 0.2), so clients that failed together do not retry together. */
  readonly jitter: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 200, maxMs: 30_000, factor: 2, jitter: 0.2 };

export class Backoff {
  private readonly options: BackoffOptions;
  /** Delays handed out since the last reset. */
  attempt = 0;

  constructor(
    options: Partial<BackoffOptions> = {},
    private readonly random: () => number = Math.random,
  ) {
    this.options = { ...DEFAULT_BACKOFF, ...options };
  }

  /** The delay before the next attempt; at least `floorMs` (a server's Retry-After). */
  next(floorMs = 0): number {
    const { initialMs, maxMs, factor, jitter } = this.options;
    const base = Math.min(maxMs, initialMs * factor ** this.attempt);
    this.attempt += 1;
    const jittered = base * (1 + jitter * (2 * this.random() - 1));
    return Math.max(floorMs, Math.round(jittered));
  }

  reset(): void {
    this.attempt = 0;
  }
}

/** Resolves after `ms`, or rejects with the signal's reason once it aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
