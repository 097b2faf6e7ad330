import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createContentProgressReader,
  createCriClient,
  PullProgress,
  watchPullProgress,
  type ContentProgressReader,
  type CriClient,
  type IngestStatus,
  type Progress,
} from '../../../adapters/cri/index.js';
import { startCriDouble } from '../../bed/cri-double/index.js';
import { runtimeBed, runtimeBedSkipReason } from '../../bed/runtime-bed.js';

const bed = runtimeBed();

interface Blob {
  readonly digest: string;
  readonly size: number;
}

/** Config and layers of `ref` (`HOST/NAME:TAG` on the bed's open registry), from its manifest. */
async function manifestBlobs(ref: string): Promise<{ config: Blob; layers: Blob[] }> {
  const m = /^([^/]+)\/(.+):([^:/]+)$/.exec(ref)!;
  const accept = 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json';
  const res = await fetch(`http://${m[1]}/v2/${m[2]}/manifests/${m[3]}`, { headers: { Accept: accept } });
  expect(res.status).toBe(200);
  return (await res.json()) as { config: Blob; layers: Blob[] };
}

interface ObservedPull {
  /** Every status of the big image's blobs seen, in order. */
  readonly statuses: IngestStatus[];
  /** What watchPullProgress reported, with a tracker that knows the layers from the manifest. */
  readonly progress: Progress[];
  /** A tracker without the layer list (default filter), fed the same snapshots: its percents. */
  readonly heuristic: number[];
  readonly supported: boolean;
  readonly tracker: PullProgress;
}

describe.skipIf(bed === undefined)(`content ingest progress against a real containerd ${runtimeBedSkipReason()}`.trim(), () => {
  let cri: CriClient;
  let reader: ContentProgressReader;
  let layers: Blob[];
  let digests: string[];
  const ofBig = (s: IngestStatus): boolean => digests.some((d) => s.ref.includes(d) || s.expected === d);

  beforeAll(async () => {
    cri = createCriClient({ endpoint: bed!.endpoint, platform: 'linux' });
    reader = createContentProgressReader({ endpoint: bed!.endpoint, platform: 'linux' });
    const manifest = await manifestBlobs(bed!.images.big);
    layers = manifest.layers;
    digests = [manifest.config.digest, ...layers.map((l) => l.digest)];
  });
  afterAll(() => {
    reader?.close();
    cri?.close();
  });

  async function removeBig(): Promise<void> {
    const { image } = await cri.imageStatus(undefined, { image: { image: bed!.images.big } });
    if (image) await cri.removeImage(undefined, { image: { image: image.id } });
  }

  /** Pulls the big image (removed first) while polling ListStatuses every 5 ms. */
  async function observedPull(): Promise<ObservedPull> {
    await removeBig();
    const tracker = new PullProgress({ blobs: layers });
    const heuristicTracker = new PullProgress();
    const statuses: IngestStatus[] = [];
    const progress: Progress[] = [];
    const heuristic: number[] = [];
    const stop = new AbortController();
    let supported = true;
    const polling = watchPullProgress({
      reader: {
        target: reader.target,
        close: () => {},
        snapshot: async (signal) => {
          const snap = await reader.snapshot(signal);
          const mine = snap.statuses.filter(ofBig); // other test files may pull at the same time
          statuses.push(...mine);
          heuristic.push(heuristicTracker.observe(mine).percent);
          return snap;
        },
      },
      intervalMs: 5,
      signal: stop.signal,
      tracker,
      onProgress: (p) => progress.push(p),
    }).then((s) => (supported = s));
    try {
      await cri.pullImage(undefined, { image: { image: bed!.images.big } });
    } finally {
      stop.abort();
      await polling;
    }
    return { statuses, progress, heuristic, supported, tracker };
  }

  it('sees the big layer mid-download, a monotone percentage below 100, and no ingest left after the pull', async () => {
    let pull: ObservedPull | undefined;
    const partial = (s: IngestStatus): boolean => s.offset > 0 && s.offset < s.total;
    // Strictly below 99: a percentage pinned at 99 from the start (e.g. by the config blob) is no progress.
    const midway = (ps: number[]): boolean => ps.some((p) => p > 0 && p < 99);
    const monotone = (ps: number[]): boolean => ps.every((p, i) => i === 0 || p >= ps[i - 1]!);
    let attempts = 0;
    while (attempts < 3) {
      attempts++;
      pull = await observedPull();
      if (pull.statuses.some(partial) && midway(pull.progress.map((p) => p.percent)) && midway(pull.heuristic)) break;
    }
    const { statuses, progress, heuristic, supported, tracker } = pull!;
    const refs = [...new Set(statuses.map((s) => s.ref))];
    if (process.env.KRUISED_LOG_INGESTS) console.log({ attempts, refs, partial: statuses.filter(partial).slice(0, 5), progress, heuristic });
    expect(supported).toBe(true);
    expect(statuses.some(partial), `no ingest of ${bed!.images.big} seen with 0 < offset < total in ${attempts} pulls polled every 5 ms`).toBe(true);
    // containerd 1.6 names a pull's ingests `<kind>-<digest>` (remotes.MakeRefKey), no namespace prefix.
    for (const ref of refs) expect(ref).toMatch(/^(layer|config|manifest|index)-sha256:[0-9a-f]{64}$/);
    const percents = progress.map((p) => p.percent);
    for (const ps of [percents, heuristic]) {
      expect(monotone(ps), `not monotone: ${ps.join(',')}`).toBe(true);
      expect(midway(ps), `never strictly between 0 and 99: ${ps.join(',')}`).toBe(true);
      expect(ps.every((p) => p < 100)).toBe(true);
    }
    const { bytesTotal } = progress.at(-1)!;
    expect(bytesTotal).toBe(layers.reduce((n, l) => n + l.size, 0));
    expect(tracker.complete()).toEqual({ percent: 100, bytesDone: bytesTotal, bytesTotal });

    const after = await reader.snapshot();
    expect(after.supported).toBe(true);
    expect(after.statuses.filter((s) => refs.includes(s.ref))).toEqual([]);
  });
});

describe('content ingest progress against a runtime without the content service', () => {
  it('reports supported: false (UNIMPLEMENTED) and remembers it without asking again', async () => {
    const double = await startCriDouble({ platform: 'linux' });
    const reader = createContentProgressReader({ endpoint: double.endpoint, platform: 'linux' });
    try {
      expect(await reader.snapshot()).toEqual({ supported: false, statuses: [] });
      await double.close();
      // The runtime is gone: only a remembered verdict can still answer.
      expect(await reader.snapshot()).toEqual({ supported: false, statuses: [] });
      const stop = new AbortController();
      const seen: Progress[] = [];
      expect(await watchPullProgress({ reader, signal: stop.signal, intervalMs: 5, onProgress: (p) => seen.push(p) })).toBe(false);
      expect(seen).toEqual([]);
    } finally {
      reader.close();
      await double.close();
    }
  });
});
