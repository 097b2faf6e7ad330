// The kill path (contract §4.4) on the bed's REAL containerd, with pods run by the kubelet
// simulator, events written by the real EventRecorder to the fake API server: the exec preStop
// runs before the stop, the grace is spent by the hook and bounded below by 2 s, a container
// ignoring SIGTERM is killed when the grace runs out, an exited or removed container is never
// killed again, and httpGet (with its HTTPS-to-HTTP fallback) and tcpSocket hooks behave as
// kubelet's lifecycle runner does.
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCriClient, type CriClient } from '../../../adapters/cri/index.js';
import { killContainer, type KillSpec } from '../../../effects/crr/index.js';
import { runtimeBed, runtimeBedSkipReason } from '../../bed/runtime-bed.js';
import { hookLog, killDeps, notingStops, NS, startCrrNode, until, type CrrNode, type RunningPod } from './support.js';

const bed = runtimeBed();
const LOOP = 'while true; do sleep 1; done';

function spec(
  name: string,
  pod: RunningPod,
  extra: Partial<KillSpec> & { preStop?: KillSpec['container']['preStop']; ports?: KillSpec['container']['ports'] } = {},
): KillSpec {
  const { preStop = null, ports = [], ...rest } = extra;
  return {
    containerId: pod.id,
    pod: { namespace: NS, name, uid: pod.uid },
    container: { name: 'main', preStop, ports },
    gracePeriodSeconds: 30,
    component: 'kruise-daemon-crr',
    killingMessage: `Stopping container main by ContainerRecreateRequest crr-${name}`,
    ...rest,
  };
}

describe.skipIf(bed === undefined)(`killContainer on a real containerd ${runtimeBedSkipReason()}`.trim(), () => {
  let cri: CriClient;
  let node: CrrNode;
  const statusOf = async (id: string) => (await cri.containerStatus(undefined, { container_id: id })).status!;

  beforeAll(async () => {
    cri = createCriClient({ endpoint: bed!.endpoint, platform: 'linux' });
    node = await startCrrNode({ cri, image: bed!.images.busybox, os: 'linux', podNetwork: bed!.podNetwork, nodeName: 'crr-kill-node' });
  });
  afterAll(async () => {
    await node?.close();
    cri?.close();
  });

  it('emits Killing, runs the exec preStop before the stop (the container exits with what the hook wrote), and stops with the grace less the whole seconds the hook took', async () => {
    // On TERM the container exits with the code the hook left in /tmp/prestop: 9 if there is none.
    const main = `trap 'exit $(cat /tmp/prestop 2>/dev/null || echo 9)' TERM; ${LOOP}`;
    const pod = await node.runPod('exec-hook', { command: ['sh', '-c', main] }, { restartPolicy: 'Never' });
    const { cri: noted, stops } = notingStops(cri);
    const hooks = hookLog();
    const preStop = { exec: { command: ['sh', '-c', 'sleep 2; echo 42 > /tmp/prestop'] } };
    const outcome = await killContainer(
      killDeps(node, noted),
      spec('exec-hook', pod, { preStop, gracePeriodSeconds: 10 }),
      new AbortController().signal,
      hooks,
    );

    expect(outcome.kind).toBe('stopped');
    expect(hooks.calls.map((c) => c.what)).toEqual(['preStopFinished']);
    const status = await statusOf(pod.id);
    expect(status.state).toBe('CONTAINER_EXITED');
    expect(status.exit_code).toBe(42);
    expect(stops).toHaveLength(1);
    expect(stops[0]!.id).toBe(pod.id);
    expect([7, 8]).toContain(stops[0]!.timeout); // 10 − 2 s of hook (8), or 7 on a slow machine; never 10
    expect(outcome).toEqual({ kind: 'stopped', gracePeriodSeconds: stops[0]!.timeout });

    const events = await node.eventsOf('exec-hook');
    expect(events.map((e) => [e.reason, e.type, e.message])).toEqual([
      ['Killing', 'Normal', 'Stopping container main by ContainerRecreateRequest crr-exec-hook'],
    ]);
    expect(events[0]!.source).toEqual({ component: 'kruise-daemon-crr', host: 'crr-kill-node' });
    expect(events[0]!.involvedObject).toEqual({
      kind: 'Pod',
      apiVersion: 'v1',
      name: 'exec-hook',
      namespace: NS,
      uid: pod.uid,
      fieldPath: 'spec.containers{main}',
    });
  });

  it('kills a container that ignores SIGTERM when the grace runs out: SIGKILL, finished no earlier than grace − slack after the stop began (CRI timestamps)', async () => {
    const pod = await node.runPod('ignores-term', { command: ['sh', '-c', `trap "" TERM; ${LOOP}`] }, { restartPolicy: 'Never' });
    const { cri: noted, stops } = notingStops(cri);
    const hooks = hookLog();
    const outcome = await killContainer(killDeps(node, noted), spec('ignores-term', pod, { gracePeriodSeconds: 3 }), new AbortController().signal, hooks);

    expect(outcome).toEqual({ kind: 'stopped', gracePeriodSeconds: 3 });
    expect(stops.map((s) => s.timeout)).toEqual([3]);
    const status = await statusOf(pod.id);
    expect(status.exit_code).toBe(137); // 128 + SIGKILL: TERM did not end it
    const stopBeganMs = hooks.calls[0]!.at; // preStopFinished is reported just before StopContainer
    const finishedMs = Number(BigInt(status.finished_at) / 1_000_000n);
    expect(finishedMs - stopBeganMs).toBeGreaterThanOrEqual(3000 - 500);
  });

  it('cuts a preStop that outlasts the grace, reports it as FailedPreStopHook, and still stops with the 2 s minimum', async () => {
    const pod = await node.runPod('slow-hook', { command: ['sh', '-c', LOOP] }, { restartPolicy: 'Never' });
    const { cri: noted, stops } = notingStops(cri);
    const hooks = hookLog();
    const preStop = { exec: { command: ['sleep', '30'] } };
    const outcome = await killContainer(killDeps(node, noted), spec('slow-hook', pod, { preStop, gracePeriodSeconds: 2 }), new AbortController().signal, hooks);

    expect(outcome).toEqual({ kind: 'stopped', gracePeriodSeconds: 2 });
    expect(stops.map((s) => s.timeout)).toEqual([2]);
    expect(hooks.calls.map((c) => c.what)).toEqual(['preStopFinished:preStop hook did not complete within the grace period of 2s']);
    expect((await statusOf(pod.id)).state).toBe('CONTAINER_EXITED');
    const failed = (await node.eventsOf('slow-hook')).filter((e) => e.reason === 'FailedPreStopHook');
    expect(failed.map((e) => [e.type, e.message])).toEqual([
      [
        'Warning',
        `Exec lifecycle hook ([sleep 30]) for Container "main" in Pod "slow-hook_${NS}(${pod.uid})" failed - error: preStop hook did not complete within the grace period of 2s, message: ""`,
      ],
    ]);
  });

  it('reports a failing exec hook with its exit code and output, and does not let it block the stop', async () => {
    const pod = await node.runPod('failing-hook', { command: ['sh', '-c', LOOP] }, { restartPolicy: 'Never' });
    const hooks = hookLog();
    const preStop = { exec: { command: ['sh', '-c', 'echo draining; echo no backend >&2; exit 3'] } };
    const outcome = await killContainer(killDeps(node, cri), spec('failing-hook', pod, { preStop }), new AbortController().signal, hooks);

    expect(outcome.kind).toBe('stopped');
    const error = "command 'sh -c echo draining; echo no backend >&2; exit 3' exited with 3: no backend";
    expect(hooks.calls.map((c) => c.what)).toEqual([`preStopFinished:${error}`]);
    const events = await node.eventsOf('failing-hook');
    expect(events.map((e) => e.reason)).toEqual(['Killing', 'FailedPreStopHook']);
    expect(events[1]!.message).toBe(
      `Exec lifecycle hook ([sh -c echo draining; echo no backend >&2; exit 3]) for Container "main" in Pod "failing-hook_${NS}(${pod.uid})" failed - error: ${error}, message: "draining\\nno backend"`,
    );
  });

  it('never kills again: an exited container and then a removed one are reported stopped with no hook, event or StopContainer, and the container kubelet started in its place keeps running', async () => {
    const pod = await node.runPod('rerun', { command: ['sh', '-c', LOOP] }, { restartPolicy: 'Always' });
    const first = await killContainer(killDeps(node, cri), spec('rerun', pod, { gracePeriodSeconds: 2 }), new AbortController().signal, hookLog());
    expect(first.kind).toBe('stopped');
    const restarted = await until(
      () => {
        const s = node.mainStatus('rerun');
        return s?.restartCount === 1 && s.state.running !== undefined ? s : undefined;
      },
      'the simulator to restart the container',
      20_000,
    );
    const eventsBefore = (await node.eventsOf('rerun')).length;

    const { cri: noted, stops } = notingStops(cri);
    const preStop = { exec: { command: ['sh', '-c', 'touch /tmp/should-not-run'] } };
    const hooks = hookLog();
    const again = await killContainer(killDeps(node, noted), spec('rerun', pod, { preStop }), new AbortController().signal, hooks);
    expect(again).toEqual({ kind: 'alreadyStopped', reason: 'exited' });
    expect(hooks.calls.map((c) => c.what)).toEqual(['preStopFinished']);

    await cri.removeContainer(undefined, { container_id: pod.id });
    const gone = await killContainer(killDeps(node, noted), spec('rerun', pod, { preStop }), new AbortController().signal, hookLog());
    expect(gone).toEqual({ kind: 'alreadyStopped', reason: 'gone' });

    expect(stops).toEqual([]);
    expect((await node.eventsOf('rerun')).length).toBe(eventsBefore);
    const newId = restarted.containerID!.slice('containerd://'.length);
    expect((await statusOf(newId)).state).toBe('CONTAINER_RUNNING');
    const touched = await cri.execSync(undefined, { container_id: newId, cmd: ['test', '-e', '/tmp/should-not-run'], timeout: 5 });
    expect(touched.exit_code).toBe(1);
  });

  it('fails an httpGet hook without host as kubelet does (no pod IP from CRI) and still stops the container', async () => {
    const pod = await node.runPod('http-no-host', { command: ['sh', '-c', LOOP] }, { restartPolicy: 'Never' });
    const hooks = hookLog();
    const preStop = { httpGet: { path: '/quit', port: 8080 } };
    const outcome = await killContainer(killDeps(node, cri), spec('http-no-host', pod, { preStop }), new AbortController().signal, hooks);

    expect(outcome.kind).toBe('stopped');
    expect((await statusOf(pod.id)).state).toBe('CONTAINER_EXITED');
    const error = `failed to find networking container: the CRI pod status of http-no-host_${NS}(${pod.uid}) carries no IPs`;
    expect(hooks.calls.map((c) => c.what)).toEqual([`preStopFinished:${error}`]);
    const failed = (await node.eventsOf('http-no-host')).find((e) => e.reason === 'FailedPreStopHook');
    expect(failed?.message).toBe(`HTTP lifecycle hook (/quit) for Container "main" in Pod "http-no-host_${NS}(${pod.uid})" failed - error: ${error}`);
  });

  it('calls an httpGet hook with an explicit host on the named port, with its headers, and ignores the answer status as kubelet does', async () => {
    const seen: Array<{ url: string; headers: IncomingHttpHeaders }> = [];
    const server = createServer((req, res) => {
      seen.push({ url: req.url ?? '', headers: req.headers });
      res.writeHead(500).end('busy');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const pod = await node.runPod('http-host', { command: ['sh', '-c', LOOP] }, { restartPolicy: 'Never' });
      const hooks = hookLog();
      const preStop = { httpGet: { host: '127.0.0.1', port: 'admin', path: 'drain?now=1', httpHeaders: [{ name: 'X-Drain', value: 'yes' }] } };
      const ports = [
        { name: 'web', containerPort: 1 },
        { name: 'admin', containerPort: port },
      ];
      const outcome = await killContainer(killDeps(node, cri), spec('http-host', pod, { preStop, ports }), new AbortController().signal, hooks);

      expect(outcome.kind).toBe('stopped');
      expect(hooks.calls.map((c) => c.what)).toEqual(['preStopFinished']);
      expect(seen).toHaveLength(1);
      expect(seen[0]!.url).toBe('/drain?now=1');
      expect(seen[0]!.headers).toMatchObject({ 'x-drain': 'yes', 'user-agent': 'kube-lifecycle/1.32', accept: '*/*' });
      expect((await node.eventsOf('http-host')).map((e) => e.reason)).toEqual(['Killing']);
    } finally {
      server.close();
    }
  });

  it('sends an HTTPS hook answered in plain HTTP again over HTTP, as kubelet does, and reports LifecycleHTTPFallback on the pod', async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(req.url ?? '');
      res.writeHead(200).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const port = (server.address() as AddressInfo).port;
      const pod = await node.runPod('http-fallback', { command: ['sh', '-c', LOOP] }, { restartPolicy: 'Never' });
      const hooks = hookLog();
      const preStop = { httpGet: { host: '127.0.0.1', port, scheme: 'HTTPS' as const, path: '/quit' } };
      const outcome = await killContainer(killDeps(node, cri), spec('http-fallback', pod, { preStop }), new AbortController().signal, hooks);

      expect(outcome.kind).toBe('stopped');
      expect(hooks.calls.map((c) => c.what)).toEqual(['preStopFinished']);
      expect(seen).toEqual(['/quit']);
      const events = await node.eventsOf('http-fallback');
      expect(events.map((e) => [e.reason, e.type])).toEqual([
        ['Killing', 'Normal'],
        ['LifecycleHTTPFallback', 'Warning'],
      ]);
      expect(events[1]!.message).toBe(`request to HTTPS lifecycle hook 127.0.0.1:${port} got HTTP response, retry with HTTP succeeded`);
      expect(events[1]!.involvedObject).not.toHaveProperty('fieldPath');
    } finally {
      server.close();
    }
  });

  it('rejects a tcpSocket hook as an invalid handler with kubelet rendering of it, and still stops the container', async () => {
    const pod = await node.runPod('tcp-hook', { command: ['sh', '-c', LOOP] }, { restartPolicy: 'Never' });
    const hooks = hookLog();
    const outcome = await killContainer(
      killDeps(node, cri),
      spec('tcp-hook', pod, { preStop: { tcpSocket: { port: 8080 } } }),
      new AbortController().signal,
      hooks,
    );

    expect(outcome.kind).toBe('stopped');
    expect((await statusOf(pod.id)).state).toBe('CONTAINER_EXITED');
    const error = 'invalid handler: &LifecycleHandler{Exec:nil,HTTPGet:nil,TCPSocket:&TCPSocketAction{Port:{0 8080 },Host:,},Sleep:nil,}';
    expect(hooks.calls.map((c) => c.what)).toEqual([`preStopFinished:${error}`]);
    const failed = (await node.eventsOf('tcp-hook')).find((e) => e.reason === 'FailedPreStopHook');
    expect(failed).toMatchObject({ type: 'Warning', message: `Cannot run handler: ${error}` });
  });
});
