// Which actor incarnations each segment holds, and which of them still need it: what retention
// and the size cap need to decide that a segment may go. An incarnation is one actor's life for
// a key, from its spawn record (`key@spawnSeq`) to its stop record. Recovery rebuilds a live
// incarnation from its latest checkpoint (or its spawn) onwards, so a segment is pinned by a live
// incarnation only when it holds records of it from that start on: once a later checkpoint is on
// disk, the incarnation's older segments no longer pin anything.
import { checkpointBody } from './checkpoint.js';
import type { LogRecord } from './record.js';
import type { SegmentFile } from './segments.js';

export interface SegmentInfo {
  readonly file: SegmentFile;
  sizeBytes: number;
  lastTime: number;
  /** Seq of the last record noted in it. */
  lastSeq: number;
  readonly incarnations: Set<string>;
}

interface LiveIncarnation {
  readonly id: string;
  /** Seq of its spawn or latest checkpoint: where recovery would start it. */
  startSeq: number;
}

export class SegmentBook {
  readonly segments: SegmentInfo[] = [];
  /** key → its live incarnation. */
  private readonly liveByKey = new Map<string, LiveIncarnation>();

  addSegment(file: SegmentFile, sizeBytes = 0): SegmentInfo {
    const info: SegmentInfo = { file, sizeBytes, lastTime: 0, lastSeq: 0, incarnations: new Set() };
    this.segments.push(info);
    return info;
  }

  /** Notes a record written to (or found in) the given segment. Call it only once the record is on disk. */
  note(segment: SegmentInfo, record: LogRecord): void {
    segment.lastTime = Math.max(segment.lastTime, record.time);
    segment.lastSeq = record.seq;
    if (record.kind === 'spawn') this.liveByKey.set(record.key, { id: `${record.key}@${record.seq}`, startSeq: record.seq });
    else if (record.kind === 'checkpoint') this.checkpointed(record);
    const incarnation = this.liveByKey.get(record.key);
    if (incarnation !== undefined) segment.incarnations.add(incarnation.id);
    if (record.kind === 'stop') this.liveByKey.delete(record.key);
  }

  private checkpointed(record: LogRecord): void {
    const live = this.liveByKey.get(record.key);
    if (live) live.startSeq = record.seq;
    // Its spawn is no longer on disk (collected, or cut by the cap): the checkpoint names the incarnation.
    else this.liveByKey.set(record.key, { id: `${record.key}@${checkpointBody(record.event).spawnSeq}`, startSeq: record.seq });
  }

  /** The live incarnations that recovery would need this segment for. */
  pinning(segment: SegmentInfo): string[] {
    return [...segment.incarnations].filter((id) => {
      const live = this.liveByKey.get(id.slice(0, id.lastIndexOf('@')));
      return live?.id === id && live.startSeq <= segment.lastSeq;
    });
  }

  /** Keys of live incarnations whose recovery starts before `seq`: a checkpoint would release their older segments. */
  keysStartingBefore(seq: number): string[] {
    const keys: string[] = [];
    for (const [key, live] of this.liveByKey) if (live.startSeq < seq) keys.push(key);
    return keys;
  }

  totalBytes(): number {
    return this.segments.reduce((sum, segment) => sum + segment.sizeBytes, 0);
  }

  remove(segment: SegmentInfo): void {
    const index = this.segments.indexOf(segment);
    if (index >= 0) this.segments.splice(index, 1);
  }

  /** Segments (never the one being written) that retention or the cap would remove, oldest first. */
  collectable(now: number, retentionMs: number, maxBytes: number): Array<{ segment: SegmentInfo; lostLive: string[] }> {
    const closed = this.segments.slice(0, -1);
    const out: Array<{ segment: SegmentInfo; lostLive: string[] }> = [];
    const chosen = new Set<SegmentInfo>();
    for (const segment of closed) {
      if (this.pinning(segment).length === 0 && now - segment.lastTime >= retentionMs) {
        out.push({ segment, lostLive: [] });
        chosen.add(segment);
      }
    }
    let total = this.totalBytes() - out.reduce((sum, entry) => sum + entry.segment.sizeBytes, 0);
    // Over the cap: unpinned segments go first whatever their age, then the oldest ones at all.
    const byPreference = [
      ...closed.filter((s) => !chosen.has(s) && this.pinning(s).length === 0),
      ...closed.filter((s) => !chosen.has(s) && this.pinning(s).length > 0),
    ];
    for (const segment of byPreference) {
      if (total <= maxBytes) break;
      out.push({ segment, lostLive: this.pinning(segment) });
      total -= segment.sizeBytes;
    }
    return out;
  }
}
