// Pure drivers for the containerMetaPod machine: no live actor, no effect runs. Effect results are
// fed as the `xstate.done.actor.<id>` / `xstate.error.actor.<id>` events XState would make, and
// timers as `xstate.after.<delay>.<stateId>` events. Plus builders for pod views and runtime reads.
import { initialTransition, transition, type EventObject } from 'xstate';
import { containerMetaPodMachine } from '../../../machines/container-meta/container-meta-pod.machine.js';
import { envFromMetadata, type EnvVarSpec } from '../../../machines/container-meta/env-hash.js';
import type {
  ContainerMetaPodInput,
  MetaPodView,
  PatchMetaOutput,
  ReadPodRuntimeInput,
  ReadPodRuntimeOutput,
  RestartContainersInput,
  RestartContainersOutput,
  RuntimeContainerView,
} from '../../../machines/container-meta/types.js';

export type Snapshot = ReturnType<typeof containerMetaPodMachine.transition>;
export type Action = ReturnType<typeof transition>[1][number];

export const T0 = Date.UTC(2026, 2, 1);
export const fieldRef = (name: string, fieldPath: string): EnvVarSpec => ({ name, valueFrom: { fieldRef: { fieldPath } } });
export const cid = (id: string) => `containerd://${id}`;

export function inputOf(overrides: Partial<ContainerMetaPodInput> = {}): ContainerMetaPodInput {
  return { namespace: 'default', name: 'web-0', runtimeNames: ['containerd'], envFromMetadata: true, ...overrides };
}

export interface PodSpecOptions {
  uid?: string;
  resourceVersion?: string;
  deleting?: boolean;
  /** Per container name, its env spec (default: main reads label `version`). */
  containers?: Record<string, EnvVarSpec[]>;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  /** Per container name, its status container ID ('' for none); default every container `<name>-1`. */
  ids?: Record<string, string>;
  ready?: string | null;
  meta?: string | null;
}

/** A pod view: one container `main` reading label `version` unless told otherwise. */
export function podView(o: PodSpecOptions = {}): MetaPodView {
  const containers = o.containers ?? { main: [fieldRef('VERSION', "metadata.labels['version']")] };
  const names = Object.keys(containers);
  return {
    uid: o.uid ?? 'uid-1',
    resourceVersion: o.resourceVersion ?? '10',
    deleting: o.deleting ?? false,
    containers: names.map((name) => ({ name, env: envFromMetadata(containers[name]) })),
    labels: o.labels ?? { version: 'v1' },
    annotations: o.annotations ?? {},
    statuses: [...names].sort().map((name) => ({ name, containerID: o.ids?.[name] ?? cid(`${name}-1`) })),
    inPlaceUpdateReady: o.ready === undefined ? 'True' : o.ready,
    meta: o.meta ?? null,
  };
}

export function runtimeOf(
  name: string,
  id: string,
  overrides: Partial<RuntimeContainerView> & { values?: Record<string, string | null> } = {},
): RuntimeContainerView {
  const { values, ...rest } = overrides;
  return {
    name,
    containerID: cid(id),
    state: 'running',
    restartCount: 0,
    plainHash: '3405691582',
    env: values === undefined ? null : { source: 'runtime-spec', values: Object.entries(values).map(([n, value]) => ({ name: n, value })) },
    ...rest,
  };
}

export const ev = {
  observed: (pod: MetaPodView, at = T0) => ({ type: 'k8s.podObserved', at, pod }) as const,
  read: (containers: RuntimeContainerView[], at = T0) =>
    ({
      type: 'xstate.done.actor.readPodRuntime',
      output: { at, containers } satisfies ReadPodRuntimeOutput,
    }) as EventObject,
  readError: (error: unknown) => ({ type: 'xstate.error.actor.readPodRuntime', error }) as EventObject,
  patched: (resourceVersion: string | null, at = T0) =>
    ({
      type: 'xstate.done.actor.patchMeta',
      output: { at, resourceVersion } satisfies PatchMetaOutput,
    }) as EventObject,
  patchError: (error: unknown) => ({ type: 'xstate.error.actor.patchMeta', error }) as EventObject,
  restarted: (results: RestartContainersOutput['results'], at = T0) =>
    ({ type: 'xstate.done.actor.restartContainers', output: { at, results } }) as EventObject,
  hashRetry: () => ({ type: 'xstate.after.hashRetry.containerMetaPod.resting.retryingHash' }) as EventObject,
  newContainerWait: () => ({ type: 'xstate.after.newContainerWait.containerMetaPod.resting.awaitingNewContainer' }) as EventObject,
  backoffOver: () => ({ type: 'xstate.after.retryBackoff.containerMetaPod.backingOff' }) as EventObject,
};

/** Folds events over the machine, keeping every step's snapshot and actions. */
export class Run {
  snapshot: Snapshot;
  actions: Action[];
  readonly history: Array<{ snapshot: Snapshot; actions: Action[] }> = [];

  constructor(input: ContainerMetaPodInput = inputOf()) {
    [this.snapshot, this.actions] = initialTransition(containerMetaPodMachine, input);
    this.history.push({ snapshot: this.snapshot, actions: this.actions });
  }

  send(...events: EventObject[]): this {
    for (const event of events) {
      [this.snapshot, this.actions] = transition(containerMetaPodMachine, this.snapshot, event as never);
      this.history.push({ snapshot: this.snapshot, actions: this.actions });
    }
    return this;
  }

  /** The state as a dotted path, e.g. `resting.watching`. */
  get state(): string {
    const walk = (value: unknown): string => (typeof value === 'string' ? value : Object.entries(value as object).map(([k, v]) => `${k}.${walk(v)}`)[0]!);
    return walk(this.snapshot.value);
  }

  get context() {
    return this.snapshot.context;
  }

  private spawned(id: string): unknown[] {
    return this.history.flatMap((h) =>
      h.actions
        .filter((a) => a.type === 'xstate.spawnChild' && (paramsOf(a) as { id: string }).id === id)
        .map((a) => (paramsOf(a) as { input: unknown }).input),
    );
  }

  reads(): ReadPodRuntimeInput[] {
    return this.spawned('readPodRuntime') as ReadPodRuntimeInput[];
  }

  patches(): string[] {
    return (this.spawned('patchMeta') as Array<{ value: string }>).map((p) => p.value);
  }

  restarts(): RestartContainersInput[] {
    return this.spawned('restartContainers') as RestartContainersInput[];
  }

  emitted(): Array<{ type: string; [k: string]: unknown }> {
    return this.history.flatMap((h) =>
      h.actions.filter((a) => a.type === 'xstate.emit').map((a) => (paramsOf(a) as { event: { type: string; [k: string]: unknown } }).event),
    );
  }

  /** Delays scheduled so far for one named delay, in ms, in order. */
  delays(name: string): number[] {
    return this.history.flatMap((h) =>
      h.actions
        .filter((a) => a.type === 'xstate.raise' && (paramsOf(a) as { id?: string }).id?.startsWith(`xstate.after.${name}.`))
        .map((a) => (paramsOf(a) as { delay: number }).delay),
    );
  }
}

function paramsOf(action: Action): unknown {
  return (action as unknown as { params: unknown }).params;
}
