// pod-limits: the Linux DaemonSet's resource limits, applied to a benchmarked process as the kubelet
// applies them to the pod's container. daemonSetLimits() reads `resources.limits` of the daemon
// container from deploy/base/daemonset-linux.yaml and parses the Kubernetes quantities (`50m`,
// `128Mi`, `0.5`, `1e3`, … exactly, rounded up as the API server's Quantity does);
// livenessTimeoutMs() reads how long its liveness probe may take.
//
// Lifecycle of a LimitedCgroup: createLimitedCgroup() makes a fresh cgroup nested under this
// process's own (cgroup v1: one directory in the cpu and one in the memory hierarchy; v2: one
// directory with the cpu and memory controllers), and writes the limits as the kubelet does: a CFS
// quota of milliCPU × period / 1000 µs per 100 000 µs period, and the memory limit in bytes.
// wrap() turns a command into one that enters the cgroup and then execs it, so the process is
// inside from its first instruction and keeps its pid. stats() reads the cgroup's memory peak,
// limit hits, OOM kills and CPU throttling. remove() SIGKILLs whatever is still inside (only what
// wrap() started can be there) and removes the directories. Nesting under our own cgroup keeps the
// process inside whatever limits this machine already puts on us.
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The kubelet's CFS period (µs). */
export const CFS_PERIOD_US = 100_000;

export interface Limits {
  /** As written in the manifest, for the report. */
  readonly cpu: string;
  readonly memory: string;
  readonly cpuMillis: number;
  readonly memoryBytes: number;
}

const BINARY_SUFFIX: Record<string, bigint> = { Ki: 1n << 10n, Mi: 1n << 20n, Gi: 1n << 30n, Ti: 1n << 40n, Pi: 1n << 50n, Ei: 1n << 60n };
const DECIMAL_SUFFIX: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/** A Kubernetes quantity as an exact fraction of base units (cores, bytes). Throws on anything else. */
export function parseQuantity(text: string): { num: bigint; den: bigint } {
  const match = /^([+-]?)(\d*)(?:\.(\d*))?(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/.exec(text.trim());
  const [, sign, whole = '', fraction = '', suffix = ''] = match ?? [];
  if (!match || whole + fraction === '') throw new Error(`not a Kubernetes quantity: ${JSON.stringify(text)}`);
  let num = BigInt(whole + fraction) * (sign === '-' ? -1n : 1n);
  let den = 10n ** BigInt(fraction.length);
  const exponent = suffix.length > 1 && /^[eE]/.test(suffix) ? Number(suffix.slice(1)) : DECIMAL_SUFFIX[suffix]; // `E` alone is exa
  if (suffix in BINARY_SUFFIX) num *= BINARY_SUFFIX[suffix]!;
  else if (exponent! >= 0) num *= 10n ** BigInt(exponent!);
  else den *= 10n ** BigInt(-exponent!);
  return { num, den };
}

const ceilDiv = (num: bigint, den: bigint): bigint => (num >= 0n ? (num + den - 1n) / den : num / den);

/** CPU in millicores, rounded up (`50m` → 50, `0.5` → 500, `1` → 1000). */
export function cpuMillis(quantity: string): number {
  const { num, den } = parseQuantity(quantity);
  return Number(ceilDiv(num * 1000n, den));
}

/** Memory in bytes, rounded up (`128Mi` → 134217728, `1G` → 10^9). */
export function memoryBytes(quantity: string): number {
  const { num, den } = parseQuantity(quantity);
  return Number(ceilDiv(num, den));
}

/** The kubelet's CFS quota for a CPU limit: milliCPU × period / 1000, at least 1000 µs. */
export function cfsQuotaUs(millis: number, periodUs = CFS_PERIOD_US): number {
  return Math.max(1000, Math.floor((millis * periodUs) / 1000));
}

/** A YAML value as js-yaml's core schema types it (`timeoutSeconds: 1` is a number). */
export type Yaml = string | number | boolean | null | Yaml[] | { [key: string]: Yaml } | undefined;
/** A mapping's member, or undefined when `v` is not a mapping. */
export const field = (v: Yaml, key: string): Yaml => (v !== null && typeof v === 'object' && !Array.isArray(v) ? v[key] : undefined);

/** The container named `name` in the DaemonSet of a manifest. */
export async function daemonSetContainer(manifest: string, name: string): Promise<Yaml> {
  const { loadAll } = await import('js-yaml');
  const ds = (loadAll(manifest) as Yaml[]).find((doc) => field(doc, 'kind') === 'DaemonSet');
  const containers = field(field(field(field(ds, 'spec'), 'template'), 'spec'), 'containers');
  const found = Array.isArray(containers) ? containers.find((c) => field(c, 'name') === name) : undefined;
  if (found === undefined) throw new Error(`no DaemonSet with a container named ${name}`);
  return found;
}

/** `resources.limits` (cpu and memory) of the container named `container` in a DaemonSet manifest. */
export async function daemonSetLimits(manifest: string, container = 'daemon'): Promise<Limits> {
  const limits = field(field(await daemonSetContainer(manifest, container), 'resources'), 'limits');
  // A quantity may be written as a YAML number (`cpu: 1`), which Kubernetes accepts.
  const quantity = (v: Yaml): Yaml => (typeof v === 'number' ? String(v) : v);
  const cpu = quantity(field(limits, 'cpu'));
  const memory = quantity(field(limits, 'memory'));
  if (typeof cpu !== 'string' || typeof memory !== 'string') throw new Error(`the ${container} container has no cpu and memory limits`);
  return { cpu, memory, cpuMillis: cpuMillis(cpu), memoryBytes: memoryBytes(memory) };
}

/** How long the kubelet waits for the container's liveness probe (`timeoutSeconds`, default 1), in ms. */
export async function livenessTimeoutMs(manifest: string, container = 'daemon'): Promise<number> {
  const probe = field(await daemonSetContainer(manifest, container), 'livenessProbe');
  if (probe === undefined) throw new Error(`the ${container} container has no liveness probe`);
  const timeout = field(probe, 'timeoutSeconds');
  if (timeout !== undefined && typeof timeout !== 'number') throw new Error(`livenessProbe.timeoutSeconds is not a number: ${JSON.stringify(timeout)}`);
  return (timeout ?? 1) * 1000;
}

/** Where the cgroup hierarchies are mounted, from /proc/self/mounts: v1 by controller, and v2. */
export function parseCgroupMounts(mounts: string): { v1: Map<string, string>; v2?: string } {
  const v1 = new Map<string, string>();
  let v2: string | undefined;
  for (const line of mounts.split('\n')) {
    const [, dir, type, options] = line.split(' ');
    if (type === 'cgroup2') v2 ??= dir;
    if (type === 'cgroup') for (const option of options!.split(',')) if (!v1.has(option)) v1.set(option, dir!);
  }
  return v2 === undefined ? { v1 } : { v1, v2 };
}

/** A process's cgroups, from /proc/<pid>/cgroup: v1 paths by controller, and the v2 path. */
export function parseProcCgroup(text: string): { v1: Map<string, string>; v2?: string } {
  const v1 = new Map<string, string>();
  let v2: string | undefined;
  for (const line of text.split('\n')) {
    const match = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!match) continue;
    if (match[1] === '') v2 = match[2];
    else for (const controller of match[1]!.split(',')) v1.set(controller, match[2]!);
  }
  return v2 === undefined ? { v1 } : { v1, v2 };
}

/** `key value` lines (cpu.stat, memory.events, memory.oom_control) as numbers. */
export function parseFlatKeyed(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined) out[key] = Number(value);
  }
  return out;
}

export interface CgroupStats {
  /** The most memory the cgroup was charged (v1 memory.max_usage_in_bytes, v2 memory.peak). */
  readonly memoryPeakBytes: number;
  /** Times the charge hit the limit and had to reclaim (v1 memory.failcnt, v2 memory.events max). */
  readonly limitHits: number;
  /** Processes the kernel's OOM killer killed in the cgroup. */
  readonly oomKills: number;
  /** CFS periods in which the cgroup had work to run, and those in which it used up its quota. */
  readonly cpuPeriods: number;
  readonly cpuThrottledPeriods: number;
  /** How long its run queues were throttled, summed over the CPUs (so it can exceed the wall time). */
  readonly cpuThrottledSeconds: number;
}

export interface LimitedCgroup {
  readonly version: 1 | 2;
  /** The directories created, for the report. */
  readonly dirs: readonly string[];
  /** `argv` run inside the cgroup from its first instruction (sh enters it, then execs: same pid). */
  wrap(argv: readonly string[]): string[];
  stats(): Promise<CgroupStats>;
  /** Kills what is left inside and removes the directories; throws after trying all if any remain. */
  remove(): Promise<void>;
}

export type CgroupAttempt = { readonly ok: true; readonly cgroup: LimitedCgroup } | { readonly ok: false; readonly reason: string };

const errorText = (error: unknown) => (error as Error).message ?? String(error);

/** A fresh cgroup named `name` with `limits`, or why this machine cannot make one. */
export async function createLimitedCgroup(name: string, limits: Pick<Limits, 'cpuMillis' | 'memoryBytes'>): Promise<CgroupAttempt> {
  let mounts: ReturnType<typeof parseCgroupMounts>;
  let own: ReturnType<typeof parseProcCgroup>;
  try {
    mounts = parseCgroupMounts(await readFile('/proc/self/mounts', 'utf8'));
    own = parseProcCgroup(await readFile('/proc/self/cgroup', 'utf8'));
  } catch (error) {
    return { ok: false, reason: `cannot read this process's cgroups: ${errorText(error)}` };
  }
  const quota = cfsQuotaUs(limits.cpuMillis);
  const cpuV1 = mounts.v1.get('cpu');
  const memoryV1 = mounts.v1.get('memory');
  if (cpuV1 !== undefined && memoryV1 !== undefined) {
    const cpu = join(cpuV1, own.v1.get('cpu') ?? '/', name);
    const memory = join(memoryV1, own.v1.get('memory') ?? '/', name);
    return make(
      1,
      [cpu, memory],
      async () => {
        await writeFile(join(cpu, 'cpu.cfs_period_us'), String(CFS_PERIOD_US));
        await writeFile(join(cpu, 'cpu.cfs_quota_us'), String(quota));
        await writeFile(join(memory, 'memory.limit_in_bytes'), String(limits.memoryBytes));
      },
      async () => {
        const oom = parseFlatKeyed(await readFile(join(memory, 'memory.oom_control'), 'utf8'));
        const cpuStat = parseFlatKeyed(await readFile(join(cpu, 'cpu.stat'), 'utf8'));
        return {
          memoryPeakBytes: Number(await readFile(join(memory, 'memory.max_usage_in_bytes'), 'utf8')),
          limitHits: Number(await readFile(join(memory, 'memory.failcnt'), 'utf8')),
          oomKills: oom.oom_kill ?? NaN,
          cpuPeriods: cpuStat.nr_periods ?? NaN,
          cpuThrottledPeriods: cpuStat.nr_throttled ?? NaN,
          cpuThrottledSeconds: (cpuStat.throttled_time ?? NaN) / 1e9,
        };
      },
    );
  }
  if (mounts.v2 === undefined || own.v2 === undefined) return { ok: false, reason: 'no cgroup v1 cpu and memory hierarchies, and no cgroup v2 mount' };
  const parent = join(mounts.v2, own.v2);
  const dir = join(parent, name);
  try {
    const available = (await readFile(join(mounts.v2, 'cgroup.controllers'), 'utf8')).split(/\s+/);
    if (!available.includes('cpu') || !available.includes('memory'))
      return { ok: false, reason: `cgroup v2 at ${mounts.v2} lacks the cpu or memory controller` };
    const enabled = (await readFile(join(parent, 'cgroup.subtree_control'), 'utf8')).split(/\s+/);
    // Fails (EBUSY) where our cgroup holds processes and is not the root: v2's no-internal-processes rule.
    if (!enabled.includes('cpu') || !enabled.includes('memory')) await writeFile(join(parent, 'cgroup.subtree_control'), '+cpu +memory');
  } catch (error) {
    return { ok: false, reason: `cannot enable the cpu and memory controllers under ${parent}: ${errorText(error)}` };
  }
  return make(
    2,
    [dir],
    async () => {
      await writeFile(join(dir, 'cpu.max'), `${quota} ${CFS_PERIOD_US}`);
      await writeFile(join(dir, 'memory.max'), String(limits.memoryBytes));
    },
    async () => {
      const events = parseFlatKeyed(await readFile(join(dir, 'memory.events'), 'utf8'));
      const cpuStat = parseFlatKeyed(await readFile(join(dir, 'cpu.stat'), 'utf8'));
      const peak = await readFile(join(dir, 'memory.peak'), 'utf8').catch(() => 'NaN'); // Linux ≥ 5.19
      return {
        memoryPeakBytes: Number(peak),
        limitHits: events.max ?? NaN,
        oomKills: events.oom_kill ?? NaN,
        cpuPeriods: cpuStat.nr_periods ?? NaN,
        cpuThrottledPeriods: cpuStat.nr_throttled ?? NaN,
        cpuThrottledSeconds: (cpuStat.throttled_usec ?? NaN) / 1e6,
      };
    },
  );
}

async function make(version: 1 | 2, dirs: string[], configure: () => Promise<void>, stats: () => Promise<CgroupStats>): Promise<CgroupAttempt> {
  const created: string[] = [];
  const remove = async () => {
    const failures: string[] = [];
    for (const dir of created.toReversed()) {
      try {
        await emptyAndRemove(dir);
      } catch (error) {
        failures.push(`${dir}: ${errorText(error)}`);
      }
    }
    if (failures.length > 0) throw new Error(`cgroups left behind: ${failures.join('; ')}`);
  };
  try {
    for (const dir of dirs) {
      await mkdir(dir);
      created.push(dir);
    }
    await configure();
  } catch (error) {
    await remove().catch(() => undefined);
    return { ok: false, reason: `cannot create a limited cgroup (${dirs.join(', ')}): ${errorText(error)}` };
  }
  const quote = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;
  const enter = dirs.map((dir) => `echo $$ > ${quote(join(dir, 'cgroup.procs'))}`).join(' && ');
  return {
    ok: true,
    cgroup: { version, dirs, wrap: (argv) => ['sh', '-c', `${enter} && exec "$@"`, 'sh', ...argv], stats, remove },
  };
}

/** SIGKILLs the processes still in `dir` (ours: started through wrap()), waits for them to go, removes it. */
async function emptyAndRemove(dir: string): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const pids = (await readFile(join(dir, 'cgroup.procs'), 'utf8')).split('\n').filter(Boolean).map(Number);
    if (pids.length === 0) break;
    if (Date.now() > deadline) throw new Error(`processes ${pids.join(', ')} still inside`);
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  await rmdir(dir);
}
