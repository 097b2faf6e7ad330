// The CRR feature keeps to its own code and the shared layers: nothing under machines/crr,
// effects/crr or daemon/features/crr imports the image puller's internals (machines/image-pull,
// effects/image-pull, daemon/features/image-puller). Shared helpers live in machines/shared,
// effects/ (top level) and adapters/.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const CRR_DIRS = ['machines/crr', 'effects/crr', 'daemon/features/crr'];
const OTHER_FEATURE = ['machines/image-pull', 'effects/image-pull', 'daemon/features/image-puller'];

async function importsOf(dir: string): Promise<Array<{ file: string; target: string }>> {
  const entries = await readdir(join(ROOT, dir), { withFileTypes: true, recursive: true });
  const files = entries.filter((e) => e.isFile() && e.name.endsWith('.ts')).map((e) => join(e.parentPath, e.name));
  const found: Array<{ file: string; target: string }> = [];
  for (const file of files) {
    const text = await readFile(file, 'utf8');
    for (const match of text.matchAll(/(?:import|export)[^'"]*?from\s*['"](\.[^'"]+)['"]/g)) {
      found.push({ file: relative(ROOT, file), target: relative(ROOT, resolve(file, '..', match[1]!)) });
    }
  }
  return found;
}

describe('the CRR feature imports no other feature’s internals', () => {
  it('has no import into the image puller from machines/crr, effects/crr or daemon/features/crr', async () => {
    const imports = (await Promise.all(CRR_DIRS.map(importsOf))).flat();
    expect(imports.length).toBeGreaterThan(20);
    const crossing = imports.filter((i) => OTHER_FEATURE.some((dir) => i.target === dir || i.target.startsWith(`${dir}/`)));
    expect(crossing).toEqual([]);
  });
});
