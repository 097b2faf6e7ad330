// The CRR effects on the SIMULATED CRI runtime (a test double, not containerd), for what a Linux
// containerd cannot show: a Windows-like runtime's NTSTATUS exit codes and CRLF output, and a
// StopContainer that fails. Pods run through the kubelet simulator; events go through the real
// EventRecorder to the fake API server; the kill runs as the machine's effect under a parent
// statechart, so the events it reports and their order are the machine's.
import { status as Status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCriClient, type CriClient } from '../../../adapters/cri/index.js';
import { CrrWorkers, crrPodEffects, readPodContainers, type CrrPodEffectsDeps } from '../../../effects/crr/index.js';
import { deferredBarrier } from '../../../effects/deferred-barrier.js';
import type { KillContainerInput } from '../../../machines/crr/types.js';
import { startCriDouble, WINDOWS_STOP_EXIT_CODE, type CriDouble } from '../../bed/cri-double/index.js';
import { NS, runEffect, startCrrNode, until, type CrrNode, type RunningPod } from './support.js';

const IMAGE = 'registry.local/nanoserver:ltsc2022';

function killInput(name: string, pod: RunningPod, container: Partial<KillContainerInput['container']> = {}): KillContainerInput {
  return {
    runtimeName: 'simulated-cri',
    namespace: NS,
    podName: name,
    podUid: pod.uid,
    crrName: `crr-${name}`,
    container: { name: 'main', containerID: pod.containerID, preStop: null, ports: [], ...container },
    gracePeriodSeconds: 30,
  };
}

async function onDouble(platform: 'windows' | 'linux', nodeName: string) {
  const double = await startCriDouble({ platform, images: { [IMAGE]: { id: `sha256:${'c'.repeat(64)}`, sizeBytes: 1_000_000 } } });
  const cri = createCriClient({ endpoint: double.endpoint, platform: 'linux' });
  const node = await startCrrNode({ cri, image: IMAGE, os: platform, podNetwork: 'host', nodeName });
  let clock = 1_000;
  const deps: CrrPodEffectsDeps = {
    barrier: { durable: () => Promise.resolve() },
    now: () => (clock += 1),
    criFor: (name) => (name === 'simulated-cri' ? cri : undefined),
    platform: node.platform,
    events: node.recorder,
    writer: { writeAll: () => Promise.reject(new Error('no API calls expected')) },
    workers: new CrrWorkers(32),
  };
  return { double, cri, node, deps };
}

describe('the CRR effects on a Windows-like simulated runtime', () => {
  let double: CriDouble;
  let cri: CriClient;
  let node: CrrNode;
  let deps: CrrPodEffectsDeps;

  beforeAll(async () => {
    ({ double, cri, node, deps } = await onDouble('windows', 'win-node'));
  });
  afterAll(async () => {
    await node?.close();
    cri?.close();
    await double?.close();
  });

  it('words the NTSTATUS exit of a stopped container (-1073741510 → STATUS_CONTROL_C_EXIT)', async () => {
    const pod = await node.runPod('stopped', { command: ['cmd', '/c', 'ping -t localhost'] }, { restartPolicy: 'Never' });
    await cri.stopContainer(undefined, { container_id: pod.id, timeout: 10 });
    const [main] = await readPodContainers(cri, 'simulated-cri', pod.uid, node.platform.exitCodes, new AbortController().signal);
    expect(main).toMatchObject({ containerID: pod.containerID, state: 'exited', restartCount: 0 });
    expect(main!.exit!.code).toBe(WINDOWS_STOP_EXIT_CODE);
    expect(main!.exit!.text).toBe('exit code 0xC000013A STATUS_CONTROL_C_EXIT (ended by a Ctrl event, as on a container stop, reported as -1073741510)');
  });

  it('as the effect: reports preStopFinished with the hook error, then stopped; FailedPreStopHook carries CRLF-free output and the worded NTSTATUS', async () => {
    const pod = await node.runPod('crlf-hook', { command: ['cmd', '/c', 'ping -t localhost'] }, { restartPolicy: 'Never' });
    const command = ['cmd', '/c', 'echo draining && echo done && exit 3221225786'];
    const run = runEffect(crrPodEffects(deps).killContainer, killInput('crlf-hook', pod, { preStop: { exec: { command } } }));
    await until(() => run.events.some((e) => e.type === 'kill.stopped' || e.type === 'kill.failed'), 'the kill to end', 15_000);

    const error = `command '${command.join(' ')}' exited with 0xC000013A STATUS_CONTROL_C_EXIT (ended by a Ctrl event, as on a container stop, reported as -1073741510): `;
    expect(run.events).toEqual([
      { type: 'kill.started', at: expect.any(Number) },
      { type: 'kill.preStopFinished', at: expect.any(Number), error },
      { type: 'kill.stopped', at: expect.any(Number) },
    ]);
    // The kill's Events are named from its identity, so the store lists them by that, not in order.
    const events = await node.eventsOf('crlf-hook');
    expect(events.map((e) => e.reason).sort()).toEqual(['FailedPreStopHook', 'Killing']);
    const [killing, failed] = ['Killing', 'FailedPreStopHook'].map((reason) => events.find((e) => e.reason === reason)!);
    expect(killing!.message).toBe('Stopping container main by ContainerRecreateRequest crr-crlf-hook');
    expect(failed!.message).toBe(
      `Exec lifecycle hook ([${command.join(' ')}]) for Container "main" in Pod "crlf-hook_${NS}(${pod.uid})" failed - error: ${error}, message: "draining\\ndone"`,
    );
    expect(failed!.message).not.toMatch(/\r|\\r/);
    expect((await cri.containerStatus(undefined, { container_id: pod.id })).status?.exit_code).toBe(WINDOWS_STOP_EXIT_CODE);
  });

  it('as the effect: only checks its container before the log is durable, stops it after, and fails a runtime it does not know with upstream text', async () => {
    const pod = await node.runPod('barrier', { command: ['cmd', '/c', 'ping -t localhost'] }, { restartPolicy: 'Never' });
    const barrier = deferredBarrier();
    let askedToAct = false;
    const asking = {
      durable: () => {
        askedToAct = true;
        return barrier.durable();
      },
    };
    const calls: Array<{ method: string; request: unknown }> = [];
    const answered: string[] = [];
    const recording = new Proxy(cri, {
      get: (target, key: string) => (signal: AbortSignal, request: unknown, options: unknown) => {
        calls.push({ method: key, request });
        const call = (target as never as Record<string, (...args: unknown[]) => Promise<unknown>>)[key]!(signal, request, options);
        return call.finally(() => answered.push(key));
      },
    });
    const run = runEffect(crrPodEffects({ ...deps, barrier: asking, criFor: () => recording }).killContainer, killInput('barrier', pod));
    // The witness: the status check is answered and the kill waits on the log. Had it not waited,
    // it would have gone on to StopContainer at once, in the same turn as the answer.
    await until(() => (askedToAct && answered.includes('containerStatus')) || undefined, 'the status check to be answered and the kill to wait for the log');
    expect(calls).toEqual([{ method: 'containerStatus', request: { container_id: pod.id } }]); // a read, nothing more
    expect(run.events).toEqual([{ type: 'kill.started', at: expect.any(Number) }]);
    barrier.resolve({ durable: () => Promise.resolve() });
    await until(() => run.events.some((e) => e.type === 'kill.stopped'), 'the kill to end');
    expect(calls).toEqual([
      { method: 'containerStatus', request: { container_id: pod.id } },
      { method: 'stopContainer', request: { container_id: pod.id, timeout: 30 } },
    ]);

    const unknown = runEffect(crrPodEffects(deps).killContainer, { ...killInput('barrier', pod), runtimeName: 'containerd' });
    await until(() => unknown.events.length > 0, 'the kill to fail');
    expect(unknown.events).toEqual([{ type: 'kill.failed', at: expect.any(Number), message: 'not found runtime service for containerd in daemon' }]);
  });
});

describe('the kill effect when StopContainer fails (simulated runtime, Linux profile)', () => {
  let double: CriDouble;
  let cri: CriClient;
  let node: CrrNode;
  let deps: CrrPodEffectsDeps;

  beforeAll(async () => {
    ({ double, cri, node, deps } = await onDouble('linux', 'linux-double-node'));
  });
  afterAll(async () => {
    await node?.close();
    cri?.close();
    await double?.close();
  });

  it('reports kill.failed with the runtime error text after preStopFinished, and the container keeps running', async () => {
    const pod = await node.runPod('stop-fails', { command: ['sh', '-c', 'while true; do sleep 1; done'] }, { restartPolicy: 'Never' });
    double.injectError('StopContainer', Status.UNKNOWN, 'failed to stop container: unknown error after kill: runc did not terminate successfully');
    const run = runEffect(crrPodEffects(deps).killContainer, killInput('stop-fails', pod));
    await until(() => run.events.some((e) => e.type === 'kill.failed' || e.type === 'kill.stopped'), 'the kill to end');
    expect(run.events).toEqual([
      { type: 'kill.started', at: expect.any(Number) },
      { type: 'kill.preStopFinished', at: expect.any(Number) },
      {
        type: 'kill.failed',
        at: expect.any(Number),
        message: 'rpc error: code = Unknown desc = failed to stop container: unknown error after kill: runc did not terminate successfully',
      },
    ]);
    expect((run.events[2] as unknown as { at: number }).at).toBeGreaterThan((run.events[1] as unknown as { at: number }).at);
    expect((await cri.containerStatus(undefined, { container_id: pod.id })).status?.state).toBe('CONTAINER_RUNNING');
    expect((await node.eventsOf('stop-fails')).map((e) => e.reason)).toEqual(['Killing']);
  });
});
