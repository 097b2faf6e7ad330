// Vitest global setup for the real-runtime test bed. It brings runtime-bed.sh up once per test
// run, hands the bed to the tests as `inject('runtimeBed')` (read through runtimeBed() in
// ../runtime-bed.ts) and tears it down at the end.
//
// When the bed cannot run here (not Linux, not root, the packages cannot be installed, or `up`
// fails), the tests that need it are skipped and this prints why, loudly, to stderr.
//
// KRUISED_RUNTIME_BED:
//   unset    bring the bed up when possible, skip loudly otherwise
//   off      do not bring it up (saves the few seconds when running unrelated tests); with CI=true
//            this is still honoured, but announced as loudly as a failure
//   required any reason not to bring it up fails the test run instead of skipping
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import type { RuntimeBed, RuntimeBedStatus } from '../runtime-bed.js';

const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'runtime-bed.sh');
/** /tmp, not os.tmpdir(): the bed's unix socket paths must stay short, and `sweep` looks there. */
const BED_PARENT = '/tmp';

const INSTALL_TIMEOUT_MS = 10 * 60_000;
const UP_TIMEOUT_MS = 3 * 60_000;
const DOWN_TIMEOUT_MS = 60_000;

type Mode = 'auto' | 'off' | 'required';

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const mode = readMode(process.env.KRUISED_RUNTIME_BED);
  const inCi = process.env.CI === 'true';

  const skip = (reason: string, loud: boolean): undefined => {
    if (mode === 'required') throw new Error(`runtime bed required (KRUISED_RUNTIME_BED=required), but: ${reason}`);
    process.stderr.write(loud ? loudNotice(reason, inCi) : `[runtime-bed] real-runtime tests skipped: ${reason}\n`);
    project.provide('runtimeBed', { ready: false, reason } satisfies RuntimeBedStatus);
    return undefined;
  };

  if (mode === 'off') return skip('disabled by KRUISED_RUNTIME_BED=off', inCi);
  if (process.platform !== 'linux') return skip(`needs Linux (this is ${process.platform})`, true);
  if (process.getuid?.() !== 0) return skip('needs root (containerd and runc), and this run is not root', true);

  const install = await runScript(['install'], INSTALL_TIMEOUT_MS);
  if (!install.ok) return skip(`runtime-bed.sh install failed: ${install.summary}`, true);

  const dir = await mkdtemp(join(BED_PARENT, 'krb.'));
  // The bed outlives a killed test run; naming this process as its owner lets the next `up`
  // find and tear down such an orphan.
  const up = await runScript(['up', dir], UP_TIMEOUT_MS, { KRUISED_RUNTIME_BED_OWNER: String(process.pid) });
  if (!up.ok) {
    await rm(dir, { recursive: true, force: true }).catch(() => undefined); // `up` tears itself down
    return skip(`runtime-bed.sh up failed: ${up.summary} (the log was in ${dir}/log)`, true);
  }

  let bed: RuntimeBed;
  try {
    bed = parseBedEnv(await readFile(join(dir, 'env'), 'utf8'));
  } catch (error) {
    await runScript(['down', dir], DOWN_TIMEOUT_MS);
    return skip(`could not read ${dir}/env: ${(error as Error).message}`, true);
  }

  // If the runner exits without calling the teardown below (an uncaught error, process.exit on a
  // signal), still stop the bed; 'exit' listeners must be synchronous.
  const downOnExit = (): void => {
    spawnSync('bash', [SCRIPT, 'down', dir], { stdio: 'ignore', timeout: DOWN_TIMEOUT_MS });
  };
  process.once('exit', downOnExit);

  process.stderr.write(
    `[runtime-bed] ready: install ${seconds(install.ms)}, up ${seconds(up.ms)}; ` +
      `containerd ${bed.endpoint}, registries ${bed.registry} (open) and ${bed.authRegistry} (auth)\n`,
  );
  project.provide('runtimeBed', { ready: true, bed } satisfies RuntimeBedStatus);

  return async () => {
    process.off('exit', downOnExit);
    const down = await runScript(['down', dir], DOWN_TIMEOUT_MS);
    process.stderr.write(
      down.ok ? `[runtime-bed] down in ${seconds(down.ms)}\n` : `[runtime-bed] teardown of ${dir} failed: ${down.summary}\n`,
    );
  };
}

function readMode(value: string | undefined): Mode {
  if (value === undefined || value === '' || value === 'auto' || value === 'on') return 'auto';
  if (value === 'off' || value === 'required') return value;
  process.stderr.write(`[runtime-bed] ignoring KRUISED_RUNTIME_BED=${value} (expected off or required)\n`);
  return 'auto';
}

function loudNotice(reason: string, inCi: boolean): string {
  const bar = '#'.repeat(100);
  const lines = [
    `REAL-RUNTIME TESTS SKIPPED: ${reason}`,
    'Every test that needs a real containerd (runtimeBed() in test/bed/runtime-bed.ts) is skipped in this run.',
    'The bed (test/bed/runtime/runtime-bed.sh) needs Linux, root, and apt-get for Debian 12 packages',
    '(containerd, runc, docker-registry, skopeo, umoci, busybox-static).',
  ];
  if (inCi) lines.push('CI=true: this run does NOT cover the real-runtime tests.');
  return ['', bar, ...lines.map((line) => `## ${line}`), bar, ''].join('\n') + '\n';
}

interface ScriptResult {
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
    },
  };
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}
