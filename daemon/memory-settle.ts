// Giving memory back after a burst. V8 grows its heap to what a burst of work needs (500 image
// tags starting at once fill the old generation with NodeImage observations and actor state that
// die soon after) and shrinks it only in a garbage collection that reduces memory, which it starts
// by itself only while the program keeps allocating. A daemon that goes quiet after the burst
// allocates almost nothing, so it kept the whole grown heap: about 45 MiB more RSS with 500 tags,
// against a 128 MiB limit, until the next burst. So once the event log has moved by a burst's
// worth of records since the last time, and then stayed quiet for an interval, the daemon asks V8
// for one memory-reducing collection (V8's "last resort" flavour: it compacts and releases the
// pages it freed). It costs a few tens of milliseconds of CPU, at a moment when nothing happens.
//
// The collector comes from V8's gc extension: `--expose-gc` is set at run time, for one new
// context only, and taken back at once; the DaemonSet does not need to pass it. Where that is not
// possible the settler does nothing (and says so once).
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface MemorySettleLogger {
  info(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export interface MemorySettleOptions {
  /** A count that moves with the daemon's work: the event log's last sequence number. */
  readonly activity: () => number;
  readonly logger: MemorySettleLogger;
  /** How often activity is looked at (default 10 s). */
  readonly intervalMs?: number;
  /** Records since the last settle that make a burst (default 1000). */
  readonly burstRecords?: number;
  /** At most this many records in the last interval count as quiet (default 20). */
  readonly quietRecords?: number;
  /** The collector; default V8's, found as the header says. */
  readonly collect?: () => void;
}

export interface MemorySettler {
  /** Looks at activity now (the interval's timer calls it); true when it collected. */
  check(): boolean;
  stop(): void;
}

type GcExtension = (options?: { type?: 'major' | 'minor'; execution?: 'sync' | 'async'; flavor?: 'regular' | 'last-resort' }) => void;

/** V8's memory-reducing full collection, or undefined when the gc extension cannot be had. */
export function memoryReducingGc(): (() => void) | undefined {
  let gc = (globalThis as { gc?: GcExtension }).gc;
  if (typeof gc !== 'function') {
    try {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as GcExtension;
    } catch {
      return undefined;
    } finally {
      setFlagsFromString('--no-expose-gc');
    }
  }
  if (typeof gc !== 'function') return undefined;
  const collector = gc;
  return () => collector({ type: 'major', execution: 'sync', flavor: 'last-resort' });
}

const mib = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;

export function startMemorySettler(options: MemorySettleOptions): MemorySettler {
  const intervalMs = options.intervalMs ?? 10_000;
  const burst = options.burstRecords ?? 1000;
  const quiet = options.quietRecords ?? 20;
  let collect = options.collect;
  let unavailable = false;
  let settledAt = options.activity();
  let lastSeen = settledAt;

  function check(): boolean {
    const now = options.activity();
    const sinceSettle = now - settledAt;
    const inInterval = now - lastSeen;
    lastSeen = now;
    if (sinceSettle < burst || inInterval > quiet || unavailable) return false;
    collect ??= memoryReducingGc();
    if (!collect) {
      unavailable = true;
      options.logger.debug({}, 'cannot ask V8 for a garbage collection; the heap a burst grew is kept until V8 collects by itself');
      return false;
    }
    const before = process.memoryUsage();
    const started = performance.now();
    collect();
    const after = process.memoryUsage();
    settledAt = now;
    options.logger.info(
      {
        records: sinceSettle,
        ms: Math.round(performance.now() - started),
        heapMiB: { before: mib(before.heapTotal), after: mib(after.heapTotal) },
        rssMiB: { before: mib(before.rss), after: mib(after.rss) },
      },
      'memory given back after a burst of work',
    );
    return true;
  }

  const timer = setInterval(check, intervalMs);
  timer.unref();
  return { check, stop: () => clearInterval(timer) };
}
