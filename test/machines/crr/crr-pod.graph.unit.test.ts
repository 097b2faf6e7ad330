// A walk over crrPod's graph, as imageTag's graph test, but through XState's microsteps so the
// decision steps (`deciding`, `evaluating`, `resumingWalk`), which rest nowhere and route by the
// pass events they raise, are walked too. From the initial state, every event a crrPod can receive
// (observations of CRRs in every situation the pass tells apart, effect results and failures,
// kill reports, every timer) is applied to every snapshot reached, keyed by state and a digest of
// what the pass reads. Proven: every state of the chart is entered on some path, and from every
// snapshot reached the final `done` can still be reached (no dead end, no trap).
import { beforeAll, describe, expect, it } from 'vitest';
import { getInitialMicrosteps, getMicrosteps, type AnyMachineSnapshot, type AnyStateNode, type EventObject } from 'xstate';
import { crrPodMachine } from '../../../machines/crr/crr-pod.machine.js';
import type { CrrView, RuntimeContainer } from '../../../machines/crr/types.js';
import { T0, crr, iso, pod, running, spec, strategy } from './fixtures.js';
import { INPUT } from './world.js';

const observed = (...crrs: CrrView[]) => ({ type: 'k8s.crrsObserved', at: T0, crrs, pod: pod() });
const inspected = (...containers: RuntimeContainer[]) => ({ type: 'xstate.done.actor.criPodContainers', output: { at: T0, containers } });
const after = (delay: string, state: string) => ({ type: `xstate.after.${delay}.crrPod.${state}` });

const EVENTS: ReadonlyArray<EventObject & Record<string, unknown>> = [
  // The pod's CRRs: new, already Recreating, waiting out an unready grace (with and without the
  // manager's timestamp), served by no runtime, needing minStartedSeconds, and none left.
  observed(crr('r')),
  observed(crr('r', { phase: 'Recreating' })),
  observed(crr('r', { phase: 'Recreating', strategy: strategy({ unreadyGracePeriodSeconds: 5 }), unreadyAcquiredAt: iso(T0) })),
  observed(crr('r', { phase: 'Recreating', strategy: strategy({ unreadyGracePeriodSeconds: 5 }) })),
  observed(crr('r', { phase: 'Recreating', containers: [spec('app', 'docker://app-1')] })),
  observed(crr('r', { phase: 'Recreating', strategy: strategy({ minStartedSeconds: 5 }), states: [{ name: 'app', phase: 'Recreating', isKilled: true }] })),
  observed(),
  // Effect results.
  { type: 'xstate.done.actor.writeCrrStatus', output: { at: T0, results: [{ name: 'r', resourceVersion: '200' }] } },
  { type: 'xstate.error.actor.writeCrrStatus', error: new Error('the server is unavailable') },
  inspected(running('app')),
  inspected(running('app', 'containerd://app-2', 1)),
  inspected(),
  { type: 'xstate.error.actor.criPodContainers', error: new Error('rpc error: code = Unavailable') },
  { type: 'kill.queued', at: T0 },
  { type: 'kill.started', at: T0 },
  { type: 'kill.preStopFinished', at: T0 },
  { type: 'kill.stopped', at: T0 },
  { type: 'kill.failed', at: T0, message: 'rpc error: code = Unknown desc = boom' },
  { type: 'xstate.error.actor.killContainer', error: new Error('crashed') },
  // Timers.
  after('unreadyGraceLeft', 'observing.awaitingUnreadyGrace'),
  after('minStartedRequeue', 'observing.awaitingMinStarted'),
  after('retryBackoff', 'backingOff'),
  after('preStopDeadline', 'killing.preStop'),
  after('stopDeadline', 'killing.stopping'),
];

/** Every state node's path, as `a.b` (the root excluded). */
function allStatePaths(node: AnyStateNode = crrPodMachine.root, prefix = ''): string[] {
  return Object.entries(node.states).flatMap(([key, child]) => {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    return [path, ...allStatePaths(child, path)];
  });
}

/** Every active state node's path in a snapshot (ancestors included). */
function activePaths(snapshot: AnyMachineSnapshot): string[] {
  return snapshot._nodes.filter((n: AnyStateNode) => n.path.length > 0).map((n: AnyStateNode) => n.path.join('.'));
}

/**
 * Whether the world could send `event` now: an effect's result or report only while that effect
 * runs, a timer only while its state is active; observations at any time.
 */
function possible(snapshot: AnyMachineSnapshot, event: EventObject): boolean {
  const effect = /^xstate\.(?:done|error)\.actor\.(.+)$/.exec(event.type)?.[1] ?? (event.type.startsWith('kill.') ? 'killContainer' : undefined);
  if (effect !== undefined) return effect in snapshot.children;
  const timer = /^xstate\.after\.\w+\.crrPod\.(.+)$/.exec(event.type)?.[1];
  if (timer !== undefined) return activePaths(snapshot).includes(timer);
  return true;
}

/** The state and what the pass reads; timers and clocks left out, so the walk stays finite. */
function key(snapshot: AnyMachineSnapshot): string {
  const ctx = snapshot.context as unknown as {
    crrs: CrrView[];
    picked: string | null;
    runtime: { containers: RuntimeContainer[] } | null;
    failures: number;
    kill: unknown;
    walk: unknown;
  };
  return JSON.stringify([
    snapshot.value,
    snapshot.status,
    // Which observation it was (they differ by strategy, runtime scheme and timestamp), and what the writes made of it.
    ctx.crrs.map((v) => [v.strategy, v.unreadyAcquiredAt, v.containers[0]?.statusContext?.containerID, v.phase, v.states, v.completed]),
    ctx.picked,
    ctx.failures > 0,
    ctx.kill !== null,
    ctx.walk !== null,
  ]);
}

function walk() {
  const entered = new Set<string>();
  const edges = new Map<string, Set<string>>();
  const final = new Set<string>();
  const start = getInitialMicrosteps(crrPodMachine, INPUT);
  for (const [s] of start) for (const p of activePaths(s)) entered.add(p);
  const first = start.at(-1)![0];
  const seen = new Map<string, AnyMachineSnapshot>([[key(first), first]]);
  const queue = [first];
  while (queue.length > 0) {
    const snapshot = queue.shift()!;
    const from = key(snapshot);
    if (snapshot.status === 'done') {
      final.add(from);
      continue;
    }
    expect(snapshot.status).toBe('active');
    for (const event of EVENTS) {
      if (!possible(snapshot, event)) continue;
      const steps = getMicrosteps(crrPodMachine, snapshot, event as never);
      if (steps.length === 0) continue;
      for (const [s] of steps) for (const p of activePaths(s)) entered.add(p);
      const next = steps.at(-1)![0];
      const to = key(next);
      if (to === from) continue;
      if (!edges.has(from)) edges.set(from, new Set());
      edges.get(from)!.add(to);
      if (!seen.has(to)) {
        seen.set(to, next);
        queue.push(next);
      }
    }
  }
  return { entered, edges, final, seen };
}

describe('crrPod: graph walk', () => {
  let graph: ReturnType<typeof walk>;
  beforeAll(() => {
    graph = walk();
  });

  it('enters every state of the chart on some path of events, the decision steps included', () => {
    expect([...graph.entered].sort()).toEqual(allStatePaths().sort());
    expect(graph.seen.size).toBeGreaterThan(200);
  });

  it('can reach done from every snapshot it reaches: no dead end and no trap', () => {
    const reachesDone = new Set(graph.final);
    let grew = true;
    while (grew) {
      grew = false;
      for (const [from, tos] of graph.edges) {
        if (!reachesDone.has(from) && [...tos].some((to) => reachesDone.has(to))) {
          reachesDone.add(from);
          grew = true;
        }
      }
    }
    const stuck = [...graph.seen.keys()].filter((k) => !reachesDone.has(k));
    expect(stuck).toEqual([]);
    expect(graph.final.size).toBeGreaterThan(0);
  });
});
