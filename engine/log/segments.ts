// Segment files of the event log: `events-<first seq, 16 digits>.jsonl` in one directory, so
// lexical order is log order and a directory listing is enough to find them.
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

const SEGMENT_PATTERN = /^events-(\d{16})\.jsonl$/;

export interface SegmentFile {
  readonly path: string;
  readonly firstSeq: number;
}

export function segmentName(firstSeq: number): string {
  return `events-${String(firstSeq).padStart(16, '0')}.jsonl`;
}

export async function listSegments(dir: string): Promise<SegmentFile[]> {
  const names = await readdir(dir);
  return names
    .map((name) => ({ name, match: SEGMENT_PATTERN.exec(name) }))
    .filter((entry): entry is { name: string; match: RegExpExecArray } => entry.match !== null)
    .map(({ name, match }) => ({ path: join(dir, name), firstSeq: Number(match[1]) }))
    .sort((a, b) => a.firstSeq - b.firstSeq);
}

/** A file given directly, or every segment of a directory. */
export async function resolveLogInput(pathOrDir: string): Promise<SegmentFile[]> {
  const info = await stat(pathOrDir);
  if (info.isDirectory()) return listSegments(pathOrDir);
  const match = SEGMENT_PATTERN.exec(pathOrDir.split(/[\\/]/).pop() ?? '');
  return [{ path: pathOrDir, firstSeq: match ? Number(match[1]) : 0 }];
}
