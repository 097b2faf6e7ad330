// Live effects of the `crrPod` machine (machines/crr), each one adapter call: `criPodContainers`
// reads the pod's newest runtime containers (pod-containers.ts over the CRI client),
// `killContainer` runs the kill path (kill-container.ts) and reports kill.queued (all workers
// busy), kill.started, kill.preStopFinished, then kill.stopped or kill.failed, and
// `writeCrrStatus` hands the machine's status writes to the CRR writer (adapters/kube
// CrrStatusWriter.writeAll). Every effect holds the pod's CRR worker (workers.ts,
// `--crr-workers`) while it talks to the world. Writes wait for the event log (durable.ts), and
// so does the kill, after checking its container meanwhile; the inspection is a read and starts
// at once. All honour the abort signal, read time only from the injected now(), and are safe to
// repeat after a crash: reads read again, writes skip what is already written, and a kill run
// again (its deadlines start afresh with kill.started) is told by the machine what earlier runs
// got done (`kill.progress`, the answer to kill.started): it never runs a hook whose end the log
// holds, runs an interrupted one again within the grace left, finds a stopped container stopped,
// and writes its Events under the names of the kill's identity, so each is written once.
import type { AnyStateMachine } from 'xstate';
import { parseKubeContainerId } from '../../adapters/cri/index.js';
import type { LifecycleHttp } from '../../adapters/http-get/index.js';
import { EVENT_COMPONENTS, eventMessages, type CrrStatusWriter, type KubeLogger } from '../../adapters/kube/index.js';
import { crrPodMachine } from '../../machines/crr/crr-pod.machine.js';
import type {
  CrrPodEvent,
  KillContainerInput,
  KillProgressEvent,
  PodContainersInput,
  PodContainersOutput,
  WriteCrrStatusInput,
  WriteCrrStatusOutput,
} from '../../machines/crr/types.js';
import type { RegisteredMachine } from '../../machines/registry-types.js';
import { errorText } from '../../machines/shared/index.js';
import { callbackEffect, durablePromise, readEffect, type DurabilityBarrier } from '../durable.js';
import { killContainer, type EventSink, type KillCri, type KillOutcome, type KillResume, type KillSpec } from './kill-container.js';
import { readPodContainers, type PodContainersCri } from './pod-containers.js';
import type { PreStopPlatform } from './pre-stop.js';
import type { CrrWorkers } from './workers.js';

export type CrrCri = PodContainersCri & KillCri;

export interface CrrPodEffectsDeps {
  /** The event log (anything with `durable()`). */
  readonly barrier: DurabilityBarrier;
  readonly now: () => number;
  /** The CRI client of the discovered runtime with this name (`containerd`), or undefined when there is none. */
  criFor(runtimeName: string): CrrCri | undefined;
  /** The platform profile's exit-code naming and output shaping. */
  readonly platform: PreStopPlatform;
  /** Events (`Killing`, `FailedPreStopHook`, `LifecycleHTTPFallback`) under component kruise-daemon-crr. */
  readonly events: EventSink;
  /** CRR status writes, under the CRR controller's user agent. */
  readonly writer: Pick<CrrStatusWriter, 'writeAll'>;
  /** `--crr-workers`: the pods whose CRR effects may run at once. */
  readonly workers: CrrWorkers;
  /** httpGet preStop hooks; default the real lifecycle-HTTP adapter. */
  readonly http?: LifecycleHttp;
  readonly logger?: KubeLogger;
}

/** `not found runtime service for <name> in daemon`: upstream's wording (contract §4.3 step 4). */
const noRuntime = (name: string) => new Error(`not found runtime service for ${name} in daemon`);

/** A kill whose body rejects ends as a failed kill the machine handles, carrying the error's text. */
const killFailed = (now: () => number) => (error: unknown) =>
  ({ type: 'kill.failed', at: now(), message: error instanceof Error ? error.message : String(error) }) as const;

/** The pod an effect works for: its CRR worker's key. */
const podKey = (input: { readonly namespace: string; readonly podName: string }): string => `${input.namespace}/${input.podName}`;

/**
 * The CRR's minimal pod and container (contract §4.4) as the kill path's spec; undefined for an
 * unparsable ID. The kill's identity names its Events; an input logged by crrPod version 4 has
 * none, and gets one from what it does have (the CRR by name, the container and its ID).
 */
export function crrKillSpec(input: KillContainerInput, resume?: KillResume): KillSpec | undefined {
  const parsed = parseKubeContainerId(input.container.containerID);
  if (parsed === undefined) return undefined;
  return {
    containerId: parsed.id,
    pod: { namespace: input.namespace, name: input.podName, uid: input.podUid },
    container: { name: input.container.name, preStop: input.container.preStop, ports: input.container.ports },
    gracePeriodSeconds: input.gracePeriodSeconds,
    component: EVENT_COMPONENTS.crr,
    killingMessage: eventMessages.crrKilling(input.container.name, input.crrName),
    identity: input.identity ?? `${input.namespace}/${input.crrName}/${input.container.name}/${input.container.containerID}`,
    ...(resume ? { resume } : {}),
  };
}

/**
 * What earlier runs of this kill did, from the machine's answer to this run's `kill.started`
 * (sent at once, as the machine steps on that event). A first run (the answer names this run's own
 * start) has none; without an answer (a machine older than version 5) the run is taken as a first.
 */
function resumeOf(progress: KillProgressEvent | undefined, startedAt: number): KillResume | undefined {
  if (progress === undefined || (progress.startedAtMs >= startedAt && !progress.preStopFinished)) return undefined;
  return { startedAtMs: Math.min(progress.startedAtMs, startedAt), preStopFinished: progress.preStopFinished };
}

export function crrPodEffects(deps: CrrPodEffectsDeps) {
  const { now, workers } = deps;
  return {
    criPodContainers: readEffect<PodContainersOutput, PodContainersInput>(async (input, signal) => {
      const cri = deps.criFor(input.runtimeName);
      if (!cri) throw noRuntime(input.runtimeName);
      const containers = await workers.run(podKey(input), signal, () =>
        readPodContainers(cri, input.runtimeName, input.podUid, deps.platform.exitCodes, signal),
      );
      return { at: now(), containers };
    }),
    killContainer: callbackEffect<CrrPodEvent, KillContainerInput>(killFailed(now), async (input, sendBack, signal, receive) => {
      const cri = deps.criFor(input.runtimeName);
      const parsed = crrKillSpec(input);
      if (!cri || !parsed) {
        sendBack({
          type: 'kill.failed',
          at: now(),
          message: cri ? `invalid container ID ${JSON.stringify(input.container.containerID)}` : noRuntime(input.runtimeName).message,
        });
        return;
      }
      const lease = await workers.acquire(podKey(input), signal, () => sendBack({ type: 'kill.queued', at: now() }));
      let outcome: KillOutcome;
      try {
        let progress: KillProgressEvent | undefined;
        receive((event) => {
          if (event.type === 'kill.progress') progress = event as KillProgressEvent;
        });
        const startedAt = now();
        sendBack({ type: 'kill.started', at: startedAt });
        const resume = resumeOf(progress, startedAt);
        const spec: KillSpec = resume ? { ...parsed, resume } : parsed;
        const kill = {
          cri,
          events: deps.events,
          platform: deps.platform,
          now,
          mayAct: () => deps.barrier.durable(),
          ...(deps.http ? { http: deps.http } : {}),
          ...(deps.logger ? { logger: deps.logger } : {}),
        };
        outcome = await killContainer(kill, spec, signal, {
          preStopFinished: (error) => sendBack({ type: 'kill.preStopFinished', at: now(), ...(error !== undefined ? { error } : {}) }),
        });
      } catch (error) {
        // Only an abort is expected here; anything else must still end the machine's kill state.
        if (signal.aborted) return;
        outcome = { kind: 'failed', message: errorText(error) };
      } finally {
        lease.release();
      }
      if (outcome.kind === 'failed') sendBack({ type: 'kill.failed', at: now(), message: outcome.message });
      else sendBack({ type: 'kill.stopped', at: now() });
    }),
    writeCrrStatus: durablePromise<WriteCrrStatusOutput, WriteCrrStatusInput>(deps.barrier, async (input, signal) => {
      const results = await workers.run(podKey(input), signal, () => deps.writer.writeAll(input.namespace, input.writes, signal));
      return { at: now(), results };
    }),
  };
}

/** The host's `bind` for the CRR feature: live effects for `crrPod`, other machines as they are. */
export function bindCrrPod(deps: CrrPodEffectsDeps) {
  const actors = crrPodEffects(deps);
  return (entry: RegisteredMachine): AnyStateMachine => (entry.id === crrPodMachine.id ? entry.machine.provide({ actors } as never) : entry.machine);
}
