import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AtomicWriteError, isAtomicWriteTemp, platformProfile, renameDelayMs, WINDOWS_RENAME_RETRY } from '../../../adapters/platform/index.js';
import { tempDir } from '../../support/tmp.js';
import { FakeFs, FakeProcess, FakeRunner, RecordingSleep } from './fakes.js';

describe('atomic write on the real Linux file system', () => {
  const linux = platformProfile('linux');

  it('writes the content durably under the target name and leaves no temporary file', async () => {
    const dir = await tempDir();
    const target = join(dir, 'state.json');
    await linux.files.writeAtomic(target, '{"v":1}\n');
    expect(await readFile(target, 'utf8')).toBe('{"v":1}\n');
    expect(await readdir(dir)).toEqual(['state.json']);
  });

  it('replaces an existing file whole', async () => {
    const dir = await tempDir();
    const target = join(dir, 'state.json');
    await writeFile(target, 'old content that is longer than the new one');
    await linux.files.writeAtomic(target, Buffer.from('new'));
    expect(await readFile(target, 'utf8')).toBe('new');
    expect(await readdir(dir)).toEqual(['state.json']);
  });

  it('creates the file with mode 0600 by default', async () => {
    const dir = await tempDir();
    const target = join(dir, 'secret');
    await linux.files.writeAtomic(target, 'token');
    expect((await stat(target)).mode & 0o777).toBe(0o600);
  });

  it('sets the exact mode asked for, whatever the umask', async () => {
    const dir = await tempDir();
    const target = join(dir, 'public');
    await linux.files.writeAtomic(target, 'x', { mode: 0o644 });
    expect((await stat(target)).mode & 0o777).toBe(0o644);
  });

  it('fails naming the file, and leaves nothing behind, when the directory does not exist', async () => {
    const dir = await tempDir();
    const target = join(dir, 'missing', 'state.json');
    const err = await linux.files.writeAtomic(target, 'x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AtomicWriteError);
    expect((err as AtomicWriteError).message).toContain(target);
    expect((err as AtomicWriteError).code).toBe('ENOENT');
    expect(await readdir(dir)).toEqual([]);
  });
});

function linuxWithFakeFs() {
  const fs = new FakeFs();
  const sleep = new RecordingSleep();
  const profile = platformProfile('linux', { fs, sleep: sleep.sleep, process: new FakeProcess(), tempSuffix: () => '7-abcd' });
  return { fs, sleep, profile };
}

function windowsWithFakeFs(renameRetry?: { maxAttempts: number }) {
  const fs = new FakeFs();
  fs.dirs.add('C:\\ProgramData\\kruised');
  fs.dirSyncError = 'EPERM'; // what FlushFileBuffers on a read-only directory handle gives
  const sleep = new RecordingSleep();
  const profile = platformProfile('windows', {
    fs,
    sleep: sleep.sleep,
    process: new FakeProcess(),
    run: new FakeRunner().run,
    env: {},
    tempSuffix: () => '7-abcd',
    ...(renameRetry !== undefined ? { renameRetry } : {}),
  });
  return { fs, sleep, profile };
}

describe('atomic write steps on Linux', () => {
  it('writes, chmods, fsyncs and closes the temp file, renames it, then fsyncs the directory', async () => {
    const { fs, profile } = linuxWithFakeFs();
    await profile.files.writeAtomic('/var/lib/kruised/state.json', 'x');
    expect(fs.calls).toEqual([
      { op: 'open', path: '/var/lib/kruised/state.json.tmp-7-abcd', flags: 'wx', mode: 0o600 },
      { op: 'write', path: '/var/lib/kruised/state.json.tmp-7-abcd' },
      { op: 'chmod', path: '/var/lib/kruised/state.json.tmp-7-abcd', mode: 0o600 },
      { op: 'sync', path: '/var/lib/kruised/state.json.tmp-7-abcd' },
      { op: 'close', path: '/var/lib/kruised/state.json.tmp-7-abcd' },
      { op: 'rename', from: '/var/lib/kruised/state.json.tmp-7-abcd', to: '/var/lib/kruised/state.json' },
      { op: 'open', path: '/var/lib/kruised', flags: 'r', mode: undefined },
      { op: 'sync', path: '/var/lib/kruised' },
      { op: 'close', path: '/var/lib/kruised' },
    ]);
    expect(profile.files.fsyncsDirectory).toBe(true);
    expect(profile.files.renameRetry).toBeNull();
  });

  it('does not retry a refused rename on Linux, and removes the temp file', async () => {
    const { fs, sleep, profile } = linuxWithFakeFs();
    fs.renameFailures = ['EPERM'];
    const err = await profile.files.writeAtomic('/var/lib/kruised/state.json', 'x').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AtomicWriteError);
    expect((err as AtomicWriteError).message).toContain('/var/lib/kruised/state.json');
    expect(fs.calls.filter((c) => c.op === 'rename')).toHaveLength(1);
    expect(sleep.delays).toEqual([]);
    expect(fs.files.has('/var/lib/kruised/state.json.tmp-7-abcd')).toBe(false);
  });
});

describe('atomic write on Windows (fake fs)', () => {
  const target = 'C:\\ProgramData\\kruised\\state.json';
  const temp = 'C:\\ProgramData\\kruised\\state.json.tmp-7-abcd';

  it('succeeds after 3 EPERM renames, backing off 10, 20 and 40 ms', async () => {
    const { fs, sleep, profile } = windowsWithFakeFs();
    fs.renameFailures = ['EPERM', 'EPERM', 'EPERM'];
    await profile.files.writeAtomic(target, 'v2');
    expect(fs.calls.filter((c) => c.op === 'rename')).toHaveLength(4);
    expect(sleep.delays).toEqual([10, 20, 40]);
    expect(fs.files.get(target)).toBe('v2');
    expect(fs.files.has(temp)).toBe(false);
  });

  it.each(['EBUSY', 'EACCES'])('retries a rename refused with %s too', async (code) => {
    const { fs, sleep, profile } = windowsWithFakeFs();
    fs.renameFailures = [code];
    await profile.files.writeAtomic(target, 'v2');
    expect(sleep.delays).toEqual([10]);
    expect(fs.files.get(target)).toBe('v2');
  });

  it('gives up after the bound with an error naming the file, and removes the temp file', async () => {
    const { fs, sleep, profile } = windowsWithFakeFs({ maxAttempts: 5 });
    fs.renameFailures = Array.from({ length: 10 }, () => 'EPERM');
    const err = await profile.files.writeAtomic(target, 'v2').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AtomicWriteError);
    const e = err as AtomicWriteError;
    expect(e.message).toContain(`atomic write of ${target} failed`);
    expect(e.message).toContain('EPERM 5 times');
    expect(e.path).toBe(target);
    expect(e.code).toBe('EPERM');
    expect(e.attempts).toBe(5);
    expect((e.cause as NodeJS.ErrnoException).code).toBe('EPERM');
    expect(fs.calls.filter((c) => c.op === 'rename')).toHaveLength(5);
    expect(sleep.delays).toEqual([10, 20, 40, 80]);
    expect(fs.files.has(temp)).toBe(false);
    expect(fs.files.has(target)).toBe(false);
  });

  it('uses the default bound of 40 attempts with delays capped at 250 ms', async () => {
    const { fs, sleep, profile } = windowsWithFakeFs();
    fs.renameFailures = Array.from({ length: 40 }, () => 'EPERM');
    const err = await profile.files.writeAtomic(target, 'v2').catch((e: unknown) => e);
    expect((err as AtomicWriteError).attempts).toBe(40);
    expect(sleep.delays).toHaveLength(39);
    expect(Math.max(...sleep.delays)).toBe(250);
    expect(sleep.delays.reduce((a, b) => a + b, 0)).toBe(8810);
    expect(profile.files.renameRetry).toEqual(WINDOWS_RENAME_RETRY);
  });

  it('fails at once on a rename error that is not transient', async () => {
    const { fs, sleep, profile } = windowsWithFakeFs();
    fs.renameFailures = ['ENOSPC'];
    const err = await profile.files.writeAtomic(target, 'v2').catch((e: unknown) => e);
    expect((err as AtomicWriteError).code).toBe('ENOSPC');
    expect(sleep.delays).toEqual([]);
  });

  it('never fsyncs or even opens the directory, and never chmods', async () => {
    const { fs, profile } = windowsWithFakeFs();
    await profile.files.writeAtomic(target, 'v2');
    expect(fs.calls.some((c) => c.op === 'open' && c.path === 'C:\\ProgramData\\kruised')).toBe(false);
    expect(fs.ops()).toEqual(['open', 'write', 'sync', 'close', 'rename']);
    expect(profile.files.fsyncsDirectory).toBe(false);
  });

  it('builds the temp path with Windows separators beside the target', async () => {
    const { fs, profile } = windowsWithFakeFs();
    await profile.files.writeAtomic(target, 'v2');
    expect(fs.calls[0]).toEqual({ op: 'open', path: temp, flags: 'wx', mode: 0o600 });
  });
});

describe('atomic write helpers', () => {
  it('recognises temporary files left by a crash', () => {
    expect(isAtomicWriteTemp('state.json.tmp-1234-0a1b2c3d')).toBe(true);
    expect(isAtomicWriteTemp('state.json')).toBe(false);
    expect(isAtomicWriteTemp('events-0000000000000001.jsonl')).toBe(false);
  });

  it('doubles the rename delay up to the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => renameDelayMs(WINDOWS_RENAME_RETRY, n))).toEqual([10, 20, 40, 80, 160, 250, 250]);
  });
});
