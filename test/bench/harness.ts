// What the benchmarks share: temp dirs, a chunked driver that lets the event loop breathe (group
// commit timers, write callbacks) the way a daemon fed by watch streams would, timing and GC.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** Runs `body` with a fresh directory under os.tmpdir(), removed afterwards whatever happens. */
export async function withTempDir<T>(prefix: string, body: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), `kruised-bench-${prefix}-`));
  try {
    return await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Calls `send(i)` for i in [0, count), yielding to the event loop every `chunk` calls. */
export async function drive(count: number, chunk: number, send: (i: number) => void): Promise<void> {
  for (let i = 0; i < count; i += 1) {
    send(i);
    if ((i + 1) % chunk === 0) await yieldToLoop();
  }
}

/** Seconds taken by `body`. */
export async function timed(body: () => Promise<void> | void): Promise<number> {
  const start = performance.now();
  await body();
  return (performance.now() - start) / 1000;
}

let gcFn: (() => void) | undefined;

/** A full, synchronous garbage collection (global.gc when --expose-gc, else enabled at run time). */
export function collectGarbage(): void {
  if (gcFn === undefined) {
    const exposed = (globalThis as { gc?: () => void }).gc;
    if (exposed) gcFn = exposed;
    else {
      setFlagsFromString('--expose-gc');
      gcFn = runInNewContext('gc') as () => void;
    }
  }
  gcFn();
  gcFn();
}

export function progress(message: string): void {
  process.stderr.write(`  … ${message}\n`);
}

export const keyOf = (i: number): string => `bench/key-${String(i).padStart(5, '0')}`;

export interface BenchChild<R> {
  readonly child: ChildProcess;
  /** The child's first message. */
  readonly ready: R;
  /** Sends a message and resolves with the child's next one. */
  call(message: object): Promise<unknown>;
}

/** Forks a benchmark file in one of its child modes; resolves once the child sends its first message. */
export function forkChild<R>(script: string, args: string[], execArgv: string[] = []): Promise<BenchChild<R>> {
  const child = fork(script, args, { execArgv, stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} child exited with ${code}`)));
    child.once('message', (ready) => {
      const call = (message: object) =>
        new Promise<unknown>((done) => {
          child.once('message', done);
          child.send(message);
        });
      resolve({ child, ready: ready as R, call });
    });
  });
}
