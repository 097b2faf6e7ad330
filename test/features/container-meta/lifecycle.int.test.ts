// The container-meta actor over its pod's life, on the REAL containerd: a secret in the
// container's environment never reaches the event log or the daemon's log; a sync costs at most
// 1 + containers CRI calls; a restarted daemon recovers its actors without syncing again and goes
// on with the next update; a pod deleted while its container is being restarted ends its actor
// cleanly; and a pod that keeps changing keeps a bounded history (checkpoints on segment rotation)
// that still replays.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayLog } from '../../../engine/replay.js';
import { machineRegistry } from '../../../machines/registry.js';
import { runtimeBed, runtimeBedSkipReason } from '../../bed/runtime-bed.js';
import { eventLogText, idOf, metaBed, NS, until } from './support.js';

const bed = runtimeBed();
const LOOP = 'trap "exit 0" TERM; while true; do sleep 1 & wait $!; done';
const fromLabel = (name: string, key: string) => ({ name, valueFrom: { fieldRef: { fieldPath: `metadata.labels['${key}']` } } });
const sleeper = (name: string, env: unknown[] = [], extra: Record<string, unknown> = {}) => ({
  name,
  image: bed!.images.busybox,
  command: ['sh', '-c', LOOP],
  env: env as never,
  ...extra,
});

describe.skipIf(bed === undefined)(`the container-meta actor over its pod's life ${runtimeBedSkipReason()}`.trim(), () => {
  it('keeps a secret of the container’s environment out of the event log and the daemon’s log, while the values it hashes are recorded', async () => {
    const node = await metaBed(bed!);
    const daemon = await node.startDaemon();
    const secret = 'correct-horse-battery-staple-7731';
    const env = [fromLabel('VERSION', 'version'), { name: 'DB_PASSWORD', value: secret }];
    const pod = await node.runPod('secretive', [sleeper('main', env)], { labels: { version: 'label-value-4242' } });
    const id = pod.status!.containerStatuses![0]!.containerID!;
    await node.waitPod('secretive', () => node.metaOf('secretive', 'main')?.containerID === id);
    // the secret is in the container's environment, which the daemon read from the runtime spec
    expect(await node.exec(id, ['sh', '-c', 'printf %s "$DB_PASSWORD"'])).toBe(secret);
    expect(node.calls.some((c) => c.method === 'ContainerStatus' && c.verbose && c.containerId === idOf(id))).toBe(true);
    await daemon.stop();
    const log = await eventLogText(daemon.dataDir);
    expect(log).toContain('label-value-4242'); // the picked value is recorded: replay can show the hash's input
    expect(log).not.toContain(secret);
    expect(JSON.stringify(daemon.logs)).not.toContain(secret);
  });

  it('syncs a pod in at most 1 + containers CRI calls, with no ExecSync', async () => {
    const node = await metaBed(bed!);
    await node.startDaemon();
    const pod = await node.runPod('counted', [sleeper('a', [fromLabel('V', 'v')]), sleeper('b', [fromLabel('V', 'v')]), sleeper('c')], { labels: { v: '1' } });
    await node.waitPod('counted', () => ['a', 'b', 'c'].every((n) => node.metaOf('counted', n)?.containerID === node.statusOf('counted', n)?.containerID));
    const ids = new Set(pod.status!.containerStatuses!.map((s) => idOf(s.containerID!)));
    const lists = node.calls.filter((c) => c.method === 'ListContainers' && c.podUid === pod.metadata.uid);
    const statuses = node.calls.filter((c) => c.method === 'ContainerStatus' && ids.has(c.containerId ?? ''));
    expect(lists.length).toBeGreaterThanOrEqual(1);
    expect(lists.length + statuses.length).toBeLessThanOrEqual(lists.length * (1 + 3));
    // each container whose env reads metadata is read once; c's hash needs no read
    expect(
      statuses
        .filter((c) => c.verbose)
        .map((c) => c.containerId)
        .sort(),
    ).toEqual(['a', 'b'].map((n) => idOf(node.statusOf('counted', n)!.containerID!)).sort());
    expect(node.calls.filter((c) => c.method === 'ExecSync')).toEqual([]);
  });

  it('recovers its actors after a daemon restart without syncing them again, then restarts on the next update', async () => {
    const node = await metaBed(bed!);
    const first = await node.startDaemon();
    const pod = await node.runPod('kept', [sleeper('main', [fromLabel('VERSION', 'version')])], { labels: { version: 'v1' } });
    const id = pod.status!.containerStatuses![0]!.containerID!;
    await node.waitPod('kept', () => node.metaOf('kept', 'main')?.containerID === id);
    await first.stop();

    const second = await node.startDaemon();
    expect(second.engine.host.has(`containerMeta/${NS}/kept`)).toBe(true);
    const since = node.calls.length;
    // a pod created after the restart is reported: the informer's list (with `kept`) came first
    const later = await node.runPod('later', [sleeper('main')]);
    await node.waitPod('later', () => node.metaOf('later', 'main')?.containerID === later.status!.containerStatuses![0]!.containerID);
    expect(node.calls.slice(since).filter((c) => c.podUid === pod.metadata.uid)).toEqual([]);

    node.manager.update(NS, 'kept', { labels: { version: 'v2' } });
    const done = await node.manager.completed(NS, 'kept');
    expect(done.status!.containerStatuses![0]!.containerID).not.toBe(id);
    expect(node.calls.filter((c) => c.method === 'StopContainer').map((c) => c.containerId)).toEqual([idOf(id)]);
    expect(second.logs.filter((l) => l.level >= 50)).toEqual([]);
  });

  it('ends the actor of a pod deleted while its container is being restarted, without errors', async () => {
    const node = await metaBed(bed!);
    const daemon = await node.startDaemon();
    // a slow kill: the preStop hook takes 3 s of the 10 s grace
    const slow = sleeper('main', [fromLabel('VERSION', 'version')], { lifecycle: { preStop: { exec: { command: ['sleep', '3'] } } } });
    const pod = await node.runPod('doomed', [slow], { labels: { version: 'v1' }, spec: { terminationGracePeriodSeconds: 10 } });
    const key = `containerMeta/${NS}/doomed`;
    await node.waitPod('doomed', () => node.metaOf('doomed', 'main') !== undefined);
    node.manager.update(NS, 'doomed', { labels: { version: 'v2' } });
    await until(() => node.events().some((e) => e.reason === 'Killing' && e.involvedObject.name === 'doomed'), 'the restarter to start killing', 15_000);

    // graceful deletion as the API server does it (the daemon's RBAC, which the bed enforces, cannot delete pods)
    const ref = { apiVersion: 'v1', kind: 'Pod', namespace: NS, name: 'doomed' };
    node.api.store.mutate(ref, (p) => {
      p.metadata.deletionTimestamp = new Date(Date.now() + 10_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
      p.metadata.deletionGracePeriodSeconds = 10;
    });
    await until(() => !daemon.engine.host.has(key), 'the actor to end', 10_000);
    node.api.store.delete(ref);
    // the kill was cut short with the actor (the kubelet stops the pod's containers itself); nothing was killed twice
    const stopped = node.calls.filter((c) => c.method === 'StopContainer').map((c) => c.containerId);
    expect(stopped.length).toBeLessThanOrEqual(1);
    expect(stopped.every((id) => id === idOf(pod.status!.containerStatuses![0]!.containerID!))).toBe(true);
    expect(node.events().filter((e) => e.reason === 'Killing')).toHaveLength(1);
    expect(daemon.logs.filter((l) => l.level >= 50)).toEqual([]);
    await daemon.stop();
    const stops = (await eventLogText(daemon.dataDir)).split('\n').filter((l) => l.includes(`"key":"${key}"`) && l.includes('"kind":"stop"'));
    expect(stops).toHaveLength(1);
  });

  it('keeps a long-lived pod’s history bounded by checkpoints, and the log still replays', async () => {
    const node = await metaBed(bed!);
    const daemon = await node.startDaemon({ args: ['--event-log-segment-bytes=6000', '--event-log-retention=0s'] });
    const pod = await node.runPod('busy', [sleeper('main', [fromLabel('VERSION', 'version')])], { labels: { version: 'v0' } });
    const key = `containerMeta/${NS}/busy`;
    await node.waitPod('busy', () => node.metaOf('busy', 'main')?.containerID === pod.status!.containerStatuses![0]!.containerID);
    // a user edits the label again and again (no in-place update): every edit calls for a sync
    for (let i = 1; i <= 40; i++) {
      const before = node.calls.filter((c) => c.podUid === pod.metadata.uid).length;
      node.api.store.patch({ apiVersion: 'v1', kind: 'Pod', namespace: NS, name: 'busy' }, { metadata: { labels: { version: `v${i}` } } });
      await until(() => node.calls.filter((c) => c.podUid === pod.metadata.uid).length > before, `the sync after edit ${i}`, 10_000);
    }
    await daemon.engine.log.durable();
    await daemon.engine.log.collect();
    await daemon.stop();
    const dir = join(daemon.dataDir, 'events');
    const text = await eventLogText(daemon.dataDir);
    const records = text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { seq: number; key: string; kind: string });
    const mine = records.filter((r) => r.key === key);
    // the spawn and the early edits are gone with their segments; what is left begins in the
    // segment of a checkpoint (the host writes it once the new segment's first batch is durable)
    expect(mine.some((r) => r.kind === 'spawn')).toBe(false);
    const segments = (await readdir(dir)).filter((f) => f.endsWith('.jsonl')).sort();
    const firstSegment = segments.filter((f) => Number(f.slice(7, 23)) <= mine[0]!.seq).at(-1)!;
    const firstSegmentEnd = Number(segments[segments.indexOf(firstSegment) + 1]?.slice(7, 23) ?? Number.MAX_SAFE_INTEGER);
    expect(mine.some((r) => r.kind === 'checkpoint' && r.seq < firstSegmentEnd)).toBe(true);
    expect(mine.filter((r) => r.kind === 'event').length).toBeLessThan(20);
    expect(segments.length).toBeLessThanOrEqual(3);
    const replay = await replayLog(dir, { registry: machineRegistry, key });
    expect(replay.divergence).toBeUndefined();
    expect(replay.actors.find((a) => a.key === key)?.fromCheckpoint).toBeDefined();
  });
});
