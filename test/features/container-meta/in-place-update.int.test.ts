// An in-place update of env from metadata on the REAL containerd, through the daemon's own
// composition (support.ts): the manager double changes a label that a downward-API env var reads
// and sets InPlaceUpdateReady False; the daemon restarts exactly that container, once; the new
// container's env (read with exec inside it) has the new value; the annotation carries the new
// container ID, restart count and the hash the manager computes with its own code. With two
// containers only the one reading metadata restarts; a pod no kruise workload owns is ignored; a
// shell-less image, where upstream's `env` exec fails, gets the right hash; and values with
// spaces, `=`, newlines and non-ASCII (upstream's restart loop) restart once and complete.
import { describe, expect, it } from 'vitest';
import { runtimeBed, runtimeBedSkipReason } from '../../bed/runtime-bed.js';
import { idOf, metaBed, NODE, NS } from './support.js';

const bed = runtimeBed();
/** Exits at once on SIGTERM, so a stop is quick. */
const LOOP = 'trap "exit 0" TERM; while true; do sleep 1 & wait $!; done';
const fromLabel = (name: string, key: string) => ({ name, valueFrom: { fieldRef: { fieldPath: `metadata.labels['${key}']` } } });
const fromAnnotation = (name: string, key: string) => ({ name, valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${key}']` } } });
const sleeper = (name: string, env: unknown[] = []) => ({ name, image: bed!.images.busybox, command: ['sh', '-c', LOOP], env: env as never });
const envOf = (text: string) => new Map(text.split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const));

describe.skipIf(bed === undefined)(`container meta on a real containerd ${runtimeBedSkipReason()}`.trim(), () => {
  it('restarts exactly the container whose env reads the changed label, once, and reports the new one with the manager’s hash', async () => {
    const node = await metaBed(bed!);
    const daemon = await node.startDaemon();
    const pod = await node.runPod('web-0', [sleeper('main', [fromLabel('VERSION', 'version'), { name: 'PLAIN', value: 'x' }])], { labels: { version: 'v1' } });
    const first = pod.status!.containerStatuses![0]!;
    // the daemon reports the running container with the hash the manager expects
    await node.waitPod('web-0', () => node.metaOf('web-0', 'main')?.containerID === first.containerID);
    const hashV1 = node.manager.expectedHash(NS, 'web-0', 'main');
    expect(node.metaOf('web-0', 'main')).toEqual({
      name: 'main',
      containerID: first.containerID,
      restartCount: 0,
      hashes: { plainHash: node.manager.plainHash(NS, 'web-0', 'main'), extractedEnvFromMetadataHash: node.manager.expectedHash(NS, 'web-0', 'main') },
    });

    node.manager.update(NS, 'web-0', { labels: { version: 'v2' } });
    const done = await node.manager.completed(NS, 'web-0');
    const after = done.status!.containerStatuses![0]!;
    expect(after.containerID).not.toBe(first.containerID);
    expect(after.restartCount).toBe(1);
    expect(node.metaOf('web-0', 'main')).toEqual({
      name: 'main',
      containerID: after.containerID,
      restartCount: 1,
      hashes: { plainHash: node.manager.plainHash(NS, 'web-0', 'main'), extractedEnvFromMetadataHash: node.manager.expectedHash(NS, 'web-0', 'main') },
    });
    expect(node.manager.expectedHash(NS, 'web-0', 'main')).not.toBe(hashV1);
    expect(envOf(await node.exec(after.containerID!, ['env'])).get('VERSION')).toBe('v2');

    const stops = node.calls.filter((c) => c.method === 'StopContainer');
    expect(stops.map((c) => c.containerId)).toEqual([idOf(first.containerID!)]);
    // no exec on containerd: the env came from the runtime spec
    expect(node.calls.filter((c) => c.method === 'ExecSync')).toEqual([]);
    const killing = node.events().filter((e) => e.reason === 'Killing');
    expect(killing).toHaveLength(1);
    expect(killing[0]).toMatchObject({
      type: 'Normal',
      // upstream's message, with the runtime ID replaced by the container's name as kubelet's recordContainerEvent does
      message: 'Stopping containerID containerd://main by container meta restarter',
      involvedObject: { kind: 'Pod', name: 'web-0', fieldPath: 'spec.containers{main}' },
      source: { component: 'kruise-daemon-containermeta', host: NODE },
    });
    const patches = node.api.requests.filter({ resource: 'pods', subresource: 'status' }).filter((r) => r.userAgent?.includes('kruise-daemon-containermeta'));
    expect(patches.length).toBeGreaterThanOrEqual(2);
    expect(patches.every((r) => r.verb === 'patch' && r.status === 200)).toBe(true);
    expect(daemon.logs.filter((l) => l.level >= 50)).toEqual([]);
  });

  it('with two containers restarts only the one that reads metadata', async () => {
    const node = await metaBed(bed!);
    await node.startDaemon();
    const pod = await node.runPod('web-1', [sleeper('main', [fromLabel('VERSION', 'version')]), sleeper('side')], { labels: { version: 'v1' } });
    const before = new Map(pod.status!.containerStatuses!.map((s) => [s.name, s.containerID!]));
    await node.waitPod('web-1', () => node.metaOf('web-1', 'side')?.containerID === before.get('side') && node.metaOf('web-1', 'main') !== undefined);
    node.manager.update(NS, 'web-1', { labels: { version: 'v2' } });
    await node.manager.completed(NS, 'web-1');
    expect(node.statusOf('web-1', 'main')?.containerID).not.toBe(before.get('main'));
    expect(node.statusOf('web-1', 'side')).toMatchObject({ containerID: before.get('side'), restartCount: 0 });
    expect(node.calls.filter((c) => c.method === 'StopContainer').map((c) => c.containerId)).toEqual([idOf(before.get('main')!)]);
    // the side container's hash is the empty list's, computed without reading its environment
    expect(node.metaOf('web-1', 'side')?.hashes.extractedEnvFromMetadataHash).toBe(node.manager.expectedHash(NS, 'web-1', 'side'));
    expect(node.calls.filter((c) => c.method === 'ContainerStatus' && c.verbose && c.containerId === idOf(before.get('side')!))).toEqual([]);
  });

  it('ignores a pod that no kruise workload owns', async () => {
    const node = await metaBed(bed!);
    const daemon = await node.startDaemon();
    const plain = await node.runPod('plain', [sleeper('main', [fromLabel('VERSION', 'version')])], { owned: false, labels: { version: 'v1' } });
    // a kruise pod created after it is reported: the informer has handled the plain pod by then
    const owned = await node.runPod('owned', [sleeper('main')]);
    await node.waitPod('owned', () => node.metaOf('owned', 'main')?.containerID === owned.status!.containerStatuses![0]!.containerID);
    expect(node.pod('plain')?.metadata.annotations?.['apps.kruise.io/runtime-containers-meta']).toBeUndefined();
    expect(node.calls.filter((c) => c.podUid === plain.metadata.uid)).toEqual([]);
    expect(daemon.engine.host.has(`containerMeta/${NS}/plain`)).toBe(false);
    expect(daemon.engine.host.has(`containerMeta/${NS}/owned`)).toBe(true);
  });

  it('hashes a shell-less container (no `env` to exec, kruise #2136) from the runtime spec, and updates it in place', async () => {
    const node = await metaBed(bed!);
    await node.startDaemon();
    const app = {
      name: 'app',
      image: bed!.images.shellless,
      command: ['/opt/app/busybox.app', 'sleep', '3600'],
      env: [fromAnnotation('NOTE', 'note')] as never,
    };
    const pod = await node.runPod('distroless', [app], { annotations: { note: 'first' }, spec: { terminationGracePeriodSeconds: 2 } });
    const first = pod.status!.containerStatuses![0]!.containerID!;
    // upstream's method: ExecSync(["env"]) fails in this image, so its hash would stay 0
    await expect(node.exec(first, ['env'])).rejects.toThrow();
    await node.waitPod('distroless', () => node.metaOf('distroless', 'app')?.containerID === first);
    expect(node.metaOf('distroless', 'app')?.hashes.extractedEnvFromMetadataHash).toBe(node.manager.expectedHash(NS, 'distroless', 'app'));

    node.manager.update(NS, 'distroless', { annotations: { note: 'second' } });
    const done = await node.manager.completed(NS, 'distroless');
    const after = done.status!.containerStatuses![0]!.containerID!;
    expect(after).not.toBe(first);
    expect(envOf(await node.exec(after, ['/opt/app/busybox.app', 'env'])).get('NOTE')).toBe('second');
    expect(node.calls.filter((c) => c.method === 'ExecSync')).toEqual([]);
  });

  it('restarts once for values with spaces, `=`, newlines and non-ASCII, where upstream’s `env` parsing loops', async () => {
    const node = await metaBed(bed!);
    await node.startDaemon();
    const app = sleeper('main', [fromAnnotation('NOTE', 'note'), fromAnnotation('OTHER', 'other')]);
    await node.runPod('tricky', [app], { annotations: { note: 'plain', other: 'k=v==w  ' } });
    await node.waitPod('tricky', () => node.metaOf('tricky', 'main') !== undefined);
    expect(node.metaOf('tricky', 'main')?.hashes.extractedEnvFromMetadataHash).toBe(node.manager.expectedHash(NS, 'tricky', 'main'));

    const tricky = 'a value  with = signs\nsecond=line\r\n  grüße 日本 😀 <&> ';
    node.manager.update(NS, 'tricky', { annotations: { note: tricky } });
    const done = await node.manager.completed(NS, 'tricky');
    const after = done.status!.containerStatuses![0]!;
    expect(after.restartCount).toBe(1);
    expect(await node.exec(after.containerID!, ['sh', '-c', 'printf %s "$NOTE"'])).toBe(tricky);
    expect(node.metaOf('tricky', 'main')?.hashes.extractedEnvFromMetadataHash).toBe(node.manager.expectedHash(NS, 'tricky', 'main'));
    expect(node.calls.filter((c) => c.method === 'StopContainer')).toHaveLength(1);
  });
});
