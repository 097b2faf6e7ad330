// The containerMetaPod chart driven by hand: a new pod's first annotation, the in-place update
// that restarts exactly the stale container once and reports its replacement, the hash retry, the
// backoff, the index-0 fix, the gate, observations during a pass, the actor's own write against a
// stale cache, and deletion.
import { describe, expect, it } from 'vitest';
import { backoffMs } from '../../../machines/container-meta/container-meta-pod.machine.js';
import { expectedEnvHash } from '../../../machines/container-meta/env-hash.js';
import { encodeMetaSet } from '../../../machines/container-meta/meta-set.js';
import { DEFAULT_CONTAINER_META_TIMING } from '../../../machines/container-meta/types.js';
import { cid, ev, fieldRef, inputOf, podView, Run, runtimeOf, T0 } from './drive.js';

const VERSION = [fieldRef('VERSION', "metadata.labels['version']")];
const hashFor = (version: string) => String(expectedEnvHash(VERSION, { labels: { version } }));
const EMPTY = String(expectedEnvHash([], {}));
const metaOf = (id: string, version: string, restartCount = 0) =>
  encodeMetaSet([{ name: 'main', containerID: cid(id), restartCount, plainHash: '3405691582', envHash: hashFor(version) }]);

/** An actor whose pod runs main-1 with label v1, annotated and watching. */
function synced(): Run {
  const run = new Run().send(ev.observed(podView({ ids: { main: '' } })), ev.observed(podView({ resourceVersion: '11' })));
  run.send(ev.read([runtimeOf('main', 'main-1', { values: { VERSION: 'v1' } })]), ev.patched('12'));
  run.send(ev.observed(podView({ resourceVersion: '12', meta: metaOf('main-1', 'v1') })));
  return run;
}

describe('containerMetaPod: a new pod', () => {
  it('waits for its containers, then reads the runtime once and writes the annotation in upstream’s JSON', () => {
    const run = new Run().send(ev.observed(podView({ ids: { main: '' } })));
    expect(run.state).toBe('resting.awaitingContainers');
    expect(run.reads()).toEqual([]);

    run.send(ev.observed(podView({ resourceVersion: '11' })));
    expect(run.state).toBe('reading');
    expect(run.reads()).toEqual([
      { runtimeName: 'containerd', podUid: 'uid-1', namespace: 'default', name: 'web-0', envWanted: [{ name: 'main', envNames: ['VERSION'], hashedIds: [] }] },
    ]);

    run.send(ev.read([runtimeOf('main', 'main-1', { restartCount: 0, values: { VERSION: 'v1' } })]));
    expect(run.state).toBe('patching');
    expect(run.patches()).toEqual([
      `{"containers":[{"name":"main","containerID":"containerd://main-1","restartCount":0,"hashes":{"plainHash":3405691582,"extractedEnvFromMetadataHash":${hashFor('v1')}}}]}`,
    ]);
    expect(run.emitted()).toContainEqual({ type: 'containerMeta.reporting', value: run.patches()[0] });

    run.send(ev.patched('12'));
    expect(run.state).toBe('resting.watching');
    // its own write coming back changes nothing
    run.send(ev.observed(podView({ resourceVersion: '12', meta: metaOf('main-1', 'v1') })));
    expect(run.state).toBe('resting.watching');
    expect(run.reads()).toHaveLength(1);
  });

  it('keeps its own write over an older cached copy, so a stale observation neither syncs nor undoes it', () => {
    const run = new Run().send(ev.observed(podView({ ids: { main: '' } })), ev.observed(podView({ resourceVersion: '11' })));
    run.send(ev.read([runtimeOf('main', 'main-1', { values: { VERSION: 'v1' } })]), ev.patched('12'));
    // an older copy, without the annotation (e.g. the kubelet's status update crossing the patch)
    run.send(ev.observed(podView({ resourceVersion: '11' })));
    expect(run.state).toBe('resting.watching');
    expect(run.context.pod?.meta).toBe(metaOf('main-1', 'v1'));
    // a newer copy without it (someone removed it) is believed
    run.send(ev.observed(podView({ resourceVersion: '13' })));
    expect(run.state).toBe('reading');
  });

  it('takes the runtime from the first status that has an ID, not from index 0 (#2451)', () => {
    const containers = { a: [], b: VERSION };
    const run = new Run().send(ev.observed(podView({ containers, ids: { a: '', b: cid('b-1') } }), T0));
    expect(run.state).toBe('resting.awaitingContainers'); // first observation, no annotation: upstream's Add skips it
    run.send(ev.observed(podView({ containers, ids: { a: '', b: cid('b-1') }, resourceVersion: '11' })));
    expect(run.reads()[0]?.runtimeName).toBe('containerd');
    run.send(ev.read([runtimeOf('b', 'b-1', { values: { VERSION: 'v1' } })]));
    expect(run.patches()[0]).toContain('"name":"b"');
    expect(run.patches()[0]).not.toContain('"name":"a"');
  });

  it('drops a pass whose container IDs name a runtime it does not have, and says why', () => {
    const run = new Run().send(ev.observed(podView({ ids: { main: '' } })), ev.observed(podView({ ids: { main: 'cri-o://x' } })));
    expect(run.state).toBe('resting.watching');
    expect(run.emitted()).toContainEqual({ type: 'containerMeta.noRuntime', reason: 'not found runtime service for cri-o in daemon' });
    run.send(ev.observed(podView({ ids: { main: 'no-scheme' }, resourceVersion: '12' })));
    expect(run.emitted().at(-1)).toMatchObject({ type: 'containerMeta.noRuntime', reason: expect.stringMatching(/failed to parse containerID no-scheme/) });
    expect(run.reads()).toEqual([]);
  });

  it('treats an annotation that is not upstream’s JSON as absent, says so, and rewrites it', () => {
    const run = new Run().send(ev.observed(podView({ meta: '{"containers":"nope"}' })));
    expect(run.state).toBe('reading');
    run.send(ev.read([runtimeOf('main', 'main-1', { values: { VERSION: 'v1' } })]));
    expect(run.emitted()).toContainEqual({ type: 'containerMeta.badAnnotation', reason: 'containers is not an array: string' });
    expect(run.patches()).toEqual([metaOf('main-1', 'v1')]);
  });

  it('hashes a container whose env reads no metadata without reading its environment', () => {
    const run = new Run().send(ev.observed(podView({ containers: { main: [] }, ids: { main: '' } })), ev.observed(podView({ containers: { main: [] } })));
    expect(run.reads()[0]?.envWanted).toEqual([]);
    run.send(ev.read([runtimeOf('main', 'main-1')]));
    expect(run.patches()[0]).toContain(`"extractedEnvFromMetadataHash":${EMPTY}`);
  });

  it('with the gate off reads no environment, writes no env hash and restarts nothing', () => {
    const run = new Run(inputOf({ envFromMetadata: false })).send(ev.observed(podView({ ids: { main: '' } })), ev.observed(podView({ ready: 'False' })));
    expect(run.reads()[0]?.envWanted).toEqual([]);
    run.send(ev.read([runtimeOf('main', 'main-1')]), ev.patched('12'));
    expect(run.patches()[0]).toBe('{"containers":[{"name":"main","containerID":"containerd://main-1","restartCount":0,"hashes":{"plainHash":3405691582}}]}');
    expect(run.restarts()).toEqual([]);
  });
});

describe('containerMetaPod: an in-place update of env from metadata', () => {
  it('restarts exactly the stale container once, waits for its replacement and reports it', () => {
    const run = synced();
    // the manager: InPlaceUpdateReady False first (nothing to do yet), then the new label
    run.send(ev.observed(podView({ resourceVersion: '13', meta: metaOf('main-1', 'v1'), ready: 'False' })));
    expect(run.state).toBe('resting.watching');
    run.send(ev.observed(podView({ resourceVersion: '14', meta: metaOf('main-1', 'v1'), ready: 'False', labels: { version: 'v2' } })));
    expect(run.state).toBe('reading');
    // the hash of main-1 is known: its environment is not read again
    expect(run.reads().at(-1)?.envWanted).toEqual([{ name: 'main', envNames: ['VERSION'], hashedIds: [cid('main-1')] }]);
    run.send(ev.read([runtimeOf('main', 'main-1')]));
    expect(run.state).toBe('restarting');
    expect(run.restarts()).toEqual([
      { runtimeName: 'containerd', namespace: 'default', name: 'web-0', podUid: 'uid-1', targets: [{ name: 'main', containerID: cid('main-1') }] },
    ]);
    expect(run.emitted().at(-1)).toEqual({ type: 'containerMeta.restarting', targets: [{ name: 'main', containerID: cid('main-1') }] });

    run.send(ev.restarted([{ containerID: cid('main-1'), outcome: 'stopped', message: '' }]));
    expect(run.state).toBe('resting.awaitingNewContainer');
    // the kubelet reports main-1 exited (same ID): still waiting, no second kill
    run.send(ev.observed(podView({ resourceVersion: '15', meta: metaOf('main-1', 'v1'), ready: 'False', labels: { version: 'v2' } })));
    run.send(ev.read([runtimeOf('main', 'main-1', { state: 'exited' })]));
    expect(run.state).toBe('resting.awaitingNewContainer');
    expect(run.restarts()).toHaveLength(1);

    run.send(
      ev.observed(podView({ resourceVersion: '16', meta: metaOf('main-1', 'v1'), ready: 'False', labels: { version: 'v2' }, ids: { main: cid('main-2') } })),
    );
    expect(run.reads().at(-1)?.envWanted[0]?.hashedIds).toEqual([cid('main-1')]);
    run.send(ev.read([runtimeOf('main', 'main-2', { restartCount: 1, values: { VERSION: 'v2' } })]));
    expect(run.patches().at(-1)).toBe(metaOf('main-2', 'v2', 1));
    run.send(ev.patched('17'));
    expect(run.state).toBe('resting.watching');
    expect(run.restarts()).toHaveLength(1);
    expect(run.context.awaiting).toEqual([]);
  });

  it('does not restart while InPlaceUpdateReady is not False (a user editing the label only gets the annotation refreshed)', () => {
    const run = synced().send(ev.observed(podView({ resourceVersion: '13', meta: metaOf('main-1', 'v1'), labels: { version: 'v2' } })));
    run.send(ev.read([runtimeOf('main', 'main-1')]));
    expect(run.state).toBe('resting.watching');
    expect(run.restarts()).toEqual([]);
  });

  it('never kills the same container ID twice, even when the pass sees it running again', () => {
    const run = synced();
    const updating = (rv: string) => podView({ resourceVersion: rv, meta: metaOf('main-1', 'v1'), ready: 'False', labels: { version: 'v2' } });
    run.send(ev.observed(updating('13')), ev.read([runtimeOf('main', 'main-1')]));
    run.send(ev.restarted([{ containerID: cid('main-1'), outcome: 'alreadyStopped', message: '' }]));
    run.send(ev.newContainerWait(), ev.read([runtimeOf('main', 'main-1')]));
    expect(run.restarts()).toHaveLength(1);
    expect(run.context.restarted).toEqual([cid('main-1')]);
  });

  it('tries a failed kill again after the backoff: a kill that did not happen does not count', () => {
    const run = synced();
    run.send(ev.observed(podView({ resourceVersion: '13', meta: metaOf('main-1', 'v1'), ready: 'False', labels: { version: 'v2' } })));
    run.send(ev.read([runtimeOf('main', 'main-1')]), ev.restarted([{ containerID: cid('main-1'), outcome: 'failed', message: 'boom' }]));
    expect(run.state).toBe('backingOff');
    expect(run.context.lastError).toBe(`kill ${cid('main-1')}: boom`);
    run.send(ev.backoffOver(), ev.read([runtimeOf('main', 'main-1')]));
    expect(run.restarts()).toHaveLength(2);
  });

  it('runs the pass again when a change arrives while it runs', () => {
    const run = synced();
    run.send(ev.observed(podView({ resourceVersion: '13', meta: metaOf('main-1', 'v1'), ids: { main: cid('main-2') } })));
    expect(run.state).toBe('reading');
    run.send(ev.observed(podView({ resourceVersion: '14', meta: metaOf('main-1', 'v1'), ids: { main: cid('main-3') } })));
    expect(run.context.dirty).toBe(true);
    run.send(ev.read([runtimeOf('main', 'main-2', { values: { VERSION: 'v1' } })]), ev.patched('15'));
    expect(run.state).toBe('reading');
    expect(run.reads()).toHaveLength(3);
  });
});

describe('containerMetaPod: failures and timers', () => {
  it('retries a hash that could not be computed after 3 s, writing the entry without it meanwhile', () => {
    const run = new Run().send(ev.observed(podView({ ids: { main: '' } })), ev.observed(podView()));
    run.send(ev.read([{ ...runtimeOf('main', 'main-1'), env: { source: 'unavailable', reason: 'no spec, and exec found no environment' } }]));
    expect(run.emitted()).toContainEqual({
      type: 'containerMeta.hashUnavailable',
      name: 'main',
      containerID: cid('main-1'),
      reason: 'no spec, and exec found no environment',
    });
    expect(run.patches()[0]).not.toContain('extractedEnvFromMetadataHash');
    run.send(ev.patched('12'));
    expect(run.state).toBe('resting.retryingHash');
    expect(run.delays('hashRetry')).toEqual([3_000]);
    run.send(ev.hashRetry());
    expect(run.state).toBe('reading');
    expect(run.context.clockMs).toBe(T0 + 3_000);
  });

  it('backs off 500 ms doubling to 50 s after failed effects, and resets after a success', () => {
    const run = new Run().send(ev.observed(podView({ ids: { main: '' } })), ev.observed(podView()));
    for (let i = 0; i < 9; i++) run.send(ev.readError(new Error('deadline exceeded')), ev.backoffOver());
    expect(run.delays('retryBackoff')).toEqual([500, 1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 50_000, 50_000]);
    run.send(ev.read([runtimeOf('main', 'main-1', { values: { VERSION: 'v1' } })]));
    expect(run.context.failures).toBe(0);
    run.send(ev.patchError(new Error('503')));
    expect(run.state).toBe('backingOff');
    expect(backoffMs(1, DEFAULT_CONTAINER_META_TIMING)).toBe(500);
  });

  it('ends when its pod is being deleted, whatever it is doing', () => {
    const run = new Run().send(ev.observed(podView({ ids: { main: '' } })), ev.observed(podView()));
    expect(run.state).toBe('reading');
    run.send(ev.observed({ ...podView(), deleting: true }));
    expect(run.snapshot.status).toBe('done');
  });
});
