// Exit codes for messages (windows.md §2.5, §6 "exit codes"). containerd stores exit codes as
// int32, so a Windows NTSTATUS such as 0xC000013A (3221225786) reaches CRI clients as
// −1073741510. Normalise with `>>> 0`, compare unsigned, show hex plus a name. On Linux a process
// killed by signal n exits 128+n. On both OSes exit 0 is success and anything else a failure.
import type { ExitCodeInfo, ExitCodes } from './types.js';

interface Known {
  readonly name: string;
  readonly meaning: string;
}

/**
 * Windows exit codes worth naming. 0xC000013A is the one windows.md sources (dotnet-framework-docker
 * #431, nerdctl#4899); the others are the standard ntstatus.h / winerror.h values for the usual
 * crash causes **[values from Microsoft's headers, not re-verified here]**. Small Win32-range codes
 * such as 1 or 2 are left unnamed: programs use them freely, so a name would mislead.
 */
export const WINDOWS_EXIT_CODES: ReadonlyMap<number, Known> = new Map<number, Known>([
  [0xc000013a, { name: 'STATUS_CONTROL_C_EXIT', meaning: 'ended by a Ctrl event, as on a container stop' }],
  [0xc0000005, { name: 'STATUS_ACCESS_VIOLATION', meaning: 'invalid memory access' }],
  [0xc00000fd, { name: 'STATUS_STACK_OVERFLOW', meaning: 'stack overflow' }],
  [0xc0000409, { name: 'STATUS_STACK_BUFFER_OVERRUN', meaning: 'fail-fast exit, e.g. abort() or a detected buffer overrun' }],
  [0xc0000374, { name: 'STATUS_HEAP_CORRUPTION', meaning: 'heap corruption' }],
  [0xc0000017, { name: 'STATUS_NO_MEMORY', meaning: 'out of memory' }],
  [0xc000001d, { name: 'STATUS_ILLEGAL_INSTRUCTION', meaning: 'illegal instruction' }],
  [0xc0000094, { name: 'STATUS_INTEGER_DIVIDE_BY_ZERO', meaning: 'integer division by zero' }],
  [0xc0000135, { name: 'STATUS_DLL_NOT_FOUND', meaning: 'a required DLL is missing from the image' }],
  [0xc0000139, { name: 'STATUS_ENTRYPOINT_NOT_FOUND', meaning: 'a DLL lacks a required entry point' }],
  [0xc0000142, { name: 'STATUS_DLL_INIT_FAILED', meaning: 'a DLL failed to initialise' }],
  [0xc0000022, { name: 'STATUS_ACCESS_DENIED', meaning: 'access denied' }],
  [0x80000003, { name: 'STATUS_BREAKPOINT', meaning: 'breakpoint reached' }],
  [0xe0434352, { name: 'CLR_EXCEPTION', meaning: 'unhandled .NET exception' }],
  [259, { name: 'STILL_ACTIVE', meaning: 'the process had not exited when its code was read' }],
  [9009, { name: 'MSG_DIR_BAD_COMMAND_OR_FILE', meaning: 'cmd.exe: command not recognised' }],
]);

/** Linux signal numbers (x86-64 and arm64 share them). */
const LINUX_SIGNALS: readonly string[] = [
  '',
  'SIGHUP',
  'SIGINT',
  'SIGQUIT',
  'SIGILL',
  'SIGTRAP',
  'SIGABRT',
  'SIGBUS',
  'SIGFPE',
  'SIGKILL',
  'SIGUSR1',
  'SIGSEGV',
  'SIGUSR2',
  'SIGPIPE',
  'SIGALRM',
  'SIGTERM',
  'SIGSTKFLT',
  'SIGCHLD',
  'SIGCONT',
  'SIGSTOP',
  'SIGTSTP',
  'SIGTTIN',
  'SIGTTOU',
  'SIGURG',
  'SIGXCPU',
  'SIGXFSZ',
  'SIGVTALRM',
  'SIGPROF',
  'SIGWINCH',
  'SIGIO',
  'SIGPWR',
  'SIGSYS',
];

const LINUX_SHELL_CODES: ReadonlyMap<number, Known> = new Map<number, Known>([
  [126, { name: 'EXIT_CANNOT_EXECUTE', meaning: 'command found but not executable' }],
  [127, { name: 'EXIT_COMMAND_NOT_FOUND', meaning: 'command not found' }],
]);

export function hex32(raw: number): string {
  return `0x${(raw >>> 0).toString(16).toUpperCase().padStart(8, '0')}`;
}

function base(raw: number): { raw: number; unsigned: number; hex: string; success: boolean } {
  return { raw, unsigned: raw >>> 0, hex: hex32(raw), success: raw === 0 };
}

export function linuxSignalName(signal: number): string | undefined {
  if (signal >= 1 && signal < LINUX_SIGNALS.length) return LINUX_SIGNALS[signal];
  if (signal >= 34 && signal <= 64) return `SIGRTMIN+${signal - 34}`;
  return undefined;
}

export function describeLinuxExitCode(raw: number): ExitCodeInfo {
  const info = base(raw);
  const shell = LINUX_SHELL_CODES.get(raw);
  if (shell !== undefined) return { ...info, ...shell };
  if (raw > 128 && raw <= 128 + 64) {
    const name = linuxSignalName(raw - 128);
    if (name !== undefined) {
      return { ...info, name, meaning: `killed by ${name}`, signal: { name, number: raw - 128 } };
    }
  }
  return info;
}

export function describeWindowsExitCode(raw: number): ExitCodeInfo {
  const info = base(raw);
  const known = WINDOWS_EXIT_CODES.get(info.unsigned);
  if (known !== undefined) return { ...info, ...known };
  const severity = info.unsigned >>> 30;
  if (severity === 3) return { ...info, meaning: 'an NTSTATUS error' };
  if (severity === 2) return { ...info, meaning: 'an NTSTATUS warning' };
  return info;
}

export function linuxExitCodeMessage(raw: number): string {
  const d = describeLinuxExitCode(raw);
  if (d.signal !== undefined) return `exit code ${raw} (128+${d.signal.number}: killed by ${d.signal.name})`;
  if (d.name !== undefined) return `exit code ${raw} (${d.meaning})`;
  return `exit code ${raw}`;
}

export function windowsExitCodeMessage(raw: number): string {
  const d = describeWindowsExitCode(raw);
  const reported = d.raw !== d.unsigned ? `, reported as ${d.raw}` : '';
  if (d.unsigned < 0x10000) {
    return d.name !== undefined ? `exit code ${d.unsigned} ${d.name} (${d.meaning})` : `exit code ${d.unsigned}`;
  }
  if (d.name !== undefined) return `exit code ${d.hex} ${d.name} (${d.meaning}${reported})`;
  if (d.meaning !== undefined) return `exit code ${d.hex} (${d.meaning}${reported})`;
  return `exit code ${d.hex} (${d.unsigned}${reported})`;
}

export const linuxExitCodes: ExitCodes = { describe: describeLinuxExitCode, message: linuxExitCodeMessage };
export const windowsExitCodes: ExitCodes = { describe: describeWindowsExitCode, message: windowsExitCodeMessage };
