// The CRR glue without a runtime: CRRs grouped by `<namespace>/<spec.podName>`, one coalesced
// observation per pod and tick, removals still delivered to a live actor, pod changes that matter,
// adoption of recovered actors after sync, a fresh actor when one finishes with CRRs left, and the
// pod read by GET when there is no pod informer. The host is a recording fake.
import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { KubeObject, Observation } from '../../../adapters/kube/index.js';
import { createCrrController, type CrrControllerOptions, type CrrHost } from '../../../daemon/features/crr/index.js';
import type { CrrsObservedEvent } from '../../../machines/crr/types.js';

interface Delivery {
  key: string;
  machine: string;
  event: CrrsObservedEvent;
  input?: unknown;
}

function fakeHost(recovered: string[] = []) {
  const live = new Set(recovered);
  const deliveries: Delivery[] = [];
  const host: CrrHost = {
    deliver: (key, machine, event, input) => {
      const spawned = !live.has(key);
      live.add(key);
      deliveries.push({ key, machine, event: event as unknown as CrrsObservedEvent, ...(spawned ? { input: input?.() } : {}) });
    },
    has: (key) => live.has(key),
    keys: () => [...live],
    snapshot: ((key: string) => (live.has(key) ? { machine: { id: 'crrPod' } } : undefined)) as CrrHost['snapshot'],
  };
  return { host, live, deliveries };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

function crr(
  name: string,
  podName: string,
  extra: { namespace?: string; rv?: string; created?: string; completionTime?: string; deleting?: boolean } = {},
): KubeObject {
  return {
    apiVersion: 'apps.kruise.io/v1beta1',
    kind: 'ContainerRecreateRequest',
    metadata: {
      name,
      namespace: extra.namespace ?? 'apps',
      uid: `uid-${name}`,
      resourceVersion: extra.rv ?? '1',
      creationTimestamp: extra.created ?? '2026-07-01T10:00:00Z',
      ...(extra.deleting ? { deletionTimestamp: '2026-07-01T10:01:00Z' } : {}),
    },
    spec: { podName, containers: [{ name: 'main', statusContext: { containerID: 'containerd://a', restartCount: 0 } }] },
    ...(extra.completionTime ? { status: { phase: 'Completed', completionTime: extra.completionTime } } : {}),
  };
}

function pod(name: string, extra: { uid?: string; phase?: string; restartPolicy?: string; label?: string } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'apps', uid: extra.uid ?? `pod-${name}`, ...(extra.label ? { labels: { x: extra.label } } : {}) },
    spec: { restartPolicy: extra.restartPolicy ?? 'Always' },
    status: { phase: extra.phase ?? 'Running' },
  };
}

function setup(options: Partial<CrrControllerOptions> & { recovered?: string[]; noPodInformer?: boolean } = {}) {
  const crrs = new Subject<Observation<KubeObject>>();
  const pods = new Subject<Observation<KubeObject>>();
  const warnings: Array<{ obj: object; msg: string }> = [];
  const errors: Array<{ obj: object; msg: string }> = [];
  const controller = createCrrController({
    crrInformer: crrs,
    ...(options.noPodInformer ? {} : { podInformer: pods }),
    crrVersion: 'v1beta1',
    runtimeNames: ['containerd'],
    now: () => 1_000,
    logger: { info() {}, warn: (obj, msg) => warnings.push({ obj, msg }), error: (obj, msg) => errors.push({ obj, msg }) },
    ...options,
  });
  const fake = fakeHost(options.recovered);
  controller.start(fake.host);
  const upsertCrr = (o: KubeObject) => crrs.next({ type: 'upsert', key: `${o.metadata!.namespace}/${o.metadata!.name}`, object: o });
  const deleteCrr = (o: KubeObject) => crrs.next({ type: 'delete', key: `${o.metadata!.namespace}/${o.metadata!.name}`, object: o });
  const upsertPod = (o: KubeObject) => pods.next({ type: 'upsert', key: o.metadata!.uid!, object: o });
  const deletePod = (o: KubeObject) => pods.next({ type: 'delete', key: o.metadata!.uid!, object: o });
  const sync = () => {
    crrs.next({ type: 'synced', key: 'crr', resourceVersion: '1' });
    pods.next({ type: 'synced', key: 'pod', resourceVersion: '1' });
  };
  return { controller, ...fake, warnings, errors, upsertCrr, deleteCrr, upsertPod, deletePod, sync };
}

const names = (d: Delivery) => d.event.crrs.map((c) => c.name);

describe('grouping and delivery', () => {
  it('waits for both informers to sync, then delivers one observation per pod with its CRRs in creation order', async () => {
    const t = setup();
    t.upsertPod(pod('web-0'));
    t.upsertCrr(crr('b', 'web-0', { created: '2026-07-01T10:00:05Z' }));
    t.upsertCrr(crr('a', 'web-0'));
    t.upsertCrr(crr('c', 'web-1'));
    t.upsertCrr(crr('d', 'web-0', { namespace: 'other' }));
    await tick();
    expect(t.deliveries).toEqual([]);
    t.sync();
    await tick();
    expect(t.deliveries.map((d) => [d.key, names(d)])).toEqual([
      ['apps/web-0', ['a', 'b']],
      ['apps/web-1', ['c']],
      ['other/web-0', ['d']],
    ]);
    const first = t.deliveries[0]!;
    expect(first).toMatchObject({ machine: 'crrPod', input: { namespace: 'apps', podName: 'web-0', runtimeNames: ['containerd'] } });
    expect(first.event).toMatchObject({ type: 'k8s.crrsObserved', at: 1_000, pod: { uid: 'pod-web-0', restartPolicy: 'Always', phase: 'Running' } });
    expect(t.deliveries[1]!.event.pod).toBeNull();
    expect(t.controller.stats()).toMatchObject({ pods: 3, crrs: 4, actors: 3, deliveries: 3 });
  });

  it('coalesces a burst of changes to one pod into one observation of the latest state', async () => {
    const t = setup();
    t.sync();
    for (let rv = 1; rv <= 5; rv += 1) t.upsertCrr(crr('a', 'web-0', { rv: String(rv) }));
    t.upsertCrr(crr('b', 'web-0'));
    await tick();
    expect(t.deliveries).toHaveLength(1);
    expect(t.deliveries[0]!.event.crrs.map((c) => [c.name, c.resourceVersion])).toEqual([
      ['a', '5'],
      ['b', '1'],
    ]);
  });

  it('leaves completed and deleting CRRs out but still tells the live actor, and spawns nobody for them', async () => {
    const t = setup();
    t.sync();
    t.upsertCrr(crr('a', 'web-0'));
    await tick();
    t.upsertCrr(crr('a', 'web-0', { rv: '2', completionTime: '2026-07-01T10:00:09Z' }));
    t.upsertCrr(crr('z', 'web-9', { completionTime: '2026-07-01T10:00:09Z' }));
    t.upsertCrr(crr('y', 'web-8', { deleting: true }));
    await tick();
    expect(t.deliveries.map((d) => [d.key, names(d)])).toEqual([
      ['apps/web-0', ['a']],
      ['apps/web-0', []],
    ]);
    t.deleteCrr(crr('a', 'web-0', { rv: '2' }));
    await tick();
    expect(t.deliveries).toHaveLength(2);
    expect(t.controller.stats().dropped).toBe(1);
  });

  it('drops an observation equal to the last one delivered to a live actor', async () => {
    const t = setup();
    t.sync();
    t.upsertPod(pod('web-0'));
    t.upsertCrr(crr('a', 'web-0'));
    await tick();
    t.upsertPod(pod('web-0', { label: 'changed' }));
    await tick();
    expect(t.deliveries).toHaveLength(1);
    t.upsertPod(pod('web-0', { phase: 'Succeeded' }));
    await tick();
    expect(t.deliveries).toHaveLength(2);
    expect(t.deliveries[1]!.event.pod).toEqual({ uid: 'pod-web-0', restartPolicy: 'Always', phase: 'Succeeded' });
  });

  it('follows the newest pod of a name: the old UID deleted after the new one arrives does not erase it', async () => {
    const t = setup();
    t.sync();
    t.upsertPod(pod('web-0', { uid: 'old' }));
    t.upsertCrr(crr('a', 'web-0'));
    await tick();
    t.upsertPod(pod('web-0', { uid: 'new', restartPolicy: 'Never' }));
    t.deletePod(pod('web-0', { uid: 'old' }));
    await tick();
    expect(t.deliveries.at(-1)!.event.pod).toEqual({ uid: 'new', restartPolicy: 'Never', phase: 'Running' });
    t.deletePod(pod('web-0', { uid: 'new' }));
    await tick();
    expect(t.deliveries.at(-1)!.event.pod).toBeNull();
  });

  it('ignores pods without CRRs or actors', async () => {
    const t = setup();
    t.sync();
    t.upsertPod(pod('web-0'));
    t.upsertPod(pod('web-0', { phase: 'Failed' }));
    await tick();
    expect(t.deliveries).toEqual([]);
  });

  it('logs a malformed CRR once, not on every observation, and skips a CRR without a pod name', async () => {
    const t = setup();
    t.sync();
    const bad = (rv: string) => ({ ...crr('a', 'web-0', { rv }), status: { containerStatusSnapshot: 'nope' } });
    t.upsertCrr(bad('1'));
    t.upsertCrr(bad('2'));
    const nameless = crr('n', '');
    t.upsertCrr(nameless);
    await tick();
    expect(t.warnings.map((w) => w.obj)).toEqual([
      { crr: 'apps/a', problems: ['status.containerStatusSnapshot is malformed: not a list'] },
      { crr: 'apps/n', problems: ['spec.podName is empty'] },
    ]);
    expect(t.deliveries.map((d) => [d.key, names(d)])).toEqual([['apps/web-0', ['a']]]);
    expect(t.deliveries[0]!.event.crrs[0]!.snapshot).toBeNull();
  });
});

describe('actors that stop and actors that were recovered', () => {
  it('observes the pod again with a fresh actor when one finishes while CRRs are left, a few times in a row at most', async () => {
    const t = setup({ maxRespawns: 2 });
    t.sync();
    t.upsertCrr(crr('a', 'web-0'));
    t.upsertCrr(crr('b', 'web-0'));
    await tick();
    const finish = async () => {
      t.live.delete('apps/web-0');
      t.controller.onStopped('apps/web-0', 'done');
      await tick();
    };
    await finish();
    await finish();
    expect(t.deliveries.map((d) => [names(d), d.input !== undefined])).toEqual([
      [['a', 'b'], true],
      [['a', 'b'], true],
      [['a', 'b'], true],
    ]);
    await finish();
    expect(t.deliveries).toHaveLength(3);
    expect(t.errors.map((e) => e.msg)).toEqual(['crrPod actor keeps finishing while its pod has active CRRs; waiting for the next change']);
    // A change starts over.
    t.upsertCrr(crr('b', 'web-0', { rv: '2' }));
    await tick();
    expect(t.deliveries).toHaveLength(4);
  });

  it('does not respawn after an error stop or when no CRR is left, and ignores keys it does not own', async () => {
    const t = setup();
    t.sync();
    t.upsertCrr(crr('a', 'web-0'));
    await tick();
    t.live.delete('apps/web-0');
    t.controller.onStopped('apps/web-0', 'error');
    t.controller.onStopped('busybox:1@1', 'done');
    await tick();
    expect(t.deliveries).toHaveLength(1);
    t.upsertCrr(crr('a', 'web-0', { rv: '2', completionTime: '2026-07-01T10:00:09Z' }));
    await tick();
    expect(t.deliveries).toHaveLength(1);
  });

  it('adopts recovered crrPod actors and tells them the synced view, even when their CRRs are gone', async () => {
    const t = setup({ recovered: ['apps/web-0', 'apps/web-1'] });
    t.upsertCrr(crr('a', 'web-1'));
    await tick();
    expect(t.deliveries).toEqual([]);
    t.sync();
    await tick();
    expect(t.deliveries.map((d) => [d.key, names(d), d.input])).toEqual([
      ['apps/web-1', ['a'], undefined],
      ['apps/web-0', [], undefined],
    ]);
    expect(t.controller.stats().actors).toBe(2);
  });
});

describe('without the pod informer (DaemonWatchingPod off)', () => {
  it('reads the pod with a GET per observation, and a missing pod is null', async () => {
    const gets: string[] = [];
    const t = setup({
      noPodInformer: true,
      getPod: async (namespace, name) => {
        gets.push(`${namespace}/${name}`);
        return name === 'web-0' ? pod('web-0', { restartPolicy: 'OnFailure' }) : undefined;
      },
    });
    t.upsertCrr(crr('a', 'web-0'));
    t.upsertCrr(crr('b', 'gone'));
    t.sync();
    await t.controller.idle();
    expect(gets.sort()).toEqual(['apps/gone', 'apps/web-0']);
    const byKey = Object.fromEntries(t.deliveries.map((d) => [d.key, d.event.pod]));
    expect(byKey).toEqual({ 'apps/web-0': { uid: 'pod-web-0', restartPolicy: 'OnFailure', phase: 'Running' }, 'apps/gone': null });
    expect(t.controller.stats().podReads).toBe(2);
  });

  it('keeps the last pod view when a GET fails', async () => {
    let fail = false;
    const t = setup({
      noPodInformer: true,
      getPod: async () => {
        if (fail) throw new Error('connection refused');
        return pod('web-0', { phase: 'Running' });
      },
    });
    t.sync();
    t.upsertCrr(crr('a', 'web-0'));
    await t.controller.idle();
    fail = true;
    t.upsertCrr(crr('a', 'web-0', { rv: '2' }));
    await t.controller.idle();
    expect(t.deliveries.map((d) => d.event.pod?.phase)).toEqual(['Running', 'Running']);
    expect(t.warnings.map((w) => w.msg)).toEqual(['could not read the pod; observing it as last seen']);
  });
});
