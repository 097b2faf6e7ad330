// Reading a ContainerRecreateRequest and its Pod into the views the `crrPod` machine consumes
// (contract §4.1), so the machine never sees raw JSON. The served version decides where the
// manager's inputs live: on v1alpha1 the container-status snapshot is a JSON string in annotation
// `crr.apps.kruise.io/sync-container-statuses` and the unready time is annotation
// `crr.apps.kruise.io/unready-acquired`; on v1beta1 they are `status.containerStatusSnapshot` and
// the `PreRecreateGrace` condition (status True) with its lastTransitionTime. Upstream's defaults
// are applied (failurePolicy Fail, minStartedSeconds 0). Nothing here throws: a malformed piece
// becomes its empty value and a problem the caller logs (a bad snapshot is no snapshot, as a Go
// unmarshal error would leave it).
import type { KruiseVersion, KubeObject } from '../../../adapters/kube/index.js';
import type {
  ContainerPortSpec,
  ContainerRecreatePhase,
  ContainerRecreateState,
  CrrContainerSpec,
  CrrPhase,
  CrrStrategyView,
  CrrView,
  PodView,
  PreStopHandler,
  SnapshotEntry,
} from '../../../machines/crr/types.js';

export const CRR_POD_UID_LABEL = 'crr.apps.kruise.io/pod-uid';
export const CRR_SYNC_STATUSES_ANNOTATION = 'crr.apps.kruise.io/sync-container-statuses';
export const CRR_UNREADY_ACQUIRED_ANNOTATION = 'crr.apps.kruise.io/unready-acquired';
export const PRE_RECREATE_GRACE_CONDITION = 'PreRecreateGrace';

export interface CrrReading {
  readonly view: CrrView;
  /** What was malformed and read as empty, for a log line (never object contents beyond the field's text). */
  readonly problems: readonly string[];
}

type Json = Record<string, unknown>;
const record = (v: unknown): Json => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Json) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const int = (v: unknown): number | null => (typeof v === 'number' && Number.isInteger(v) ? v : null);
const intOrString = (v: unknown): number | string | undefined => (typeof v === 'number' && Number.isInteger(v) ? v : typeof v === 'string' ? v : undefined);

/** The API version the object speaks: its own apiVersion, else the one the informer serves. */
export function crrVersionOf(obj: KubeObject, served: KruiseVersion): KruiseVersion {
  if (obj.apiVersion?.endsWith('/v1alpha1')) return 'v1alpha1';
  if (obj.apiVersion?.endsWith('/v1beta1')) return 'v1beta1';
  return served;
}

/** `<namespace>/<spec.podName>`: the key of the pod's actor, or undefined when the CRR names no pod. */
export function crrPodKey(obj: KubeObject): string | undefined {
  const podName = str(record(obj.spec).podName);
  return podName === '' ? undefined : `${obj.metadata?.namespace ?? ''}/${podName}`;
}

function preStopOf(v: unknown): PreStopHandler | null {
  if (typeof v !== 'object' || v === null) return null;
  const p = record(v);
  const out: { exec?: PreStopHandler['exec']; httpGet?: PreStopHandler['httpGet']; tcpSocket?: PreStopHandler['tcpSocket'] } = {};
  if (typeof p.exec === 'object' && p.exec !== null) out.exec = { command: list(record(p.exec).command).filter((c): c is string => typeof c === 'string') };
  const http = record(p.httpGet);
  const httpPort = intOrString(http.port);
  if (httpPort !== undefined) {
    const scheme = http.scheme === 'HTTPS' ? 'HTTPS' : http.scheme === 'HTTP' ? 'HTTP' : undefined;
    const headers = list(http.httpHeaders)
      .map(record)
      .map((h) => ({ name: str(h.name), value: str(h.value) }));
    out.httpGet = {
      port: httpPort,
      ...(str(http.path) ? { path: str(http.path) } : {}),
      ...(str(http.host) ? { host: str(http.host) } : {}),
      ...(scheme ? { scheme } : {}),
      ...(headers.length > 0 ? { httpHeaders: headers } : {}),
    };
  }
  const tcp = record(p.tcpSocket);
  const tcpPort = intOrString(tcp.port);
  if (tcpPort !== undefined) out.tcpSocket = { port: tcpPort, ...(str(tcp.host) ? { host: str(tcp.host) } : {}) };
  return Object.keys(out).length > 0 ? out : null;
}

function portsOf(v: unknown): ContainerPortSpec[] {
  const out: ContainerPortSpec[] = [];
  for (const raw of list(v)) {
    const p = record(raw);
    const containerPort = int(p.containerPort);
    if (containerPort === null) continue;
    out.push({ containerPort, ...(str(p.name) ? { name: str(p.name) } : {}), ...(str(p.protocol) ? { protocol: str(p.protocol) } : {}) });
  }
  return out;
}

function containerOf(v: unknown): CrrContainerSpec {
  const c = record(v);
  const ctx = record(c.statusContext);
  // Upstream treats a missing statusContext and an empty containerID alike (contract §4.3 step 4).
  const containerID = str(ctx.containerID);
  return {
    name: str(c.name),
    preStop: preStopOf(c.preStop),
    ports: portsOf(c.ports),
    statusContext: containerID === '' ? null : { containerID, restartCount: int(ctx.restartCount) ?? 0 },
  };
}

function strategyOf(v: unknown): CrrStrategyView {
  const s = record(v);
  return {
    failurePolicy: s.failurePolicy === 'Ignore' ? 'Ignore' : 'Fail',
    orderedRecreate: s.orderedRecreate === true,
    forceRecreate: s.forceRecreate === true,
    terminationGracePeriodSeconds: int(s.terminationGracePeriodSeconds),
    unreadyGracePeriodSeconds: int(s.unreadyGracePeriodSeconds),
    minStartedSeconds: int(s.minStartedSeconds) ?? 0,
  };
}

const STATE_PHASES: ReadonlySet<string> = new Set<ContainerRecreatePhase>(['Pending', 'Recreating', 'Failed', 'Succeeded']);
const CRR_PHASES: ReadonlySet<string> = new Set<CrrPhase>(['Pending', 'Recreating', 'Completed']);

function statesOf(v: unknown): ContainerRecreateState[] {
  const out: ContainerRecreateState[] = [];
  for (const raw of list(v)) {
    const s = record(raw);
    if (!STATE_PHASES.has(str(s.phase))) continue;
    out.push({
      name: str(s.name),
      phase: s.phase as ContainerRecreatePhase,
      ...(str(s.message) ? { message: str(s.message) } : {}),
      ...(s.isKilled === true ? { isKilled: true } : {}),
    });
  }
  return out;
}

/**
 * Snapshot entries as Go's json.Unmarshal into the upstream struct reads them: absent fields are
 * zero values, a field of the wrong type fails the whole list. `null` is no snapshot.
 */
function snapshotOf(v: unknown): { entries: SnapshotEntry[] | null; error?: string } {
  if (v === null || v === undefined) return { entries: null };
  if (!Array.isArray(v)) return { entries: null, error: 'not a list' };
  const entries: SnapshotEntry[] = [];
  for (const [i, raw] of v.entries()) {
    if (raw === null) {
      entries.push({ name: '', ready: false, restartCount: 0, containerID: '' });
      continue;
    }
    if (typeof raw !== 'object' || Array.isArray(raw)) return { entries: null, error: `entry ${i} is not an object` };
    const e = raw as Json;
    const bad = (field: string, ok: boolean) => (e[field] === undefined || e[field] === null || ok ? undefined : `entry ${i} has a bad ${field}`);
    const problem =
      bad('name', typeof e.name === 'string') ??
      bad('ready', typeof e.ready === 'boolean') ??
      bad('restartCount', Number.isInteger(e.restartCount)) ??
      bad('containerID', typeof e.containerID === 'string');
    if (problem) return { entries: null, error: problem };
    entries.push({ name: str(e.name), ready: e.ready === true, restartCount: int(e.restartCount) ?? 0, containerID: str(e.containerID) });
  }
  return { entries };
}

function v1alpha1Snapshot(obj: KubeObject): { entries: SnapshotEntry[] | null; error?: string } {
  const text = obj.metadata?.annotations?.[CRR_SYNC_STATUSES_ANNOTATION];
  if (text === undefined) return { entries: null };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { entries: null, error: `not JSON (${(error as Error).message})` };
  }
  return snapshotOf(parsed);
}

function preRecreateGraceTime(status: Json): string | null {
  const condition = list(status.conditions)
    .map(record)
    .find((c) => c.type === PRE_RECREATE_GRACE_CONDITION && c.status === 'True');
  return condition && str(condition.lastTransitionTime) !== '' ? str(condition.lastTransitionTime) : null;
}

/** One CRR as the machine sees it, by the version it is served in. */
export function crrView(obj: KubeObject, served: KruiseVersion): CrrReading {
  const meta = obj.metadata ?? {};
  const spec = record(obj.spec);
  const status = record(obj.status);
  const version = crrVersionOf(obj, served);
  const problems: string[] = [];
  const snapshot = version === 'v1alpha1' ? v1alpha1Snapshot(obj) : snapshotOf(status.containerStatusSnapshot);
  if (snapshot.error) {
    problems.push(
      version === 'v1alpha1'
        ? `annotation ${CRR_SYNC_STATUSES_ANNOTATION} is malformed: ${snapshot.error}`
        : `status.containerStatusSnapshot is malformed: ${snapshot.error}`,
    );
  }
  const unreadyAcquiredAt = version === 'v1alpha1' ? (meta.annotations?.[CRR_UNREADY_ACQUIRED_ANNOTATION] ?? null) : preRecreateGraceTime(status);
  const created = Date.parse(str(meta.creationTimestamp));
  if (Number.isNaN(created)) problems.push('metadata.creationTimestamp is missing or malformed');
  const view: CrrView = {
    name: meta.name ?? '',
    uid: meta.uid ?? '',
    resourceVersion: meta.resourceVersion ?? '',
    createdAtMs: Number.isNaN(created) ? 0 : created,
    deleting: typeof meta.deletionTimestamp === 'string' && meta.deletionTimestamp !== '',
    completed: str(status.completionTime) !== '',
    podUid: meta.labels?.[CRR_POD_UID_LABEL] ?? '',
    phase: CRR_PHASES.has(str(status.phase)) ? (status.phase as CrrPhase) : '',
    containers: list(spec.containers).map(containerOf),
    strategy: strategyOf(spec.strategy),
    states: statesOf(status.containerRecreateStates),
    snapshot: snapshot.entries,
    unreadyAcquiredAt,
  };
  return { view, problems };
}

/** A CRR upstream no longer enqueues or picks (contract §4.2, §4.3 step 1). */
export const isActiveCrr = (view: CrrView): boolean => !view.deleting && !view.completed;

/** Creation order, then name: a stable order for the event (the machine does its own picking). */
export const byCreation = (a: CrrView, b: CrrView): number => a.createdAtMs - b.createdAtMs || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

const RESTART_POLICIES: ReadonlySet<string> = new Set(['Always', 'OnFailure', 'Never']);

/** The pod as the machine needs it. The API server sets phase Pending on create, so absent reads as Pending. */
export function podView(pod: KubeObject): PodView {
  const policy = str(record(pod.spec).restartPolicy);
  return {
    uid: pod.metadata?.uid ?? '',
    restartPolicy: RESTART_POLICIES.has(policy) ? (policy as PodView['restartPolicy']) : 'Always',
    phase: str(record(pod.status).phase) || 'Pending',
  };
}
