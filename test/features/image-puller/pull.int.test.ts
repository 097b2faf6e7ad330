// The image puller against the bed's real containerd and registries, the fake API server and the
// ImagePullJob manager double: pulls, failures, IfNotPresent, and the events upstream records.
import { describe, expect, it } from 'vitest';
import { imagePullJobStatusFrom } from '../../bed/manager/index.js';
import { runtimeBed, runtimeBedSkipReason } from '../../bed/runtime-bed.js';
import { expectPullsEndingInOneSuccess, nameTag, pullerBed, until } from './support.js';

const bed = runtimeBed();
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

describe.skipIf(bed === undefined)(`image puller: pulls and failures ${runtimeBedSkipReason()}`.trim(), () => {
  it('pulls the image of an ImagePullJob and reports Succeeded with the image ID, the counters and one PullImageSucceed event', async () => {
    const b = await pullerBed(bed!);
    // By default a new tag is announced within 250 ms, so a burst of jobs shares one write, and a
    // pull this short may finish first; announce at once here to see Waiting/Pulling posted.
    const daemon = await b.startDaemon({ puller: { statusBudget: { announceDelayMs: 0 } } });
    const { name, tag } = nameTag(bed!.images.busybox2);
    const job = b.job('warm', { image: bed!.images.busybox2, imagePullPolicy: 'Always' });

    const done = await until(() => b.tagsOf(name).find((t) => t.phase === 'Succeeded'), 'the tag to succeed', 30_000);
    const { image } = await b.cri.imageStatus(undefined, { image: { image: bed!.images.busybox2 } });
    expect(done).toEqual({
      tag,
      phase: 'Succeeded',
      version: 0,
      progress: 100,
      startTime: expect.stringMatching(RFC3339),
      completionTime: expect.stringMatching(RFC3339),
      imageID: `${name}@${image!.id}`,
    });
    expect(b.nodeImage()!.status).toEqual({ desired: 1, succeeded: 1, failed: 0, pulling: 0, waiting: 0, imageStatuses: { [name]: { tags: [done] } } });
    expect(daemon.pulls).toEqual([bed!.images.busybox2]);
    expect(imagePullJobStatusFrom(job as never, [b.nodeImage()! as never])).toMatchObject({ desired: 1, active: 0, succeeded: 1, failed: 0 });
    // Waiting or Pulling reached the API server before the end.
    expect(daemon.seen.some((s) => s.imageStatuses?.[name]?.tags.some((t) => t.phase === 'Pulling' || t.phase === 'Waiting'))).toBe(true);

    await daemon.stop();
    const events = b.events();
    expect(events.map((e) => [e.reason, e.type, e.involvedObject?.kind, e.count])).toEqual([['PullImageSucceed', 'Normal', 'NodeImage', 1]]);
    expect(events[0]!.message).toMatch(new RegExp(`^Image ${name.replace(/[.]/g, '\\.')}:${tag}, ecalpsedTime \\d`));
  });

  it('fails a missing image after backoffLimit + 1 attempts with the anonymous-pull message, and records PullImageFailed to the job and the NodeImage once', async () => {
    const b = await pullerBed(bed!);
    const daemon = await b.startDaemon();
    const missing = `${bed!.registry}/no-such-image:1`;
    const { name } = nameTag(missing);
    b.job('missing', { image: missing, imagePullPolicy: 'Always', pullPolicy: { backoffLimit: 1 } });

    const failed = await until(() => b.tagsOf(name).find((t) => t.phase === 'Failed'), 'the tag to fail', 30_000);
    expect(daemon.pulls).toEqual([missing, missing]);
    expect(failed).toMatchObject({
      tag: '1',
      phase: 'Failed',
      version: 0,
      startTime: expect.stringMatching(RFC3339),
      completionTime: expect.stringMatching(RFC3339),
    });
    expect(failed.message).toMatch(
      new RegExp(`^Failed to pull image reference "${missing.replace(/[.]/g, '\\.')}": rpc error: code = \\w+ desc = .*not found`),
    );
    expect(failed).not.toHaveProperty('imageID');
    expect(b.nodeImage()!.status).toMatchObject({ desired: 1, succeeded: 0, failed: 1, pulling: 0, waiting: 0 });

    await daemon.stop();
    const events = b.events();
    expect(events.map((e) => [e.reason, e.type, e.involvedObject?.kind, e.metadata?.namespace, e.count]).sort()).toEqual([
      ['PullImageFailed', 'Warning', 'ImagePullJob', 'apps', 1],
      ['PullImageFailed', 'Warning', 'NodeImage', 'default', 1],
    ]);
    for (const e of events) expect(e.message).toBe(`Image ${name}:1 ${failed.message}`);
  });

  it('skips the pull under IfNotPresent when the runtime already has the image, and succeeds with progress 100', async () => {
    const b = await pullerBed(bed!);
    await b.cri.pullImage(undefined, { image: { image: bed!.images.busybox } });
    const daemon = await b.startDaemon();
    const { name, tag } = nameTag(bed!.images.busybox);
    b.job('present', { image: bed!.images.busybox }); // the webhook defaults imagePullPolicy to IfNotPresent

    const done = await until(() => b.tagsOf(name).find((t) => t.phase === 'Succeeded'), 'the tag to succeed', 30_000);
    expect(done).toMatchObject({ tag, version: 0, progress: 100, imageID: expect.stringMatching(new RegExp(`^${name.replace(/[.]/g, '\\.')}@sha256:`)) });
    expect(daemon.pulls).toEqual([]);
  });

  it('adopts a finished tag after a restart on the same event log and pulls nothing again', async () => {
    const b = await pullerBed(bed!);
    const first = await b.startDaemon();
    const { name } = nameTag(bed!.images.busybox2);
    b.job('warm', { image: bed!.images.busybox2, imagePullPolicy: 'Always' });
    await until(() => b.tagsOf(name).find((t) => t.phase === 'Succeeded'), 'the tag to succeed', 30_000);
    await first.stop();
    const before = b.nodeImage()!.status;

    const second = await b.startDaemon();
    // The witness: the second puller has had the NodeImage and the informer's first complete list.
    // A tag it meant to pull would have its actor by then (spawned in the same turn).
    await until(() => second.observed.includes('synced'), "the second daemon's first NodeImage list", 30_000);
    await second.puller.idle();
    expect(second.pulls).toEqual([]);
    expect(second.tagActors()).toEqual([]);
    expect(b.nodeImage()!.status).toEqual(before);
    await second.stop();
    expect(b.events().filter((e) => e.reason === 'PullImageSucceed')).toHaveLength(1);
  });

  it("pulls a private image with the credentials authFor gives, and with a wrong password fails with the registry's answer and no anonymous fallback", async () => {
    const b = await pullerBed(bed!);
    const { name } = nameTag(bed!.images.private);
    const asked: string[] = [];
    const good = await b.startDaemon({
      authFor: (reference) => {
        asked.push(reference);
        return [{ username: bed!.auth.username, password: bed!.auth.password }];
      },
    });
    b.job('private', { image: bed!.images.private, imagePullPolicy: 'Always' });
    await until(() => b.tagsOf(name).find((t) => t.phase === 'Succeeded'), 'the private tag to succeed', 30_000);
    // Another file (client.int) may remove the private image meanwhile: a pull may be retried (see the helper).
    expectPullsEndingInOneSuccess(good, bed!.images.private, 1);
    expect(asked).toEqual(good.pulls); // the credentials were looked up for each PullImage call
    await good.stop();

    const other = await pullerBed(bed!);
    const bad = await other.startDaemon({ authFor: () => [{ username: bed!.auth.username, password: 'wrong' }] });
    other.job('private', { image: bed!.images.private, imagePullPolicy: 'Always', pullPolicy: { backoffLimit: 1 } });
    const failed = await until(() => other.tagsOf(name).find((t) => t.phase === 'Failed'), 'the private tag to fail', 30_000);
    expect(bad.pulls).toEqual([bed!.images.private, bed!.images.private]);
    expect(failed.message).toMatch(/^rpc error: code = \w+ desc = .*401 Unauthorized/);
  });

  it("carries timeoutSeconds and activeDeadlineSeconds from the job to the tag: a spent budget fails with upstream's messages (saying why when timeoutSeconds left no time)", async () => {
    const b = await pullerBed(bed!);
    const daemon = await b.startDaemon();
    const { name, tag } = nameTag(bed!.images.busybox2);
    b.job('no-time', { image: bed!.images.busybox2, imagePullPolicy: 'Always', pullPolicy: { timeoutSeconds: 0, backoffLimit: 0 } });
    const canceled = await until(() => b.tagsOf(name).find((t) => t.phase === 'Failed'), 'the tag to fail', 30_000);
    expect(canceled.message).toBe(`pulling image ${name}:${tag} is canceled (timeoutSeconds 0 leaves no time to pull)`);

    const deadline = nameTag(bed!.images.busybox);
    b.job('no-deadline', { image: bed!.images.busybox, imagePullPolicy: 'Always', completionPolicy: { activeDeadlineSeconds: 0 } });
    const exceeded = await until(() => b.tagsOf(deadline.name).find((t) => t.tag === deadline.tag && t.phase === 'Failed'), 'the second tag to fail', 30_000);
    expect(exceeded.message).toBe('pulling exceeds the activeDeadlineSeconds');
    expect(daemon.pulls.filter((p) => p === bed!.images.busybox)).toEqual([]);
  });
});
