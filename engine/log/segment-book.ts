// Which actor incarnations each segment holds, and which of them are finished: what retention
// and the size cap need to decide that a segment may go. An incarnation is one actor's life for
// a key, from its spawn record (`key@spawnSeq`) to its stop record.
import type { LogRecord } from './record.js';
import type { SegmentFile } from './segments.js';

export interface SegmentInfo {
  readonly file: SegmentFile;
  sizeBytes: number;
  lastTime: number;
  readonly incarnations: Set<string>;
}

export class SegmentBook {
  readonly segments: SegmentInfo[] = [];
  /** key → its live incarnation id. */
  private readonly liveByKey = new Map<string, string>();

  addSegment(file: SegmentFile, sizeBytes = 0): SegmentInfo {
    const info: SegmentInfo = { file, sizeBytes, lastTime: 0, incarnations: new Set() };
    this.segments.push(info);
    return info;
  }

  /** Notes a record written to (or found in) the given segment. */
  note(segment: SegmentInfo, record: LogRecord): void {
    segment.lastTime = Math.max(segment.lastTime, record.time);
    if (record.kind === 'spawn') this.liveByKey.set(record.key, `${record.key}@${record.seq}`);
    const incarnation = this.liveByKey.get(record.key);
    if (incarnation !== undefined) segment.incarnations.add(incarnation);
    if (record.kind === 'stop') this.liveByKey.delete(record.key);
  }

  isLive(incarnation: string): boolean {
    const key = incarnation.slice(0, incarnation.lastIndexOf('@'));
    return this.liveByKey.get(key) === incarnation;
  }

  liveIncarnations(segment: SegmentInfo): string[] {
    return [...segment.incarnations].filter((id) => this.isLive(id));
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
      if (this.liveIncarnations(segment).length === 0 && now - segment.lastTime >= retentionMs) {
        out.push({ segment, lostLive: [] });
        chosen.add(segment);
      }
    }
    let total = this.totalBytes() - out.reduce((sum, entry) => sum + entry.segment.sizeBytes, 0);
    // Over the cap: finished segments go first whatever their age, then the oldest ones at all.
    const byPreference = [
      ...closed.filter((s) => !chosen.has(s) && this.liveIncarnations(s).length === 0),
      ...closed.filter((s) => !chosen.has(s) && this.liveIncarnations(s).length > 0),
    ];
    for (const segment of byPreference) {
      if (total <= maxBytes) break;
      out.push({ segment, lostLive: this.liveIncarnations(segment) });
      total -= segment.sizeBytes;
    }
    return out;
  }
}
