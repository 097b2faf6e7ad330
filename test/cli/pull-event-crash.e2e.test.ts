// A pull's Event across a crash, through `kruised run`: the tag fails for good (a missing image, no
// retries), the API server refuses every Event write (500) so the PullImageFailed Events cannot
// land, and the daemon is killed with SIGKILL once it has tried: between the terminal decision
// (on disk) and the Event write. The daemon started again on the same data directory writes the
// Events from the recovered actor, exactly once each (one to the ImagePullJob, one to the
// NodeImage), and the actor ends; the log replays clean.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { imageTagMachine } from '../../machines/image-pull/image-tag.machine.js';
import { nodeImageFromImagePullJob } from '../bed/manager/index.js';
import { runtimeBed } from '../bed/runtime-bed.js';
import { runCli } from '../support/cli.js';
import { byEmission, repeatedEmissions, until, type CoreEvent } from './crr-cli-bed.js';
import { cliDaemonBed } from './image-puller-daemon.js';

/** Records of imageTag actors of one kind (`spawn`, `stop`) in the event log under `dir` (written, so a SIGKILL keeps them). */
async function imageTagRecords(dir: string, kind: 'spawn' | 'stop'): Promise<number> {
  let count = 0;
  for (const file of (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith('.jsonl'))) {
    const text = await readFile(join(dir, file), 'utf8').catch(() => '');
    count += text.split('\n').filter((line) => line.includes(`"machine":"${imageTagMachine.id}"`) && line.includes(`"kind":"${kind}"`)).length;
  }
  return count;
}

describe.skipIf(!runtimeBed())('kruised run killed between a pull outcome and its Event', () => {
  it('writes each PullImageFailed exactly once after the restart', async () => {
    const bed = runtimeBed()!;
    const env = await cliDaemonBed(bed);
    try {
      const events = () => env.api.store.list('v1', 'Event', { namespace: 'default' }) as unknown as CoreEvent[];
      const posts = () => env.api.requests.filter({ method: 'POST', resource: 'events' });
      let daemon = await env.start();
      env.api.faults.failNext(100_000, { status: 500, match: { resource: 'events' } });
      const job = env.api.store.create({
        apiVersion: 'apps.kruise.io/v1beta1',
        kind: 'ImagePullJob',
        metadata: { name: 'missing', namespace: 'default' },
        spec: { image: `${bed.registry}/no-such-image:1`, imagePullPolicy: 'Always', pullPolicy: { backoffLimit: 0 } },
      });
      nodeImageFromImagePullJob(env.api, job, ['node-a']);
      await until(() => posts().length > 0, 'the daemon to try the Event', 60_000);
      daemon.child.kill('SIGKILL');
      expect((await daemon.done).signal).toBe('SIGKILL');
      expect(events()).toEqual([]);
      env.api.faults.clear();

      daemon = await env.start();
      try {
        // The actor ends only once its Event is written and its entry persisted.
        await until(async () => (await imageTagRecords(join(env.dataDir, 'events'), 'stop')) === 1, 'the recovered actor to end', 60_000);
      } finally {
        daemon.child.kill('SIGTERM');
      }
      expect((await daemon.done).code).toBe(0);
      const failed = events().filter((e) => e.reason === 'PullImageFailed');
      expect(failed.map((e) => [e.involvedObject.kind, e.count ?? 1]).sort()).toEqual([
        ['ImagePullJob', 1],
        ['NodeImage', 1],
      ]);
      // One logical emission per object, each its own Event; nothing else was recorded.
      expect(byEmission(events()).size).toBe(2);
      expect(repeatedEmissions(events())).toEqual([]);
      expect(await imageTagRecords(join(env.dataDir, 'events'), 'spawn')).toBe(1);
      const replay = await runCli(['replay', join(env.dataDir, 'events')]);
      expect(replay.code).toBe(0);
      expect(replay.stdout).toMatch(/replay clean/);
    } finally {
      await env.close();
    }
  }, 180_000);
});
