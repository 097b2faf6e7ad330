// Deleting this node's NodeImage mid-pull: every imageTag actor stops without a status write or
// an event, nothing crashes, and a NodeImage created again under the same name starts fresh.
import { describe, expect, it } from 'vitest';
import { runtimeBed, runtimeBedSkipReason } from '../../bed/runtime-bed.js';
import { NODE, NODE_IMAGE, expectPullsEndingInOneSuccess, nameTag, pullerBed, until } from './support.js';

const bed = runtimeBed();
const statusWrites = (b: Awaited<ReturnType<typeof pullerBed>>) =>
  b.api.requests.filter({ method: 'PUT', resource: 'nodeimages', subresource: 'status' }).length;

describe.skipIf(bed === undefined)(`image puller: NodeImage deletion ${runtimeBedSkipReason()}`.trim(), () => {
  it('stops every actor without writes when the NodeImage gets a deletionTimestamp, survives its removal, and pulls afresh for a recreated one', async () => {
    const b = await pullerBed(bed!);
    await b.removeImage(bed!.images.big);
    const daemon = await b.startDaemon({ maxWorkers: 1 });
    const big = nameTag(bed!.images.big);
    b.job('big', { image: bed!.images.big, imagePullPolicy: 'Always' });
    b.job('small', { image: bed!.images.busybox2, imagePullPolicy: 'Always' }); // waits for the one slot
    await until(() => daemon.pulls.length === 1, 'the big pull to start', 30_000);
    expect(daemon.tagActors()).toHaveLength(2);

    b.api.store.mutate(NODE_IMAGE, (ni) => {
      (ni.metadata as Record<string, unknown>).deletionTimestamp = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    });
    await until(() => daemon.host.size === 0 || undefined, 'every actor to stop', 10_000);
    await daemon.puller.idle();
    const writes = statusWrites(b);
    b.api.store.delete(NODE_IMAGE);
    // The witness: the puller has had the removal; a status it meant to write would have its actor
    // by the time the puller is idle (its publish runs on the next turn and spawns it there).
    await until(() => daemon.observed.includes('delete'), 'the daemon to observe the removal', 10_000);
    await daemon.puller.idle();
    expect(daemon.host.size).toBe(0);
    expect(statusWrites(b)).toBe(writes);
    expect(daemon.pulls).toEqual([bed!.images.big]); // the waiting tag never got its slot
    expect(b.events()).toEqual([]);

    b.api.store.create({
      apiVersion: 'apps.kruise.io/v1beta1',
      kind: 'NodeImage',
      metadata: { name: NODE, labels: { 'kubernetes.io/hostname': NODE } },
      spec: {},
    });
    b.job('again', { image: bed!.images.big, imagePullPolicy: 'Always' });
    const done = await until(() => b.tagsOf(big.name).find((t) => t.phase === 'Succeeded'), "the recreated NodeImage's tag to succeed", 60_000);
    expect(done).toMatchObject({ tag: big.tag, version: 0, progress: 100 });
    expectPullsEndingInOneSuccess(daemon, bed!.images.big, 2); // the cancelled one, then the recreated tag's
    expect(b.nodeImage()!.status).toMatchObject({ desired: 1, succeeded: 1, failed: 0, pulling: 0, waiting: 0 });
    await daemon.stop();
    expect(b.events().map((e) => e.reason)).toEqual(['PullImageSucceed']);
  });

  it('stops the actors it recovers from the log when the NodeImage was deleted while the daemon was down', async () => {
    const b = await pullerBed(bed!);
    await b.removeImage(bed!.images.big);
    const first = await b.startDaemon();
    b.job('big', { image: bed!.images.big, imagePullPolicy: 'Always' });
    await until(() => first.pulls.length === 1, 'the pull to start', 30_000);
    await first.stop(); // actors stay unfinished in the log
    b.api.store.delete(NODE_IMAGE);

    const second = await b.startDaemon();
    expect(second.tagActors()).toHaveLength(1);
    await until(() => second.host.size === 0 || undefined, 'the recovered actor to stop once the informer has synced', 10_000);
    await second.puller.idle();
    await second.stop();
    expect(b.nodeImage()).toBeUndefined();
    expect(b.events()).toEqual([]);
  });
});
