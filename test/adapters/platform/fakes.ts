// Fakes for the platform seams: an in-memory fs that records every call and can refuse renames,
// a recording process runner, and a recording sleep.
import { EventEmitter } from 'node:events';
import type { CommandLine, PlatformFileHandle, PlatformFs, ProcessRunner, RunResult, SignalSource } from '../../../adapters/platform/index.js';

export type FsCall =
  | { op: 'open'; path: string; flags: string; mode: number | undefined }
  | { op: 'write'; path: string }
  | { op: 'sync'; path: string }
  | { op: 'chmod'; path: string; mode: number }
  | { op: 'close'; path: string }
  | { op: 'rename'; from: string; to: string }
  | { op: 'rm'; path: string };

function errno(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  const err = new Error(`${code}: operation not permitted, ${syscall} '${path}'`) as NodeJS.ErrnoException;
  err.code = code;
  err.syscall = syscall;
  err.path = path;
  return err;
}

export class FakeFs implements PlatformFs {
  readonly files = new Map<string, string>();
  readonly calls: FsCall[] = [];
  /** Rename refusals still to come, by error code, one per rename attempt. */
  renameFailures: string[] = [];
  /** When set, syncing a handle opened read-only on a directory throws this code (Windows: EPERM). */
  dirSyncError: string | undefined;
  readonly dirs = new Set<string>();

  async open(path: string, flags: string, mode?: number): Promise<PlatformFileHandle> {
    this.calls.push({ op: 'open', path, flags, mode });
    if (flags === 'wx' && this.files.has(path)) throw errno('EEXIST', 'open', path);
    const isDir = this.dirs.has(path);
    if (flags !== 'r') this.files.set(path, '');
    const calls = this.calls;
    const files = this.files;
    const dirSyncError = this.dirSyncError;
    return {
      async writeFile(data) {
        calls.push({ op: 'write', path });
        files.set(path, typeof data === 'string' ? data : Buffer.from(data).toString('utf8'));
      },
      async sync() {
        calls.push({ op: 'sync', path });
        if (isDir && dirSyncError !== undefined) throw errno(dirSyncError, 'fsync', path);
      },
      async chmod(m) {
        calls.push({ op: 'chmod', path, mode: m });
      },
      async close() {
        calls.push({ op: 'close', path });
      },
    };
  }

  async rename(from: string, to: string): Promise<void> {
    this.calls.push({ op: 'rename', from, to });
    const failure = this.renameFailures.shift();
    if (failure !== undefined) throw errno(failure, 'rename', from);
    const data = this.files.get(from);
    if (data === undefined) throw errno('ENOENT', 'rename', from);
    this.files.delete(from);
    this.files.set(to, data);
  }

  async rm(path: string): Promise<void> {
    this.calls.push({ op: 'rm', path });
    this.files.delete(path);
  }

  async chmod(path: string, mode: number): Promise<void> {
    this.calls.push({ op: 'chmod', path, mode });
  }

  ops(): string[] {
    return this.calls.map((c) => c.op);
  }
}

export class RecordingSleep {
  readonly delays: number[] = [];
  readonly sleep = async (ms: number): Promise<void> => {
    this.delays.push(ms);
  };
}

export class FakeRunner {
  readonly commands: CommandLine[] = [];
  constructor(private readonly result: RunResult = { exitCode: 0, signal: null, stdout: 'processed file', stderr: '' }) {}
  readonly run: ProcessRunner = async (command) => {
    this.commands.push(command);
    return this.result;
  };
}

/** A process stand-in: an EventEmitter that also counts listeners per event. */
export class FakeProcess extends EventEmitter implements SignalSource {}
