// The daemon built without the files scripts/build.mjs copies into dist/ (issue 11: the old
// Dockerfile compiled with tsc only, so adapters/cri/proto never reached the image). It must say
// what is wrong, not upstream's "not found container runtime sock", which sends an operator
// looking for a CRI socket that is there.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { RUNTIME_ASSETS } from '../../scripts/build.mjs';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('a daemon whose dist/ lacks the runtime assets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kruised-incomplete-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 1 and names the missing proto and the build script instead of a missing CRI socket', () => {
    cpSync(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true, filter: (src) => !src.includes(`${join(ROOT, 'dist', 'test')}`) });
    for (const asset of RUNTIME_ASSETS) rmSync(join(dir, 'dist', asset), { recursive: true, force: true });
    cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
    // A socket path that exists is not needed: the check comes before any candidate is looked at.
    const result = spawnSync(
      process.execPath,
      [join(dir, 'dist/daemon/cli.js'), 'run', '--addr=127.0.0.1:0', '--enable-pprof=false', `--data-dir=${join(dir, 'data')}`],
      { env: { PATH: process.env.PATH, NODE_NAME: 'node-a' }, encoding: 'utf8', timeout: 30_000 },
    );
    const output = result.stdout + result.stderr;
    expect(result.status, output).toBe(1);
    expect(output).toContain('kruised is installed incompletely');
    expect(output).toMatch(/runtime-v1\.proto not found/);
    expect(output).toContain('scripts/build.mjs');
    expect(output).not.toContain('not found container runtime sock');
  });
});
