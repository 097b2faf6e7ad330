// The real daemon process as deploy/ starts it, for benchmarks that must measure what users run:
// the Linux DaemonSet's command and args (with any Node flags they carry) and the image's ENV from
// deploy/Dockerfile's runtime stage, run from this checkout's dist/, with only what a test machine
// must change overridden: the listen addresses (free ports), --data-dir, --cri-endpoint (a test
// runtime) and the credentials.
//
// In-cluster credentials are given exactly as a pod sees them: KUBERNETES_SERVICE_HOST/PORT, and
// the service-account token and ca.crt at /var/run/secrets/kubernetes.io/serviceaccount. The
// daemon is started in its own mount namespace (unshare; as root, or as a mapped root in a new
// user namespace) with a prepared directory bind-mounted over /var/run, so nothing on the host
// changes and the daemon's code path is the production one, not a test seam. A caller may wrap the
// whole command line in one that execs it (pull-memory's limited run enters a cgroup that way).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { daemonSetContainer, field } from './pod-limits.js';

/** The checkout: deploy/ is read from it, the daemon run from its dist/ (this file runs from dist/test/bench/). */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const IMAGE_DIR = '/kruised/'; // WORKDIR of deploy/Dockerfile's runtime stage
const SERVICE_ACCOUNT_DIR = 'secrets/kubernetes.io/serviceaccount'; // under /var/run

export type Credentials =
  | { readonly kind: 'in-cluster'; readonly host: string; readonly port: number; readonly token: string; readonly caPem: string }
  | { readonly kind: 'kubeconfig'; readonly yaml: string };

export interface DeployedDaemon {
  readonly child: ChildProcess;
  /** The daemon's own process id (unshare and the shells exec into it). */
  readonly pid: number;
  /** The node and Node flags it was started with. */
  readonly argv: readonly string[];
  /** How it was started, for the report: the image's environment, node, its flags, the script and subcommand. */
  readonly started: string;
  /** GET on the daemon's --addr (`/healthz`, `/metrics`). */
  get(path: string): Promise<{ status: number; body: string }>;
  /** GET on its --pprof-addr (`/debug/pprof/heap`: a V8 heap snapshot), when the deployment enables pprof. */
  pprof(path: string): Promise<{ status: number; body: string }>;
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>;
}

/** How deploy/ runs the Linux daemon: the container's command and args, and the image's ENV. */
export async function deployedLinuxDaemon(): Promise<{ command: string[]; args: string[]; env: Record<string, string> }> {
  const container = await daemonSetContainer(await readFile(join(ROOT, 'deploy/base/daemonset-linux.yaml'), 'utf8'), 'daemon');
  const command = field(container, 'command');
  if (!Array.isArray(command)) throw new Error('deploy/base/daemonset-linux.yaml has no container named daemon with a command');
  const dockerfile = await readFile(join(ROOT, 'deploy/Dockerfile'), 'utf8');
  const runtimeStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  const env: Record<string, string> = {};
  for (const [, pairs] of runtimeStage.matchAll(/^ENV (.+)$/gm))
    for (const [, k, v] of pairs!.matchAll(/(\w+)=("[^"]*"|\S+)/g)) env[k!] = v!.replace(/^"(.*)"$/, '$1');
  delete env.PATH; // where the image keeps node; here this machine's node runs the checkout's dist/
  const args = field(container, 'args');
  return { command: command as string[], args: Array.isArray(args) ? (args as string[]) : [], env };
}

/** Whether this machine can give the daemon its own mount namespace (see the header). */
export function mountNamespaceFlags(): string[] | undefined {
  for (const flags of [['--mount'], ['--user', '--map-root-user', '--mount']]) {
    const probe = spawnSync('unshare', [...flags, '--', 'true'], { stdio: 'ignore' });
    if (probe.status === 0) return flags;
  }
  return undefined;
}

export interface DeployedDaemonOptions {
  readonly dir: string;
  readonly nodeName: string;
  readonly criEndpoint: string;
  readonly credentials: Credentials;
  /** From mountNamespaceFlags(); needed for in-cluster credentials. */
  readonly namespaceFlags?: readonly string[];
  /** Node flags added to the deployed ones, for experiments and diagnostics (shown in `argv`). */
  readonly extraNodeFlags?: readonly string[];
  /** Environment added to the image's, likewise. */
  readonly extraEnv?: Readonly<Record<string, string>>;
  /**
   * Wraps the whole command line (unshare included) in one that execs it, e.g. to enter a cgroup
   * first (pod-limits.ts); the process keeps its pid.
   */
  readonly wrapCommand?: (command: readonly string[]) => string[];
  /** How long the daemon may take to answer /healthz (default 30 s); longer under a CPU limit. */
  readonly healthyWithinMs?: number;
}

export async function startDeployedDaemon(options: DeployedDaemonOptions): Promise<DeployedDaemon> {
  const deployed = await deployedLinuxDaemon();
  const [node, ...rest] = deployed.command;
  if (node !== 'node') throw new Error(`the DaemonSet's command does not start with node: ${JSON.stringify(deployed.command)}`);
  const scriptAt = rest.findIndex((a) => !a.startsWith('-'));
  const nodeFlags = [...rest.slice(0, scriptAt), ...(options.extraNodeFlags ?? [])];
  const script = rest[scriptAt]!;
  if (!script.startsWith(IMAGE_DIR)) throw new Error(`the DaemonSet's script is not under ${IMAGE_DIR}: ${script}`);
  const [addrPort, pprofPort] = [await freePort(), await freePort()];
  const overrides: Record<string, string> = {
    addr: `127.0.0.1:${addrPort}`,
    'pprof-addr': `127.0.0.1:${pprofPort}`,
    'data-dir': join(options.dir, 'data'),
    'cri-endpoint': options.criEndpoint,
  };
  const credentials = options.credentials;
  if (credentials.kind === 'kubeconfig') {
    overrides.kubeconfig = join(options.dir, 'kubeconfig');
    await writeFile(overrides.kubeconfig, credentials.yaml, { mode: 0o600 });
  }
  const flagName = (arg: string) => /^--?([^=]+)/.exec(arg)?.[1];
  const args = [
    ...rest.slice(scriptAt + 1),
    ...deployed.args.filter((a) => !(flagName(a)! in overrides)),
    ...Object.entries(overrides).map(([k, v]) => `--${k}=${v}`),
  ];
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', ...deployed.env, ...options.extraEnv, NODE_NAME: options.nodeName };
  const argv = [process.execPath, ...nodeFlags, join(ROOT, script.slice(IMAGE_DIR.length)), ...args];

  const wrap = options.wrapCommand ?? ((command: readonly string[]) => [...command]);
  const start = (command: readonly string[]): ChildProcess => {
    const [file, ...rest] = wrap(command);
    return spawn(file!, rest, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  };
  let child: ChildProcess;
  if (credentials.kind === 'in-cluster') {
    if (!options.namespaceFlags) throw new Error('in-cluster credentials need a mount namespace (unshare)');
    const runDir = join(options.dir, 'var-run');
    await mkdir(join(runDir, SERVICE_ACCOUNT_DIR), { recursive: true });
    await writeFile(join(runDir, SERVICE_ACCOUNT_DIR, 'token'), credentials.token);
    await writeFile(join(runDir, SERVICE_ACCOUNT_DIR, 'ca.crt'), credentials.caPem);
    env.KUBERNETES_SERVICE_HOST = credentials.host;
    env.KUBERNETES_SERVICE_PORT = String(credentials.port);
    child = start(['unshare', ...options.namespaceFlags, '--', 'sh', '-c', 'mount --bind "$0" /var/run && exec "$@"', runDir, ...argv]);
  } else {
    child = start(argv);
  }
  // Logs go to a pipe, as under a container runtime; the bench drains it and keeps the tail of stderr.
  child.stdout!.resume();
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const get = async (path: string) => {
    const res = await fetch(`http://127.0.0.1:${addrPort}${path}`);
    return { status: res.status, body: await res.text() };
  };
  const healthyWithinMs = options.healthyWithinMs ?? 30_000;
  const deadline = Date.now() + healthyWithinMs;
  for (;;) {
    const state = await Promise.race([exited.then((code) => ({ code })), get('/healthz').catch(() => undefined)]);
    if (state && 'code' in state) throw new Error(`the daemon exited with ${state.code} before it was healthy: ${stderr}`);
    if (state?.status === 200) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the daemon was not healthy within ${healthyWithinMs / 1000} s (${state ? `${state.status} ${state.body}` : 'no answer'}): ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    pid: child.pid!,
    argv: [argv[0]!, ...nodeFlags],
    started: [...Object.entries(deployed.env).map(([k, v]) => `${k}=${v}`), 'node', ...nodeFlags, script, ...rest.slice(scriptAt + 1)].join(' '),
    get,
    async pprof(path) {
      const res = await fetch(`http://127.0.0.1:${pprofPort}${path}`);
      return { status: res.status, body: await res.text() };
    },
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** VmRSS, RssAnon and VmHWM (the peak RSS since the process started) of a process, in MiB. */
export async function memoryOf(pid: number): Promise<{ rssMiB: number; anonMiB: number; peakMiB: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const mib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN) / 1024;
  return { rssMiB: mib('VmRSS'), anonMiB: mib('RssAnon'), peakMiB: mib('VmHWM') };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}
