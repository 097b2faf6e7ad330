import { readFile, readdir, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeRecord, encodeRecord } from '../../engine/log/record.js';
import { runCli, startCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';
import { runtimeBed } from '../bed/runtime-bed.js';
import { machineRegistry } from '../../machines/registry.js';
import { startFakeApiServer } from '../bed/apiserver/index.js';

const UNREACHABLE_KUBECONFIG = `apiVersion: v1
kind: Config
clusters:
- name: gone
  cluster:
    server: http://127.0.0.1:PORT
    insecure-skip-tls-verify: true
contexts:
- name: gone
  context:
    cluster: gone
    user: gone
current-context: gone
users:
- name: gone
  user:
    token: nothing
`;

async function demoLog(): Promise<string> {
  const dir = await tempDir();
  const result = await runCli(['demo', '--json', '--cluster=false', '--chunk-delay-ms', '0', '--data-dir', dir]);
  expect(result.code).toBe(0);
  return join(dir, 'events');
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * The demo's CRR step: every change of phase and containerRecreateStates in order, the container
 * recreated with a new ID and one more restart, and the daemon's own log replaying clean with the
 * crrPod actor in it (by the demo's summary and by `kruised replay` itself).
 */
async function expectCrrRestart(stdout: string, dataDir: string, scheme: string): Promise<void> {
  const crr = [...stdout.matchAll(/^cluster: CRR default\/restart-web (.+)$/gm)].map((m) => m[1]);
  expect(crr, stdout).toEqual([
    'Recreating',
    'Recreating; containers: web Pending',
    'Recreating; containers: web Recreating (killed)',
    'Recreating; containers: web Succeeded (killed)',
    'Completed; containers: web Succeeded (killed)',
  ]);
  const id = `(${scheme}://[0-9a-f]{64})`;
  const before = new RegExp(`restarted it as ${id} \\(restartCount 1\\)`).exec(stdout)?.[1];
  const after = new RegExp(`^cluster: CRR Completed: kruised recreated container web, now ${id} \\(restartCount 2\\)$`, 'm').exec(stdout)?.[1];
  expect(before, stdout).toBeDefined();
  expect(after, stdout).toBeDefined();
  expect(after).not.toBe(before);
  expect(stdout).toMatch(
    /^cluster: the daemon's own event log replays clean: \d+ records; actors: crrPod default\/web, containerMetaPod containerMeta\/default\/meta-demo, imageTag \S+, nodeImageStatus NodeImage\/\S+$/m,
  );
  expectInPlaceUpdate(stdout, scheme);
  const replay = await runCli(['replay', join(dataDir, 'daemon', 'events'), '--key', 'default/web']);
  expect(replay.code).toBe(0);
  expect(replay.stdout).toContain('default/web  [crrPod@');
  expect(replay.stdout).toMatch(/kill\.stopped .*killing\.stopping → writing/);
  expect(replay.stdout).toMatch(/stop \(done\)/);
}

/** The demo's in-place update of env from metadata (test/bed/demo/meta-update.ts): one restart by kruised, the new value inside. */
function expectInPlaceUpdate(stdout: string, scheme: string): void {
  const id = `${scheme}://[0-9a-f]{64}`;
  expect(stdout).toMatch(new RegExp(`^cluster: inside ${id}: VERSION=v1$`, 'm'));
  expect(stdout).toContain(`cluster: Event Killing from kruise-daemon-containermeta: Stopping containerID ${scheme}://app by container meta restarter`);
  expect(stdout).toMatch(new RegExp(`^cluster: inside ${id} \\(restartCount 1\\): VERSION=v2$`, 'm'));
  expect(stdout).toContain('cluster: in-place update done: VERSION v1 → v2, the container restarted 1 time(s), by kruised');
}

describe('the kruised command line', () => {
  it('replays a demo log clean with exit 0, narrows to a key, and prints JSON on request', async () => {
    const logDir = await demoLog();
    const text = await runCli(['replay', logDir, '--key', 'missing']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('missing  [blobFetch@1]');
    expect(text.stdout).toMatch(/after retryBackoff +reporting\.clean\|transfer\.backingOff → reporting\.clean\|transfer\.fetching/);
    expect(text.stdout).not.toContain('layer-1');
    const json = await runCli(['replay', logDir, '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ clean: true, divergence: null });
    expect(JSON.parse(json.stdout).actors).toHaveLength(8);
  });

  it('exits 3 with a divergence report when one logged event was edited', async () => {
    const logDir = await demoLog();
    const [name] = await readdir(logDir);
    const path = join(logDir, name!);
    const lines = (await readFile(path, 'utf8')).trim().split('\n');
    const index = lines.findIndex((line) => line.includes('"verifyDigest"') && line.includes('"ok":true'));
    const record = decodeRecord(lines[index]!);
    const event = record.event as { output: { ok: boolean } };
    lines[index] = encodeRecord({ ...record, event: { ...event, output: { ...event.output, ok: false } } });
    await writeFile(path, `${lines.join('\n')}\n`);
    const result = await runCli(['replay', logDir]);
    expect(result.code).toBe(3);
    expect(result.stdout).toContain('DIVERGENCE');
    expect(result.stdout).toContain(`seq:      #${record.seq}`);
    expect(result.stdout).toContain(`key:      ${record.key}`);
  });

  it('exits 2 on unreadable input and on unknown flags, saying why', async () => {
    const missing = await runCli(['replay', '/nonexistent/log']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read \/nonexistent\/log/);
    const unknown = await runCli(['run', '--no-such-flag=1']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown flag: --no-such-flag');
    const refused = await runCli(['run', '--crr-max-jitter-ms=100']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--crr-max-jitter-ms=100 is not supported by kruised');
    const noCommand = await runCli(['frobnicate']);
    expect(noCommand.code).toBe(2);
  });

  it.skipIf(!runtimeBed())(
    'shows the daemon on a node of its own in the demo: real containerd, fake API server, kubelet simulator',
    { timeout: 120_000 },
    async () => {
      const dir = await tempDir();
      const result = await runCli(['demo', '--chunk-delay-ms', '0', '--data-dir', dir]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('cluster: kruised is healthy: runtime found, API server reached, informers synced');
      expect(result.stdout).toMatch(/pod default\/web runs on the real containerd as containerd:\/\/([0-9a-f]{64}) \(restartCount 0\)/);
      const first = /as (containerd:\/\/[0-9a-f]{64}) \(restartCount 0\)/.exec(result.stdout)?.[1];
      const second = /restarted it as (containerd:\/\/[0-9a-f]{64}) \(restartCount 1\)/.exec(result.stdout)?.[1];
      expect(second).toBeDefined();
      expect(second).not.toBe(first);
      await expectCrrRestart(result.stdout, dir, 'containerd');
      expect(result.stdout).toMatch(/cluster: NodeImage demo-node status: Succeeded, progress 100, imageID \S+@sha256:[0-9a-f]{64}/);
      expect(result.stdout).toContain('cluster: everything it started is stopped and removed');
    },
  );

  it('falls back to the clearly labelled simulated runtime in the demo when no real containerd can run', async () => {
    const dir = await tempDir();
    const result = await runCli(['demo', '--chunk-delay-ms', '0', '--data-dir', dir], { KRUISED_DEMO_RUNTIME: 'simulated' });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('using the SIMULATED runtime (test double, not containerd)');
    expect(result.stdout).toContain('cluster: kruised is healthy: runtime found, API server reached, informers synced');
    const first = /runs on the SIMULATED runtime as (simulated-cri:\/\/[0-9a-f]{64}) \(restartCount 0\)/.exec(result.stdout)?.[1];
    const second = /restarted it as (simulated-cri:\/\/[0-9a-f]{64}) \(restartCount 1\)/.exec(result.stdout)?.[1];
    expect(first).toBeDefined();
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    await expectCrrRestart(result.stdout, dir, 'simulated-cri');
    expect(result.stdout).toMatch(/cluster: NodeImage demo-node status: Succeeded, progress 100, imageID \S+@/);
    expect(result.stdout).toContain('cluster: everything it started is stopped and removed');
  });

  it("writes every machine's Stately JSON and Mermaid chart with charts --out", async () => {
    const out = await tempDir();
    const result = await runCli(['charts', '--out', out]);
    expect(result.code).toBe(0);
    const expected = [...machineRegistry.keys()].flatMap((id) => [`${id}.json`, `${id}.mmd`]);
    expect((await readdir(out)).sort()).toEqual([...expected, 'index.md'].sort());
    expect(expected).toContain('imageTag.json');
    // The config form (what createMachine takes), not XState's internal definition (toJSON's `transitions`).
    const chart = JSON.parse(await readFile(join(out, 'blobFetch.json'), 'utf8')) as Record<string, unknown>;
    expect(chart).toMatchObject({ id: 'blobFetch', type: 'parallel', on: { 'demo.cancelled': { target: '.transfer.failed' } } });
    expect(chart).not.toHaveProperty('transitions');
  });

  it('refuses to run without a node name, as upstream does, after warning about the flags it ignores', async () => {
    const dataDir = await tempDir();
    const result = await runCli(['run', `--data-dir=${dataDir}`, '--enable-pprof=false', '--log_dir=/var/log/kruise'], { NODE_NAME: '' });
    expect(result.code).toBe(1);
    const lines = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { level: number; msg: string; flag?: string });
    expect(lines.find((l) => l.flag === 'log_dir')).toMatchObject({
      level: 40,
      msg: expect.stringContaining('--log_dir=/var/log/kruise is accepted for compatibility'),
    });
    expect(lines.at(-1)?.msg).toBe('not found NODE_NAME in environments');
  });

  it("exits with upstream's message when no container runtime answers", async () => {
    const dataDir = await tempDir();
    const port = await freePort();
    const result = await runCli(
      ['run', `--addr=127.0.0.1:${port}`, '--enable-pprof=false', `--data-dir=${dataDir}`, '--cri-endpoint=unix:///nonexistent/containerd.sock'],
      { NODE_NAME: 'node-a' },
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('failed to new runtime factory: not found container runtime sock');
  });

  it('exits when the API server cannot be reached, as upstream does', async () => {
    const bed = runtimeBed();
    const dataDir = await tempDir();
    const kubeconfig = join(dataDir, 'kubeconfig');
    await writeFile(kubeconfig, UNREACHABLE_KUBECONFIG.replace('PORT', String(await freePort())));
    const port = await freePort();
    const cri = bed ? bed.endpoint : 'unix:///nonexistent.sock';
    const result = await runCli(
      ['run', `--addr=127.0.0.1:${port}`, '--enable-pprof=false', `--data-dir=${dataDir}`, `--cri-endpoint=${cri}`, `--kubeconfig=${kubeconfig}`],
      { NODE_NAME: 'node-a' },
    );
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(bed ? 'cannot reach the API server' : 'not found container runtime sock');
  });

  it.skipIf(!runtimeBed())(
    'runs as a daemon on a real containerd and the API server: healthy once its informers synced, observes its NodeImage, stops cleanly on SIGTERM',
    async () => {
      const api = await startFakeApiServer();
      const dataDir = await tempDir();
      const kubeconfig = join(dataDir, 'kubeconfig');
      await writeFile(kubeconfig, api.kubeconfigYaml());
      const port = await freePort();
      const daemon = startCli(
        [
          'run',
          '--logtostderr=true',
          '--v=4',
          `--addr=127.0.0.1:${port}`,
          '--feature-gates=ImagePullJobGate=true',
          '--socket-file=',
          '--enable-pprof=false',
          `--data-dir=${dataDir}`,
          `--cri-endpoint=${runtimeBed()!.endpoint}`,
          `--kubeconfig=${kubeconfig}`,
        ],
        { NODE_NAME: 'node-a' },
      );
      try {
        let health: Response | undefined;
        const notReady = new Set<string>();
        for (let i = 0; i < 600 && health?.status !== 200; i += 1) {
          health = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
          if (health?.status === 500) notReady.add(await health.text());
          if (health?.status !== 200) await new Promise((r) => setTimeout(r, 25));
        }
        for (const body of notReady)
          expect(body).toMatch(
            /^check (eventLogRecovered|nodeImageInformerSynced|crrInformerSynced|nodePodProbeInformerSynced|podInformerSynced) failed, err: not synced$/,
          );
        expect(health?.status, `/healthz after 15 s; it said: ${[...notReady].join(' | ')}`).toBe(200);
        expect(await health?.text()).toBe('ok');
        api.store.create({ apiVersion: 'apps.kruise.io/v1beta1', kind: 'NodeImage', metadata: { name: 'node-a' }, spec: { images: {} } });
        api.store.create({ apiVersion: 'apps.kruise.io/v1beta1', kind: 'NodeImage', metadata: { name: 'node-b' }, spec: { images: {} } });
        let metrics = '';
        // Until the NodeImage is observed and an actor lives (the puller spawns its status actor on the turn after).
        const observedAndActing = () => /^kruised_kube_observations_total [1-9]/m.test(metrics) && /^kruised_live_actors [1-9]/m.test(metrics);
        for (let i = 0; i < 1200 && !observedAndActing(); i += 1) {
          await new Promise((r) => setTimeout(r, 25));
          metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        }
        // node-a's NodeImage has its status actor (nodeImageStatus) and no tag to pull; node-b's is not this node's.
        expect(metrics, 'the metrics after waiting 30 s for an observation and a live actor').toMatch(/^kruised_live_actors 1$/m);
        const requests = api.requests.filter({ resource: 'nodeimages' });
        expect(requests.every((r) => r.userAgent?.startsWith('kruise-daemon/kruise-daemon-imagepuller'))).toBe(true);
        expect(requests.some((r) => r.rawQuery.includes('fieldSelector=metadata.name%3Dnode-a'))).toBe(true);
      } finally {
        daemon.child.kill('SIGTERM');
      }
      const result = await daemon.done;
      expect(result.code).toBe(0);
      expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
      const lines = result.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { msg: string; key?: string; informer?: string });
      expect(lines.map((l) => l.msg)).toEqual(
        expect.arrayContaining(['CRI runtime found', 'connected to the API server', 'event log recovered', 'kruised is running', 'shutting down']),
      );
      expect(lines.find((l) => l.msg === 'CRI runtime found')).toMatchObject({ runtime: 'containerd' });
      const observed = lines.filter((l) => l.msg === 'observed' && l.informer === 'nodeImage').map((l) => l.key);
      expect(observed).toContain('node-a');
      expect(observed).not.toContain('node-b');
      await api.close();
    },
  );
});
