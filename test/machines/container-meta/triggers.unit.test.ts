// Upstream's enqueue rules (contract §7.1) as syncTriggered decides them: the Add rule, each Update
// rule, the enqueue skips, and the pairing by container name instead of upstream's index.
import { describe, expect, it } from 'vitest';
import { expectedEnvHash } from '../../../machines/container-meta/env-hash.js';
import { encodeMetaSet } from '../../../machines/container-meta/meta-set.js';
import { syncTriggered } from '../../../machines/container-meta/triggers.js';
import type { MetaEntry } from '../../../machines/container-meta/types.js';
import { cid, fieldRef, podView } from './drive.js';

const hashFor = (version: string) => String(expectedEnvHash([fieldRef('VERSION', "metadata.labels['version']")], { labels: { version } }));
const meta = (entries: Array<Partial<MetaEntry> & { name: string }>) =>
  encodeMetaSet(entries.map((e) => ({ containerID: cid(`${e.name}-1`), restartCount: 0, plainHash: '1', envHash: hashFor('v1'), ...e })));
const synced = (overrides: Parameters<typeof podView>[0] = {}) => podView({ meta: meta([{ name: 'main' }]), ...overrides });

describe('syncTriggered', () => {
  it('Add: only a pod that already carries the annotation, and only when a rule holds for it', () => {
    expect(syncTriggered(null, podView(), true)).toBe(false);
    expect(syncTriggered(null, synced(), true)).toBe(false);
    expect(syncTriggered(null, synced({ ids: { main: cid('main-2') } }), true)).toBe(true);
  });

  it('Update: a status with an ID and no annotation, or an annotation of another length', () => {
    expect(syncTriggered(podView({ ids: { main: '' } }), podView(), true)).toBe(true);
    expect(syncTriggered(podView({ ids: { main: '' } }), podView({ ids: { main: '' } }), true)).toBe(false);
    const two = { containers: { main: [], side: [] } };
    expect(syncTriggered(null, podView({ ...two, meta: meta([{ name: 'main', envHash: hashFor('x') }]) }), false)).toBe(true);
  });

  it('Update: a changed number of spec containers', () => {
    expect(syncTriggered(synced(), synced({ containers: { main: [fieldRef('VERSION', "metadata.labels['version']")], side: [] } }), false)).toBe(true);
  });

  it("Update: the annotation's entry for a container has another container ID", () => {
    expect(syncTriggered(synced(), synced({ ids: { main: cid('main-2') } }), true)).toBe(true);
  });

  it('Update, gate on: the expected hash differs from the annotation’s, or from the old pod’s', () => {
    expect(syncTriggered(synced(), synced({ labels: { version: 'v2' } }), true)).toBe(true);
    expect(syncTriggered(synced(), synced({ labels: { version: 'v2' } }), false)).toBe(false);
    // the annotation already carries the new hash, but the label moved since the old pod
    const v2 = podView({ labels: { version: 'v2' }, meta: meta([{ name: 'main', envHash: hashFor('v2') }]) });
    expect(syncTriggered({ ...v2, labels: { version: 'v1' } }, v2, true)).toBe(true);
    expect(syncTriggered(v2, v2, true)).toBe(false);
  });

  it('skips deleting pods and pods without container statuses, as upstream’s enqueue does', () => {
    expect(syncTriggered(podView(), { ...podView(), deleting: true }, true)).toBe(false);
    expect(syncTriggered(podView(), { ...podView(), statuses: [] }, true)).toBe(false);
  });

  it('pairs statuses with annotation entries and spec containers by name, not by index', () => {
    // spec order b, a; kubelet's statuses are sorted a, b; the annotation is in status order
    const containers = { b: [fieldRef('VERSION', "metadata.labels['version']")], a: [] };
    const emptyHash = String(expectedEnvHash([], {}));
    const pod = podView({ containers, meta: meta([{ name: 'a', envHash: emptyHash }, { name: 'b' }]) });
    expect(pod.containers.map((c) => c.name)).toEqual(['b', 'a']);
    expect(pod.statuses.map((s) => s.name)).toEqual(['a', 'b']);
    // upstream would compare a's entry with b's expected hash and sync on every update
    expect(syncTriggered(pod, pod, true)).toBe(false);
    expect(syncTriggered(pod, { ...pod, labels: { version: 'v2' } }, true)).toBe(true);
  });
});
