// The file operations the event log writes with, behind one small seam: production passes
// node:fs; tests pass a wrapper that fails a chosen call with a chosen errno (ENOSPC, EIO, ...),
// which a real disk cannot be made to do on cue. Reading (open-time scans, replay) does not go
// through here: a read cannot make the log claim something is on disk that is not.
import { closeSync, fdatasync, fdatasyncSync, openSync, writeSync } from 'node:fs';

export interface LogFs {
  /** Opens a segment for appending (`flags` is always 'a'); returns the descriptor. */
  openSync(path: string, flags: 'a'): number;
  /** Writes bytes `[offset, offset + length)` of `buffer`; returns how many were written. */
  writeSync(fd: number, buffer: Buffer, offset: number, length: number): number;
  /** fdatasync in the thread pool: the group commit's one round trip. */
  fdatasync(fd: number, callback: (error: NodeJS.ErrnoException | null) => void): void;
  fdatasyncSync(fd: number): void;
  closeSync(fd: number): void;
}

export const nodeLogFs: LogFs = {
  openSync: (path, flags) => openSync(path, flags),
  writeSync: (fd, buffer, offset, length) => writeSync(fd, buffer, offset, length),
  fdatasync: (fd, callback) => fdatasync(fd, callback),
  fdatasyncSync: (fd) => fdatasyncSync(fd),
  closeSync: (fd) => closeSync(fd),
};
