// Container meta through `kruised run`, as users run it: the fake API server with the daemon's
// RBAC, the kubelet simulator on the real containerd, and the manager double for in-place updates.
// The daemon is killed with SIGKILL between its kill of a stale container and its patch of the
// annotation (the kubelet is slowed so that window lasts two seconds), started again on the same
// data dir, and the update completes with the container stopped exactly once: containerd's own log
// holds one StopContainer for the pod and the API server one Killing event. The log replays clean.
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { createCriClient } from '../../adapters/cri/index.js';
import { authorizerFromRules, kruiseDaemonRules, startFakeApiServer } from '../bed/apiserver/index.js';
import { startKubeletSim, type PodJson } from '../bed/kubelet/index.js';
import { kruisePod, runtimeMetaOf, startInPlaceUpdateController } from '../bed/manager/index.js';
import { runtimeBed } from '../bed/runtime-bed.js';
import { runCli, startCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

const NODE = 'node-a';
const LOOP = 'trap "exit 0" TERM; while true; do sleep 1 & wait $!; done';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe.skipIf(!runtimeBed())('container meta in kruised run', () => {
  it('survives SIGKILL between the kill of a stale container and the annotation patch without a second kill, and its log replays clean', async () => {
    const bed = runtimeBed()!;
    const api = await startFakeApiServer({ authorize: authorizerFromRules(kruiseDaemonRules) });
    const cri = createCriClient({ endpoint: bed.endpoint, platform: 'linux' });
    // the kubelet waits 2 s before restarting an exited container: the window between the kill and the patch
    const sim = await startKubeletSim({ kubeConfig: api.kubeConfig(), nodeName: NODE, cri, podNetwork: bed.podNetwork, restartBackoffMs: 2_000, pollMs: 100 });
    const manager = startInPlaceUpdateController(api, { intervalMs: 200 });
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
    const ref = { apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'web-0' };
    const pod = () => api.store.get(ref) as unknown as PodJson | undefined;
    const metaId = () => runtimeMetaOf(pod())?.containers.find((c) => c.name === 'main')?.containerID;

    let daemon = start();
    try {
      await healthy();
      const env = [{ name: 'VERSION', valueFrom: { fieldRef: { fieldPath: "metadata.labels['version']" } } }];
      api.store.create(
        kruisePod('web-0', NODE, [{ name: 'main', image: bed.images.busybox, command: ['sh', '-c', LOOP], env }], { labels: { version: 'v1' } }),
      );
      const running = await api.store.waitFor(
        ref,
        (p) => (p as unknown as PodJson | undefined)?.status?.containerStatuses?.[0]?.state.running !== undefined,
        30_000,
      );
      const old = (running as unknown as PodJson).status!.containerStatuses![0]!.containerID!;
      await api.store.waitFor(ref, () => metaId() === old, 30_000);

      manager.update('default', 'web-0', { labels: { version: 'v2' } });
      const oldId = old.slice('containerd://'.length);
      for (let i = 0; i < 800; i += 1) {
        if ((await cri.containerStatus(undefined, { container_id: oldId })).status?.state === 'CONTAINER_EXITED') break;
        await new Promise((r) => setTimeout(r, 25));
      }
      daemon.child.kill('SIGKILL');
      expect((await daemon.done).signal).toBe('SIGKILL');
      // the window was hit: the container is stopped and the annotation still names it
      expect((await cri.containerStatus(undefined, { container_id: oldId })).status?.state).toBe('CONTAINER_EXITED');
      expect(metaId()).toBe(old);

      daemon = start();
      await healthy();
      const done = await manager.completed('default', 'web-0', 60_000);
      const now = done.status!.containerStatuses![0]!;
      expect(now.containerID).not.toBe(old);
      expect(now.restartCount).toBe(1);
      expect(metaId()).toBe(now.containerID);

      // exactly one stop: containerd logs `StopContainer for "<id>" with timeout <n> (s)` as each request arrives
      const containerdLog = await readFile(join(bed.dir, 'log', 'containerd.log'), 'utf8');
      const stopsOfPod = [oldId, now.containerID!.slice('containerd://'.length)].map(
        (id) => containerdLog.split('\n').filter((l) => l.includes('StopContainer for') && l.includes(id) && l.includes('with timeout')).length,
      );
      expect(stopsOfPod).toEqual([1, 0]);
      const killing = api.store
        .list('v1', 'Event', { namespace: 'default' })
        .filter((e) => (e as { reason?: string }).reason === 'Killing' && (e as { involvedObject?: { name?: string } }).involvedObject?.name === 'web-0');
      expect(killing.map((e) => (e as { count?: number }).count ?? 1)).toEqual([1]);
      expect(api.requests.filter((r) => r.status === 403)).toEqual([]);
    } finally {
      daemon.child.kill('SIGTERM');
      await daemon.done;
    }
    const replay = await runCli(['replay', join(dataDir, 'events')]);
    expect(replay.stderr).toBe('');
    expect(replay.code).toBe(0);
    expect(replay.stdout).toContain('containerMeta/default/web-0');
  });
});
