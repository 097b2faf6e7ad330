// The image puller through `kruised run`, as users run it: the fake API server with the daemon's
// RBAC, the real containerd and registry, an ImagePullJob turned into this node's NodeImage entry
// by the manager double; the daemon pulls it, reports it in NodeImage status and an Event, and
// its event log replays clean. Then a digest reference (upstream bug #2534) beside hand-written
// tags that can never be pulled.
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { imageTagMachine } from '../../machines/image-pull/image-tag.machine.js';
import { authorizerFromRules, kruiseDaemonRules, startFakeApiServer } from '../bed/apiserver/index.js';
import { nodeImageFromImagePullJob } from '../bed/manager/index.js';
import { runtimeBed } from '../bed/runtime-bed.js';
import { runCli, startCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';
import { cliDaemonBed, NODE, NODE_IMAGE } from './image-puller-daemon.js';

interface TagStatus {
  tag: string;
  phase: string;
  progress?: number;
  imageID?: string;
  message?: string;
}
type NodeImageStatus = { desired?: number; succeeded?: number; failed?: number; imageStatuses?: Record<string, { tags?: TagStatus[] }> };

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe.skipIf(!runtimeBed())('the image puller in kruised run', () => {
  it('pulls an ImagePullJob image on the node, reports Succeeded in NodeImage status with an event, and its log replays clean', async () => {
    const bed = runtimeBed()!;
    const api = await startFakeApiServer({ authorize: authorizerFromRules(kruiseDaemonRules) });
    const dataDir = await tempDir();
    const kubeconfig = join(dataDir, 'kubeconfig');
    await writeFile(kubeconfig, api.kubeconfigYaml());
    const port = await freePort();
    const daemon = startCli(
      [
        'run',
        `--addr=127.0.0.1:${port}`,
        '--enable-pprof=false',
        `--data-dir=${dataDir}`,
        `--cri-endpoint=${bed.endpoint}`,
        `--kubeconfig=${kubeconfig}`,
        '--max-workers-for-pull-image=2',
      ],
      { NODE_NAME: 'node-a' },
    );
    try {
      let health: Response | undefined;
      for (let i = 0; i < 600 && health?.status !== 200; i += 1) {
        health = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
        if (health?.status !== 200) await new Promise((r) => setTimeout(r, 25));
      }
      expect(health?.status, `/healthz after 15 s: ${health ? await health.text() : 'no answer'}`).toBe(200);
      const job = api.store.create({
        apiVersion: 'apps.kruise.io/v1alpha1',
        kind: 'ImagePullJob',
        metadata: { name: 'pull-busybox2', namespace: 'default' },
        spec: { image: bed.images.busybox2 },
      });
      nodeImageFromImagePullJob(api, job, ['node-a']);
      const done = await api.store.waitFor(
        { apiVersion: 'apps.kruise.io/v1beta1', kind: 'NodeImage', name: 'node-a' },
        (o) => (o?.status as NodeImageStatus | undefined)?.succeeded === 1,
        60_000,
      );
      const status = done?.status as NodeImageStatus;
      expect(status).toMatchObject({ desired: 1, succeeded: 1, failed: 0 });
      const tags = Object.values(status.imageStatuses ?? {}).flatMap((image) => image.tags ?? []);
      expect(tags).toHaveLength(1);
      expect(tags[0]).toMatchObject({ tag: '2', phase: 'Succeeded', progress: 100 });
      expect(tags[0]!.imageID).toMatch(/@sha256:[0-9a-f]{64}$/);
      const events = api.store.list('v1', 'Event', { namespace: 'default' });
      expect(events.filter((e) => (e as { reason?: string }).reason === 'PullImageSucceed')).toHaveLength(1);
      const writes = api.requests.filter({ resource: 'nodeimages', subresource: 'status' });
      expect(writes.length).toBeGreaterThan(0);
      expect(writes.every((r) => r.status !== 403 && r.userAgent?.includes('kruise-daemon-imagepuller'))).toBe(true);
    } finally {
      daemon.child.kill('SIGTERM');
    }
    expect((await daemon.done).code).toBe(0);
    const replay = await runCli(['replay', join(dataDir, 'events')]);
    expect(replay.code).toBe(0);
    expect(replay.stdout).toContain(`[imageTag@${imageTagMachine.version}]`);
    expect(replay.stdout).toMatch(/replay clean/);
    await api.close();
  });
});

describe.skipIf(!runtimeBed())('the image puller in kruised run: digests and malformed specs', () => {
  it('pulls a name@sha256 digest reference and reports it, while a bad reference, a negative timeoutSeconds and an unknown pull secret each end Failed with a clear message', async () => {
    const bed = runtimeBed()!;
    const env = await cliDaemonBed(bed);
    const manifest = await fetch(`http://${bed.registry}/v2/busybox/manifests/2`, {
      headers: { Accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' },
    });
    const digest = manifest.headers.get('docker-content-digest')!;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const name = `${bed.registry}/busybox`;
    const badName = `${bed.registry}/Busy-Box`;
    const priv = bed.images.private.slice(0, bed.images.private.lastIndexOf(':'));
    env.api.store.create({ apiVersion: 'apps.kruise.io/v1beta1', kind: 'NodeImage', metadata: { name: NODE }, spec: {} });
    const daemon = await env.start();
    try {
      const tag = (t: string, pullPolicy: Record<string, number>) => ({ tag: t, version: 0, imagePullPolicy: 'Always', pullPolicy });
      env.api.store.mutate(NODE_IMAGE, (ni) => {
        ni.spec = {
          images: {
            [name]: { tags: [tag('1', { timeoutSeconds: -5, backoffLimit: 1 })] },
            [badName]: { tags: [tag('1', {})] },
            [priv]: { pullSecrets: [{ namespace: 'kruise-daemon-config', name: 'not-copied-yet' }], tags: [tag('1', { backoffLimit: 1 })] },
          },
        };
      });
      const job = env.api.store.create({
        apiVersion: 'apps.kruise.io/v1beta1',
        kind: 'ImagePullJob',
        metadata: { name: 'by-digest', namespace: 'default' },
        spec: { image: `${name}@${digest}`, imagePullPolicy: 'Always' },
      });
      nodeImageFromImagePullJob(env.api, job, [NODE]);
      const done = await env.api.store.waitFor(
        NODE_IMAGE,
        (o) => {
          const st = o?.status as NodeImageStatus | undefined;
          return (st?.succeeded ?? 0) + (st?.failed ?? 0) === 4;
        },
        60_000,
      );
      const status = done!.status as NodeImageStatus;
      expect(status).toMatchObject({ desired: 4, succeeded: 1, failed: 3 });
      const entry = (image: string, t: string) => status.imageStatuses?.[image]?.tags?.find((x) => x.tag === t);
      expect(entry(name, digest)).toMatchObject({
        phase: 'Succeeded',
        progress: 100,
        imageID: expect.stringMatching(new RegExp(`^${name.replace(/[.]/g, '\\.')}@sha256:[0-9a-f]{64}$`)),
      });
      expect(entry(badName, '1')).toMatchObject({
        phase: 'Failed',
        message: `invalid image reference "${badName}:1": invalid reference format: repository name must be lowercase`,
      });
      expect(entry(name, '1')).toMatchObject({ phase: 'Failed', message: `pulling image ${name}:1 is canceled (timeoutSeconds -5 leaves no time to pull)` });
      expect(entry(priv, '1')?.phase).toBe('Failed');
      expect(entry(priv, '1')?.message).toMatch(/401 Unauthorized.* \(pull secret kruise-daemon-config\/not-copied-yet not found\)$/);
      const events = env.api.store.list('v1', 'Event', { namespace: 'default' }) as Array<{
        reason?: string;
        message?: string;
        involvedObject?: { kind?: string };
      }>;
      const onNodeImage = events.filter((e) => e.involvedObject?.kind === 'NodeImage');
      expect(onNodeImage.map((e) => e.reason).sort()).toEqual(['PullImageFailed', 'PullImageFailed', 'PullImageFailed', 'PullImageSucceed']);
      expect(onNodeImage.find((e) => e.reason === 'PullImageSucceed')!.message).toMatch(
        new RegExp(`^Image ${name.replace(/[.]/g, '\\.')}:${digest}, ecalpsedTime`),
      );
    } finally {
      daemon.child.kill('SIGTERM');
    }
    expect((await daemon.done).code).toBe(0);
    const replay = await runCli(['replay', join(env.dataDir, 'events')]);
    expect(replay.code).toBe(0);
    expect(replay.stdout).toMatch(/replay clean/);
    await env.close();
  });
});
