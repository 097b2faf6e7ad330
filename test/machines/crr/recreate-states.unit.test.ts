import { describe, expect, it } from 'vitest';
import { afterKill, computeStates, endOfPass, notRestartedReason, recreateState, statesEqual, walkStates } from '../../../machines/crr/recreate-states.js';
import type { ContainerRecreateState } from '../../../machines/crr/types.js';
import { T0, crr, exited, pod, running, spec, strategy } from './fixtures.js';

const app = (overrides: Parameters<typeof crr>[1] = {}) => crr('r', { containers: [spec('app')], ...overrides });

describe('containerRecreateStates (contract §4.3 step 6)', () => {
  it('keeps a previous Failed or Succeeded entry unchanged, message and all', () => {
    const previous: ContainerRecreateState[] = [{ name: 'app', phase: 'Failed', message: 'kill container error: x', isKilled: true }];
    expect(computeStates(app({ states: previous }), pod(), [running('app', 'containerd://new', 1)], T0)).toEqual(previous);
    const done: ContainerRecreateState[] = [{ name: 'app', phase: 'Succeeded' }];
    expect(computeStates(app({ states: done }), pod(), [], T0)).toEqual(done);
  });

  it('is Pending with "not found container on Node" when the runtime has no such container, keeping isKilled', () => {
    expect(computeStates(app(), pod(), [], T0)).toEqual([{ name: 'app', phase: 'Pending', message: 'not found container on Node' }]);
    const killed = app({ states: [{ name: 'app', phase: 'Recreating', isKilled: true }] });
    expect(computeStates(killed, pod(), [running('other')], T0)).toEqual([
      { name: 'app', phase: 'Pending', message: 'not found container on Node', isKilled: true },
    ]);
  });

  it('is Recreating, keeping isKilled, when the newest container exited and the kubelet will restart it', () => {
    const dead = exited('app', 137, 'exit code 137 (128+9: killed by SIGKILL)');
    expect(computeStates(app(), pod(), [dead], T0)).toEqual([{ name: 'app', phase: 'Recreating' }]);
    expect(computeStates(app({ states: [{ name: 'app', phase: 'Pending', isKilled: true }] }), pod(), [dead], T0)).toEqual([
      { name: 'app', phase: 'Recreating', isKilled: true },
    ]);
    // OnFailure restarts a non-zero exit.
    expect(computeStates(app(), pod({ restartPolicy: 'OnFailure' }), [dead], T0)).toEqual([{ name: 'app', phase: 'Recreating' }]);
  });

  it('is Pending, not killed, under forceRecreate until the container has been killed', () => {
    const force = app({ strategy: strategy({ forceRecreate: true }) });
    expect(computeStates(force, pod(), [running('app', 'containerd://other', 5)], T0)).toEqual([{ name: 'app', phase: 'Pending' }]);
    const killed = { ...force, states: [{ name: 'app', phase: 'Recreating' as const, isKilled: true }] };
    expect(computeStates(killed, pod(), [running('app', 'containerd://app-2', 1)], T0)).toEqual([{ name: 'app', phase: 'Recreating', isKilled: true }]);
  });

  it('is Recreating when the runtime ID differs from statusContext or the restart count rose, and Pending otherwise', () => {
    expect(computeStates(app(), pod(), [running('app', 'containerd://app-2', 0)], T0)).toEqual([{ name: 'app', phase: 'Recreating' }]);
    expect(computeStates(app(), pod(), [running('app', 'containerd://app-1', 1)], T0)).toEqual([{ name: 'app', phase: 'Recreating' }]);
    expect(computeStates(app(), pod(), [running('app')], T0)).toEqual([{ name: 'app', phase: 'Pending' }]);
    // v1.9.0 dropped the startedAt-after-creation test: a container started after the CRR is still Pending.
    expect(computeStates(app({ createdAtMs: T0 - 10_000 }), pod(), [running('app', 'containerd://app-1', 0, T0 - 1000)], T0)).toEqual([
      { name: 'app', phase: 'Pending' },
    ]);
  });

  it('is Succeeded only with a snapshot entry of the same ID that is ready and minStartedSeconds passed (strictly)', () => {
    const startedAt = T0 - 10_000;
    const now = running('app', 'containerd://app-2', 1, startedAt);
    const snap = (over: object = {}) => [{ name: 'app', ready: true, restartCount: 1, containerID: 'containerd://app-2', ...over }];
    const withSnapshot = (snapshot: ReturnType<typeof snap> | null, minStartedSeconds = 0) =>
      computeStates(app({ snapshot, strategy: strategy({ minStartedSeconds }) }), pod(), [now], T0)[0]!.phase;
    expect(withSnapshot(snap())).toBe('Succeeded');
    expect(withSnapshot(null)).toBe('Recreating');
    expect(withSnapshot(snap({ ready: false }))).toBe('Recreating');
    expect(withSnapshot(snap({ containerID: 'containerd://app-1' }))).toBe('Recreating');
    expect(withSnapshot(snap({ name: 'other' }))).toBe('Recreating');
    expect(withSnapshot(snap(), 9)).toBe('Succeeded');
    expect(withSnapshot(snap(), 10)).toBe('Recreating');
  });

  it('keeps spec order, one entry per spec container', () => {
    const two = crr('r', { containers: [spec('b'), spec('a')] });
    expect(computeStates(two, pod(), [running('a', 'containerd://a-2'), running('b')], T0)).toEqual([
      { name: 'b', phase: 'Pending' },
      { name: 'a', phase: 'Recreating' },
    ]);
  });
});

describe('containers that will not be restarted (kruised addition, contract §4.6)', () => {
  const sigterm = exited('sidecar', 143, 'exit code 143 (128+15: killed by SIGTERM)');
  const clean = exited('sidecar', 0, 'exit code 0');

  it('names why the kubelet will not start an exited container again, or null when it will', () => {
    expect(notRestartedReason(pod({ restartPolicy: 'Never' }), sigterm)).toBe('restartPolicy Never');
    expect(notRestartedReason(pod({ restartPolicy: 'OnFailure' }), clean)).toBe('restartPolicy OnFailure');
    expect(notRestartedReason(pod({ restartPolicy: 'OnFailure' }), sigterm)).toBeNull();
    expect(notRestartedReason(pod({ restartPolicy: 'Always', phase: 'Succeeded' }), sigterm)).toBe('pod phase Succeeded');
    expect(notRestartedReason(pod({ restartPolicy: 'Always', phase: 'Failed' }), sigterm)).toBe('pod phase Failed');
    expect(notRestartedReason(pod(), sigterm)).toBeNull();
    expect(notRestartedReason(null, sigterm)).toBeNull();
    expect(notRestartedReason(pod({ restartPolicy: 'Never' }), running('sidecar'))).toBeNull();
  });

  it('makes such a container Succeeded with a message naming the exit, even under forceRecreate', () => {
    const sidecarCrr = crr('sidecar-termination-x', {
      containers: [spec('sidecar')],
      strategy: strategy({ forceRecreate: true, failurePolicy: 'Ignore' }),
      states: [{ name: 'sidecar', phase: 'Recreating', isKilled: true }],
    });
    expect(computeStates(sidecarCrr, pod({ restartPolicy: 'Never' }), [sigterm], T0)).toEqual([
      {
        name: 'sidecar',
        phase: 'Succeeded',
        isKilled: true,
        message: 'exited with exit code 143 (128+15: killed by SIGTERM); not restarted: restartPolicy Never',
      },
    ]);
    const windows = exited('sidecar', -1073741510, 'exit code 0xC000013A STATUS_CONTROL_C_EXIT (the application was ended by Ctrl+C)');
    expect(computeStates({ ...sidecarCrr, states: [] }, pod({ restartPolicy: 'Never' }), [windows], T0)[0]).toEqual({
      name: 'sidecar',
      phase: 'Succeeded',
      message: 'exited with exit code 0xC000013A STATUS_CONTROL_C_EXIT (the application was ended by Ctrl+C); not restarted: restartPolicy Never',
    });
  });
});

describe('the walk (contract §4.3 step 7)', () => {
  const states = (...phases: Array<[string, ContainerRecreateState['phase'], boolean?]>) => phases.map(([n, p, k]) => recreateState(n, p, k ?? false));
  const rt = [running('a'), running('b'), running('c')];

  it('counts Succeeded and Failed (under Ignore) as done and kills the first Pending container', () => {
    const walk = walkStates(states(['a', 'Succeeded'], ['b', 'Failed'], ['c', 'Pending']), 0, strategy({ failurePolicy: 'Ignore' }), rt);
    expect(walk).toMatchObject({ kind: 'kill', index: 2, container: { containerID: 'containerd://c-1' } });
  });

  it('completes the CRR at once on a Failed entry under Fail', () => {
    expect(walkStates(states(['a', 'Failed'], ['b', 'Pending']), 0, strategy(), rt)).toEqual({ kind: 'complete' });
  });

  it('marks Recreating entries killed and passes them, or stops at the first one under orderedRecreate', () => {
    const list = states(['a', 'Recreating'], ['b', 'Pending']);
    expect(walkStates(list, 0, strategy(), rt)).toMatchObject({ kind: 'kill', index: 1, states: [{ name: 'a', isKilled: true }, { name: 'b' }] });
    expect(walkStates(list, 0, strategy({ orderedRecreate: true }), rt)).toEqual({
      kind: 'end',
      states: [
        { name: 'a', phase: 'Recreating', isKilled: true },
        { name: 'b', phase: 'Pending' },
      ],
    });
  });

  it('stops at a Pending entry whose container is not on the node', () => {
    expect(walkStates(states(['x', 'Pending'], ['a', 'Pending']), 0, strategy(), rt)).toEqual({
      kind: 'end',
      states: states(['x', 'Pending'], ['a', 'Pending']),
    });
  });

  it('after a kill: Recreating and killed, walk over; after a failure: Failed with upstream message, on under Ignore only', () => {
    const list = states(['a', 'Pending'], ['b', 'Pending']);
    expect(afterKill(list, 0, { ok: true }, strategy())).toEqual({ states: [{ name: 'a', phase: 'Recreating', isKilled: true }, list[1]], resumeFrom: null });
    const failed = { name: 'a', phase: 'Failed', message: 'kill container error: rpc error: code = Unknown desc = boom' };
    expect(afterKill(list, 0, { ok: false, message: 'rpc error: code = Unknown desc = boom' }, strategy())).toEqual({
      states: [failed, list[1]],
      resumeFrom: null,
    });
    expect(afterKill(list, 0, { ok: false, message: 'rpc error: code = Unknown desc = boom' }, strategy({ failurePolicy: 'Ignore' }))).toEqual({
      states: [failed, list[1]],
      resumeFrom: 1,
    });
  });
});

describe('the end of a pass (contract §4.3 step 8)', () => {
  it('patches changed states, else completes when all are Succeeded or Failed, else requeues or waits', () => {
    const written: ContainerRecreateState[] = [{ name: 'app', phase: 'Recreating', isKilled: true }];
    const c = app({ states: written });
    expect(endOfPass(c, [{ name: 'app', phase: 'Recreating' }], 'T')).toEqual({
      kind: 'write',
      write: { name: 'r', kind: 'states', states: [{ name: 'app', phase: 'Recreating' }] },
    });
    expect(endOfPass(c, written, 'T')).toEqual({ kind: 'idle' });
    expect(endOfPass({ ...c, strategy: strategy({ minStartedSeconds: 5 }) }, written, 'T')).toEqual({ kind: 'requeue', delayMs: 5000 });
    const finished: ContainerRecreateState[] = [{ name: 'app', phase: 'Failed', message: 'm' }];
    expect(endOfPass(app({ states: finished }), finished, '2026-03-01T00:00:00Z')).toEqual({
      kind: 'write',
      write: { name: 'r', kind: 'complete', message: '', completionTime: '2026-03-01T00:00:00Z' },
    });
  });

  it('compares states as Go DeepEqual does: absent message equals "", absent isKilled equals false, order counts', () => {
    expect(statesEqual([{ name: 'a', phase: 'Pending', message: '', isKilled: false }], [{ name: 'a', phase: 'Pending' }])).toBe(true);
    expect(statesEqual([{ name: 'a', phase: 'Pending', isKilled: true }], [{ name: 'a', phase: 'Pending' }])).toBe(false);
    expect(statesEqual([{ name: 'a', phase: 'Pending', message: 'm' }], [{ name: 'a', phase: 'Pending' }])).toBe(false);
    const [x, y] = [recreateState('a', 'Pending', false), recreateState('b', 'Pending', false)];
    expect(statesEqual([x, y], [y, x])).toBe(false);
    expect(statesEqual([x], [x, y])).toBe(false);
  });
});
