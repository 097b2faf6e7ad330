// The crrPod effects without a runtime or an API server: each is one adapter call (the CRR
// writer's writeAll, the kill path over the CRI client), and every one holds its pod's CRR worker,
// so with --crr-workers=1 a second pod's kill waits (reporting kill.queued) and touches nothing
// until the first pod's kill is over.
import { describe, expect, it } from 'vitest';
import type { CrrStatusWrite } from '../../../adapters/kube/index.js';
import { platformProfile } from '../../../adapters/platform/index.js';
import { CrrWorkers, crrPodEffects, type CrrCri, type CrrPodEffectsDeps } from '../../../effects/crr/index.js';
import type { KillContainerInput } from '../../../machines/crr/types.js';
import { runEffect, until } from './support.js';

function killInput(pod: string): KillContainerInput {
  return {
    runtimeName: 'containerd',
    namespace: 'default',
    podName: pod,
    podUid: `uid-${pod}`,
    crrName: `crr-${pod}`,
    container: { name: 'main', containerID: `containerd://${pod}-main`, preStop: null, ports: [] },
    gracePeriodSeconds: 2,
  };
}

/** A CRI whose StopContainer waits until the test lets it return; every call is noted. */
function heldStops() {
  const calls: string[] = [];
  const releases = new Map<string, () => void>();
  const cri = {
    containerStatus: async (_s: unknown, req: { container_id: string }) => {
      calls.push(`status ${req.container_id}`);
      return { status: { id: req.container_id, state: 'CONTAINER_RUNNING' } };
    },
    stopContainer: (_s: unknown, req: { container_id: string }) => {
      calls.push(`stop ${req.container_id}`);
      return new Promise((resolve) => releases.set(req.container_id, () => resolve({})));
    },
    execSync: async () => ({ exit_code: 0, stdout: Buffer.alloc(0), stderr: Buffer.alloc(0) }),
    listContainers: async () => ({ containers: [] }),
  } as unknown as CrrCri;
  return { cri, calls, release: (id: string) => releases.get(id)?.() };
}

function deps(overrides: Partial<CrrPodEffectsDeps>): CrrPodEffectsDeps {
  return {
    barrier: { durable: () => Promise.resolve() },
    now: () => 7,
    criFor: () => undefined,
    platform: platformProfile('linux'),
    events: { record: () => undefined },
    writer: { writeAll: () => Promise.reject(new Error('no writes expected')) },
    workers: new CrrWorkers(32),
    ...overrides,
  };
}

describe('crrPod effects', () => {
  it('with one CRR worker, a second pod’s kill reports kill.queued and calls nothing until the first pod’s kill is over', async () => {
    const stops = heldStops();
    const effects = crrPodEffects(deps({ criFor: () => stops.cri, workers: new CrrWorkers(1) }));
    const first = runEffect(effects.killContainer, killInput('a'));
    await until(() => stops.calls.includes('stop a-main'), 'the first stop');
    const second = runEffect(effects.killContainer, killInput('b'));
    await until(() => second.events.length > 0, 'the second kill to report');
    expect(second.events.map((e) => e.type)).toEqual(['kill.queued']);
    expect(stops.calls).toEqual(['status a-main', 'stop a-main']);

    stops.release('a-main');
    await until(() => first.events.some((e) => e.type === 'kill.stopped'), 'the first kill to end');
    await until(() => stops.calls.includes('stop b-main'), 'the second stop');
    expect(second.events.map((e) => e.type)).toEqual(['kill.queued', 'kill.started', 'kill.preStopFinished']);
    stops.release('b-main');
    await until(() => second.events.some((e) => e.type === 'kill.stopped'), 'the second kill to end');
  });

  it('with 32 workers, both kills run at once', async () => {
    const stops = heldStops();
    const effects = crrPodEffects(deps({ criFor: () => stops.cri }));
    const runs = [runEffect(effects.killContainer, killInput('a')), runEffect(effects.killContainer, killInput('b'))];
    await until(() => stops.calls.includes('stop a-main') && stops.calls.includes('stop b-main'), 'both stops');
    expect(runs.flatMap((r) => r.events.map((e) => e.type))).not.toContain('kill.queued');
    stops.release('a-main');
    stops.release('b-main');
  });

  it('hands the writes to the CRR writer in one call and answers with its results; a writer that gives up fails the effect', async () => {
    const seen: Array<{ namespace: string; writes: readonly CrrStatusWrite[] }> = [];
    const writes: CrrStatusWrite[] = [{ name: 'r', kind: 'phase', phase: 'Recreating' }];
    const ok = crrPodEffects(
      deps({
        writer: {
          writeAll: async (namespace, w) => {
            seen.push({ namespace, writes: w });
            return [{ name: 'r', resourceVersion: '12' }];
          },
        },
      }),
    );
    const done = runEffect(ok.writeCrrStatus, { namespace: 'default', podName: 'a', writes });
    await until(() => done.events.length > 0, 'the write');
    expect(done.events[0]).toMatchObject({ type: 'xstate.done.actor.effect', output: { at: 7, results: [{ name: 'r', resourceVersion: '12' }] } });
    expect(seen).toEqual([{ namespace: 'default', writes }]);

    const failing = crrPodEffects(
      deps({ writer: { writeAll: () => Promise.reject(new Error('phase write of ContainerRecreateRequest default/r gave up: 503')) } }),
    );
    const failed = runEffect(failing.writeCrrStatus, { namespace: 'default', podName: 'a', writes });
    await until(() => failed.events.length > 0, 'the failure');
    expect(failed.events[0]).toMatchObject({ type: 'xstate.error.actor.effect' });
    expect(String((failed.events[0] as { error?: unknown }).error)).toContain('gave up: 503');
  });
});
