// The image-platform check of a Windows node, on Linux: the puller runs with a Windows host
// platform (10.0.17763, ltsc2019) against indexes built in the bed's real registries. An image
// with no entry for this host fails at once, without a CRI pull and without the backoff
// schedule; one with a runnable entry is pulled (containerd here takes its Linux entry); an index
// that cannot be read is pulled anyway, and the daemon logs why; the private registry is read
// with the pull's own credentials.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { windowsImagePlatform } from '../../../adapters/platform/image-platform.js';
import { runtimeBed, runtimeBedSkipReason } from '../../bed/runtime-bed.js';
import { copyImage, pushIndex, pushWindowsImage, type Registry } from './registry-push.js';
import { nameTag, pullerBed, until } from './support.js';

const bed = runtimeBed();
const HOST = { os: 'windows', architecture: 'amd64', osVersion: '10.0.17763' } as const;

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

describe.skipIf(bed === undefined)(`image puller: the Windows image-platform check ${runtimeBedSkipReason()}`.trim(), () => {
  it("fails images with no entry for the host at once, pulls runnable and unknown ones, and reads private indexes with the pull's credentials", async () => {
    const open: Registry = { host: bed!.registry };
    const repo = `platforms-${process.pid}-${Date.now()}`;
    const linux = await copyImage(open, 'busybox', '1', repo, 'linux');
    const ltsc2019 = await pushWindowsImage(open, repo, 'win-17763', '10.0.17763.6189');
    const ltsc2022 = await pushWindowsImage(open, repo, 'win-20348', '10.0.20348.2655');
    await pushIndex(open, repo, 'ltsc2022-only', [{ manifest: ltsc2022, platform: { os: 'windows', architecture: 'amd64', 'os.version': '10.0.20348.2655' } }]);
    await pushIndex(open, repo, 'mixed', [
      { manifest: linux, platform: { os: 'linux', architecture: 'amd64' } },
      { manifest: ltsc2019, platform: { os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.6189' } },
    ]);
    const name = `${open.host}/${repo}`;
    const unreachable = `127.0.0.1:${await closedPort()}/nowhere`;
    const priv = nameTag(bed!.images.private);

    const b = await pullerBed(bed!);
    const warnings: Array<{ reference?: string; reason?: string }> = [];
    const daemon = await b.startDaemon({
      authFor: (reference) => (reference.startsWith(bed!.authRegistry) ? [{ username: bed!.auth.username, password: bed!.auth.password }] : []),
      platformCheck: { host: HOST, rules: windowsImagePlatform, logger: { warn: (obj) => warnings.push(obj) } },
    });
    const tag = (t: string) => ({ tag: t, version: 0, imagePullPolicy: 'Always', pullPolicy: { backoffLimit: 0 } });
    b.api.store.update({
      ...b.nodeImage()!,
      spec: {
        images: {
          [name]: { tags: [tag('linux'), tag('ltsc2022-only'), tag('mixed')] },
          [unreachable]: { tags: [tag('1')] },
          [priv.name]: { tags: [tag(priv.tag)] },
        },
      },
    } as never);

    await until(() => (b.nodeImage()?.status as { failed?: number; succeeded?: number } | undefined)?.failed === 4 || undefined, 'four tags to fail', 60_000);
    await until(() => b.tagsOf(name).find((t) => t.tag === 'mixed' && t.phase === 'Succeeded'), 'the mixed index to be pulled', 60_000);
    const entry = (image: string, t: string) => b.tagsOf(image).find((x) => x.tag === t)!;
    const cannotRun = (ref: string, offered: string) =>
      `image ${ref} cannot run on this node: no matching manifest for windows/amd64 10.0.17763 in the manifest list entries (the image offers: ${offered})`;

    expect(entry(name, 'ltsc2022-only')).toMatchObject({ phase: 'Failed', message: cannotRun(`${name}:ltsc2022-only`, 'windows/amd64 10.0.20348.2655') });
    expect(entry(name, 'linux')).toMatchObject({ phase: 'Failed', message: cannotRun(`${name}:linux`, 'linux/amd64') });
    expect(entry(priv.name, priv.tag)).toMatchObject({ phase: 'Failed', message: cannotRun(bed!.images.private, 'linux/amd64') });
    expect(entry(name, 'mixed')).toMatchObject({ phase: 'Succeeded', progress: 100 });
    expect(entry(unreachable, '1').phase).toBe('Failed');
    expect(entry(unreachable, '1').message).toMatch(/^Failed to pull image reference "127\.0\.0\.1:\d+\/nowhere:1": rpc error/);

    // Only the runnable and the unknown image reached the runtime.
    expect([...daemon.pulls].sort()).toEqual([`${name}:mixed`, `${unreachable}:1`].sort());
    expect(warnings).toEqual([{ reference: `${unreachable}:1`, reason: expect.stringMatching(/^127\.0\.0\.1:\d+ cannot be reached: ECONNREFUSED$/) }]);
  });
});
