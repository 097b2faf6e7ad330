// Real pull progress from containerd's content ingests (adapters/cri/content-progress.ts). The
// ingests of a namespace are shared by every pull on the node, so a pull counts only the layer
// ingests that were not already there when it started, plus those an earlier attempt of the same
// reference was seen writing (containerd resumes a cancelled ingest under the same ref): a pull
// already running elsewhere does not leak into this one. Pulls that start while this one runs are still counted together (the
// content service does not say which pull an ingest serves); the machine keeps the percentage
// monotone and below 100 until success.
import { PullProgress, watchPullProgress, type ContentProgressReader, type Progress } from '../../adapters/cri/index.js';

/** Ingests of manifests, indexes and configs are tiny and finish first: counting them pins 99 %. */
const METADATA_REF = /^(manifest|index|config)-/;

/**
 * Takes a baseline snapshot at once (call this before sending PullImage), then polls until
 * `signal` aborts and reports progress over the ingests that appeared after the baseline.
 * Resolves false when the runtime has no content service.
 */
export async function watchOwnIngests(
  reader: ContentProgressReader,
  signal: AbortSignal,
  intervalMs: number,
  onProgress: (p: Progress) => void,
  /** Refs earlier attempts of the same reference counted; this attempt adds its own. */
  mine: Set<string> = new Set(),
): Promise<boolean> {
  const baseline = await reader.snapshot(signal).catch(() => undefined); // progress is a display: without a baseline, every later ingest counts as this pull's
  if (baseline?.supported === false || signal.aborted) return baseline?.supported !== false;
  const before = new Set((baseline?.statuses ?? []).map((s) => s.ref));
  const tracker = new PullProgress({
    filter: (s) => {
      if (METADATA_REF.test(s.ref) || (before.has(s.ref) && !mine.has(s.ref))) return false;
      mine.add(s.ref);
      return true;
    },
  });
  return watchPullProgress({ reader, signal, intervalMs, tracker, onProgress });
}
