// One pod's life on the real runtime, kubelet style: sandbox, containers (restarted per
// restartPolicy as NEW containers with attempt = restartCount + 1; kubelet's GC keeps one dead
// container per name), status, and graceful termination. `sync()` is called repeatedly (poll +
// informer events, never concurrently for one pod) and converges one step each time.
import { CriError, type CriClient } from '../../../adapters/cri/index.js';
import { containerConfig, sandboxConfig, withApiDefaults } from './container-config.js';
import { ensureImage, killContainer } from './handlers.js';
import { newLiveness, probeLiveness } from './liveness.js';
import { containerMounts, linuxConfig, serviceEnv, type NodeEnvironment } from './node-environment.js';
import { containerStatusJson, podConditions, podPhase, terminatedFrom } from './pod-status.js';
import { crashLoopBackOff, newSlot, readiness, viewOf, type Slot } from './slot.js';
import type { ConditionJson, ContainerJson, PodJson, PodPhase, PodStatusJson } from './types.js';

export interface WorkerDeps {
  readonly cri: CriClient;
  readonly runtimeName: string;
  readonly podNetwork: 'host' | 'bridge';
  readonly hostIP: string;
  readonly restartBackoffMs: number;
  readonly signal: AbortSignal;
  /** Every sandbox any worker created; `stop()` removes what is left. */
  readonly sandboxes: Set<string>;
  /** Volumes, service account, limits and probes' observer (node-environment.ts). */
  readonly node: NodeEnvironment;
  patchStatus(pod: PodJson, status: PodStatusJson): Promise<void>;
  /** DELETE with gracePeriodSeconds 0 and a UID precondition; a 404 is fine. */
  deletePod(pod: PodJson): Promise<void>;
}

const iso = (ms = Date.now()): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const errText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

export class PodWorker {
  pod: PodJson;
  /** The pod is no longer on the API server (deleted, or replaced by a new UID). */
  gone = false;
  /** Everything on the runtime is cleaned up; nothing more to do. */
  finished = false;
  sandboxId: string | undefined;
  private podIP = '';
  private readonly slots = new Map<string, Slot>();
  private terminalPhase: PodPhase | undefined;
  private killed = false;
  private lastWritten = '';
  private conditions: ConditionJson[] | undefined;
  private readonly startTime = iso();

  constructor(
    pod: PodJson,
    private readonly deps: WorkerDeps,
  ) {
    this.pod = withApiDefaults(pod);
  }

  update(pod: PodJson): void {
    this.pod = withApiDefaults(pod);
  }

  async sync(): Promise<void> {
    if (this.finished) return;
    if (this.gone) {
      return this.removeSandbox().then(() => {
        this.finished = true;
      });
    }
    if (this.pod.metadata.deletionTimestamp !== undefined) return this.terminate();
    const { cri, signal } = this.deps;
    if (this.sandboxId === undefined && this.terminalPhase === undefined) {
      const config = sandboxConfig(this.pod, this.deps.podNetwork);
      this.sandboxId = (await cri.runPodSandbox(signal, { config })).pod_sandbox_id;
      this.deps.sandboxes.add(this.sandboxId);
      const status = (await cri.podSandboxStatus(signal, { pod_sandbox_id: this.sandboxId })).status;
      this.podIP = this.deps.podNetwork === 'host' ? this.deps.hostIP : (status?.network?.ip ?? '');
    }
    for (const c of this.pod.spec.containers) await this.syncContainer(c, this.slot(c.name));
    const phase = await this.writeStatus(false);
    if ((phase === 'Succeeded' || phase === 'Failed') && this.terminalPhase === undefined) {
      this.terminalPhase = phase; // sticky; kubelet then stops the pod's sandbox but keeps its containers
      if (this.sandboxId !== undefined) await cri.stopPodSandbox(signal, { pod_sandbox_id: this.sandboxId }).catch(() => undefined);
      await this.writeStatus(true);
    }
  }

  private slot(name: string): Slot {
    let slot = this.slots.get(name);
    if (!slot) {
      slot = newSlot();
      this.slots.set(name, slot);
    }
    return slot;
  }

  /** Reads the newest container's CRI status; one removed behind our back is forgotten and counts as a restart. */
  private async refresh(slot: Slot): Promise<void> {
    if (slot.id === undefined) return;
    try {
      slot.cri = (await this.deps.cri.containerStatus(this.deps.signal, { container_id: slot.id })).status ?? undefined;
    } catch (e) {
      if (!(e instanceof CriError && e.type === 'cri.notFound')) throw e;
      Object.assign(slot, { id: undefined, cri: undefined, restartCount: slot.restartCount + 1 });
    }
  }

  private async syncContainer(c: ContainerJson, slot: Slot): Promise<void> {
    await this.refresh(slot);
    if (this.terminalPhase !== undefined) {
      slot.waiting = undefined;
      return;
    }
    const now = Date.now();
    const state = slot.cri?.state;
    if (state === 'CONTAINER_RUNNING') {
      slot.waiting = undefined;
      if (slot.liveness?.failed) {
        // kubelet: "Container failed liveness probe, will be restarted"
        const grace = c.livenessProbe?.terminationGracePeriodSeconds ?? this.pod.spec.terminationGracePeriodSeconds ?? 30;
        slot.liveness = undefined;
        await killContainer(this.deps.cri, this.deps.signal, slot.id!, c, grace, this.deps.hostIP);
        return this.refresh(slot);
      }
      if (slot.liveness)
        probeLiveness(slot.liveness, { cri: this.deps.cri, pod: this.pod, c, containerId: slot.id!, podIP: this.podIP, node: this.deps.node, now });
      slot.ready = await readiness(this.deps.cri, this.deps.signal, slot, c, now);
      return;
    }
    slot.ready = false;
    if (state === 'CONTAINER_EXITED') {
      const policy = this.pod.spec.restartPolicy;
      if (policy === 'Never' || (policy === 'OnFailure' && slot.cri!.exit_code === 0)) {
        slot.waiting = undefined;
        return;
      }
      if (slot.retryAt === 0) slot.retryAt = now + this.deps.restartBackoffMs;
      if (now < slot.retryAt) {
        slot.waiting = crashLoopBackOff(this.pod, c, this.deps.restartBackoffMs);
        return;
      }
    } else if (now < slot.retryAt) return;
    if (state === 'CONTAINER_CREATED') return this.start(slot);
    await this.create(c, slot);
  }

  private async create(c: ContainerJson, slot: Slot): Promise<void> {
    const { cri, signal } = this.deps;
    const attempt = slot.id === undefined ? slot.restartCount : slot.restartCount + 1;
    try {
      await ensureImage(cri, signal, c);
    } catch (e) {
      slot.waiting = { reason: 'ErrImagePull', message: errText(e) };
      slot.retryAt = Date.now() + this.deps.restartBackoffMs;
      return;
    }
    let id: string;
    let node: Parameters<typeof containerConfig>[4];
    try {
      node = {
        mounts: await containerMounts(this.pod, c, this.deps.node),
        env: serviceEnv(this.deps.node),
        linux: linuxConfig(this.pod, c, this.deps.podNetwork),
      };
    } catch (e) {
      slot.waiting = { reason: 'CreateContainerConfigError', message: errText(e) };
      slot.retryAt = Date.now() + this.deps.restartBackoffMs;
      return;
    }
    try {
      const ips = { hostIP: this.deps.hostIP, podIP: this.podIP };
      const config = containerConfig(this.pod, c, attempt, ips, node);
      id = (await cri.createContainer(signal, { pod_sandbox_id: this.sandboxId!, config, sandbox_config: sandboxConfig(this.pod, this.deps.podNetwork) }))
        .container_id;
    } catch (e) {
      slot.waiting = { reason: 'CreateContainerError', message: errText(e) };
      slot.retryAt = Date.now() + this.deps.restartBackoffMs;
      return;
    }
    if (slot.id !== undefined) {
      if (slot.cri?.state === 'CONTAINER_EXITED') slot.lastTerminated = terminatedFrom(slot.cri, this.deps.runtimeName);
      if (slot.previousId !== undefined) await cri.removeContainer(signal, { container_id: slot.previousId }).catch(() => undefined);
      slot.previousId = slot.id;
    }
    Object.assign(slot, { id, restartCount: attempt, cri: undefined, probeStreak: 0 });
    slot.nextProbeAt = Date.now() + (c.readinessProbe?.initialDelaySeconds ?? 0) * 1000;
    slot.liveness = newLiveness(c.livenessProbe, Date.now());
    await this.start(slot);
  }

  private async start(slot: Slot): Promise<void> {
    try {
      await this.deps.cri.startContainer(this.deps.signal, { container_id: slot.id! });
      slot.waiting = undefined;
      slot.retryAt = 0;
    } catch (e) {
      slot.waiting = { reason: 'RunContainerError', message: errText(e) };
      slot.retryAt = Date.now() + this.deps.restartBackoffMs;
    }
    await this.refresh(slot);
  }

  private views() {
    return this.pod.spec.containers.map((c) => viewOf(this.slot(c.name), c, this.deps.runtimeName));
  }

  /** Computes the status, PATCHes it when it changed, and returns the phase. */
  private async writeStatus(podIsTerminal: boolean): Promise<PodPhase> {
    const statuses = this.views().map((v) => containerStatusJson(v, this.deps.runtimeName));
    const names = this.pod.spec.containers.map((c) => c.name);
    const phase = this.terminalPhase ?? podPhase(this.pod.spec.restartPolicy ?? 'Always', names, statuses, podIsTerminal);
    const previous = { ...this.pod, status: { ...this.pod.status, conditions: this.mergedConditions() } };
    const conditions = podConditions(previous, statuses, phase, this.sandboxId !== undefined && !podIsTerminal, iso());
    const ips = this.podIP ? { podIP: this.podIP, podIPs: [{ ip: this.podIP }] } : {};
    const status: PodStatusJson = {
      phase,
      conditions,
      hostIP: this.deps.hostIP,
      hostIPs: [{ ip: this.deps.hostIP }],
      ...ips,
      startTime: this.startTime,
      containerStatuses: statuses,
    };
    const text = JSON.stringify(status);
    if (text !== this.lastWritten) {
      await this.deps.patchStatus(this.pod, status);
      this.lastWritten = text;
      this.conditions = conditions;
    }
    return phase;
  }

  /** Our own last conditions win over a possibly stale informer copy; other writers' conditions are kept. */
  private mergedConditions(): ConditionJson[] {
    const mine = this.conditions ?? [];
    return [...(this.pod.status?.conditions ?? []).filter((c) => !mine.some((m) => m.type === c.type)), ...mine];
  }

  private async terminate(): Promise<void> {
    if (!this.killed) await this.kill();
    await this.deps.deletePod(this.pod);
    this.finished = true;
  }

  /** Graceful stop of every running container, the final status, then the sandbox goes. */
  private async kill(): Promise<void> {
    const grace = this.pod.metadata.deletionGracePeriodSeconds ?? this.pod.spec.terminationGracePeriodSeconds ?? 30;
    await Promise.all(
      this.pod.spec.containers.map(async (c) => {
        const slot = this.slot(c.name);
        await this.refresh(slot);
        if (slot.cri?.state !== 'CONTAINER_RUNNING') return;
        await killContainer(this.deps.cri, this.deps.signal, slot.id!, c, grace, this.deps.hostIP);
        await this.refresh(slot);
      }),
    );
    for (const slot of this.slots.values()) Object.assign(slot, { waiting: undefined, ready: false });
    this.terminalPhase ??= podPhase(
      this.pod.spec.restartPolicy ?? 'Always',
      this.pod.spec.containers.map((c) => c.name),
      this.views().map((v) => containerStatusJson(v, this.deps.runtimeName)),
      true,
    );
    await this.writeStatus(true).catch(() => undefined);
    await this.removeSandbox();
    this.killed = true;
  }

  private async removeSandbox(): Promise<void> {
    const id = this.sandboxId;
    if (id === undefined) return;
    await this.deps.cri.stopPodSandbox(this.deps.signal, { pod_sandbox_id: id }, { timeoutMs: 30_000 }).catch(() => undefined);
    await this.deps.cri.removePodSandbox(this.deps.signal, { pod_sandbox_id: id }, { timeoutMs: 30_000 });
    this.deps.sandboxes.delete(id);
    this.sandboxId = undefined;
  }
}
