// ContainerRecreateRequests through `kruised run`, as users run it: the fake API server with the
// daemon's RBAC, the kubelet simulator running pods on the real containerd, the manager's CRR
// doubles (webhook, snapshot, deadlines). The daemon restarts a container through a CRR; then it
// is killed with SIGKILL mid-CRR (after the kill, before completion), started again on the same
// data dir, and the CRR completes with the container restarted exactly once; the log replays clean.
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createCriClient } from '../../adapters/cri/index.js';
import { authorizerFromRules, kruiseDaemonRules, startFakeApiServer, type KubeObject } from '../bed/apiserver/index.js';
import { startKubeletSim, type PodJson } from '../bed/kubelet/index.js';
import { createCrr, startCrrController } from '../bed/manager/index.js';
import { runtimeBed } from '../bed/runtime-bed.js';
import { runCli, startCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

const NODE = 'node-a';
const LOOP = 'while true; do sleep 1 & wait $!; done';

interface CrrStatus {
  phase?: string;
  completionTime?: string;
  containerRecreateStates?: Array<{ name: string; phase: string; isKilled?: boolean }>;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe.skipIf(!runtimeBed())('ContainerRecreateRequests in kruised run', () => {
  it('restarts a container through a CRR, survives SIGKILL mid-CRR without a second restart, and its log replays clean', async () => {
    const bed = runtimeBed()!;
    const api = await startFakeApiServer({ authorize: authorizerFromRules(kruiseDaemonRules) });
    const cri = createCriClient({ endpoint: bed.endpoint, platform: 'linux' });
    const sim = await startKubeletSim({ kubeConfig: api.kubeConfig(), nodeName: NODE, cri, podNetwork: bed.podNetwork, restartBackoffMs: 100, pollMs: 150 });
    const manager = startCrrController(api, { intervalMs: 200 });
    onTestFinished(async () => {
      manager.stop();
      await sim.stop();
      cri.close();
      await api.close();
    });
    const dataDir = await tempDir();
    const kubeconfig = join(dataDir, 'kubeconfig');
    await writeFile(kubeconfig, api.kubeconfigYaml());
    const port = await freePort();
    const start = () =>
      startCli(
        ['run', `--addr=127.0.0.1:${port}`, '--enable-pprof=false', `--data-dir=${dataDir}`, `--cri-endpoint=${bed.endpoint}`, `--kubeconfig=${kubeconfig}`],
        { NODE_NAME: NODE },
      );
    const healthy = async () => {
      for (let i = 0; i < 600; i += 1) {
        const health = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
        if (health?.status === 200) return;
        await new Promise((r) => setTimeout(r, 25));
      }
      throw new Error('kruised never became healthy');
    };
    const podRef = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name });
    const crrRef = (name: string) => ({ apiVersion: 'apps.kruise.io/v1beta1', kind: 'ContainerRecreateRequest', namespace: 'default', name });
    const main = (p: KubeObject | undefined) => (p as unknown as PodJson | undefined)?.status?.containerStatuses?.find((c) => c.name === 'main');
    const runPod = async (name: string) => {
      api.store.create({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: 'default' },
        spec: { nodeName: NODE, terminationGracePeriodSeconds: 2, containers: [{ name: 'main', image: bed.images.busybox, command: ['sh', '-c', LOOP] }] },
      });
      return main(await api.store.waitFor(podRef(name), (p) => main(p)?.ready === true, 30_000))!;
    };
    const completed = async (name: string) =>
      (await api.store.waitFor(crrRef(name), (o) => typeof (o?.status as CrrStatus | undefined)?.completionTime === 'string', 30_000))!.status as CrrStatus;

    let daemon = start();
    try {
      await healthy();
      // 1. A plain restart.
      const before = await runPod('web-0');
      createCrr(api, { name: 'restart-web', podName: 'web-0', containers: ['main'] });
      expect(await completed('restart-web')).toMatchObject({
        phase: 'Completed',
        containerRecreateStates: [{ name: 'main', phase: 'Succeeded', isKilled: true }],
      });
      const after = main(api.store.get(podRef('web-0')))!;
      expect(after.containerID).not.toBe(before.containerID);
      expect(after.restartCount).toBe(before.restartCount + 1);

      // 2. SIGKILL once the old container has exited, while minStartedSeconds keeps the CRR open.
      const old = await runPod('web-1');
      const oldId = old.containerID!.slice('containerd://'.length);
      createCrr(api, { name: 'restart-survivor', podName: 'web-1', containers: ['main'], strategy: { minStartedSeconds: 4 } });
      let oldState: string | undefined;
      for (let i = 0; i < 1200 && oldState !== 'CONTAINER_EXITED'; i += 1) {
        oldState = (await cri.containerStatus(undefined, { container_id: oldId })).status?.state;
        if (oldState !== 'CONTAINER_EXITED') await new Promise((r) => setTimeout(r, 25));
      }
      expect(oldState, 'the old container, 30 s after the CRR was created').toBe('CONTAINER_EXITED');
      daemon.child.kill('SIGKILL');
      expect((await daemon.done).signal).toBe('SIGKILL');
      expect((api.store.get(crrRef('restart-survivor'))?.status as CrrStatus | undefined)?.completionTime).toBeUndefined();

      daemon = start();
      await healthy();
      expect(await completed('restart-survivor')).toMatchObject({
        phase: 'Completed',
        containerRecreateStates: [{ name: 'main', phase: 'Succeeded', isKilled: true }],
      });
      const survivor = main(api.store.get(podRef('web-1')))!;
      expect(survivor.containerID).not.toBe(old.containerID);
      expect(survivor.restartCount).toBe(old.restartCount + 1);
      // No second kill: the pod's only Killing event is the first run's, and the new container runs.
      // A second kill would come from the recovered actor before the CRR completed; the witness that
      // its Event reached the API server is the daemon's graceful stop (its event recorder flushed).
      daemon.child.kill('SIGTERM');
      expect((await daemon.done).code).toBe(0);
      const survivorId = survivor.containerID!.slice('containerd://'.length);
      expect((await cri.containerStatus(undefined, { container_id: survivorId })).status?.state).toBe('CONTAINER_RUNNING');
      expect(main(api.store.get(podRef('web-1')))!.restartCount).toBe(old.restartCount + 1);
      const killing = api.store
        .list('v1', 'Event', { namespace: 'default' })
        .filter((e) => (e as { reason?: string }).reason === 'Killing' && (e as { involvedObject?: { name?: string } }).involvedObject?.name === 'web-1');
      expect(killing.map((e) => (e as { count?: number }).count ?? 1)).toEqual([1]);

      const writes = api.requests.filter({ resource: 'containerrecreaterequests', subresource: 'status' });
      expect(writes.length).toBeGreaterThan(0);
      expect(writes.every((r) => r.status !== 403 && r.userAgent === 'kruise-daemon/kruise-daemon-crr')).toBe(true);
      expect(api.requests.filter((r) => r.status === 403)).toEqual([]);
    } finally {
      daemon.child.kill('SIGTERM'); // already stopped, unless an assertion above failed first
    }
    expect((await daemon.done).code).toBe(0);
    const replay = await runCli(['replay', join(dataDir, 'events')]);
    expect(replay.code).toBe(0);
    expect(replay.stdout).toContain('[crrPod@');
    expect(replay.stdout).toMatch(/replay clean/);
  });
});

describe('kruised run refuses CRR flags that mean nothing', () => {
  it.each([
    [['--crr-workers=0'], 'invalid argument "0" for "--crr-workers" flag: must be greater than 0'],
    [['--crr-min-backoff=-1s'], 'invalid argument "-1s" for "--crr-min-backoff" flag: must be greater than 0'],
    [['--crr-min-backoff=10s', '--crr-max-backoff=1s'], 'invalid argument "1s" for "--crr-max-backoff" flag: must not be below --crr-min-backoff (10s)'],
  ])('%j exits 2, saying why, before doing anything', async (args, message) => {
    const result = await runCli(['run', ...args], { NODE_NAME: NODE });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });
});
