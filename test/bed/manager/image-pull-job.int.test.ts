// The ImagePullJob manager doubles against the fake API server: NodeImage tag entries as the
// controller writes them (§3.1), copied pull secrets, version bumps, and the job status counted
// back from NodeImage statuses; plus the PodProbeMarker double (§6.1) and image normalisation.
import { CustomObjectsApi } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeApiServer, type FakeApiServer, type KubeObject } from '../apiserver/index.js';
import type { PodJson } from '../kubelet/types.js';
import { imagePullJobStatusFrom, nodeImageFromImagePullJob, nodePodProbeFromMarker, normalizeImageRef } from './index.js';

const servers: FakeApiServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function setup() {
  const api = await startFakeApiServer();
  servers.push(api);
  api.store.create({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'regcred', namespace: 'apps' },
    type: 'kubernetes.io/dockerconfigjson',
    data: { '.dockerconfigjson': 'e30=' },
  });
  const job = (name: string, spec: Record<string, unknown>) =>
    api.store.create({ apiVersion: 'apps.kruise.io/v1beta1', kind: 'ImagePullJob', metadata: { name, namespace: 'apps' }, spec });
  const nodeImage = (node: string) => api.store.get({ apiVersion: 'apps.kruise.io/v1beta1', kind: 'NodeImage', name: node })!;
  return { api, job, nodeImage };
}

const tagsOf = (ni: KubeObject, image: string) => (ni.spec as { images: Record<string, { tags: Array<Record<string, unknown>> }> }).images[image]?.tags ?? [];

describe('the ImagePullJob controller double', () => {
  it('writes a tag entry with version, pull policy, owner, createdAt and pull policy per node, and the copied pull secret', async () => {
    const { api, job, nodeImage } = await setup();
    const j = job('warm', { image: 'docker.io/library/nginx:1.21', pullSecrets: ['regcred'] });
    const written = nodeImageFromImagePullJob(api, j, ['node-a', 'node-b'], new Date('2026-01-02T03:04:05.678Z'));
    expect(written.map((n) => n.metadata.name)).toEqual(['node-a', 'node-b']);
    for (const node of ['node-a', 'node-b']) {
      const image = (nodeImage(node).spec as { images: Record<string, Record<string, unknown>> }).images.nginx!;
      const [tag, ...more] = tagsOf(nodeImage(node), 'nginx');
      expect(more).toEqual([]);
      expect(tag).toEqual({
        tag: '1.21',
        version: 0,
        createdAt: '2026-01-02T03:04:05Z',
        imagePullPolicy: 'IfNotPresent',
        ownerReferences: [{ apiVersion: 'apps.kruise.io/v1beta1', kind: 'ImagePullJob', name: 'warm', namespace: 'apps', uid: j.metadata.uid }],
        pullPolicy: { timeoutSeconds: 600, backoffLimit: 3, ttlSecondsAfterFinished: expect.any(Number) },
      });
      const ttl = (tag!.pullPolicy as { ttlSecondsAfterFinished: number }).ttlSecondsAfterFinished;
      expect(ttl).toBeGreaterThanOrEqual(1800 + 300);
      expect(ttl).toBeLessThan(1800 + 600);
      expect(image.pullSecrets).toEqual([{ namespace: 'kruise-daemon-config', name: expect.stringMatching(/^regcred-[0-9a-f]{6}$/), mode: 'batch' }]);
    }
    const copies = api.store.list('v1', 'Secret', { namespace: 'kruise-daemon-config' });
    expect(copies).toHaveLength(1);
    expect(copies[0]).toMatchObject({ type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': 'e30=' } });
    expect(copies[0]!.metadata.annotations).toMatchObject({
      'imagepulljobs.kruise.io/source-key': 'apps/regcred',
      'imagepulljobs.kruise.io/references': 'apps/warm',
    });
    // what the daemon reads over HTTP
    const custom = api.kubeConfig().makeApiClient(CustomObjectsApi);
    const viaHttp = (await custom.getClusterCustomObject({ group: 'apps.kruise.io', version: 'v1beta1', plural: 'nodeimages', name: 'node-a' })) as KubeObject;
    expect(tagsOf(viaHttp, 'nginx')[0]).toMatchObject({ tag: '1.21', version: 0 });
  });

  it('bumps the version and appends the owner when another job asks for the same tag, continues past a status version, and sorts tags', async () => {
    const { api, job, nodeImage } = await setup();
    const first = job('one', { image: 'busybox:1.36' });
    const second = job('two', { image: 'busybox:1.36', imagePullPolicy: 'Always', completionPolicy: { type: 'Never' } });
    const third = job('three', { image: 'busybox:1.35' });
    nodeImageFromImagePullJob(api, first, ['node-a']);
    api.store.patch(
      { apiVersion: 'apps.kruise.io/v1beta1', kind: 'NodeImage', name: 'node-a' },
      { status: { imageStatuses: { busybox: { tags: [{ tag: '1.35', version: 4, phase: 'Succeeded' }] } } } },
    );
    nodeImageFromImagePullJob(api, second, ['node-a']);
    nodeImageFromImagePullJob(api, third, ['node-a']);
    nodeImageFromImagePullJob(api, first, ['node-a']); // already an owner: no change
    const tags = tagsOf(nodeImage('node-a'), 'busybox');
    expect(tags.map((t) => [t.tag, t.version, (t.ownerReferences as Array<{ name: string }>).map((o) => o.name), t.imagePullPolicy])).toEqual([
      ['1.35', 5, ['three'], 'IfNotPresent'],
      ['1.36', 1, ['one', 'two'], 'Always'],
    ]);
  });

  it('counts the job status from NodeImage statuses of the spec version only', async () => {
    const { api, job, nodeImage } = await setup();
    const j = job('warm', { image: 'busybox:1.36' });
    nodeImageFromImagePullJob(api, j, ['node-a', 'node-b', 'node-c']);
    api.store.create({ apiVersion: 'apps.kruise.io/v1beta1', kind: 'NodeImage', metadata: { name: 'node-d' }, spec: {} });
    const status = (node: string, tags: unknown[]) =>
      api.store.patch({ apiVersion: 'apps.kruise.io/v1beta1', kind: 'NodeImage', name: node }, { status: { imageStatuses: { busybox: { tags } } } });
    status('node-a', [{ tag: '1.36', version: 0, phase: 'Succeeded' }]);
    status('node-b', [{ tag: '1.36', version: 0, phase: 'Failed' }]);
    status('node-c', [{ tag: '1.36', version: 7, phase: 'Succeeded' }]); // another round: still active
    const nodes = ['node-a', 'node-b', 'node-c', 'node-d'].map(nodeImage);
    expect(imagePullJobStatusFrom(j, nodes)).toMatchObject({
      desired: 4,
      active: 1,
      succeeded: 1,
      failed: 1,
      failedNodes: ['node-b'],
      message: 'job is running, progress 50.0%',
    });
    status('node-c', [{ tag: '1.36', version: 0, phase: 'Succeeded' }]);
    const done = imagePullJobStatusFrom(j, ['node-a', 'node-b', 'node-c'].map(nodeImage));
    expect(done).toMatchObject({ desired: 3, active: 0, succeeded: 2, failed: 1, message: 'job has completed', completionTime: expect.stringMatching(/Z$/) });
  });
});

describe('image normalisation', () => {
  it('gives the familiar name and a tag, latest by default, and a digest in the tag position', () => {
    expect(normalizeImageRef('nginx')).toEqual({ name: 'nginx', tag: 'latest' });
    expect(normalizeImageRef('docker.io/library/nginx:1.21')).toEqual({ name: 'nginx', tag: '1.21' });
    expect(normalizeImageRef('docker.io/openkruise/kruise:v1')).toEqual({ name: 'openkruise/kruise', tag: 'v1' });
    expect(normalizeImageRef('127.0.0.1:5000/busybox:1.36')).toEqual({ name: '127.0.0.1:5000/busybox', tag: '1.36' });
    expect(normalizeImageRef('registry.k8s.io/pause@sha256:abc')).toEqual({ name: 'registry.k8s.io/pause', tag: 'sha256:abc' });
  });
});

describe('the PodProbeMarker controller double', () => {
  it('writes the pod entry with upper-case IP and marker#probe names, named ports as numbers', async () => {
    const { api } = await setup();
    const pod = {
      metadata: { name: 'web-0', namespace: 'apps', uid: 'u-1' },
      spec: { nodeName: 'node-a', containers: [{ name: 'app', ports: [{ name: 'http', containerPort: 8080 }] }] },
      status: { podIP: '10.0.0.7' },
    } as PodJson;
    const marker = {
      metadata: { name: 'ppm' },
      spec: { probes: [{ name: 'healthy', containerName: 'app', probe: { tcpSocket: { port: 'http' }, periodSeconds: 5 } }] },
    };
    nodePodProbeFromMarker(api, marker, [pod]);
    const npp = api.store.get({ apiVersion: 'apps.kruise.io/v1alpha1', kind: 'NodePodProbe', name: 'node-a' })!;
    expect(npp.spec).toEqual({
      podProbes: [
        {
          name: 'web-0',
          namespace: 'apps',
          uid: 'u-1',
          IP: '10.0.0.7',
          probes: [{ name: 'ppm#healthy', containerName: 'app', probe: { tcpSocket: { port: 8080 }, periodSeconds: 5 } }],
        },
      ],
    });
  });
});
