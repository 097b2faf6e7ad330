// `kruised demo` on the real containerd: the ImagePullJob's ~50 MB image comes through a slowed
// link, and the demo prints the tag's progress from the NodeImage status as it changes: at least
// one value strictly between 0 and 100, never going back, ending Succeeded at 100.
import { describe, expect, it } from 'vitest';
import { runtimeBed } from '../bed/runtime-bed.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

describe.skipIf(!runtimeBed())('kruised demo: live pull progress', () => {
  it('prints every progress change of the pulled tag, as the NodeImage status shows it', { timeout: 180_000 }, async () => {
    const dir = await tempDir();
    const result = await runCli(['demo', '--chunk-delay-ms', '0', '--data-dir', dir]);
    expect(result.code).toBe(0);
    const lines = [...result.stdout.matchAll(/^cluster: NodeImage demo-node (\S+): (\w+), progress (\d+)%$/gm)].map((m) => ({
      image: m[1]!,
      phase: m[2]!,
      progress: Number(m[3]),
    }));
    expect(lines.length, result.stdout).toBeGreaterThanOrEqual(3);
    expect(new Set(lines.map((l) => l.image)).size).toBe(1);
    expect(lines[0]!.image).toMatch(/^127\.0\.0\.1:\d+\/big:1$/);
    expect(
      lines.some((l) => l.phase === 'Pulling' && l.progress > 0 && l.progress < 100),
      result.stdout,
    ).toBe(true);
    expect(lines.every((l, i) => i === 0 || l.progress >= lines[i - 1]!.progress)).toBe(true);
    expect(lines.at(-1)).toMatchObject({ phase: 'Succeeded', progress: 100 });
    expect(result.stdout).toContain('through a link slowed to 5 MB/s');
  });
});
