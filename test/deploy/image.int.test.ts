// The Linux image as `make image` builds it from deploy/Dockerfile (cached per build-context
// content, image-build.ts): its config is the Dockerfile's, it holds node, the libraries node
// links and the app at /kruised and nothing else, and the node in it runs the daemon's CLI.
// The e2e test (test/deploy/daemonset.e2e.test.ts) runs the daemon from it as a pod.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closure, NODE_PATH } from '../../scripts/image-rootfs.mjs';
import { ensureImage, imageBuildSkipReason, ROOT, type BuiltImage } from './image-build.js';

const skip = imageBuildSkipReason();

/** ENTRYPOINT, CMD, WORKDIR and ENV of the Dockerfile's last stage. */
function finalStage(dockerfile: string) {
  const stage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  const json = (key: string) => JSON.parse(new RegExp(`^${key} (\\[.*\\])$`, 'm').exec(stage)![1]!) as string[];
  const env: string[] = [];
  for (const [, pairs] of stage.matchAll(/^ENV (.+)$/gm))
    for (const [, k, v] of pairs!.matchAll(/(\w+)=("[^"]*"|\S+)/g)) env.push(`${k}=${v!.replace(/^"(.*)"$/, '$1')}`);
  return { from: /^FROM (\S+)/.exec(stage.trim())![1], entrypoint: json('ENTRYPOINT'), cmd: json('CMD'), workdir: /^WORKDIR (\S+)$/m.exec(stage)![1], env };
}

function walk(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    return e.isDirectory() ? [`${relative(base, path)}/`, ...walk(path, base)] : [relative(base, path)];
  });
}

describe.skipIf(skip !== undefined)(`the image make image builds ${skip ?? ''}`.trim(), () => {
  let image: BuiltImage;
  let bundle: string;
  let rootfs: string;

  beforeAll(async () => {
    image = await ensureImage();
    process.stderr.write(
      `[image] kruised:${image.tag} ${image.digest}: ${(image.compressedBytes / 2 ** 20).toFixed(1)} MiB compressed, ${image.unpacked} unpacked` +
        (image.buildMs === undefined ? ' (built by an earlier run)\n' : `, built in ${(image.buildMs / 1000).toFixed(0)} s\n`),
    );
    bundle = mkdtempSync(join(tmpdir(), 'kruised-image-'));
    execFileSync('umoci', ['unpack', '--image', image.umociRef, join(bundle, 'b')], { stdio: 'ignore' });
    rootfs = join(bundle, 'b/rootfs');
  }, 15 * 60_000);
  afterAll(() => {
    if (bundle) rmSync(bundle, { recursive: true, force: true });
  });

  it("carries the Dockerfile's entrypoint, command, working directory and environment, for this machine's CPU", () => {
    const stage = finalStage(readFileSync(join(ROOT, 'deploy/Dockerfile'), 'utf8'));
    expect(stage.from).toBe('scratch');
    const config = JSON.parse(execFileSync('skopeo', ['inspect', '--config', image.ref], { encoding: 'utf8' })) as {
      architecture: string;
      os: string;
      config: { Entrypoint: string[]; Cmd: string[]; WorkingDir: string; Env: string[] };
    };
    expect(config.os).toBe('linux');
    expect(config.architecture).toBe(execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim());
    expect(config.config.Entrypoint).toEqual(stage.entrypoint);
    expect(config.config.Cmd).toEqual(stage.cmd);
    expect(config.config.WorkingDir).toBe(stage.workdir);
    expect(config.config.Env).toEqual(expect.arrayContaining(stage.env));
  });

  it('holds node with its ELF interpreter and libraries, a minimal /etc, and the app at /kruised: no shell, no npm, no tests', () => {
    const files = walk(rootfs);
    const outsideApp = files.filter((f) => !f.startsWith('kruised/'));
    const nodeFiles = closure(rootfs, NODE_PATH).map((f) => f.slice(1));
    const dirsOf = (f: string) =>
      f
        .split('/')
        .slice(0, -1)
        .map((_, i, parts) => `${parts.slice(0, i + 1).join('/')}/`);
    const expected = new Set([...nodeFiles, ...nodeFiles.flatMap(dirsOf), 'etc/', 'etc/passwd', 'etc/group', 'etc/nsswitch.conf', 'tmp/', 'root/']);
    expect(outsideApp.sort()).toEqual([...expected].sort());
    expect(nodeFiles).toContain(NODE_PATH.slice(1));
    expect(nodeFiles.some((f) => /libc\.so\.6$/.test(f))).toBe(true);

    const app = files.filter((f) => f.startsWith('kruised/')).map((f) => f.slice('kruised/'.length));
    expect(app.filter((f) => !f.includes('/') && f !== '')).toEqual(['package.json']);
    expect(app).toContain('dist/daemon/cli.js');
    expect(app).toContain('dist/adapters/cri/proto/runtime-v1.proto');
    expect(app).toContain('dist/adapters/cri/proto/containerd-content-v1.proto');
    expect(app.filter((f) => f.startsWith('dist/test/') || f.startsWith('dist/visualizations/') || f.endsWith('.map'))).toEqual([]);
    expect(app.filter((f) => f.startsWith('node_modules/') && f.endsWith('.d.ts'))).toEqual([]);
    for (const dev of ['typescript', 'vitest', '@biomejs', 'protobufjs-cli', '.bin']) expect(app).not.toContain(`node_modules/${dev}/`);
    expect(app).toContain('node_modules/@grpc/grpc-js/');
  });

  it('runs Node 24.21.0 and the daemon CLI inside its own root', () => {
    const run = (...args: string[]) => spawnSync('/usr/sbin/chroot', [rootfs, ...args], { encoding: 'utf8', env: { PATH: '/usr/local/bin' } });
    const version = run('node', '--version');
    expect(version.status, version.stderr).toBe(0);
    expect(version.stdout.trim()).toBe('v24.21.0');
    const help = run('node', '/kruised/dist/daemon/cli.js', 'run', '--help');
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toContain('--addr');
    expect(run('/bin/sh', '-c', 'true').error ?? run('/bin/sh', '-c', 'true').status).not.toBe(0);
  });
});
