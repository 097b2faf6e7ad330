// Crash-safe file replacement (windows.md §4.3, §6 "atomic state writes").
//
// Both OSes: write a temporary file beside the target ('wx', so a stale one is never reused),
// fsync it, close it, rename it over the target. Then:
//   - Linux: chmod the temporary file to the exact mode first (umask cannot widen or narrow it),
//     and fsync the directory after the rename so the new name itself is durable.
//   - Windows: no directory fsync (a directory opens read-only and FlushFileBuffers needs write
//     access: it fails with EPERM; NTFS journals the metadata instead). `fs.rename` is
//     MoveFileExW without FILE_SHARE_DELETE tolerance: antivirus, indexers and other readers make
//     it fail with EPERM/EBUSY/EACCES for a while, so it is retried with a bounded backoff, as
//     graceful-fs does. Mode bits do nothing there (chmod toggles the read-only bit): secrets get
//     an ACL through acl.ts.
// On failure the temporary file is removed (best effort) and an AtomicWriteError names the target.
import { randomBytes } from 'node:crypto';
import type { PlatformPath } from 'node:path';
import type { AtomicWriteOptions, PlatformFileHandle, PlatformFs, RenameRetryPolicy } from './types.js';

export const DEFAULT_FILE_MODE = 0o600;

/**
 * Windows rename retry: 10 ms doubling to 250 ms, 40 attempts, about 8.8 s in all. graceful-fs
 * waits up to 60 s; a state write that is stuck that long is better reported than hidden.
 */
export const WINDOWS_RENAME_RETRY: RenameRetryPolicy = {
  maxAttempts: 40,
  firstDelayMs: 10,
  maxDelayMs: 250,
  retryCodes: ['EPERM', 'EBUSY', 'EACCES'],
};

export function renameDelayMs(policy: RenameRetryPolicy, failedAttempt: number): number {
  return Math.min(policy.firstDelayMs * 2 ** (failedAttempt - 1), policy.maxDelayMs);
}

export class AtomicWriteError extends Error {
  override readonly name = 'AtomicWriteError';
  constructor(
    message: string,
    readonly path: string,
    readonly code: string | undefined,
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface AtomicWriterConfig {
  readonly flavor: 'linux' | 'windows';
  readonly path: PlatformPath;
  readonly fs: PlatformFs;
  readonly sleep: (ms: number) => Promise<void>;
  readonly tempSuffix?: () => string;
  /** Windows only; ignored on Linux, where rename fails only for real reasons. */
  readonly renameRetry?: RenameRetryPolicy;
}

export type AtomicWriter = (target: string, data: string | Uint8Array, options?: AtomicWriteOptions) => Promise<void>;

const TEMP_MARK = '.tmp-';

/** Whether a file name is a temporary file of an atomic write (left behind by a crash; safe to delete). */
export function isAtomicWriteTemp(fileName: string): boolean {
  return /\.tmp-[^.\\/]+$/.test(fileName);
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

function defaultSuffix(): string {
  return `${process.pid}-${randomBytes(4).toString('hex')}`;
}

export function createAtomicWriter(config: AtomicWriterConfig): AtomicWriter {
  const { flavor, path, fs, sleep } = config;
  const suffix = config.tempSuffix ?? defaultSuffix;
  const retry = flavor === 'windows' ? (config.renameRetry ?? WINDOWS_RENAME_RETRY) : null;

  async function renameWithRetry(temp: string, target: string): Promise<void> {
    if (retry === null) {
      await fs.rename(temp, target);
      return;
    }
    let waitedMs = 0;
    for (let attempt = 1; ; attempt++) {
      try {
        await fs.rename(temp, target);
        return;
      } catch (err) {
        const code = errorCode(err);
        if (code === undefined || !retry.retryCodes.includes(code)) throw err;
        if (attempt >= retry.maxAttempts) {
          throw new AtomicWriteError(
            `atomic write of ${target} failed: renaming ${path.basename(temp)} over it failed with ${code} ` +
              `${attempt} times in ${(waitedMs / 1000).toFixed(1)} s; another process (antivirus, an indexer, ` +
              `a reader without FILE_SHARE_DELETE) probably holds one of them open`,
            target,
            code,
            attempt,
            { cause: err },
          );
        }
        const delay = renameDelayMs(retry, attempt);
        waitedMs += delay;
        await sleep(delay);
      }
    }
  }

  return async function writeAtomic(target, data, options = {}) {
    const mode = options.mode ?? DEFAULT_FILE_MODE;
    const dir = path.dirname(target);
    const temp = path.join(dir, `${path.basename(target)}${TEMP_MARK}${suffix()}`);
    let handle: PlatformFileHandle | undefined;
    let renamed = false;
    try {
      handle = await fs.open(temp, 'wx', mode);
      await handle.writeFile(data);
      if (flavor === 'linux') await handle.chmod(mode);
      await handle.sync();
      await handle.close();
      handle = undefined;
      await renameWithRetry(temp, target);
      renamed = true;
      if (flavor === 'linux') {
        const dirHandle = await fs.open(dir, 'r');
        try {
          await dirHandle.sync();
        } finally {
          await dirHandle.close();
        }
      }
    } catch (err) {
      if (handle !== undefined) await handle.close().catch(() => undefined);
      if (!renamed) await fs.rm(temp, { force: true }).catch(() => undefined);
      if (err instanceof AtomicWriteError) throw err;
      const code = errorCode(err);
      const step = renamed ? 'syncing its directory' : 'writing it';
      throw new AtomicWriteError(`atomic write of ${target} failed while ${step}: ${errorMessage(err)}`, target, code, 1, { cause: err });
    }
  };
}
