// One pass of contract §4.3 as pure functions of the machine's context, cut where an effect has to
// run: `decide` (steps 1–4, before the runtime is asked), `evaluate` (steps 5–8, with the
// runtime's containers) and `resumeWalk` (after a kill). Each returns the event the machine raises
// to route the pass (`next`: which state comes, with the data it needs) and the bookkeeping that
// goes with it.
import { rfc3339 } from '../shared/index.js';
import type { ContainerRecord, CrrPodContext, PassEvent, WalkState } from './context.js';
import { runtimeNotFound } from './messages.js';
import { chooseRuntime, isActive, killGraceSeconds, killIdentity, pickCrr, unreadyGrace } from './policy.js';
import { afterKill, computeStates, containerRecords, endOfPass, statesEqual, walkStates, type KillResult, type WalkOutcome } from './recreate-states.js';
import type { CrrStatusWrite, CrrView, RuntimeContainer } from './types.js';

export interface PassStep {
  readonly next: PassEvent;
  readonly picked: string | null;
  readonly walk: WalkState | null;
  readonly containers: ContainerRecord[];
}

type Ctx = Pick<CrrPodContext, 'namespace' | 'podName' | 'runtimeNames' | 'clockMs' | 'crrs' | 'pod' | 'picked' | 'containers' | 'runtime' | 'walk'>;

const complete = (crr: CrrView, message: string, clockMs: number): CrrStatusWrite => ({
  name: crr.name,
  kind: 'complete',
  message,
  completionTime: rfc3339(clockMs),
});

/** The picked CRR if it is still active in the view. */
const activeCrr = (ctx: Ctx, name: string | null): CrrView | undefined => ctx.crrs.find((c) => c.name === name && isActive(c));

/** Steps 1–4: pick, phase writes, unready grace, runtime lookup; then inspect the runtime. */
export function decide(ctx: Ctx): PassStep {
  const step = (next: PassEvent, picked: CrrView | null): PassStep => ({
    next,
    picked: picked?.name ?? null,
    walk: null,
    // Records follow the picked CRR (a newly picked one starts from its written states); with
    // none picked, the last CRR's records stay, so the final snapshot shows how its containers ended.
    containers: picked === null || picked.name === ctx.picked ? ctx.containers : containerRecords(picked, picked.states, null),
  });
  if (ctx.crrs.length === 0) return step({ type: 'pass.finished' }, null);
  const { picked, toPending } = pickCrr(ctx.crrs);
  const writes: CrrStatusWrite[] = toPending.map((crr) => ({ name: crr.name, kind: 'phase', phase: 'Pending' }));
  if (picked !== null && picked.phase !== 'Recreating') writes.push({ name: picked.name, kind: 'phase', phase: 'Recreating' });
  if (writes.length > 0) {
    // The phase writes change nothing the next steps read, so when the pass would go on to inspect
    // the runtime right after them, the inspection runs alongside the writes instead of after.
    const next = picked === null ? null : graceAndRuntime(ctx, picked);
    return step(next?.type === 'pass.inspect' ? { type: 'pass.writeAndInspect', writes, inspection: next.inspection } : { type: 'pass.write', writes }, picked);
  }
  if (picked === null) return step({ type: 'pass.idle', reason: 'no active CRR to work on' }, null);
  return step(graceAndRuntime(ctx, picked), picked);
}

/** Steps 3–4 for the picked CRR: wait for the unready grace, or choose the runtime to inspect. */
function graceAndRuntime(ctx: Ctx, picked: CrrView): PassEvent {
  const grace = unreadyGrace(picked, ctx.clockMs);
  if (grace.kind === 'awaitTimestamp') return { type: 'pass.idle', reason: 'waiting for the unready-acquired time' };
  if (grace.kind === 'requeue') return { type: 'pass.awaitUnreadyGrace', delayMs: grace.delayMs };
  if (grace.kind === 'unparsable') return { type: 'pass.complete', write: complete(picked, grace.message, ctx.clockMs) };

  const runtime = chooseRuntime(picked.containers, ctx.runtimeNames);
  if (!runtime.ok) return { type: 'pass.complete', write: complete(picked, runtimeNotFound(runtime.message), ctx.clockMs) };
  return {
    type: 'pass.inspect',
    inspection: { runtimeName: runtime.runtimeName, podUid: picked.podUid, namespace: ctx.namespace, podName: ctx.podName },
  };
}

/** Steps 5–8 with the runtime's containers: patch changed states, or walk them (maybe into a kill). */
export function evaluate(ctx: Ctx): PassStep {
  const crr = activeCrr(ctx, ctx.picked);
  if (crr === undefined || ctx.runtime === null) return { next: { type: 'pass.redecide' }, picked: ctx.picked, walk: null, containers: ctx.containers };
  const runtime = ctx.runtime.containers;
  const states = computeStates(crr, ctx.pod, runtime, ctx.clockMs);
  if (!statesEqual(crr.states, states)) {
    return {
      next: { type: 'pass.patchStates', write: { name: crr.name, kind: 'states', states } },
      picked: crr.name,
      walk: null,
      containers: containerRecords(crr, states, runtime),
    };
  }
  return followWalk(ctx, crr, walkStates(states, 0, crr.strategy, runtime), runtime);
}

/**
 * After a kill: record its result in the walk, then go on (Ignore after a failure) or end the
 * pass. The kill made the inspection stale, so a states write here is a plain `pass.write`: the
 * pass starts over from a fresh decision (and inspection) once it is stored.
 */
export function resumeWalk(ctx: Ctx, result: KillResult): PassStep {
  const walk = ctx.walk;
  if (walk === null) return { next: { type: 'pass.redecide' }, picked: ctx.picked, walk: null, containers: ctx.containers };
  const crr = activeCrr(ctx, walk.crrName);
  if (crr === undefined) {
    // The CRR ended while its container was being killed (the manager's activeDeadlineSeconds, a
    // deletion). The kill went on, as upstream's does; its result is written as upstream writes it
    // (a merge patch of the states, which a completed CRR takes), and nothing more is killed for a
    // CRR that is over, whatever its failurePolicy. Then the pass starts over from the new view.
    const { states } = afterKill(walk.states, walk.index, result, { failurePolicy: 'Fail' });
    return {
      next: { type: 'pass.write', writes: [{ name: walk.crrName, kind: 'states', states }] },
      picked: ctx.picked,
      walk: null,
      containers: ctx.containers,
    };
  }
  const { states, resumeFrom } = afterKill(walk.states, walk.index, result, crr.strategy);
  const outcome: WalkOutcome = resumeFrom === null ? { kind: 'end', states } : walkStates(states, resumeFrom, crr.strategy, walk.runtime);
  const step = followWalk(ctx, crr, outcome, walk.runtime);
  return step.next.type === 'pass.patchStates' ? { ...step, next: { type: 'pass.write', writes: [step.next.write] } } : step;
}

function followWalk(ctx: Ctx, crr: CrrView, outcome: WalkOutcome, runtime: readonly RuntimeContainer[]): PassStep {
  if (outcome.kind === 'complete') {
    return {
      next: { type: 'pass.complete', write: complete(crr, '', ctx.clockMs) },
      picked: crr.name,
      walk: null,
      containers: containerRecords(crr, crr.states, runtime),
    };
  }
  if (outcome.kind === 'kill') {
    const spec = crr.containers.find((c) => c.name === outcome.container.name)!;
    const walk: WalkState = { crrName: crr.name, states: outcome.states, index: outcome.index, runtime };
    const next: PassEvent = {
      type: 'pass.kill',
      kill: {
        runtimeName: ctx.runtime?.runtimeName ?? '',
        namespace: ctx.namespace,
        podName: ctx.podName,
        podUid: crr.podUid,
        crrName: crr.name,
        container: { name: spec.name, containerID: outcome.container.containerID, preStop: spec.preStop, ports: spec.ports },
        gracePeriodSeconds: killGraceSeconds(crr),
        identity: killIdentity(crr, spec.name, outcome.container.containerID),
      },
    };
    return { next, picked: crr.name, walk, containers: containerRecords(crr, outcome.states, runtime) };
  }
  const end = endOfPass(crr, outcome.states, rfc3339(ctx.clockMs));
  const next: PassEvent =
    end.kind === 'write'
      ? end.write.kind === 'complete'
        ? { type: 'pass.complete', write: end.write }
        : { type: 'pass.patchStates', write: end.write }
      : end.kind === 'requeue'
        ? { type: 'pass.awaitMinStarted', delayMs: end.delayMs }
        : { type: 'pass.idle', reason: 'waiting for the recreated containers (snapshot updates drive progress)' };
  return { next, picked: crr.name, walk: null, containers: containerRecords(crr, outcome.states, runtime) };
}
