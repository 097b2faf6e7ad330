// One pass of contract §4.3 as pure functions of the machine's context, cut where an effect has to
// run: `decide` (steps 1–4, before the runtime is asked), `evaluate` (steps 5–8, with the
// runtime's containers) and `resumeWalk` (after a kill). Each returns the plan the machine's
// eventless transitions follow, and the bookkeeping that goes with it.
import { rfc3339 } from '../shared/index.js';
import type { ContainerRecord, CrrPodContext, Plan, WalkState } from './context.js';
import { runtimeNotFound } from './messages.js';
import { chooseRuntime, isActive, killGraceSeconds, pickCrr, unreadyGrace } from './policy.js';
import { afterKill, computeStates, containerRecords, endOfPass, statesEqual, walkStates, type KillResult, type WalkOutcome } from './recreate-states.js';
import type { CrrStatusWrite, CrrView, RuntimeContainer } from './types.js';

export interface PassStep {
  readonly plan: Plan;
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
  const step = (plan: Plan, picked: CrrView | null): PassStep => ({
    plan,
    picked: picked?.name ?? null,
    walk: null,
    // Records follow the picked CRR (a newly picked one starts from its written states); with
    // none picked, the last CRR's records stay, so the final snapshot shows how its containers ended.
    containers: picked === null || picked.name === ctx.picked ? ctx.containers : containerRecords(picked, picked.states, null),
  });
  if (ctx.crrs.length === 0) return step({ kind: 'finish' }, null);
  const { picked, toPending } = pickCrr(ctx.crrs);
  const writes: CrrStatusWrite[] = toPending.map((crr) => ({ name: crr.name, kind: 'phase', phase: 'Pending' }));
  if (picked !== null && picked.phase !== 'Recreating') writes.push({ name: picked.name, kind: 'phase', phase: 'Recreating' });
  if (writes.length > 0) {
    // The phase writes change nothing the next steps read, so when the pass would go on to inspect
    // the runtime right after them, the inspection runs alongside the writes instead of after.
    const next = picked === null ? null : graceAndRuntime(ctx, picked);
    return step({ kind: 'write', writes, ...(next?.kind === 'inspect' ? { inspect: next.input } : {}) }, picked);
  }
  if (picked === null) return step({ kind: 'idle', reason: 'no active CRR to work on' }, null);
  return step(graceAndRuntime(ctx, picked), picked);
}

/** Steps 3–4 for the picked CRR: wait for the unready grace, or choose the runtime to inspect. */
function graceAndRuntime(ctx: Ctx, picked: CrrView): Plan {
  const grace = unreadyGrace(picked, ctx.clockMs);
  if (grace.kind === 'awaitTimestamp') return { kind: 'idle', reason: 'waiting for the unready-acquired time' };
  if (grace.kind === 'requeue') return { kind: 'requeue', reason: 'unreadyGrace', delayMs: grace.delayMs };
  if (grace.kind === 'unparsable') return { kind: 'write', writes: [complete(picked, grace.message, ctx.clockMs)] };

  const runtime = chooseRuntime(picked.containers, ctx.runtimeNames);
  if (!runtime.ok) return { kind: 'write', writes: [complete(picked, runtimeNotFound(runtime.message), ctx.clockMs)] };
  return { kind: 'inspect', crrName: picked.name, input: { runtimeName: runtime.runtimeName, podUid: picked.podUid } };
}

/** Steps 5–8 with the runtime's containers: patch changed states, or walk them (maybe into a kill). */
export function evaluate(ctx: Ctx): PassStep {
  const crr = activeCrr(ctx, ctx.picked);
  if (crr === undefined || ctx.runtime === null) return { plan: { kind: 'redecide' }, picked: ctx.picked, walk: null, containers: ctx.containers };
  const runtime = ctx.runtime.containers;
  const states = computeStates(crr, ctx.pod, runtime, ctx.clockMs);
  if (!statesEqual(crr.states, states)) {
    return {
      plan: { kind: 'write', writes: [{ name: crr.name, kind: 'states', states }] },
      picked: crr.name,
      walk: null,
      containers: containerRecords(crr, states, runtime),
    };
  }
  return followWalk(ctx, crr, walkStates(states, 0, crr.strategy, runtime), runtime);
}

/** After a kill: record its result in the walk, then go on (Ignore after a failure) or end the pass. */
export function resumeWalk(ctx: Ctx, result: KillResult): PassStep {
  const walk = ctx.walk;
  const crr = walk === null ? undefined : activeCrr(ctx, walk.crrName);
  // The CRR went away while its container was being killed: start over from the new view.
  if (walk === null || crr === undefined) return { plan: { kind: 'redecide' }, picked: ctx.picked, walk: null, containers: ctx.containers };
  const { states, resumeFrom } = afterKill(walk.states, walk.index, result, crr.strategy);
  const outcome: WalkOutcome = resumeFrom === null ? { kind: 'end', states } : walkStates(states, resumeFrom, crr.strategy, walk.runtime);
  return followWalk(ctx, crr, outcome, walk.runtime);
}

function followWalk(ctx: Ctx, crr: CrrView, outcome: WalkOutcome, runtime: readonly RuntimeContainer[]): PassStep {
  if (outcome.kind === 'complete') {
    return {
      plan: { kind: 'write', writes: [complete(crr, '', ctx.clockMs)] },
      picked: crr.name,
      walk: null,
      containers: containerRecords(crr, crr.states, runtime),
    };
  }
  if (outcome.kind === 'kill') {
    const spec = crr.containers.find((c) => c.name === outcome.container.name)!;
    const walk: WalkState = { crrName: crr.name, states: outcome.states, index: outcome.index, runtime };
    const plan: Plan = {
      kind: 'kill',
      input: {
        runtimeName: ctx.runtime?.runtimeName ?? '',
        namespace: ctx.namespace,
        podName: ctx.podName,
        podUid: crr.podUid,
        crrName: crr.name,
        container: { name: spec.name, containerID: outcome.container.containerID, preStop: spec.preStop, ports: spec.ports },
        gracePeriodSeconds: killGraceSeconds(crr),
      },
    };
    return { plan, picked: crr.name, walk, containers: containerRecords(crr, outcome.states, runtime, { index: outcome.index, stage: 'preStop' }) };
  }
  const end = endOfPass(crr, outcome.states, rfc3339(ctx.clockMs));
  const plan: Plan =
    end.kind === 'write'
      ? { kind: 'write', writes: [end.write] }
      : end.kind === 'requeue'
        ? { kind: 'requeue', reason: 'minStarted', delayMs: end.delayMs }
        : { kind: 'idle', reason: 'waiting for the recreated containers (snapshot updates drive progress)' };
  return { plan, picked: crr.name, walk: null, containers: containerRecords(crr, outcome.states, runtime) };
}
