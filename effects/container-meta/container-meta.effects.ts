// Live effects of the `containerMetaPod` machine (machines/container-meta), each one adapter call:
// `readPodRuntime` reads the pod's runtime containers and the env values the hash needs
// (read-pod-runtime.ts over the CRI client; a read, so it starts at once), `patchMeta` writes the
// annotation (adapters/kube PodAnnotationWriter; waits for the event log first), and
// `restartContainers` stops stale containers through the shared kill path (restart-containers.ts;
// its reads start at once, its kills wait for the event log). All honour the abort signal, read
// time only from the injected now(), and are safe to repeat after a crash: reads read again, the
// patch writes the same value, and a kill finds its container already stopped.
import type { AnyStateMachine } from 'xstate';
import type { LifecycleHttp } from '../../adapters/http-get/index.js';
import type { KubeLogger, PodAnnotationWriter } from '../../adapters/kube/index.js';
import { containerMetaPodMachine } from '../../machines/container-meta/container-meta-pod.machine.js';
import {
  type PatchMetaInput,
  type PatchMetaOutput,
  type ReadPodRuntimeInput,
  type ReadPodRuntimeOutput,
  type RestartContainersInput,
  type RestartContainersOutput,
  RUNTIME_CONTAINERS_META_ANNOTATION,
} from '../../machines/container-meta/types.js';
import type { RegisteredMachine } from '../../machines/registry-types.js';
import { durablePromise, readEffect, type DurabilityBarrier } from '../durable.js';
import type { EventSink } from '../crr/kill-container.js';
import type { PreStopPlatform } from '../crr/pre-stop.js';
import { readPodRuntime, type ReadRuntimeCri, type ReadRuntimePlatform } from './read-pod-runtime.js';
import { restartContainers, type RestartCri } from './restart-containers.js';

export type ContainerMetaCri = ReadRuntimeCri & RestartCri;

export interface ContainerMetaEffectsDeps {
  /** The event log (anything with `durable()`). */
  readonly barrier: DurabilityBarrier;
  readonly now: () => number;
  /** The CRI client of the discovered runtime with this name (`containerd`), or undefined when there is none. */
  criFor(runtimeName: string): ContainerMetaCri | undefined;
  /** The platform profile: env commands and name case (the exec fallback), exit-code naming and output shaping (preStop). */
  readonly platform: ReadRuntimePlatform & PreStopPlatform;
  /** Events (`Killing`, `FailedPreStopHook`, `LifecycleHTTPFallback`) under component kruise-daemon-containermeta. */
  readonly events: EventSink;
  readonly writer: Pick<PodAnnotationWriter, 'set'>;
  /** httpGet preStop hooks; default the real lifecycle-HTTP adapter. */
  readonly http?: LifecycleHttp;
  readonly logger?: KubeLogger;
}

/** `not found runtime service for <name> in daemon`: upstream's wording. */
const noRuntime = (name: string) => new Error(`not found runtime service for ${name} in daemon`);

export function containerMetaEffects(deps: ContainerMetaEffectsDeps) {
  const { now } = deps;
  return {
    readPodRuntime: readEffect<ReadPodRuntimeOutput, ReadPodRuntimeInput>(async (input, signal) => {
      const cri = deps.criFor(input.runtimeName);
      if (!cri) throw noRuntime(input.runtimeName);
      const containers = await readPodRuntime(cri, input, deps.platform, signal);
      return { at: now(), containers };
    }),
    patchMeta: durablePromise<PatchMetaOutput, PatchMetaInput>(deps.barrier, async (input, signal) => {
      const resourceVersion = await deps.writer.set(input.namespace, input.name, RUNTIME_CONTAINERS_META_ANNOTATION, input.value, signal);
      return { at: now(), resourceVersion };
    }),
    restartContainers: readEffect<RestartContainersOutput, RestartContainersInput>(async (input, signal) => {
      const results = await restartContainers(
        {
          criFor: deps.criFor,
          events: deps.events,
          platform: deps.platform,
          now,
          mayAct: () => deps.barrier.durable(),
          ...(deps.http ? { http: deps.http } : {}),
          ...(deps.logger ? { logger: deps.logger } : {}),
        },
        input,
        signal,
      );
      return { at: now(), results };
    }),
  };
}

/** The host's `bind` for the container-meta feature: live effects for `containerMetaPod`, other machines as they are. */
export function bindContainerMeta(deps: ContainerMetaEffectsDeps) {
  const actors = containerMetaEffects(deps);
  return (entry: RegisteredMachine): AnyStateMachine => (entry.id === containerMetaPodMachine.id ? entry.machine.provide({ actors } as never) : entry.machine);
}
