// `kruised run` killed with SIGKILL in the middle of pulling the bed's ~50 MB image, then started
// again on the same data directory: the recovered actor pulls on, and the NodeImage gets exactly
// one terminal status for the tag (never rewritten) and exactly one PullImageSucceed event; the
// log replays clean. The kill is timed by containerd's own ingest of the image's layer, read over
// the CRI socket, once this daemon's imageTag actor is on disk in its log (another test file may be
// pulling the same image at the same time, so an ingest alone does not prove this daemon's pull);
// if the pull still beat the kill, the round is run again on a fresh bed.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createContentProgressReader, createCriClient } from '../../adapters/cri/index.js';
import { imageTagMachine } from '../../machines/image-pull/image-tag.machine.js';
import { nodeImageFromImagePullJob } from '../bed/manager/index.js';
import { runtimeBed } from '../bed/runtime-bed.js';
import { runCli } from '../support/cli.js';
import { cliDaemonBed, NODE, NODE_IMAGE } from './image-puller-daemon.js';

interface TagStatus {
  tag: string;
  phase: string;
  version: number;
  completionTime?: string;
}
type Status = { imageStatuses?: Record<string, { tags?: TagStatus[] }> };

/** How many records of one kind of imageTag actors the event log under `dir` holds (written, so a SIGKILL keeps them). */
async function imageTagRecords(dir: string, kind: 'spawn' | 'stop'): Promise<number> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.jsonl'));
  let count = 0;
  for (const file of files) {
    const text = await readFile(join(dir, file), 'utf8').catch(() => '');
    count += text.split('\n').filter((line) => line.includes(`"machine":"${imageTagMachine.id}"`) && line.includes(`"kind":"${kind}"`)).length;
  }
  return count;
}

describe.skipIf(!runtimeBed())('the image puller in kruised run: SIGKILL mid-pull', () => {
  it('converges after a restart to exactly one terminal status and one PullImageSucceed event, pulling on from the recovered actor', async () => {
    const bed = runtimeBed()!;
    const big = bed.images.big;
    const name = big.slice(0, big.lastIndexOf(':'));
    const tag = big.slice(big.lastIndexOf(':') + 1);
    const cri = createCriClient({ endpoint: bed.endpoint, platform: 'linux' });
    const ingests = createContentProgressReader({ endpoint: bed.endpoint, platform: 'linux' });
    let killedMidPull = false;
    try {
      for (let round = 0; round < 3 && !killedMidPull; round += 1) {
        const env = await cliDaemonBed(bed);
        const { image } = await cri.imageStatus(undefined, { image: { image: big } });
        if (image) await cri.removeImage(undefined, { image: { image: image.id } });
        const terminal = new Set<string>();
        const unsubscribe = env.api.store.subscribe((e) => {
          if (e.object.kind !== 'NodeImage') return;
          for (const t of (e.object.status as Status | undefined)?.imageStatuses?.[name]?.tags ?? []) {
            if (t.tag === tag && (t.phase === 'Succeeded' || t.phase === 'Failed')) terminal.add(JSON.stringify(t));
          }
        });
        const first = await env.start();
        const before = new Set(((await ingests.snapshot()).statuses ?? []).map((s) => s.ref));
        const job = env.api.store.create({
          apiVersion: 'apps.kruise.io/v1beta1',
          kind: 'ImagePullJob',
          metadata: { name: 'big', namespace: 'default' },
          spec: { image: big, imagePullPolicy: 'Always' },
        });
        nodeImageFromImagePullJob(env.api, job, [NODE]);
        for (let i = 0; i < 3000; i += 1) {
          const snap = await ingests.snapshot();
          const ingesting = (snap.statuses ?? []).some((s) => s.ref.startsWith('layer-') && !before.has(s.ref) && s.offset > 0);
          if (ingesting && (await imageTagRecords(join(env.dataDir, 'events'), 'spawn')) > 0) break;
          await new Promise((r) => setTimeout(r, 10));
        }
        first.child.kill('SIGKILL');
        expect((await first.done).signal).toBe('SIGKILL');
        killedMidPull = (await cri.imageStatus(undefined, { image: { image: big } })).image === null;
        if (!killedMidPull) {
          unsubscribe();
          await env.close();
          continue;
        }
        expect(terminal.size).toBe(0);

        const second = await env.start();
        try {
          await env.api.store.waitFor(
            NODE_IMAGE,
            (o) => (o?.status as Status | undefined)?.imageStatuses?.[name]?.tags?.some((t) => t.tag === tag && t.phase === 'Succeeded') ?? false,
            60_000,
          );
          // The witness that the tag's work is over: its actor's stop record. It stops only once its
          // entry is persisted and its Event handed over; the graceful stop below flushes the Event.
          // A second write or event would have to come from that actor, or from a second one (spawns).
          const eventLog = join(env.dataDir, 'events');
          for (let i = 0; i < 2400 && (await imageTagRecords(eventLog, 'stop')) === 0; i += 1) await new Promise((r) => setTimeout(r, 25));
          expect(await imageTagRecords(eventLog, 'stop'), "the imageTag actor's stop record").toBe(1);
        } finally {
          second.child.kill('SIGTERM');
        }
        const result = await second.done;
        expect(result.code).toBe(0);
        unsubscribe();
        expect([...terminal].map((t) => JSON.parse(t) as TagStatus)).toEqual([expect.objectContaining({ tag, phase: 'Succeeded', version: 0 })]);
        const events = env.api.store.list('v1', 'Event', { namespace: 'default' }) as Array<{ reason?: string; count?: number }>;
        expect(events.map((e) => [e.reason, e.count])).toEqual([['PullImageSucceed', 1]]);
        // The second daemon recovered the actor from the log rather than spawning it again.
        expect(await imageTagRecords(join(env.dataDir, 'events'), 'spawn')).toBe(1);
        expect(result.stdout).toMatch(/"msg":"event log recovered"/);
        const replay = await runCli(['replay', join(env.dataDir, 'events')]);
        expect(replay.code).toBe(0);
        expect(replay.stdout).toMatch(/replay clean/);
        await env.close();
      }
      expect(killedMidPull, 'the kill landed before the pull finished in one of three rounds').toBe(true);
    } finally {
      ingests.close();
      cri.close();
    }
  });
});
