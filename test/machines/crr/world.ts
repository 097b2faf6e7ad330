// A small simulated world around one crrPod actor: the API server's CRRs (with resourceVersions),
// the runtime's containers of one pod, a kubelet that restarts exited containers on request, and
// a manager that publishes snapshots. The machine's three effects are provided against it, and
// time is a SimulatedClock, so every test is deterministic. Observations are delivered only when
// a test says so, as the glue would after an informer change.
import { createActor, fromCallback, fromPromise, type Actor } from 'xstate';
import { SimulatedClock } from '../../../engine/clock.js';
import { crrPodMachine, type CrrPodContext } from '../../../machines/crr/crr-pod.machine.js';
import type {
  CrrPodEvent,
  CrrPodInput,
  CrrStatusWrite,
  CrrView,
  KillContainerInput,
  KillProgressEvent,
  PodContainersInput,
  PodContainersOutput,
  PodView,
  RuntimeContainer,
  WriteCrrStatusInput,
  WriteCrrStatusOutput,
} from '../../../machines/crr/types.js';
import { T0, pod as podView } from './fixtures.js';

export const INPUT: CrrPodInput = { namespace: 'default', podName: 'web-0', runtimeNames: ['containerd'] };

/** What a kill does in this world: stop (the container exits), fail with a message, or wait for the test. */
export type KillBehaviour = { kind: 'stop' } | { kind: 'fail'; message: string } | { kind: 'hold' };

export interface HeldKill {
  readonly input: KillContainerInput;
  readonly sendBack: (event: CrrPodEvent) => void;
}

export class World {
  readonly clock = new SimulatedClock(T0);
  readonly crrs = new Map<string, CrrView & { message?: string; completionTime?: string }>();
  readonly runtime = new Map<string, RuntimeContainer>();
  pod: PodView | null = podView();
  private rv = 100;
  private idCounter = new Map<string, number>();
  /** Every writeCrrStatus call, in order. */
  readonly writeCalls: CrrStatusWrite[][] = [];
  readonly inspections: PodContainersInput[] = [];
  readonly killCalls: KillContainerInput[] = [];
  /** Containers really stopped (a kill of an already exited container stops nothing). */
  readonly stopped: string[] = [];
  readonly held: HeldKill[] = [];
  /** Every `kill.progress` the machine answered a `kill.started` with, in order. */
  readonly progress: KillProgressEvent[] = [];
  /** The actor's context and state after every step (startActor subscribes). */
  readonly history: Array<{ readonly context: CrrPodContext; readonly state: string }> = [];
  /** Every state value the actor rested in (startActor subscribes). */
  readonly statesSeen = new Set<string>();
  killBehaviour: (input: KillContainerInput) => KillBehaviour = () => ({ kind: 'stop' });
  /** Each entry makes one call of that effect throw. */
  failNextWrites = 0;
  failNextInspections = 0;
  /** While true, writes wait (in `heldWrites`) until `releaseWrites()`; the call is recorded at once. */
  holdWrites = false;
  private readonly heldWrites: (() => void)[] = [];

  nextRv(): string {
    return String(++this.rv);
  }

  addCrr(view: CrrView): void {
    this.crrs.set(view.name, { ...view, resourceVersion: this.nextRv() });
  }

  /** A running container of `name`, its ID `containerd://<name>-<n>`. */
  startContainer(name: string, restartCount = 0): RuntimeContainer {
    const n = (this.idCounter.get(name) ?? 0) + 1;
    this.idCounter.set(name, n);
    const now = this.clock.now();
    const container: RuntimeContainer = {
      name,
      containerID: `containerd://${name}-${n}`,
      state: 'running',
      restartCount,
      createdAtMs: now,
      startedAtMs: now,
      exit: null,
    };
    this.runtime.set(name, container);
    return container;
  }

  /** The kubelet: starts exited containers again, as the restart policy allows. */
  kubeletRestarts(): string[] {
    const restarted: string[] = [];
    for (const c of this.runtime.values()) {
      if (c.state !== 'exited') continue;
      const policy = this.pod?.restartPolicy ?? 'Always';
      if (policy === 'Never' || (policy === 'OnFailure' && c.exit?.code === 0)) continue;
      restarted.push(this.startContainer(c.name, c.restartCount + 1).containerID);
    }
    return restarted;
  }

  /** The manager: publishes the snapshot of the CRR's running containers (ready as given). */
  publishSnapshot(crrName: string, ready = true): void {
    const crr = this.crrs.get(crrName)!;
    const snapshot = crr.containers.flatMap((spec) => {
      const c = this.runtime.get(spec.name);
      return c && c.state === 'running' && c.startedAtMs >= crr.createdAtMs
        ? [{ name: c.name, ready, restartCount: c.restartCount, containerID: c.containerID }]
        : [];
    });
    this.crrs.set(crrName, { ...crr, snapshot, resourceVersion: this.nextRv() });
  }

  /** The glue's observation: the active CRRs (not completed, not deleting) and the pod, now. */
  observation(): Extract<CrrPodEvent, { type: 'k8s.crrsObserved' }> {
    const crrs = [...this.crrs.values()].filter((c) => !c.completed && !c.deleting).map(({ message: _m, completionTime: _c, ...view }) => view);
    return { type: 'k8s.crrsObserved', at: this.clock.now(), crrs, pod: this.pod };
  }

  private write(input: WriteCrrStatusInput): WriteCrrStatusOutput {
    if (this.failNextWrites > 0) {
      this.failNextWrites--;
      throw new Error('the server is unavailable');
    }
    const results = input.writes.map((w) => {
      const crr = this.crrs.get(w.name);
      if (crr === undefined) return { name: w.name, resourceVersion: null };
      const resourceVersion = this.nextRv();
      if (w.kind === 'phase') this.crrs.set(w.name, { ...crr, phase: w.phase, resourceVersion });
      else if (w.kind === 'states') this.crrs.set(w.name, { ...crr, states: w.states, resourceVersion });
      else this.crrs.set(w.name, { ...crr, phase: 'Completed', completed: true, message: w.message, completionTime: w.completionTime, resourceVersion });
      return { name: w.name, resourceVersion };
    });
    return { at: this.clock.now(), results };
  }

  private inspect(input: PodContainersInput): PodContainersOutput {
    this.inspections.push(input);
    if (this.failNextInspections > 0) {
      this.failNextInspections--;
      throw new Error('rpc error: code = Unavailable desc = connection refused');
    }
    return { at: this.clock.now(), containers: [...this.runtime.values()] };
  }

  /** Ends a kill: the container exits (unless it already had) and the kill reports stopped. */
  finishKill(input: KillContainerInput, sendBack: (event: CrrPodEvent) => void): void {
    const target = [...this.runtime.values()].find((c) => c.containerID === input.container.containerID);
    if (target !== undefined && target.state === 'running') {
      this.stopped.push(target.containerID);
      this.runtime.set(target.name, { ...target, state: 'exited', exit: { code: 143, text: 'exit code 143 (128+15: killed by SIGTERM)' } });
    }
    sendBack({ type: 'kill.preStopFinished', at: this.clock.now() });
    sendBack({ type: 'kill.stopped', at: this.clock.now() });
  }

  /** The crrPod machine with its timing (backoff bounds, CRI deadline) from `timing`. */
  input: CrrPodInput = INPUT;

  /** The machine with this world's effects bound, as effects/crr would bind the real ones. */
  machine() {
    return crrPodMachine.provide({
      actors: {
        writeCrrStatus: fromPromise<WriteCrrStatusOutput, WriteCrrStatusInput>(async ({ input }) => {
          this.writeCalls.push([...input.writes]);
          if (this.holdWrites) await new Promise<void>((resolve) => this.heldWrites.push(resolve));
          return this.write(input);
        }),
        criPodContainers: fromPromise<PodContainersOutput, PodContainersInput>(async ({ input }) => this.inspect(input)),
        killContainer: fromCallback<KillProgressEvent, KillContainerInput>(({ input, sendBack, receive }) => {
          this.killCalls.push(input);
          receive((event) => this.progress.push(event));
          const behaviour = this.killBehaviour(input);
          queueMicrotask(() => {
            sendBack({ type: 'kill.started', at: this.clock.now() });
            if (behaviour.kind === 'hold') this.held.push({ input, sendBack });
            else if (behaviour.kind === 'stop') this.finishKill(input, sendBack);
            else {
              sendBack({ type: 'kill.preStopFinished', at: this.clock.now() });
              sendBack({ type: 'kill.failed', at: this.clock.now(), message: behaviour.message });
            }
          });
        }),
      },
    });
  }

  /** Lets every held write go on (and later ones run at once). */
  releaseWrites(): void {
    this.holdWrites = false;
    for (const resolve of this.heldWrites.splice(0)) resolve();
  }

  /** Writes of one kind to one CRR, in order. */
  writesTo(name: string, kind?: CrrStatusWrite['kind']): CrrStatusWrite[] {
    return this.writeCalls.flat().filter((w) => w.name === name && (kind === undefined || w.kind === kind));
  }
}

/** Lets promise effects and queued callbacks run (the simulated clock does not move). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** A live crrPod actor in `world`, started with the world's first observation. */
export async function startActor(world: World): Promise<Actor<ReturnType<World['machine']>>> {
  const actor = createActor(world.machine(), { input: world.input, clock: world.clock });
  actor.subscribe((snapshot) => {
    world.history.push({ context: snapshot.context, state: leafStates(snapshot.value as StateValue).join('|') });
    for (const leaf of leafStates(actor.getSnapshot().value as StateValue)) world.statesSeen.add(leaf);
  });
  actor.start();
  actor.send(world.observation());
  await settle();
  return actor;
}

/** Delivers the current observation and lets the actor act on it. */
export async function observe(world: World, actor: Actor<ReturnType<World['machine']>>): Promise<void> {
  actor.send(world.observation());
  await settle();
}

/** Moves simulated time and lets whatever it triggered run. */
export async function advance(world: World, ms: number): Promise<void> {
  world.clock.advance(ms);
  await settle();
}

/**
 * The phases one container went through, repeats folded: its record's phase, or the kill's stage
 * (the chart's `killing.preStop` / `killing.stopping`) while it is the container being killed.
 */
export function recordPhases(world: World, container: string): string[] {
  const phases = world.history
    .map(({ context, state }) => {
      const stage = /^killing\.(\w+)$/.exec(state)?.[1];
      if (stage !== undefined && context.kill?.input.container.name === container) return stage;
      return context.containers.find((r) => r.name === container)?.phase;
    })
    .filter((p) => p !== undefined);
  return phases.filter((p, i) => p !== phases[i - 1]);
}

/** The state value as a dotted path (`observing.idle`, `killing.preStop`, `done`). */
export function stateOf(actor: Actor<ReturnType<World['machine']>>): string {
  return leafStates(actor.getSnapshot().value as StateValue).join('|');
}

type StateValue = string | { readonly [key: string]: StateValue };

/** Every active leaf state as a dotted path, sorted (a parallel state has several). */
export function leafStates(value: StateValue, prefix = ''): string[] {
  if (typeof value === 'string') return [`${prefix}${value}`];
  return Object.entries(value)
    .flatMap(([key, child]) => leafStates(child, `${prefix}${key}.`))
    .sort();
}
