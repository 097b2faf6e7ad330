// The NodeImage status as upstream rebuilds it after each sync (contract §3.6): `desired` counts
// the spec tags, the four phase counters are always present, `imageStatuses[<name>].tags` holds
// the statuses of spec tags sorted by tag (images without any are left out, the map too when empty).
import type { ImageTagStatus } from '../../../machines/image-pull/types.js';
import type { SpecTag } from './node-image.js';

export interface NodeImageStatus {
  desired: number;
  succeeded: number;
  failed: number;
  pulling: number;
  waiting: number;
  imageStatuses?: Record<string, { tags: ImageTagStatus[] }>;
}

/** Go's string order (bytes), as sort.Slice by tag compares. */
const byTag = (a: ImageTagStatus, b: ImageTagStatus): number => (a.tag < b.tag ? -1 : a.tag > b.tag ? 1 : 0);

export function nodeImageStatus(tags: readonly SpecTag[], statusOf: (tag: SpecTag) => ImageTagStatus | undefined): NodeImageStatus {
  const status: NodeImageStatus = { desired: tags.length, succeeded: 0, failed: 0, pulling: 0, waiting: 0 };
  const images: Record<string, { tags: ImageTagStatus[] }> = {};
  for (const tag of tags) {
    const s = statusOf(tag);
    if (!s) continue;
    images[tag.image] ??= { tags: [] };
    images[tag.image]!.tags.push(s);
    if (s.phase === 'Succeeded') status.succeeded += 1;
    else if (s.phase === 'Failed') status.failed += 1;
    else if (s.phase === 'Pulling') status.pulling += 1;
    else status.waiting += 1;
  }
  for (const image of Object.values(images)) image.tags.sort(byTag);
  if (Object.keys(images).length > 0) status.imageStatuses = images;
  return status;
}
