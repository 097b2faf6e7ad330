// Shared by crr-reaction: the cluster side as a child process of the bench (the fake API server
// with the daemon's RBAC, the CRR webhook and controller doubles, a store tap that times every
// CRR and Event write), and two readers that observe without taking part: containerd's own log
// (the StopContainer lines and their RFC3339Nano stamps) and the daemon's event log (read after
// the daemon stopped). This module imports only Node built-ins at load time; the bed's modules are
// loaded by the child that needs them.
import { open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { crrPodMachine } from '../../machines/crr/crr-pod.machine.js';

export const NODE = 'bench-node';
export const NS = 'default';
/** Exits at once on SIGTERM (the trap interrupts `wait`), so a kill costs no grace. */
export const SLEEPER = ['sh', '-c', 'trap "exit 0" TERM; sleep 1000000 & wait'];

/** Wall-clock ms with sub-millisecond precision (Date.now() has whole ms). */
export const preciseNow = (): number => performance.timeOrigin + performance.now();

export interface CreatedCrr {
  readonly name: string;
  readonly pod: string;
  /** The CRI id of the container the CRR names (its statusContext). */
  readonly containerId: string;
  /** When the API server's store emitted the ADDED event (preciseNow in the API child). */
  readonly createdAt: number;
}

/** A write the API server stored that belongs to a CRR's path to the kill. */
export interface TraceEntry {
  readonly at: number;
  /** The pod the write is about. */
  readonly pod: string;
  readonly what: string;
}

export type ApiCommand =
  | { cmd: 'pods'; from: number; count: number; image: string }
  | { cmd: 'crrs'; pods: string[]; prefix: string }
  | { cmd: 'completed'; names: string[]; timeoutMs: number }
  | { cmd: 'status'; name: string }
  | { cmd: 'trace' };

export interface ApiReady {
  readonly kubeconfigYaml: string;
}

export const podName = (i: number): string => `app-${String(i).padStart(3, '0')}`;

// ---------------------------------------------------------------------------------------------
// containerd's log

/**
 * Follows containerd's log file from its current end and notes, per container id, when the first
 * `StopContainer for "<id>" with timeout <n> (s)` line was written: containerd's CRI service logs
 * it at info level as the request arrives, before it acts, stamped with RFC3339Nano.
 */
export class StopContainerLog {
  private offset = 0;
  private rest = '';
  private readonly stops = new Map<string, number>();
  private reading: Promise<void> | undefined;

  private constructor(private readonly path: string) {}

  static async follow(path: string): Promise<StopContainerLog> {
    const log = new StopContainerLog(path);
    const handle = await open(path, 'r');
    try {
      log.offset = (await handle.stat()).size;
    } finally {
      await handle.close();
    }
    return log;
  }

  /** Reads what containerd appended since the last read; concurrent callers share one read. */
  poll(): Promise<void> {
    this.reading ??= this.read().finally(() => (this.reading = undefined));
    return this.reading;
  }

  private async read(): Promise<void> {
    const handle = await open(this.path, 'r');
    try {
      const size = (await handle.stat()).size;
      if (size <= this.offset) return;
      const buffer = Buffer.alloc(size - this.offset);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, this.offset);
      this.offset += bytesRead;
      const lines = (this.rest + buffer.subarray(0, bytesRead).toString('utf8')).split('\n');
      this.rest = lines.pop() ?? '';
      for (const line of lines) {
        const stop = parseStopLine(line);
        if (stop && !this.stops.has(stop.id)) this.stops.set(stop.id, stop.at);
      }
    } finally {
      await handle.close();
    }
  }

  /** When StopContainer for `id` reached containerd, waiting for the line up to `timeoutMs`. */
  async stopOf(id: string, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await this.poll();
      const at = this.stops.get(id);
      if (at !== undefined) return at;
      if (Date.now() > deadline) throw new Error(`containerd logged no StopContainer for ${id} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

const STOP_LINE =
  /^time="(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:\d\d)" level=info msg="StopContainer for \\"([0-9a-f]+)\\" with timeout \d+ \(s\)"/;

/** `{ id, at }` (wall-clock ms, sub-ms from the nanoseconds) of a StopContainer request line, else undefined. */
export function parseStopLine(line: string): { id: string; at: number } | undefined {
  const m = STOP_LINE.exec(line);
  if (!m) return undefined;
  const fraction = m[2] ? Number(`0${m[2]}`) * 1000 : 0;
  return { id: m[4]!, at: Date.parse(`${m[1]}${m[3]}`) + fraction };
}

// ---------------------------------------------------------------------------------------------
// the daemon's event log

export interface LoggedStep {
  readonly time: number;
  readonly key: string;
  /** `event <type>`, `internal <type>`, `spawn` or `stop`. */
  readonly label: string;
}

/** Every record of the crrPod actors in the daemon's event log directory, in order. */
export async function crrPodSteps(eventsDir: string): Promise<LoggedStep[]> {
  const { decodeRecord } = await import('../../engine/log/record.js');
  const steps: LoggedStep[] = [];
  const files = (await readdir(eventsDir)).filter((f) => f.endsWith('.jsonl')).sort();
  for (const file of files) {
    for (const line of (await readFile(join(eventsDir, file), 'utf8')).split('\n')) {
      if (line === '') continue;
      const record = decodeRecord(line);
      if (record.machine !== crrPodMachine.id) continue;
      const type = (record.event as { type?: unknown } | undefined)?.type;
      steps.push({ time: record.time, key: record.key, label: typeof type === 'string' ? `${record.kind} ${type}` : record.kind });
    }
  }
  return steps;
}

// ---------------------------------------------------------------------------------------------
// the API server child

type Api = Awaited<ReturnType<typeof import('../bed/apiserver/index.js')['startFakeApiServer']>>;

/** Child: the fake API server and the manager doubles, driven over IPC (one reply per command). */
export async function serveApi(): Promise<void> {
  const { authorizerFromRules, kruiseDaemonRules, startFakeApiServer } = await import('../bed/apiserver/index.js');
  const { createCrr, startCrrController } = await import('../bed/manager/index.js');
  const api = await startFakeApiServer({ authorize: authorizerFromRules(kruiseDaemonRules) });
  api.store.create({ apiVersion: 'apps.kruise.io/v1beta1', kind: 'NodeImage', metadata: { name: NODE, labels: { 'kubernetes.io/hostname': NODE } }, spec: {} });
  const manager = startCrrController(api, { intervalMs: 500 });
  const created = new Map<string, number>();
  const trace: TraceEntry[] = [];
  api.store.subscribe(tap(created, trace));

  const handle = async (msg: ApiCommand): Promise<unknown> => {
    switch (msg.cmd) {
      case 'pods':
        return runPods(api, msg.from, msg.count, msg.image);
      case 'crrs': {
        // One synchronous turn: a burst reaches the daemon's watch together.
        const made = msg.pods.map((pod) => {
          const crr = createCrr(api, { name: `${msg.prefix}-${pod}`, podName: pod, containers: ['main'], strategy: { terminationGracePeriodSeconds: 2 } });
          const spec = crr.spec as { containers: Array<{ statusContext: { containerID: string } }> };
          const id = spec.containers[0]!.statusContext.containerID;
          return {
            name: crr.metadata.name!,
            pod,
            containerId: id.slice(id.indexOf('://') + 3),
            createdAt: created.get(crr.metadata.name!)!,
          } satisfies CreatedCrr;
        });
        return made;
      }
      case 'completed': {
        const ref = (name: string) => ({ apiVersion: 'apps.kruise.io/v1beta1', kind: 'ContainerRecreateRequest', namespace: NS, name });
        const done = (o: unknown) => typeof (o as { status?: { completionTime?: unknown } } | undefined)?.status?.completionTime === 'string';
        await Promise.all(msg.names.map((name) => api.store.waitFor(ref(name), done, msg.timeoutMs)));
        return msg.names.map((name) => (api.store.get(ref(name))?.status as { containerRecreateStates?: unknown } | undefined)?.containerRecreateStates);
      }
      case 'status':
        return api.store.get({ apiVersion: 'apps.kruise.io/v1beta1', kind: 'ContainerRecreateRequest', namespace: NS, name: msg.name })?.status;
      case 'trace':
        return { trace: [...trace, ...daemonRequests(api)], managerErrors: manager.errors.map((e) => e.message) };
    }
  };
  process.on('message', (msg: ApiCommand) => {
    handle(msg).then(
      (reply) => process.send!({ reply }),
      (error: unknown) => process.send!({ error: (error as Error).stack ?? String(error) }),
    );
  });
  process.on('disconnect', () => {
    manager.stop();
    void api.close().finally(() => process.exit(0));
  });
  process.send!({ kubeconfigYaml: api.kubeconfigYaml() } satisfies ApiReady);
}

/** The store's own event times: CRR creation (ADDED), and the writes on each CRR's way to the kill. */
function tap(created: Map<string, number>, trace: TraceEntry[]) {
  const seen = new Map<string, string>();
  return (event: {
    type: string;
    object: { kind?: string; metadata: { name?: string }; spec?: unknown; status?: unknown; reason?: unknown; involvedObject?: unknown };
  }): void => {
    const at = preciseNow();
    const o = event.object;
    if (o.kind === 'ContainerRecreateRequest') {
      const name = o.metadata.name!;
      const pod = (o.spec as { podName?: string } | undefined)?.podName ?? '';
      if (event.type === 'ADDED') created.set(name, at);
      const status = (o.status ?? {}) as { phase?: string; containerRecreateStates?: Array<{ phase: string }>; completionTime?: string };
      const now = `${status.phase ?? ''}|${(status.containerRecreateStates ?? []).map((s) => s.phase).join(',')}`;
      if (seen.get(name) === now) return;
      seen.set(name, now);
      if (status.completionTime) return;
      if (status.containerRecreateStates) trace.push({ at, pod, what: `api: states ${status.containerRecreateStates.map((s) => s.phase).join(',')} stored` });
      else if (status.phase) trace.push({ at, pod, what: `api: phase ${status.phase} stored` });
    } else if (o.kind === 'Event' && event.type === 'ADDED' && o.reason === 'Killing') {
      const involved = o.involvedObject as { name?: string } | undefined;
      trace.push({ at, pod: involved?.name ?? '', what: 'api: Killing event stored' });
    }
  };
}

/**
 * The daemon's CRR reads and writes as they arrived at the API server (the request log's whole-ms
 * stamps): the first byte of the daemon's work after an effect's durability wait is a request.
 */
function daemonRequests(api: Api): TraceEntry[] {
  const podOf = (name: string) =>
    (api.store.get({ apiVersion: 'apps.kruise.io/v1beta1', kind: 'ContainerRecreateRequest', namespace: NS, name })?.spec as { podName?: string } | undefined)
      ?.podName;
  return api.requests
    .filter(
      (r) => r.resource === 'containerrecreaterequests' && r.name !== undefined && r.query.watch !== 'true' && (r.userAgent ?? '').includes('kruise-daemon'),
    )
    .map((r) => ({ at: r.time, pod: podOf(r.name!) ?? '', what: `api: ${r.method} ${r.resource}${r.subresource ? `/${r.subresource}` : ''} arrived` }));
}

/** Creates pods `from` … `from + count - 1` bound to the node and waits until the kubelet simulator runs them all. */
async function runPods(api: Api, from: number, count: number, image: string): Promise<Record<string, string>> {
  const names = Array.from({ length: count }, (_, i) => podName(from + i));
  for (const name of names) {
    api.store.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name, namespace: NS, labels: { app: 'bench' } },
      spec: { nodeName: NODE, terminationGracePeriodSeconds: 2, containers: [{ name: 'main', image, imagePullPolicy: 'IfNotPresent', command: SLEEPER }] },
    });
  }
  const ready = (o: unknown) => {
    const s = (o as { status?: { containerStatuses?: Array<{ ready: boolean; state: { running?: unknown }; containerID?: string }> } } | undefined)?.status
      ?.containerStatuses?.[0];
    return s?.ready === true && s.state.running !== undefined;
  };
  const ids: Record<string, string> = {};
  for (const name of names) {
    const pod = await api.store.waitFor({ apiVersion: 'v1', kind: 'Pod', namespace: NS, name }, ready, 120_000);
    ids[name] = (pod!.status as { containerStatuses: Array<{ containerID: string }> }).containerStatuses[0]!.containerID;
  }
  return ids;
}
