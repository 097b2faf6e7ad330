// The ~50 MB image of the bed, removed from the runtime first so it is really downloaded: real
// progress reaches the NodeImage status, and a version bump in the middle of the pull cancels it
// and pulls again for the new version with one terminal status and one event, and one worker
// slot keeps a second tag Waiting while the big image pulls. (One file, so these run in sequence.)
import { describe, expect, it } from 'vitest';
import { runtimeBed, runtimeBedSkipReason } from '../../bed/runtime-bed.js';
import { expectPullsEndingInOneSuccess, nameTag, pullerBed, until } from './support.js';

const bed = runtimeBed();

describe.skipIf(bed === undefined)(`image puller: the big image ${runtimeBedSkipReason()}`.trim(), () => {
  it('shows at least one stored status with 0 < progress < 100 while the big image is pulled, then Succeeded at 100', async () => {
    const b = await pullerBed(bed!);
    const { name, tag } = nameTag(bed!.images.big);
    let progress: number[] = [];
    // content-progress.int.test.ts may pull the same image at the same time (its ingests are then
    // not this pull's, or the content is already there): retry the observation a few times.
    const rounds: string[] = [];
    for (let round = 0; round < 5; round += 1) {
      await b.removeImage(bed!.images.big);
      // Progress is written on a cadence (default 5 s, longer than this pull): shorten it here.
      const daemon = await b.startDaemon({ puller: { statusBudget: { refreshIntervalMs: 50 } } });
      b.job(`big-${round}`, { image: bed!.images.big, imagePullPolicy: 'Always' });
      const ours = (st: (typeof daemon.seen)[number]) => st.imageStatuses?.[name]?.tags.filter((t) => t.tag === tag && t.version === round) ?? [];
      // Wait on the informer's view (not the store), so every stored status has reached `seen`.
      await until(() => daemon.seen.some((st) => ours(st).some((t) => t.phase === 'Succeeded')), 'the big image to succeed', 60_000);
      await daemon.stop();
      progress = daemon.seen.flatMap((st) => ours(st).map((t) => t.progress ?? 0));
      rounds.push(progress.join(','));
      if (progress.some((p) => p > 0 && p < 100)) break;
    }
    expect(
      progress.some((p) => p > 0 && p < 100),
      `progress seen per round: ${rounds.join(' | ')}`,
    ).toBe(true);
    expect(
      progress.every((p, i) => i === 0 || p >= progress[i - 1]!),
      `not monotone: ${progress.join(',')}`,
    ).toBe(true);
    expect(progress.at(-1)).toBe(100);
  });

  it('restarts cleanly when the version is bumped mid-pull: the old pull is cancelled, the new version succeeds, one event', async () => {
    const b = await pullerBed(bed!);
    const { name, tag } = nameTag(bed!.images.big);
    await b.removeImage(bed!.images.big);
    const daemon = await b.startDaemon();
    b.job('first', { image: bed!.images.big, imagePullPolicy: 'Always' });
    await until(() => daemon.pulls.length === 1, 'the first pull to start', 30_000);
    b.job('second', { image: bed!.images.big, imagePullPolicy: 'Always' }); // another owner: version 0 → 1

    const done = await until(() => b.tagsOf(name).find((t) => t.phase === 'Succeeded'), 'the tag to succeed', 60_000);
    expect(done).toMatchObject({ tag, version: 1, progress: 100 });
    await daemon.stop();
    // Version 0's pull was cancelled and version 1's succeeded, perhaps after a failed retry.
    expectPullsEndingInOneSuccess(daemon, bed!.images.big, 2);
    const terminal = daemon.seen.flatMap((s) => s.imageStatuses?.[name]?.tags ?? []).filter((t) => t.phase === 'Succeeded' || t.phase === 'Failed');
    expect(
      terminal.every((t) => t.version === 1),
      'version 0 never got a terminal status',
    ).toBe(true);
    expect(b.nodeImage()!.status).toMatchObject({ desired: 1, succeeded: 1, failed: 0, pulling: 0, waiting: 0 });
    expect(b.events().map((e) => e.reason)).toEqual(['PullImageSucceed']);
  });

  it('with one worker, posts the second tag as Waiting while the first pulls, and pulls them in FIFO order', async () => {
    const b = await pullerBed(bed!);
    await b.removeImage(bed!.images.big);
    const daemon = await b.startDaemon({ maxWorkers: 1 });
    const big = nameTag(bed!.images.big);
    const small = nameTag(bed!.images.busybox2);
    b.job('first', { image: bed!.images.big, imagePullPolicy: 'Always' });
    await until(() => daemon.pulls.length === 1, 'the first pull to start', 30_000);
    b.job('second', { image: bed!.images.busybox2, imagePullPolicy: 'Always' });

    await until(() => b.tagsOf(small.name).find((t) => t.phase === 'Succeeded'), 'the second tag to succeed', 60_000);
    expect([...new Set(daemon.pulls)], daemon.pullOutcomes.join(' | ')).toEqual([bed!.images.big, bed!.images.busybox2]); // a failed pull may be retried
    const phase = (s: (typeof daemon.seen)[number], name: string) => s.imageStatuses?.[name]?.tags[0]?.phase;
    expect(daemon.seen.some((s) => phase(s, big.name) === 'Pulling' && phase(s, small.name) === 'Waiting' && s.waiting === 1 && s.pulling === 1)).toBe(true);
    expect(
      daemon.seen.every((s) => !(phase(s, small.name) === 'Pulling' && phase(s, big.name) === 'Pulling')),
      'never two pulls at once',
    ).toBe(true);
    expect(b.nodeImage()!.status).toMatchObject({ desired: 2, succeeded: 2, failed: 0, pulling: 0, waiting: 0 });
  });

  it('converges to one Succeeded status and one event when the daemon stops mid-pull and a new one recovers the actor from the log', async () => {
    const b = await pullerBed(bed!);
    const { name } = nameTag(bed!.images.big);
    await b.removeImage(bed!.images.big);
    const first = await b.startDaemon();
    b.job('warm', { image: bed!.images.big, imagePullPolicy: 'Always' });
    await until(() => first.pulls.length === 1, 'the first pull to start', 30_000);
    await first.stop(); // actors stop without stop records: unfinished in the log
    expect(b.tagsOf(name).find((t) => t.phase === 'Succeeded')).toBeUndefined();

    const second = await b.startDaemon();
    expect(second.tagActors()).toHaveLength(1); // the actor was recovered, not spawned again
    const done = await until(() => b.tagsOf(name).find((t) => t.phase === 'Succeeded'), 'the tag to succeed after the restart', 60_000);
    expect(done).toMatchObject({ version: 0, progress: 100 });
    expectPullsEndingInOneSuccess(second, bed!.images.big, 1);
    await second.stop();
    expect(b.events().map((e) => e.reason)).toEqual(['PullImageSucceed']);
  });

  it('stops the pull when the tag is removed from the spec mid-pull: no status for it, no event, no actor left', async () => {
    const b = await pullerBed(bed!);
    await b.removeImage(bed!.images.big);
    const daemon = await b.startDaemon();
    b.job('gone', { image: bed!.images.big, imagePullPolicy: 'Always' });
    await until(() => daemon.pulls.length === 1, 'the pull to start', 30_000);
    const current = b.nodeImage()!;
    b.api.store.update({ ...current, spec: { images: {} } } as never);

    await until(() => daemon.tagActors().length === 0 || undefined, 'the actor to stop', 30_000);
    await until(() => (b.nodeImage()!.status as { desired?: number } | undefined)?.desired === 0 || undefined, 'the status to drop the tag', 30_000);
    expect(b.nodeImage()!.status).toEqual({ desired: 0, succeeded: 0, failed: 0, pulling: 0, waiting: 0 });
    // The witnesses: the PullImage call ended (cancelled, not finished), and the daemon has seen
    // the status it wrote come back (an observation after which it might have spawned the tag again).
    await until(() => daemon.pullOutcomes[0] !== 'running' || undefined, 'the cancelled PullImage call to end', 30_000);
    expect(daemon.pullOutcomes[0]).not.toBe('ok');
    await until(() => daemon.seen.some((s) => s.desired === 0) || undefined, 'the daemon to observe the status without the tag', 30_000);
    expect(daemon.tagActors()).toEqual([]);
    await daemon.stop(); // the event recorder's queue is flushed here
    expect(daemon.pulls).toHaveLength(1);
    expect(b.events()).toEqual([]);
  });
});
