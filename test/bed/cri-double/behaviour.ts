// The SIMULATED CRI runtime's (a test double, not containerd) idea of images and processes:
// image reference normalisation as containerd/docker do it, what a container's command does
// when started and stopped, and what an ExecSync command answers. Pure functions; the server
// (server.ts) owns time and state.

export type Platform = 'linux' | 'windows';

/** STATUS_CONTROL_C_EXIT (0xC000013A) as a signed int32: how a stopped Windows container exits. */
export const WINDOWS_STOP_EXIT_CODE = 0xc000013a | 0; // -1073741510
/** 128 + SIGKILL / 128 + SIGTERM. */
export const LINUX_KILL_EXIT_CODE = 137;
export const LINUX_TERM_EXIT_CODE = 143;

/**
 * Docker's familiar-name normalisation: `busybox:1` → `docker.io/library/busybox:1`,
 * `foo/bar` → `docker.io/foo/bar:latest`; a first component with a `.` or `:` (or `localhost`)
 * is a registry and stays. Digest references keep their digest and get no tag.
 */
export function normalizeImageRef(ref: string): string {
  let name = ref.trim();
  const at = name.indexOf('@');
  const digest = at >= 0 ? name.slice(at) : '';
  if (at >= 0) name = name.slice(0, at);
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  if (slash < 0) name = `docker.io/library/${name}`;
  else if (!(first.includes('.') || first.includes(':') || first === 'localhost')) name = `docker.io/${name}`;
  const lastSegment = name.slice(name.lastIndexOf('/') + 1);
  if (digest === '' && !lastSegment.includes(':')) name = `${name}:latest`;
  return `${name}${digest}`;
}

/** `docker.io/library/busybox:1` → `docker.io/library/busybox`. */
export function repositoryOf(normalizedRef: string): string {
  const at = normalizedRef.indexOf('@');
  const name = at >= 0 ? normalizedRef.slice(0, at) : normalizedRef;
  const colon = name.lastIndexOf(':');
  return colon > name.lastIndexOf('/') ? name.slice(0, colon) : name;
}

/** The shell script a container or exec command amounts to: `sh -c '<s>'`, `cmd /c <s>`, or argv joined. */
export function scriptOf(argv: readonly string[]): string {
  const [head, flag, ...rest] = argv;
  const base = (head ?? '').replace(/^.*[\\/]/, '').toLowerCase();
  if (['sh', 'bash', 'ash'].includes(base) && flag === '-c') return rest[0] ?? '';
  if ((base === 'cmd' || base === 'cmd.exe') && (flag ?? '').toLowerCase() === '/c') return rest.join(' ');
  if ((base === 'powershell' || base === 'pwsh') && (flag ?? '').toLowerCase() === '-command') return rest.join(' ');
  return argv.join(' ');
}

/** How a started container's simulated process behaves. */
export interface ProcessBehaviour {
  /** Exits by itself with this code after `exitAfterMs` (undefined: runs until stopped). */
  readonly exitCode?: number;
  readonly exitAfterMs?: number;
  /** `trap "" TERM` / `trap '' TERM`: only the kill after the grace period ends it. */
  readonly ignoresTerm: boolean;
}

export function processBehaviour(argv: readonly string[]): ProcessBehaviour {
  const script = scriptOf(argv);
  const ignoresTerm = /trap\s+(""|'')\s+(TERM|SIGTERM|15)\b/.test(script);
  const exit = /(?:^|[;&|]\s*)exit\s+(\d+)\s*$/.exec(script.trim());
  if (exit && !/\bsleep\b/.test(script)) return { exitCode: Number(exit[1]) | 0, exitAfterMs: 0, ignoresTerm };
  if (/^\s*true\s*$/.test(script)) return { exitCode: 0, exitAfterMs: 0, ignoresTerm };
  if (/^\s*false\s*$/.test(script)) return { exitCode: 1, exitAfterMs: 0, ignoresTerm };
  if (/\bwhile\s+(true|:)\s*;/.test(script)) return { ignoresTerm }; // a loop: only a stop ends it
  const sleep = /\bsleep\s+(\d+(?:\.\d+)?)\b/.exec(script);
  if (sleep) return { exitCode: 0, exitAfterMs: Number(sleep[1]) * 1000, ignoresTerm };
  return { ignoresTerm };
}

/** What StopContainer(timeout) does to a running process: exit code and the wait before it. */
export function stopOutcome(platform: Platform, behaviour: ProcessBehaviour, timeoutSeconds: number): { exitCode: number; afterMs: number } {
  if (platform === 'windows') return { exitCode: WINDOWS_STOP_EXIT_CODE, afterMs: 0 };
  if (behaviour.ignoresTerm) return { exitCode: LINUX_KILL_EXIT_CODE, afterMs: Math.max(0, timeoutSeconds) * 1000 };
  return { exitCode: timeoutSeconds <= 0 ? LINUX_KILL_EXIT_CODE : LINUX_TERM_EXIT_CODE, afterMs: 0 };
}

export interface ExecContext {
  readonly platform: Platform;
  readonly envs: readonly { key: string; value: string }[];
  /** `cat` reads it; `touch` adds an empty entry; `test -f` / `test -e` look in it. */
  readonly files: Map<string, string>;
}

/** One simulated exec: output, exit code, and how long the command takes (`sleep N`). */
export interface ExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  sleepMs: number;
}

function words(command: string): string[] {
  const out: string[] = [];
  for (const m of command.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) out.push(m[1] ?? m[2] ?? m[3] ?? '');
  return out;
}

/** Runs `a; b && c` left to right; `&&` stops at the first failure. */
export function simulateExec(argv: readonly string[], ctx: ExecContext): ExecResult {
  const nl = ctx.platform === 'windows' ? '\r\n' : '\n';
  const result: ExecResult = { stdout: '', stderr: '', exitCode: 0, sleepMs: 0 };
  const script = scriptOf(argv);
  const parts = script.split(/(;|&&)/);
  for (let i = 0; i < parts.length; i += 2) {
    if (i > 0 && parts[i - 1] === '&&' && result.exitCode !== 0) break;
    const [cmd, ...args] = words(parts[i] ?? '');
    if (cmd === undefined) continue;
    const one = simulateOne(cmd, args, ctx, nl);
    result.stdout += one.stdout;
    result.stderr += one.stderr;
    result.exitCode = one.exitCode;
    result.sleepMs += one.sleepMs;
    if (cmd === 'exit') break;
  }
  return result;
}

function simulateOne(cmd: string, args: string[], ctx: ExecContext, nl: string): ExecResult {
  const ok = (stdout = '', sleepMs = 0): ExecResult => ({ stdout, stderr: '', exitCode: 0, sleepMs });
  const windows = ctx.platform === 'windows';
  const envText = ctx.envs.map((e) => `${e.key}=${e.value}${nl}`).join('');
  switch (windows ? cmd.toLowerCase() : cmd) {
    case 'echo':
      return ok(`${args.join(' ')}${nl}`);
    case 'exit':
      return { stdout: '', stderr: '', exitCode: Number(args[0] ?? 0) | 0, sleepMs: 0 };
    case 'true':
      return ok();
    case 'false':
      return { stdout: '', stderr: '', exitCode: 1, sleepMs: 0 };
    case 'sleep':
      return ok('', Number(args[0] ?? 0) * 1000);
    case 'env':
      // `env -0` (GNU, busybox): each entry ended by NUL instead of a newline
      if (!windows) return ok(args[0] === '-0' ? ctx.envs.map((e) => `${e.key}=${e.value}\0`).join('') : envText);
      break;
    case 'set':
      if (windows && args.length === 0) return ok(envText);
      break;
    case 'touch':
      if (windows) break;
      for (const path of args) if (!ctx.files.has(path)) ctx.files.set(path, '');
      return ok();
    case 'test':
    case '[':
      if (windows || !['-f', '-e'].includes(args[0] ?? '')) break;
      return { stdout: '', stderr: '', exitCode: ctx.files.has(args[1] ?? '') ? 0 : 1, sleepMs: 0 };
    case 'cat':
    case 'type': {
      if ((cmd === 'cat') === windows) break;
      const path = args[0] ?? '';
      const content = ctx.files.get(path);
      if (content !== undefined) return ok(content);
      const stderr = windows ? `The system cannot find the file specified.${nl}` : `cat: can't open '${path}': No such file or directory${nl}`;
      return { stdout: '', stderr, exitCode: 1, sleepMs: 0 };
    }
  }
  if (windows)
    return {
      stdout: '',
      stderr: `'${cmd}' is not recognized as an internal or external command,${nl}operable program or batch file.${nl}`,
      exitCode: 1,
      sleepMs: 0,
    };
  return { stdout: '', stderr: `sh: ${cmd}: not found${nl}`, exitCode: 127, sleepMs: 0 };
}
