// Bringing the real-runtime bed up and down from Node: the vitest global setup uses it once per
// test run, and so do the benchmarks and `kruised demo`, which need a real containerd too.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RuntimeBed } from '../runtime-bed.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'runtime-bed.sh');
/** /tmp, not os.tmpdir(): the bed's unix socket paths must stay short, and `sweep` looks there. */
const BED_PARENT = '/tmp';

const INSTALL_TIMEOUT_MS = 10 * 60_000;
const UP_TIMEOUT_MS = 3 * 60_000;
const DOWN_TIMEOUT_MS = 60_000;

export interface RunningBed {
  readonly bed: RuntimeBed;
  readonly installMs: number;
  readonly upMs: number;
  /** Stops everything the bed started and removes its directory. */
  down(): Promise<{ ok: boolean; ms: number; summary: string }>;
}

export type BedStart = { readonly ok: true; readonly running: RunningBed } | { readonly ok: false; readonly reason: string };

/**
 * Installs what the bed needs (apt, once) and brings one up in a fresh directory. Never throws:
 * a bed that cannot run here is `{ ok: false, reason }`. The bed is also torn down if this process
 * exits without calling `down()`.
 */
export async function startRuntimeBed(): Promise<BedStart> {
  if (process.platform !== 'linux') return { ok: false, reason: `needs Linux (this is ${process.platform})` };
  if (process.getuid?.() !== 0) return { ok: false, reason: 'needs root (containerd and runc), and this run is not root' };
  const install = await runScript(['install'], INSTALL_TIMEOUT_MS);
  if (!install.ok) return { ok: false, reason: `runtime-bed.sh install failed: ${install.summary}` };
  const dir = await mkdtemp(join(BED_PARENT, 'krb.'));
  // The bed outlives a killed owner; naming this process as its owner lets the next `up`
  // find and tear down such an orphan.
  const up = await runScript(['up', dir], UP_TIMEOUT_MS, { KRUISED_RUNTIME_BED_OWNER: String(process.pid) });
  if (!up.ok) {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined); // `up` tears itself down
    return { ok: false, reason: `runtime-bed.sh up failed: ${up.summary} (the log was in ${dir}/log)` };
  }
  let bed: RuntimeBed;
  try {
    bed = parseBedEnv(await readFile(join(dir, 'env'), 'utf8'));
  } catch (error) {
    await runScript(['down', dir], DOWN_TIMEOUT_MS);
    return { ok: false, reason: `could not read ${dir}/env: ${(error as Error).message}` };
  }
  // 'exit' listeners must be synchronous.
  const downOnExit = (): void => {
    spawnSync('bash', [SCRIPT, 'down', dir], { stdio: 'ignore', timeout: DOWN_TIMEOUT_MS });
  };
  process.once('exit', downOnExit);
  const down = async () => {
    process.off('exit', downOnExit);
    return runScript(['down', dir], DOWN_TIMEOUT_MS);
  };
  return { ok: true, running: { bed, installMs: install.ms, upMs: up.ms, down } };
}

export interface ScriptResult {
  readonly ok: boolean;
  readonly ms: number;
  /** On failure: the exit status and the script's last lines of output. */
  readonly summary: string;
}

/** Runs runtime-bed.sh; its output is kept, and shown only when it fails. */
function runScript(args: readonly string[], timeoutMs: number, env: Record<string, string> = {}): Promise<ScriptResult> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn('bash', [SCRIPT, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      // its own process group: a Ctrl-C in the terminal reaches the runner, which then tears
      // the bed down, rather than the bed's daemons directly
      detached: true,
    });
    let output = '';
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-8_000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    // TERM makes the script tear down what it started before it exits
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    const finish = (ok: boolean, why: string): void => {
      clearTimeout(timer);
      const tail = output.trim().split('\n').slice(-6).join('\n    ');
      resolve({ ok, ms: performance.now() - started, summary: ok ? '' : `${why}${tail ? `\n    ${tail}` : ''}` });
    };
    child.on('error', (error) => finish(false, error.message));
    child.on('close', (code, signal) => {
      if (code === 0) finish(true, '');
      else finish(false, signal ? `killed by ${signal}` : `exit status ${code}`);
    });
  });
}

/** The bed described by the `KEY=value` lines of the env file that `runtime-bed.sh up` writes. */
export function parseBedEnv(text: string): RuntimeBed {
  const vars = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (match) vars.set(match[1]!, match[2]!.trim().replace(/^(["'])(.*)\1$/, '$2'));
  }
  const get = (key: string): string => {
    const value = vars.get(key);
    if (!value) throw new Error(`${key} is missing`);
    return value;
  };
  const podNetwork = get('POD_NETWORK');
  if (podNetwork !== 'host' && podNetwork !== 'bridge') throw new Error(`POD_NETWORK is ${podNetwork}`);
  return {
    dir: get('BED_DIR'),
    socket: get('CRI_SOCKET'),
    endpoint: get('CRI_ENDPOINT'),
    podNetwork,
    registry: get('REGISTRY'),
    authRegistry: get('AUTH_REGISTRY'),
    auth: { username: get('AUTH_USER'), password: get('AUTH_PASS') },
    images: {
      pause: get('IMG_PAUSE'),
      busybox: get('IMG_BUSYBOX'),
      busybox2: get('IMG_BUSYBOX2'),
      big: get('IMG_BIG'),
      private: get('IMG_PRIVATE'),
      short: get('IMG_SHORT'),
      shellless: get('IMG_SHELLLESS'),
    },
  };
}
