// `kruised run` without --inspect or --actors-addr carries none of the inspectors' code: from the CLI
// and the daemon, the only inspect/ module reached by a static import is the flag checks'
// (addresses.ts, a few lines with no imports); the rest, and @statelyai/inspect, ws and elkjs, load
// only through `await import()` when a flag asks for them (docs/architecture.md, "Memory").
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Files and packages reached from `entry` by static, non-type imports (and re-exports). */
function staticClosure(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    const source = readFileSync(join(ROOT, file), 'utf8');
    for (const match of source.matchAll(/^(?:import|export)\s+(?!type\b)(?:[^;']*?from\s+)?'([^']+)';/gms)) {
      const spec = match[1]!;
      if (spec.startsWith('.')) visit(relative(ROOT, resolve(ROOT, dirname(file), spec.replace(/\.js$/, '.ts'))));
      else packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
    }
  };
  visit(entry);
  return { files, packages };
}

describe('the inspectors stay out of kruised run until asked for', () => {
  it('reaches, statically, no inspect/ module but the flag checks, and none of the inspectors’ packages', () => {
    for (const entry of ['daemon/cli.ts', 'daemon/run.ts']) {
      const { files, packages } = staticClosure(entry);
      expect(
        [...files].filter((f) => f.startsWith('inspect/') && f !== 'inspect/addresses.ts'),
        entry,
      ).toEqual([]);
      for (const name of ['@statelyai/inspect', 'ws', 'elkjs', 'playwright-core']) expect(packages.has(name), `${entry} → ${name}`).toBe(false);
    }
    // The closure is real: the daemon reaches its own pieces, the CLI the flag checks.
    expect(staticClosure('daemon/run.ts').files.has('engine/host.ts')).toBe(true);
    expect(staticClosure('daemon/cli.ts').files.has('inspect/addresses.ts')).toBe(true);
    expect(readFileSync(join(ROOT, 'inspect/addresses.ts'), 'utf8')).not.toMatch(/^import /m);
  });
});
