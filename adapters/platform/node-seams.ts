// The live seams: Node's own fs, timers, process and child_process. Only index.ts uses them, and
// only when the caller passes no seam of its own.
import * as fsp from 'node:fs/promises';
import { release } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import type { HostSeam, PlatformFs, SignalSource } from './types.js';

export const nodeFs: PlatformFs = {
  open: (path, flags, mode) => fsp.open(path, flags, mode),
  rename: (from, to) => fsp.rename(from, to),
  rm: (path, options) => fsp.rm(path, options),
  chmod: (path, mode) => fsp.chmod(path, mode),
};

export const nodeSleep = (ms: number): Promise<void> => delay(ms);

export function nodeProcess(): SignalSource {
  return process as unknown as SignalSource;
}

export function nodeEnv(): Readonly<Record<string, string | undefined>> {
  return process.env;
}

export function nodeHost(): HostSeam {
  return { release, arch: process.arch };
}
