// pull-api-writes: status writes (PUT/PATCH of nodeimages/status, from the fake API server's request
// log) per pulled tag, through the daemon's path against the real-runtime bed: busybox:1,
// busybox:2 and the ~50 MB image (which shows real progress), added together as three
// ImagePullJobs; then, with the images removed from containerd, the same three again as new jobs
// (version bumps), so six tag pulls in all. Upstream's figure for the same run comes from its
// cadence in contract §3.6 (pull-support.ts `upstreamWrites`), fed with the times each tag was
// added and each CRI PullImage returned here, averaged over its requeue jitter.
import { progress } from './harness.js';
import { atMost, figure, round, type Result } from './report.js';

const ROUNDS = 2;

export async function run(): Promise<Result[]> {
  const support = await import('./pull-support.js');
  const bench = await support.startPullBench('pull-api-writes');
  if (!bench) return [];
  const { cri, api, daemon, refs } = bench;
  try {
    let upstream = 0;
    let tags = 0;
    // The daemon's first status (the NodeImage without images: desired 0) is not a tag's: let it
    // land before counting, as upstream's first sync would write it too.
    await support.waitFor(() => support.nodeImageOf(api)?.status, "the daemon's first status", 30_000);
    await daemon.puller.idle();
    api.requests.clear();
    const rounds: number[] = [];
    for (let round = 1; round <= ROUNDS; round += 1) {
      await support.removeImages(cri, refs);
      const before = daemon.pullsDone.length;
      const added = await support.pullThroughDaemon(api, `round${round}`, refs);
      const done = refs.map((ref) => daemon.pullsDone.slice(before).find((p) => p.image === ref)?.at ?? Date.now());
      rounds.push(added);
      upstream += support.upstreamWrites(
        refs.map(() => added),
        done,
      );
      tags += refs.length;
      progress(`round ${round}: ${refs.length} tags pulled in ${((Math.max(...done) - added) / 1000).toFixed(2)} s`);
    }
    // Let the last throttled or requeued writes land before counting.
    await new Promise((r) => setTimeout(r, 3000));
    const firstAdded = rounds[0]!;
    const writes = api.requests.filter((r) => r.resource === 'nodeimages' && r.subresource === 'status' && (r.method === 'PUT' || r.method === 'PATCH'));
    progress(
      `status writes at (s after the first jobs): ${writes.map((w) => ((w.time - firstAdded) / 1000).toFixed(2)).join(', ')}; rounds added at ${rounds.map((t) => ((t - firstAdded) / 1000).toFixed(2)).join(', ')}`,
    );
    progress(`${writes.length} status writes for ${tags} tag pulls; upstream's cadence: ${upstream.toFixed(1)}`);
    return [
      atMost('pull-api-writes.per-tag', writes.length / tags, 'writes/tag', round(upstream / tags)),
      figure('pull-api-writes.upstream-per-tag', upstream / tags, 'writes/tag'),
    ];
  } finally {
    await bench.stop();
  }
}
