// A SIMULATED CRI runtime: a TEST DOUBLE of a container runtime, not containerd. It serves
// runtime.v1 RuntimeService and ImageService (our own adapters/cri/proto/runtime-v1.proto) over a
// real unix socket, so the real CRI client, the kubelet simulator and `kruised run` can talk to it
// where a real containerd cannot run (not root), and it can play a Windows runtime on Linux.
// Nothing runs: containers are records whose "process" follows a few recognised commands
// (behaviour.ts). It reports runtime_name `simulated-cri`, so IDs read `simulated-cri://…`.
// It follows containerd 1.6's answers where the daemon or the kubelet simulator depend on them
// (codes, messages, idempotent removes, image_ref); it does not do logs, streaming, stats,
// resources, mounts, networking (a POD-network sandbox gets a made-up 10.88.x IP), or checkpoints.
import { randomBytes, createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import {
  Server,
  ServerCredentials,
  status as Status,
  type ServerUnaryCall,
  type sendUnaryData,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { PROTO_LOADER_OPTIONS } from '../../../adapters/cri/index.js';
import { CRI_SERVICE_OF, defaultProtoPath } from '../../../adapters/cri/proto.js';
import type { CriMethodName } from '../../../adapters/cri/index.js';
import type * as T from '../../../adapters/cri/types.js';
import {
  LINUX_KILL_EXIT_CODE,
  WINDOWS_STOP_EXIT_CODE,
  normalizeImageRef,
  processBehaviour,
  repositoryOf,
  simulateExec,
  stopOutcome,
  type Platform,
  type ProcessBehaviour,
} from './behaviour.js';

export const SIMULATED_RUNTIME_NAME = 'simulated-cri';
export const SIMULATED_RUNTIME_VERSION = '0.1.0-test-double';
const LABEL = '[simulated-cri: TEST DOUBLE, not containerd]';

export interface RegistryImage {
  /** `sha256:<64 hex>`. */
  readonly id: string;
  readonly sizeBytes: number;
  /** `<repo>@sha256:…`; derived from the ID when absent. */
  readonly repoDigest?: string;
  /** Pulls without these credentials fail `401 Unauthorized`, as containerd reports it. */
  readonly requiresAuth?: { readonly username: string; readonly password: string };
}

export interface CriDoubleOptions {
  /** Default: a fresh /tmp/cri-double.*\/cri.sock, removed on close. */
  readonly socketPath?: string;
  readonly platform: Platform;
  /** What the "registry" holds, by reference (familiar names are normalised). Nothing is pulled at start. */
  readonly images?: Readonly<Record<string, RegistryImage>>;
  /** Pull speed; default: pulls finish at once. */
  readonly pullBytesPerSecond?: number;
  /** One line per notable event, each labelled as the test double. */
  readonly log?: (line: string) => void;
}

export interface SimImage {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  size: number;
}

export interface SimSandbox {
  id: string;
  metadata: T.PodSandboxMetadata;
  state: T.PodSandboxState;
  createdAt: bigint;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  runtimeHandler: string;
  network: 'NODE' | 'POD';
  ip: string;
}

export interface SimContainer {
  id: string;
  sandboxId: string;
  metadata: T.ContainerMetadata;
  /** The image as the request named it, and the image ID it resolved to. */
  image: string;
  imageId: string;
  argv: string[];
  envs: { key: string; value: string }[];
  labels: Record<string, string>;
  annotations: Record<string, string>;
  logPath: string;
  state: T.ContainerState;
  createdAt: bigint;
  startedAt: bigint;
  finishedAt: bigint;
  exitCode: number;
  /** `cat <path>` in ExecSync reads here; set entries freely. */
  files: Map<string, string>;
  behaviour: ProcessBehaviour;
  /** Internal: the pending self-exit of the simulated process, and StopContainer calls waiting for its end. */
  timer?: NodeJS.Timeout;
  exitWaiters: (() => void)[];
}

export interface CriDoubleState {
  readonly platform: Platform;
  /** Local images by ID. */
  readonly images: Map<string, SimImage>;
  /** The registry, by normalised reference. */
  readonly registry: Map<string, RegistryImage>;
  readonly sandboxes: Map<string, SimSandbox>;
  readonly containers: Map<string, SimContainer>;
}

export interface CriDoubleCall {
  readonly method: CriMethodName;
  /** The decoded request; PullImage credentials are replaced by `<redacted>`. */
  readonly request: unknown;
  readonly at: number;
}

export interface CriDouble {
  /** `unix://<socketPath>`. */
  readonly endpoint: string;
  readonly socketPath: string;
  readonly state: CriDoubleState;
  readonly calls: CriDoubleCall[];
  /** The next `times` (default 1; Infinity for all) calls of `method` fail with this gRPC status. */
  injectError(method: CriMethodName, grpcStatus: Status, message: string, times?: number): void;
  /** Stops serving (in-flight calls are cancelled) and removes a socket directory it made. */
  close(): Promise<void>;
}

class CriFailure extends Error {
  constructor(
    readonly code: Status,
    message: string,
  ) {
    super(message);
  }
}
const notFound = (message: string) => new CriFailure(Status.NOT_FOUND, message);
const unknown = (message: string) => new CriFailure(Status.UNKNOWN, message);

const hex64 = () => randomBytes(32).toString('hex');
const sha256 = (text: string) => `sha256:${createHash('sha256').update(text).digest('hex')}`;
/** Nanoseconds since the epoch, strictly increasing within this process. */
const epochNs = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
const nowNs = () => epochNs + process.hrtime.bigint();

function labelsMatch(labels: Record<string, string>, selector: Record<string, string> | undefined): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
}

/** containerd resolves unique ID prefixes too. */
function byId<V>(map: Map<string, V>, id: string): V | undefined {
  const exact = map.get(id);
  if (exact !== undefined || id === '') return exact;
  const hits = [...map.keys()].filter((k) => k.startsWith(id));
  return hits.length === 1 ? map.get(hits[0]!) : undefined;
}

function redact(method: CriMethodName, request: object): unknown {
  const copy = JSON.parse(JSON.stringify(request)) as Record<string, unknown>;
  if (method === 'PullImage' && copy.auth && typeof copy.auth === 'object') {
    const auth = copy.auth as Record<string, unknown>;
    for (const k of ['password', 'auth', 'identity_token', 'registry_token']) if (auth[k]) auth[k] = '<redacted>';
  }
  return copy;
}

export async function startCriDouble(options: CriDoubleOptions): Promise<CriDouble> {
  const { platform } = options;
  const log = (line: string) => options.log?.(`${LABEL} ${line}`);
  let ownDir: string | undefined;
  let socketPath = options.socketPath;
  if (socketPath === undefined) {
    ownDir = await mkdtemp('/tmp/cri-double.');
    socketPath = join(ownDir, 'cri.sock');
  } else if (existsSync(socketPath)) await unlink(socketPath);

  const state: CriDoubleState = { platform, images: new Map(), registry: new Map(), sandboxes: new Map(), containers: new Map() };
  for (const [ref, image] of Object.entries(options.images ?? {})) state.registry.set(normalizeImageRef(ref), image);
  const calls: CriDoubleCall[] = [];
  const injected = new Map<CriMethodName, { code: Status; message: string; left: number }[]>();
  const pending = new Set<NodeJS.Timeout>();
  let closed = false;

  // Images ----------------------------------------------------------------------------------

  function findImage(ref: string): SimImage | undefined {
    if (ref === '') return undefined;
    const byImageId = state.images.get(ref) ?? state.images.get(`sha256:${ref}`);
    if (byImageId) return byImageId;
    const normalized = normalizeImageRef(ref);
    for (const image of state.images.values()) if (image.repoTags.includes(normalized) || image.repoDigests.includes(normalized)) return image;
    return [...state.images.values()].find((i) => i.id.startsWith(`sha256:${ref}`) && /^[0-9a-f]{12,}$/.test(ref));
  }

  function toImage(image: SimImage): T.Image {
    return {
      id: image.id,
      repo_tags: image.repoTags,
      repo_digests: image.repoDigests,
      size: String(image.size),
      uid: null,
      username: '',
      spec: { image: image.id, annotations: {} },
      pinned: false,
    };
  }

  function authorized(need: RegistryImage['requiresAuth'], auth: T.AuthConfig | null | undefined): boolean {
    if (need === undefined) return true;
    if (auth == null) return false;
    if (auth.username === need.username && auth.password === need.password) return true;
    return !!auth.auth && Buffer.from(auth.auth, 'base64').toString('utf8') === `${need.username}:${need.password}`;
  }

  async function pull(req: T.PullImageRequest, call: ServerUnaryCall<object, object>): Promise<T.PullImageResponse> {
    const asked = req.image?.image ?? '';
    const ref = normalizeImageRef(asked);
    const entry = state.registry.get(ref);
    const prefix = `failed to pull and unpack image "${ref}"`;
    if (entry === undefined) throw unknown(`${prefix}: failed to resolve reference "${ref}": ${ref}: not found`);
    if (!authorized(entry.requiresAuth, req.auth)) {
      throw unknown(
        `${prefix}: failed to resolve reference "${ref}": pulling from host ${ref.split('/')[0]} failed with status code [manifests ${ref.slice(ref.lastIndexOf(':') + 1)}]: 401 Unauthorized`,
      );
    }
    const rate = options.pullBytesPerSecond;
    if (rate !== undefined && rate > 0) await wait((entry.sizeBytes / rate) * 1000, call);
    const digest = entry.repoDigest ?? `${repositoryOf(ref)}@${sha256(entry.id)}`;
    for (const other of state.images.values()) {
      if (other.id === entry.id) continue;
      other.repoTags = other.repoTags.filter((t) => t !== ref); // the tag moved
    }
    const image = state.images.get(entry.id) ?? { id: entry.id, repoTags: [], repoDigests: [], size: entry.sizeBytes };
    if (!image.repoTags.includes(ref)) image.repoTags.push(ref);
    if (!image.repoDigests.includes(digest)) image.repoDigests.push(digest);
    state.images.set(image.id, image);
    log(`pulled ${ref} as ${image.id} (${entry.sizeBytes} bytes, simulated)`);
    return { image_ref: image.id };
  }

  // Sandboxes -------------------------------------------------------------------------------

  function sandbox(id: string): SimSandbox {
    const s = byId(state.sandboxes, id);
    if (s === undefined) throw notFound(`an error occurred when try to find sandbox "${id}": not found`);
    return s;
  }

  function toSandbox(s: SimSandbox): T.PodSandbox {
    return {
      id: s.id,
      metadata: s.metadata,
      state: s.state,
      created_at: String(s.createdAt),
      labels: s.labels,
      annotations: s.annotations,
      runtime_handler: s.runtimeHandler,
    };
  }

  let nextIp = 2;
  function runSandbox(req: T.RunPodSandboxRequest): T.RunPodSandboxResponse {
    const config = req.config ?? {};
    const m = config.metadata;
    const network = config.linux?.security_context?.namespace_options?.network === 'NODE' ? 'NODE' : 'POD';
    const s: SimSandbox = {
      id: hex64(),
      metadata: { name: m?.name ?? '', uid: m?.uid ?? '', namespace: m?.namespace ?? '', attempt: m?.attempt ?? 0 },
      state: 'SANDBOX_READY',
      createdAt: nowNs(),
      labels: { ...config.labels },
      annotations: { ...config.annotations },
      runtimeHandler: req.runtime_handler ?? '',
      network,
      ip: network === 'NODE' ? '' : `10.88.${Math.floor(nextIp / 250)}.${(nextIp++ % 250) + 2}`,
    };
    state.sandboxes.set(s.id, s);
    log(`sandbox ${s.id.slice(0, 12)} ready for pod ${s.metadata.namespace}/${s.metadata.name}`);
    return { pod_sandbox_id: s.id };
  }

  function stopSandbox(id: string): void {
    const s = sandbox(id);
    for (const c of state.containers.values())
      if (c.sandboxId === s.id && c.state === 'CONTAINER_RUNNING') exit(c, platform === 'windows' ? WINDOWS_STOP_EXIT_CODE : LINUX_KILL_EXIT_CODE);
    s.state = 'SANDBOX_NOTREADY';
  }

  // Containers ------------------------------------------------------------------------------

  function container(id: string): SimContainer {
    const c = byId(state.containers, id);
    if (c === undefined) throw notFound(`an error occurred when try to find container "${id}": not found`);
    return c;
  }

  function exit(c: SimContainer, code: number): void {
    if (c.timer) {
      clearTimeout(c.timer);
      pending.delete(c.timer);
    }
    c.timer = undefined;
    if (c.state !== 'CONTAINER_RUNNING') return;
    c.state = 'CONTAINER_EXITED';
    c.exitCode = code;
    c.finishedAt = nowNs();
    log(`container ${c.id.slice(0, 12)} (${c.metadata.name}) exited with code ${code}`);
    for (const done of c.exitWaiters.splice(0)) done();
  }

  function later(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      pending.delete(t);
      fn();
    }, ms);
    t.unref();
    pending.add(t);
    return t;
  }

  function createContainer(req: T.CreateContainerRequest): T.CreateContainerResponse {
    const s = sandbox(req.pod_sandbox_id);
    if (s.state !== 'SANDBOX_READY') throw unknown(`sandbox container "${s.id}" is not running`);
    const config = req.config;
    const name = config?.metadata?.name ?? '';
    const attempt = config?.metadata?.attempt ?? 0;
    const imageName = config?.image?.image ?? '';
    const image = findImage(imageName);
    if (image === undefined) throw notFound(`failed to resolve image "${imageName}": not found`);
    const reserved = `${name}_${s.metadata.name}_${s.metadata.namespace}_${s.metadata.uid}_${attempt}`;
    const holder = [...state.containers.values()].find((c) => c.sandboxId === s.id && c.metadata.name === name && c.metadata.attempt === attempt);
    if (holder) throw unknown(`failed to reserve container name "${reserved}": name "${reserved}" is reserved for "${holder.id}"`);
    const c: SimContainer = {
      id: hex64(),
      sandboxId: s.id,
      metadata: { name, attempt },
      image: imageName,
      imageId: image.id,
      argv: [...(config?.command ?? []), ...(config?.args ?? [])],
      envs: (config?.envs ?? []).map((e) => ({ key: e.key, value: e.value })),
      labels: { ...config?.labels },
      annotations: { ...config?.annotations },
      logPath: config?.log_path ?? '',
      state: 'CONTAINER_CREATED',
      createdAt: nowNs(),
      startedAt: 0n,
      finishedAt: 0n,
      exitCode: 0,
      files: new Map(),
      behaviour: { ignoresTerm: false },
      exitWaiters: [],
    };
    c.behaviour = processBehaviour(c.argv);
    state.containers.set(c.id, c);
    return { container_id: c.id };
  }

  function startContainer(id: string): void {
    const c = container(id);
    if (c.state !== 'CONTAINER_CREATED') throw unknown(`failed to set starting state for container "${c.id}": container is in ${c.state} state`);
    c.state = 'CONTAINER_RUNNING';
    c.startedAt = nowNs();
    log(`container ${c.id.slice(0, 12)} (${c.metadata.name}) running: ${JSON.stringify(c.argv)}`);
    const { exitCode, exitAfterMs } = c.behaviour;
    if (exitCode === undefined || exitAfterMs === undefined) return;
    if (exitAfterMs <= 0) exit(c, exitCode);
    else c.timer = later(exitAfterMs, () => exit(c, exitCode));
  }

  async function stopContainer(req: T.StopContainerRequest): Promise<void> {
    const c = container(req.container_id);
    if (c.state !== 'CONTAINER_RUNNING') return;
    const { exitCode, afterMs } = stopOutcome(platform, c.behaviour, Number(req.timeout ?? 0));
    if (afterMs > 0) {
      log(`container ${c.id.slice(0, 12)} ignores TERM; killing it after ${afterMs} ms`);
      // it may also end by itself first (`sleep N`), or the double may close
      await new Promise<void>((resolve) => {
        const kill = later(afterMs, () => exit(c, exitCode));
        c.exitWaiters.push(() => {
          clearTimeout(kill);
          pending.delete(kill);
          resolve();
        });
      });
    } else exit(c, exitCode);
  }

  function removeContainer(id: string): void {
    const c = byId(state.containers, id);
    if (c === undefined) return; // containerd 1.6: removing a missing container succeeds
    exit(c, platform === 'windows' ? WINDOWS_STOP_EXIT_CODE : LINUX_KILL_EXIT_CODE);
    state.containers.delete(c.id);
  }

  function imageOf(c: SimContainer): { spec: T.ImageSpec; ref: string } {
    const image = state.images.get(c.imageId);
    return { spec: { image: image?.repoTags[0] ?? c.imageId, annotations: {} }, ref: image?.repoDigests[0] ?? c.imageId };
  }

  function toContainer(c: SimContainer): T.Container {
    return {
      id: c.id,
      pod_sandbox_id: c.sandboxId,
      metadata: c.metadata,
      image: { image: c.imageId, annotations: {} },
      image_ref: c.imageId,
      state: c.state,
      created_at: String(c.createdAt),
      labels: c.labels,
      annotations: c.annotations,
    };
  }

  function toStatus(c: SimContainer): T.ContainerStatus {
    const { spec, ref } = imageOf(c);
    const reason = c.state === 'CONTAINER_EXITED' ? (c.exitCode === 0 ? 'Completed' : 'Error') : '';
    return {
      id: c.id,
      metadata: c.metadata,
      state: c.state,
      created_at: String(c.createdAt),
      started_at: String(c.startedAt),
      finished_at: String(c.finishedAt),
      exit_code: c.exitCode,
      image: spec,
      image_ref: ref,
      reason,
      message: '',
      labels: c.labels,
      annotations: c.annotations,
      mounts: [],
      log_path: c.logPath,
    };
  }

  async function execSync(req: T.ExecSyncRequest, call: ServerUnaryCall<object, object>): Promise<T.ExecSyncResponse> {
    const c = container(req.container_id);
    if (c.state !== 'CONTAINER_RUNNING') throw unknown(`container is in ${c.state} state`);
    const result = simulateExec(req.cmd ?? [], { platform, envs: c.envs, files: c.files });
    const timeoutMs = Number(req.timeout ?? 0) * 1000;
    if (result.sleepMs > 0) {
      if (timeoutMs > 0 && result.sleepMs > timeoutMs) {
        await wait(timeoutMs, call);
        throw unknown(`failed to exec in container: timeout ${Number(req.timeout)}s exceeded: context deadline exceeded`);
      }
      await wait(result.sleepMs, call);
    }
    return { stdout: Buffer.from(result.stdout), stderr: Buffer.from(result.stderr), exit_code: result.exitCode };
  }

  /** Waits, ending early (with a rejection) when the call is cancelled or its deadline passes. */
  function wait(ms: number, call: ServerUnaryCall<object, object>): Promise<void> {
    return new Promise((resolve, reject) => {
      const t = later(ms, () => {
        call.off('cancelled', onCancel);
        resolve();
      });
      const onCancel = () => {
        clearTimeout(t);
        pending.delete(t);
        reject(new CriFailure(Status.CANCELLED, 'context canceled'));
      };
      call.once('cancelled', onCancel);
    });
  }

  // The services ----------------------------------------------------------------------------

  const handlers: Record<CriMethodName, (req: never, call: ServerUnaryCall<object, object>) => unknown> = {
    Version: (): T.VersionResponse => ({
      version: '0.1.0',
      runtime_name: SIMULATED_RUNTIME_NAME,
      runtime_version: SIMULATED_RUNTIME_VERSION,
      runtime_api_version: 'v1',
    }),
    RunPodSandbox: (req: T.RunPodSandboxRequest) => runSandbox(req),
    StopPodSandbox: (req: T.PodSandboxIdRequest) => {
      stopSandbox(req.pod_sandbox_id);
      return {};
    },
    RemovePodSandbox: (req: T.PodSandboxIdRequest) => {
      const s = byId(state.sandboxes, req.pod_sandbox_id);
      if (s === undefined) return {}; // containerd 1.6: idempotent
      stopSandbox(s.id);
      for (const c of [...state.containers.values()]) if (c.sandboxId === s.id) removeContainer(c.id);
      state.sandboxes.delete(s.id);
      return {};
    },
    PodSandboxStatus: (req: T.PodSandboxStatusRequest): T.PodSandboxStatusResponse => {
      const s = sandbox(req.pod_sandbox_id);
      const ns = { options: { network: s.network, pid: 'CONTAINER' as const, ipc: 'POD' as const, target_id: '' } };
      return { status: { ...toSandbox(s), network: { ip: s.ip, additional_ips: [] }, linux: { namespaces: ns } }, info: {} };
    },
    ListPodSandbox: (req: T.ListPodSandboxRequest): T.ListPodSandboxResponse => {
      const f = req.filter ?? undefined;
      const items = [...state.sandboxes.values()].filter(
        (s) => (!f?.id || s.id.startsWith(f.id)) && (!f?.state || s.state === f.state.state) && labelsMatch(s.labels, f?.label_selector),
      );
      return { items: items.map(toSandbox) };
    },
    CreateContainer: (req: T.CreateContainerRequest) => createContainer(req),
    StartContainer: (req: T.ContainerIdRequest) => {
      startContainer(req.container_id);
      return {};
    },
    StopContainer: async (req: T.StopContainerRequest) => {
      await stopContainer(req);
      return {};
    },
    RemoveContainer: (req: T.ContainerIdRequest) => {
      removeContainer(req.container_id);
      return {};
    },
    ListContainers: (req: T.ListContainersRequest): T.ListContainersResponse => {
      const f = req.filter ?? undefined;
      const hits = [...state.containers.values()].filter(
        (c) =>
          (!f?.id || c.id.startsWith(f.id)) &&
          (!f?.state || c.state === f.state.state) &&
          (!f?.pod_sandbox_id || c.sandboxId.startsWith(f.pod_sandbox_id)) &&
          labelsMatch(c.labels, f?.label_selector),
      );
      return { containers: hits.map(toContainer) };
    },
    ContainerStatus: (req: T.ContainerStatusRequest): T.ContainerStatusResponse => ({ status: toStatus(container(req.container_id)), info: {} }),
    ExecSync: (req: T.ExecSyncRequest, call) => execSync(req, call),
    ListImages: (req: T.ListImagesRequest): T.ListImagesResponse => {
      const want = req.filter?.image?.image;
      const images = want ? [findImage(want)].filter((i) => i !== undefined) : [...state.images.values()];
      return { images: images.map(toImage) };
    },
    ImageStatus: (req: T.ImageStatusRequest): T.ImageStatusResponse => {
      const image = findImage(req.image?.image ?? '');
      return { image: image ? toImage(image) : null, info: {} };
    },
    PullImage: (req: T.PullImageRequest, call) => pull(req, call),
    RemoveImage: (req: T.RemoveImageRequest) => {
      const image = findImage(req.image?.image ?? '');
      if (image) state.images.delete(image.id); // CRI: removing a missing image succeeds
      return {};
    },
    ImageFsInfo: (): T.ImageFsInfoResponse => {
      const used = [...state.images.values()].reduce((n, i) => n + i.size, 0);
      const mountpoint =
        platform === 'windows'
          ? 'C:\\ProgramData\\simulated-cri\\root\\io.containerd.snapshotter.v1.windows'
          : '/var/lib/simulated-cri/io.containerd.snapshotter.v1.overlayfs';
      return {
        image_filesystems: [
          {
            timestamp: String(nowNs()),
            fs_id: { mountpoint },
            used_bytes: { value: String(used + 4096) },
            inodes_used: { value: String(1 + state.images.size * 1200) },
          },
        ],
      };
    },
  };

  function unary(method: CriMethodName) {
    return (call: ServerUnaryCall<object, object>, callback: sendUnaryData<object>): void => {
      calls.push({ method, request: redact(method, call.request), at: Date.now() });
      const queue = injected.get(method);
      const forced = queue?.[0];
      if (forced) {
        if (--forced.left <= 0) queue.shift();
        callback({ code: forced.code, details: forced.message });
        return;
      }
      Promise.resolve()
        .then(() => (handlers[method] as (req: object, call: ServerUnaryCall<object, object>) => unknown)(call.request, call))
        .then(
          (response) => callback(null, response as object),
          (error: unknown) => {
            const code = error instanceof CriFailure ? error.code : Status.UNKNOWN;
            callback({ code, details: error instanceof Error ? error.message : String(error) });
          },
        );
    };
  }

  const pkg = loadSync(defaultProtoPath(), PROTO_LOADER_OPTIONS);
  const server = new Server();
  for (const service of ['RuntimeService', 'ImageService'] as const) {
    const impl: UntypedServiceImplementation = {};
    for (const method of Object.keys(CRI_SERVICE_OF) as CriMethodName[]) if (CRI_SERVICE_OF[method] === service) impl[method] = unary(method);
    server.addService(pkg[`runtime.v1.${service}`] as ServiceDefinition, impl);
  }
  const endpoint = `unix://${socketPath}`;
  await new Promise<void>((resolve, reject) => server.bindAsync(endpoint, ServerCredentials.createInsecure(), (e) => (e ? reject(e) : resolve())));
  log(`serving CRI runtime.v1 (${platform} profile) on ${endpoint}`);

  return {
    endpoint,
    socketPath,
    state,
    calls,
    injectError(method, grpcStatus, message, times = 1) {
      const queue = injected.get(method) ?? [];
      queue.push({ code: grpcStatus, message, left: times });
      injected.set(method, queue);
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const t of pending) clearTimeout(t);
      pending.clear();
      for (const c of state.containers.values()) for (const done of c.exitWaiters.splice(0)) done();
      server.forceShutdown();
      if (ownDir !== undefined) await rm(ownDir, { recursive: true, force: true });
      else await unlink(socketPath).catch(() => undefined);
      log('stopped');
    },
  };
}
