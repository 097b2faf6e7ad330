// The CRR manager doubles against the fake API server: the webhook's labels, defaults and
// rejections, the controller's snapshot in the shape each served version carries, its
// completion rules, and the SidecarTerminator's CRR.
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeApiServer, type FakeApiServer, type FakeApiServerOptions, type KubeObject } from '../apiserver/index.js';
import type { PodJson } from '../kubelet/types.js';
import { createCrr, CrrRejected, sidecarTerminationCrr, startCrrController, type CrrController } from './index.js';

const servers: FakeApiServer[] = [];
const controllers: CrrController[] = [];
afterEach(async () => {
  for (const c of controllers.splice(0)) c.stop();
  for (const s of servers.splice(0)) await s.close();
});

async function server(options: FakeApiServerOptions = {}): Promise<FakeApiServer> {
  const s = await startFakeApiServer(options);
  servers.push(s);
  return s;
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

function runningPod(api: FakeApiServer, name: string, startedAt = iso(Date.now() + 60_000)): PodJson {
  return api.store.create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      nodeName: 'node-a',
      terminationGracePeriodSeconds: 12,
      containers: [
        {
          name: 'app',
          image: 'app:1',
          ports: [{ name: 'http', containerPort: 8080 }],
          lifecycle: { preStop: { httpGet: { path: '/quit', port: 'http', host: '127.0.0.1' } } },
        },
        { name: 'side', image: 'side:1', lifecycle: { preStop: { exec: { command: ['sh', '-c', 'sleep 1'] } } } },
        { name: 'fresh', image: 'fresh:1' },
      ],
    },
    status: {
      phase: 'Running',
      containerStatuses: [
        {
          name: 'app',
          ready: true,
          restartCount: 2,
          containerID: 'containerd://aaa',
          image: 'app:1',
          imageID: '',
          state: { running: { startedAt } },
          lastState: {},
        },
        {
          name: 'side',
          ready: false,
          restartCount: 0,
          containerID: 'containerd://bbb',
          image: 'side:1',
          imageID: '',
          state: { running: { startedAt: '2020-01-01T00:00:00Z' } },
          lastState: {},
        },
        { name: 'fresh', ready: false, restartCount: 0, image: 'fresh:1', imageID: '', state: { waiting: { reason: 'ContainerCreating' } }, lastState: {} },
      ],
    },
  }) as unknown as PodJson;
}

const crrRef = (name: string, version = 'v1beta1') => ({
  apiVersion: `apps.kruise.io/${version}`,
  kind: 'ContainerRecreateRequest',
  namespace: 'default',
  name,
});

describe('the CRR webhook double', () => {
  it('creates the CRR with the labels the daemon selects by, strategy defaults, and preStop, ports and statusContext from the pod', async () => {
    const api = await server();
    const pod = runningPod(api, 'web-0');
    const crr = createCrr(api, { name: 'crr-1', podName: 'web-0', containers: ['app', { name: 'side' }] });
    expect(crr.apiVersion).toBe('apps.kruise.io/v1beta1');
    expect(crr.metadata.labels).toEqual({
      'crr.apps.kruise.io/pod-name': 'web-0',
      'crr.apps.kruise.io/active': 'true',
      'crr.apps.kruise.io/node-name': 'node-a',
      'crr.apps.kruise.io/pod-uid': pod.metadata.uid,
    });
    expect(crr.spec).toEqual({
      podName: 'web-0',
      strategy: { failurePolicy: 'Fail', terminationGracePeriodSeconds: 12 },
      containers: [
        {
          name: 'app',
          preStop: { httpGet: { path: '/quit', port: 'http', host: '127.0.0.1' } },
          ports: [{ name: 'http', containerPort: 8080 }],
          statusContext: { containerID: 'containerd://aaa', restartCount: 2 },
        },
        { name: 'side', preStop: { exec: { command: ['sh', '-c', 'sleep 1'] } }, statusContext: { containerID: 'containerd://bbb', restartCount: 0 } },
      ],
    });
    expect(api.store.get(crrRef('crr-1'))).toBeDefined();
  });

  it('creates as v1alpha1 when only v1alpha1 is served', async () => {
    const api = await server({ served: { 'containerrecreaterequests.apps.kruise.io': ['v1alpha1'] } });
    runningPod(api, 'web-0');
    expect(createCrr(api, { name: 'crr-1', podName: 'web-0', containers: ['app'] }).apiVersion).toBe('apps.kruise.io/v1alpha1');
  });

  it('rejects what the webhook rejects', async () => {
    const api = await server();
    runningPod(api, 'web-0');
    const reject = (input: Parameters<typeof createCrr>[1], message: string | RegExp) =>
      expect(() => createCrr(api, input)).toThrow(message instanceof RegExp ? message : new CrrRejected(message));
    reject({ name: 'x', podName: 'web-0', containers: [] }, 'containers list can not be null');
    reject({ name: 'x', podName: 'web-0', containers: ['nope'] }, 'container nope not found in Pod');
    reject({ name: 'x', podName: 'web-0', containers: ['fresh'] }, /no containerID in fresh containerStatus/);
    reject({ name: 'x', podName: 'web-0', containers: ['app', 'app'] }, 'can not recreate app multi times');
    reject({ name: 'x', podName: 'web-0', containers: ['app'], activeDeadlineSeconds: 2 }, 'activeDeadlineSeconds can not be less than 3s');
    reject({ name: 'x', podName: 'web-0', containers: ['app'], strategy: { failurePolicy: 'Maybe' as 'Fail' } }, 'unknown failurePolicy Maybe');
    reject({ name: 'x', podName: 'gone', containers: ['app'] }, 'no found Pod named gone');
    api.store.patch({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'web-0' }, { status: { phase: 'Succeeded' } });
    reject({ name: 'x', podName: 'web-0', containers: ['app'] }, 'not allowed to recreate containers in an inactive Pod');
  });
});

describe('the CRR controller double', () => {
  const recreating = (api: FakeApiServer, name: string, version = 'v1beta1') => api.store.patch(crrRef(name, version), { status: { phase: 'Recreating' } });

  it('publishes the snapshot into status.containerStatusSnapshot on v1beta1, leaving out containers started before the CRR', async () => {
    const api = await server({ served: { 'containerrecreaterequests.apps.kruise.io': ['v1beta1'] } });
    runningPod(api, 'web-0');
    createCrr(api, { name: 'crr-1', podName: 'web-0', containers: ['app', 'side'] });
    controllers.push(startCrrController(api));
    recreating(api, 'crr-1');
    const crr = await api.store.waitFor(
      crrRef('crr-1'),
      (o) => (o?.status as { containerStatusSnapshot?: unknown } | undefined)?.containerStatusSnapshot !== undefined,
    );
    expect((crr!.status as Record<string, unknown>).containerStatusSnapshot).toEqual([
      { name: 'app', ready: true, restartCount: 2, containerID: 'containerd://aaa' },
    ]);
    expect(crr!.metadata.annotations?.['crr.apps.kruise.io/sync-container-statuses']).toBeUndefined();
  });

  it('publishes the snapshot as the sync-container-statuses annotation on v1alpha1', async () => {
    const api = await server({ served: { 'containerrecreaterequests.apps.kruise.io': ['v1alpha1'] } });
    runningPod(api, 'web-0');
    createCrr(api, { name: 'crr-1', podName: 'web-0', containers: ['app'] });
    controllers.push(startCrrController(api));
    recreating(api, 'crr-1', 'v1alpha1');
    const crr = await api.store.waitFor(
      crrRef('crr-1', 'v1alpha1'),
      (o) => o?.metadata.annotations?.['crr.apps.kruise.io/sync-container-statuses'] !== undefined,
    );
    expect(crr!.metadata.annotations!['crr.apps.kruise.io/sync-container-statuses']).toBe(
      '[{"name":"app","ready":true,"restartCount":2,"containerID":"containerd://aaa"}]',
    );
    expect((crr!.status as Record<string, unknown> | undefined)?.containerStatusSnapshot).toBeUndefined();
  });

  it('completes a CRR whose pod has gone, then drops its active label', async () => {
    const api = await server();
    runningPod(api, 'web-0');
    createCrr(api, { name: 'crr-1', podName: 'web-0', containers: ['app'] });
    controllers.push(startCrrController(api));
    api.store.delete({ apiVersion: 'v1', kind: 'Pod', namespace: 'default', name: 'web-0' });
    const crr = (await api.store.waitFor(crrRef('crr-1'), (o) => o?.metadata.labels?.['crr.apps.kruise.io/active'] === undefined)) as KubeObject;
    expect(crr.status).toMatchObject({ phase: 'Completed', message: 'pod has gone', completionTime: expect.stringMatching(/Z$/) });
  });

  it('completes a CRR the daemon never answered after the response timeout', async () => {
    const api = await server();
    runningPod(api, 'web-0');
    createCrr(api, { name: 'crr-1', podName: 'web-0', containers: ['app'] });
    controllers.push(startCrrController(api, { responseTimeoutMs: 0 }));
    const crr = await api.store.waitFor(crrRef('crr-1'), (o) => (o?.status as { phase?: string } | undefined)?.phase === 'Completed');
    expect((crr!.status as { message?: string }).message).toBe('daemon has not responded for a long time');
  });
});

describe('the SidecarTerminator double', () => {
  it('asks to recreate the still-running marked sidecars once the main containers of a Never pod have exited', async () => {
    const api = await server();
    const pod = runningPod(api, 'job-0');
    const sidecarEnv = [{ name: 'KRUISE_TERMINATE_SIDECAR_WHEN_JOB_EXIT', value: 'true' }];
    const job = {
      ...pod,
      spec: { ...pod.spec, restartPolicy: 'Never' as const, containers: pod.spec.containers.map((c) => (c.name === 'app' ? c : { ...c, env: sidecarEnv })) },
    };
    expect(sidecarTerminationCrr(job)).toBeUndefined(); // app still runs
    const exited = {
      ...job,
      status: {
        ...job.status,
        containerStatuses: job.status!.containerStatuses!.map((s) => (s.name === 'app' ? { ...s, state: { terminated: { exitCode: 1 } } } : s)),
      },
    };
    const input = sidecarTerminationCrr(exited)!;
    expect(input).toMatchObject({
      name: `sidecar-termination-${pod.metadata.uid}`,
      podName: 'job-0',
      containers: ['side', 'fresh'],
      strategy: { forceRecreate: true, failurePolicy: 'Ignore' },
    });
    expect(input.ownerReferences).toEqual([
      { apiVersion: 'v1', kind: 'Pod', name: 'job-0', uid: pod.metadata.uid, controller: true, blockOwnerDeletion: true },
    ]);
    expect(sidecarTerminationCrr({ ...exited, spec: { ...exited.spec, restartPolicy: 'OnFailure' } })).toBeUndefined(); // exit code 1
  });
});
