// Spawning helper programs (windows.md §4.1 "child processes", §6). Since the CVE-2024-27980 fix
// Node throws EINVAL when spawning a `.cmd`/`.bat` without `shell: true` (nodejs/node#52681);
// kruised never uses a shell, so only `.exe`s are spawned on Windows, with no console window.
// `kill()` ends only the direct child there, so trees are ended with `taskkill /T /F`.
import { spawn } from 'node:child_process';
import type { ChildProcessRules, CommandLine, ProcessRunner, RunResult } from './types.js';

export const linuxChildProcess: ChildProcessRules = {
  spawnOptions: { shell: false, windowsHide: false },
  assertSpawnable: () => undefined,
  killTreeCommand: () => null,
};

export const windowsChildProcess: ChildProcessRules = {
  spawnOptions: { shell: false, windowsHide: true },
  assertSpawnable: (file) => {
    if (/\.(cmd|bat)$/i.test(file.trim())) {
      throw new Error(`${file}: Windows batch files cannot be spawned without a shell (EINVAL since CVE-2024-27980); run an .exe`);
    }
  },
  killTreeCommand: (pid) => {
    if (!Number.isInteger(pid) || pid <= 0) throw new Error(`taskkill: invalid pid ${pid}`);
    return { file: 'taskkill.exe', args: ['/T', '/F', '/PID', String(pid)] };
  },
};

/** The live ProcessRunner: spawn without a shell, collect output, resolve on close. */
export function spawnRunner(rules: ChildProcessRules): ProcessRunner {
  return (command: CommandLine) =>
    new Promise<RunResult>((resolve, reject) => {
      rules.assertSpawnable(command.file);
      const child = spawn(command.file, [...command.args], { ...rules.spawnOptions, stdio: ['ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
      child.once('error', reject);
      child.once('close', (exitCode, signal) =>
        resolve({
          exitCode,
          signal,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
        }),
      );
    });
}
