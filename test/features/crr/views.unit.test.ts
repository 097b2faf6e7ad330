// Reading CRRs and pods into the crrPod machine's views (contract §4.1), for both served versions,
// with upstream's defaults, and malformed inputs read as absent rather than thrown.
import { describe, expect, it } from 'vitest';
import { crrPodKey, crrVersionOf, crrView, podView } from '../../../daemon/features/crr/index.js';

const T0 = '2026-07-01T10:00:00Z';

function crr(
  apiVersion: string,
  extra: { annotations?: Record<string, string>; spec?: Record<string, unknown>; status?: Record<string, unknown>; deletionTimestamp?: string } = {},
) {
  return {
    apiVersion,
    kind: 'ContainerRecreateRequest',
    metadata: {
      name: 'restart-main',
      namespace: 'apps',
      uid: 'crr-uid-1',
      resourceVersion: '42',
      creationTimestamp: T0,
      labels: { 'crr.apps.kruise.io/pod-uid': 'pod-uid-1', 'crr.apps.kruise.io/active': 'true' },
      ...(extra.annotations ? { annotations: extra.annotations } : {}),
      ...(extra.deletionTimestamp ? { deletionTimestamp: extra.deletionTimestamp } : {}),
    },
    spec: {
      podName: 'web-0',
      containers: [
        { name: 'main', preStop: { exec: { command: ['sh', '-c', 'echo bye'] } }, statusContext: { containerID: 'containerd://aaa', restartCount: 2 } },
        {
          name: 'side',
          ports: [{ name: 'http', containerPort: 8080 }],
          preStop: { httpGet: { port: 'http', path: '/quit', host: '10.0.0.1' } },
          statusContext: { containerID: 'containerd://bbb', restartCount: 0 },
        },
      ],
      strategy: { failurePolicy: 'Ignore', orderedRecreate: true, terminationGracePeriodSeconds: 5, unreadyGracePeriodSeconds: 3, minStartedSeconds: 2 },
      ...extra.spec,
    },
    ...(extra.status ? { status: extra.status } : {}),
  };
}

const snapshot = [{ name: 'main', ready: true, restartCount: 3, containerID: 'containerd://ccc' }];

describe('a CRR served as v1alpha1', () => {
  it('reads the snapshot from the sync-container-statuses annotation and the unready time from unready-acquired', () => {
    const obj = crr('apps.kruise.io/v1alpha1', {
      annotations: { 'crr.apps.kruise.io/sync-container-statuses': JSON.stringify(snapshot), 'crr.apps.kruise.io/unready-acquired': '2026-07-01T10:00:02Z' },
      status: {
        phase: 'Recreating',
        containerRecreateStates: [
          { name: 'main', phase: 'Recreating', isKilled: true },
          { name: 'side', phase: 'Pending', message: 'not found container on Node', isKilled: false },
        ],
      },
    });
    const { view, problems } = crrView(obj, 'v1beta1');
    expect(problems).toEqual([]);
    expect(view).toEqual({
      name: 'restart-main',
      uid: 'crr-uid-1',
      resourceVersion: '42',
      createdAtMs: Date.parse(T0),
      deleting: false,
      completed: false,
      podUid: 'pod-uid-1',
      phase: 'Recreating',
      containers: [
        {
          name: 'main',
          preStop: { exec: { command: ['sh', '-c', 'echo bye'] } },
          ports: [],
          statusContext: { containerID: 'containerd://aaa', restartCount: 2 },
        },
        {
          name: 'side',
          preStop: { httpGet: { port: 'http', path: '/quit', host: '10.0.0.1' } },
          ports: [{ name: 'http', containerPort: 8080 }],
          statusContext: { containerID: 'containerd://bbb', restartCount: 0 },
        },
      ],
      strategy: {
        failurePolicy: 'Ignore',
        orderedRecreate: true,
        forceRecreate: false,
        terminationGracePeriodSeconds: 5,
        unreadyGracePeriodSeconds: 3,
        minStartedSeconds: 2,
      },
      states: [
        { name: 'main', phase: 'Recreating', isKilled: true },
        { name: 'side', phase: 'Pending', message: 'not found container on Node' },
      ],
      snapshot,
      unreadyAcquiredAt: '2026-07-01T10:00:02Z',
    });
  });

  it('ignores the v1beta1 status fields', () => {
    const obj = crr('apps.kruise.io/v1alpha1', {
      status: { containerStatusSnapshot: snapshot, conditions: [{ type: 'PreRecreateGrace', status: 'True', lastTransitionTime: T0 }] },
    });
    expect(crrView(obj, 'v1alpha1').view).toMatchObject({ snapshot: null, unreadyAcquiredAt: null });
  });

  it('reads Go zero values for absent snapshot fields, and "null" as no snapshot', () => {
    const partial = crr('apps.kruise.io/v1alpha1', { annotations: { 'crr.apps.kruise.io/sync-container-statuses': '[{"name":"main"},null]' } });
    expect(crrView(partial, 'v1alpha1')).toEqual(expect.objectContaining({ problems: [] }));
    expect(crrView(partial, 'v1alpha1').view.snapshot).toEqual([
      { name: 'main', ready: false, restartCount: 0, containerID: '' },
      { name: '', ready: false, restartCount: 0, containerID: '' },
    ]);
    const none = crr('apps.kruise.io/v1alpha1', { annotations: { 'crr.apps.kruise.io/sync-container-statuses': 'null' } });
    expect(crrView(none, 'v1alpha1')).toMatchObject({ problems: [], view: { snapshot: null } });
    const empty = crr('apps.kruise.io/v1alpha1', { annotations: { 'crr.apps.kruise.io/sync-container-statuses': '[]' } });
    expect(crrView(empty, 'v1alpha1').view.snapshot).toEqual([]);
  });

  it.each([
    ['not JSON', '[{"name":', /not JSON/],
    ['an object', '{"name":"main"}', /not a list/],
    ['a string entry', '["main"]', /entry 0 is not an object/],
    ['ready as text', '[{"name":"main","ready":"yes"}]', /entry 0 has a bad ready/],
    ['a fractional restartCount', '[{"name":"main","ready":true,"restartCount":1.5}]', /entry 0 has a bad restartCount/],
    ['a numeric containerID', '[{"name":"main","containerID":7}]', /entry 0 has a bad containerID/],
  ])('reads a snapshot annotation that is %s as no snapshot, with a problem naming it', (_what, text, problem) => {
    const { view, problems } = crrView(crr('apps.kruise.io/v1alpha1', { annotations: { 'crr.apps.kruise.io/sync-container-statuses': text } }), 'v1alpha1');
    expect(view.snapshot).toBeNull();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^annotation crr\.apps\.kruise\.io\/sync-container-statuses is malformed: /);
    expect(problems[0]).toMatch(problem);
  });
});

describe('a CRR served as v1beta1', () => {
  it('reads the snapshot from status.containerStatusSnapshot and the unready time from a True PreRecreateGrace condition', () => {
    const obj = crr('apps.kruise.io/v1beta1', {
      annotations: { 'crr.apps.kruise.io/sync-container-statuses': '[]', 'crr.apps.kruise.io/unready-acquired': 'ignored' },
      status: {
        phase: 'Recreating',
        containerStatusSnapshot: snapshot,
        conditions: [
          { type: 'Other', status: 'True', lastTransitionTime: 'x' },
          { type: 'PreRecreateGrace', status: 'True', reason: 'PreRecreateGrace', lastTransitionTime: '2026-07-01T10:00:05Z' },
        ],
      },
    });
    expect(crrView(obj, 'v1beta1')).toMatchObject({ problems: [], view: { snapshot, unreadyAcquiredAt: '2026-07-01T10:00:05Z', phase: 'Recreating' } });
  });

  it('has no unready time while the condition is not True, and no snapshot until one is published', () => {
    const obj = crr('apps.kruise.io/v1beta1', { status: { conditions: [{ type: 'PreRecreateGrace', status: 'False', lastTransitionTime: T0 }] } });
    expect(crrView(obj, 'v1beta1').view).toMatchObject({ snapshot: null, unreadyAcquiredAt: null, phase: '', states: [] });
  });

  it('reads a malformed status snapshot as none', () => {
    const { view, problems } = crrView(crr('apps.kruise.io/v1beta1', { status: { containerStatusSnapshot: { main: true } } }), 'v1beta1');
    expect(view.snapshot).toBeNull();
    expect(problems).toEqual(['status.containerStatusSnapshot is malformed: not a list']);
  });
});

describe('defaults and malformed specs', () => {
  it('defaults the strategy as upstream (failurePolicy Fail, minStartedSeconds 0, grace periods absent)', () => {
    const obj = crr('apps.kruise.io/v1beta1', { spec: { strategy: undefined } });
    expect(crrView(obj, 'v1beta1').view.strategy).toEqual({
      failurePolicy: 'Fail',
      orderedRecreate: false,
      forceRecreate: false,
      terminationGracePeriodSeconds: null,
      unreadyGracePeriodSeconds: null,
      minStartedSeconds: 0,
    });
    const junk = crr('apps.kruise.io/v1beta1', { spec: { strategy: { failurePolicy: 'Sometimes', forceRecreate: 'yes', minStartedSeconds: '5' } } });
    expect(crrView(junk, 'v1beta1').view.strategy).toMatchObject({ failurePolicy: 'Fail', forceRecreate: false, minStartedSeconds: 0 });
  });

  it('reads a missing statusContext and an empty containerID alike (no statusContext), and keeps the container', () => {
    const obj = crr('apps.kruise.io/v1beta1', {
      spec: {
        containers: [
          { name: 'a' },
          { name: 'b', statusContext: { containerID: '', restartCount: 1 } },
          { name: 'c', statusContext: { containerID: 'containerd://x' } },
        ],
      },
    });
    expect(crrView(obj, 'v1beta1').view.containers).toEqual([
      { name: 'a', preStop: null, ports: [], statusContext: null },
      { name: 'b', preStop: null, ports: [], statusContext: null },
      { name: 'c', preStop: null, ports: [], statusContext: { containerID: 'containerd://x', restartCount: 0 } },
    ]);
  });

  it('never throws on junk: wrong types become empty values, a missing creation time is a problem', () => {
    const junk = {
      apiVersion: 'apps.kruise.io/v1beta1',
      metadata: { name: 'j', namespace: 'apps' },
      spec: { containers: 'main', strategy: 7 },
      status: { phase: 'Succeeded', containerRecreateStates: [{ name: 'x', phase: 'Exploded' }, 5] },
    };
    const { view, problems } = crrView(junk, 'v1beta1');
    expect(view).toMatchObject({
      name: 'j',
      uid: '',
      createdAtMs: 0,
      phase: '',
      containers: [],
      states: [],
      snapshot: null,
      podUid: '',
      completed: false,
      deleting: false,
    });
    expect(problems).toEqual(['metadata.creationTimestamp is missing or malformed']);
    expect(crrPodKey(junk)).toBeUndefined();
  });

  it('marks deleting and completed CRRs', () => {
    const obj = crr('apps.kruise.io/v1beta1', { deletionTimestamp: T0, status: { phase: 'Completed', completionTime: T0 } });
    expect(crrView(obj, 'v1beta1').view).toMatchObject({ deleting: true, completed: true, phase: 'Completed' });
  });

  it('keys a CRR by namespace and spec.podName, and takes its version from apiVersion before the served one', () => {
    expect(crrPodKey(crr('apps.kruise.io/v1beta1'))).toBe('apps/web-0');
    expect(crrVersionOf(crr('apps.kruise.io/v1alpha1'), 'v1beta1')).toBe('v1alpha1');
    expect(crrVersionOf({ metadata: {} }, 'v1alpha1')).toBe('v1alpha1');
  });
});

describe('the pod view', () => {
  it('reads uid, restartPolicy (default Always) and phase (absent is Pending, as the API server sets on create)', () => {
    expect(podView({ metadata: { uid: 'u1' }, spec: { restartPolicy: 'Never' }, status: { phase: 'Succeeded' } })).toEqual({
      uid: 'u1',
      restartPolicy: 'Never',
      phase: 'Succeeded',
    });
    expect(podView({ metadata: { uid: 'u2' }, spec: {} })).toEqual({ uid: 'u2', restartPolicy: 'Always', phase: 'Pending' });
    expect(podView({ metadata: {}, spec: { restartPolicy: 'Sometimes' }, status: { phase: 'Running' } })).toEqual({
      uid: '',
      restartPolicy: 'Always',
      phase: 'Running',
    });
  });
});
