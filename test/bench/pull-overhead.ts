// pull-overhead: the real-runtime bed's images (busybox:1, busybox:2 and the ~50 MB one, from the
// local registry) pulled through the daemon's path — ImagePullJobs written into this node's
// NodeImage by the manager double, the NodeImage informer, one imageTag actor per tag on a durable
// event log, CRI PullImage with containerd's content progress, status PUTs within upstream's
// 0.5/s burst 5 — until the fake API server holds `Succeeded` for every tag, against the same
// references pulled by direct CRI PullImage calls, all at once in both cases (the daemon runs with
// unbounded workers). Rounds alternate, after a warm-up of each. "Fresh": before every round the
// images are removed through CRI RemoveImage; containerd's CRI deletes an image's last name
// synchronously with garbage collection, so its blobs and snapshots are gone too and each round
// downloads and unpacks everything again (the registry's files stay in the page cache, for both).
// Figures: the median of each, and their ratio; and, apart, the daemon's time to its last CRI
// PullImage returning (status writes excluded) and that over the direct time.
import { performance } from 'node:perf_hooks';
import { progress } from './harness.js';
import { atMost, figure, type Result } from './report.js';

const ROUNDS = 5;

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export async function run(): Promise<Result[]> {
  const support = await import('./pull-support.js');
  const bench = await support.startPullBench('pull-overhead');
  if (!bench) return [];
  const { cri, api, daemon, refs } = bench;
  let round = 0;
  const direct = async () => {
    await support.removeImages(cri, refs);
    const started = performance.now();
    await Promise.all(refs.map((image) => cri.pullImage(undefined, { image: { image } })));
    return (performance.now() - started) / 1000;
  };
  const viaDaemon = async () => {
    await support.removeImages(cri, refs);
    round += 1;
    const before = daemon.pullsDone.length;
    const started = performance.now();
    const added = await support.pullThroughDaemon(api, `round${round}`, refs);
    const seconds = (performance.now() - started) / 1000;
    pullsDone.push((Math.max(...daemon.pullsDone.slice(before).map((p) => p.at)) - added) / 1000);
    return seconds;
  };
  /** Per daemon round: from the jobs' creation to the last CRI PullImage returning (status writes excluded). */
  const pullsDone: number[] = [];
  try {
    progress(`warm-up: ${refs.join(', ')} directly and through the daemon`);
    await direct();
    await viaDaemon();
    const directs: number[] = [];
    const daemons: number[] = [];
    for (let i = 0; i < ROUNDS; i += 1) {
      directs.push(await direct());
      daemons.push(await viaDaemon());
      progress(
        `round ${i + 1}: direct ${directs[i]!.toFixed(2)} s, daemon ${daemons[i]!.toFixed(2)} s (its last PullImage returned at ${pullsDone.at(-1)!.toFixed(2)} s)`,
      );
    }
    const d = median(directs);
    const k = median(daemons);
    return [
      figure('pull-overhead.direct', d, 's'),
      figure('pull-overhead.daemon', k, 's'),
      figure('pull-overhead.daemon-last-pull-returned', median(pullsDone.slice(1)), 's'),
      atMost('pull-overhead.ratio', k / d, 'daemon/direct', 1.1),
      figure('pull-overhead.ratio-pulls-only', median(pullsDone.slice(1)) / d, 'daemon/direct'),
    ];
  } finally {
    await bench.stop();
  }
}
