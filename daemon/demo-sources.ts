// The demo's input: a handful of blob files made from a fixed seed, so every run (and every
// restart of a run) sees the same bytes and digests. Two entries are wrong on purpose: one blob
// whose bytes do not match its digest, and one whose source file does not exist.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface DemoBlob {
  readonly key: string;
  readonly digest: string;
  readonly source: string;
}

const SIZES_MIB = [3, 2, 4, 1, 2, 3];

function seededBytes(seed: string, size: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  let block = createHash('sha256').update(seed).digest();
  for (let offset = 0; offset < size; offset += block.length) {
    block.copy(out, offset, 0, Math.min(block.length, size - offset));
    block = createHash('sha256').update(block).digest();
  }
  return out;
}

const digestOf = (bytes: Buffer) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** Creates the sources once under `dir` (kept across restarts) and returns the manifest. */
export async function demoSources(dir: string): Promise<DemoBlob[]> {
  const manifestPath = join(dir, 'manifest.json');
  try {
    return JSON.parse(await readFile(manifestPath, 'utf8')) as DemoBlob[];
  } catch {
    // first run: make them
  }
  await mkdir(dir, { recursive: true });
  const blobs: DemoBlob[] = [];
  for (const [index, mib] of SIZES_MIB.entries()) {
    const bytes = seededBytes(`kruised-demo-${index}`, mib * 1024 * 1024);
    const source = join(dir, `layer-${index + 1}.bin`);
    await writeFile(source, bytes);
    blobs.push({ key: `layer-${index + 1}`, digest: digestOf(bytes), source });
  }
  const tampered = join(dir, 'tampered.bin');
  await writeFile(tampered, seededBytes('tampered', 512 * 1024));
  blobs.push({ key: 'tampered', digest: digestOf(seededBytes('what-the-manifest-promised', 16)), source: tampered });
  blobs.push({ key: 'missing', digest: digestOf(Buffer.from('never there')), source: join(dir, 'missing.bin') });
  await writeFile(`${manifestPath}.tmp`, JSON.stringify(blobs, null, 2));
  await rename(`${manifestPath}.tmp`, manifestPath);
  return blobs;
}
