// Fail-stop on a real full disk: `kruised run` with its --data-dir on a 256 KiB tmpfs. A first
// daemon pulls an image and stops cleanly, so the disk holds a history. The disk is then filled to
// the last page and a second daemon is started on it: the first record it must write fails with
// ENOSPC, and the daemon says so once, in an operator's words, and exits 1 (the kubelet would
// restart it). With room again, a third daemon recovers from what is on disk, pulls what the
// second could not, and its log replays clean.
import { execFileSync } from 'node:child_process';
import { closeSync, openSync, writeSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAllRecords } from '../../engine/log/scan.js';
import { authorizerFromRules, kruiseDaemonRules, startFakeApiServer } from '../bed/apiserver/index.js';
import { nodeImageFromImagePullJob } from '../bed/manager/index.js';
import { runtimeBed } from '../bed/runtime-bed.js';
import { runCli, startCli } from '../support/cli.js';
import { tempDir } from '../support/tmp.js';

const NODE = 'node-a';
const NODE_IMAGE = { apiVersion: 'apps.kruise.io/v1beta1', kind: 'NodeImage', name: NODE } as const;
type Status = { imageStatuses?: Record<string, { tags?: Array<{ tag: string; phase: string }> }> };

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Mounts a small tmpfs at `dir`; the reason it could not, when it could not. */
function mountTmpfs(dir: string, size: string): string | undefined {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return `cannot mount a tmpfs (${(error as { stderr?: Buffer }).stderr?.toString().trim() || (error as Error).message}): this test needs root and mount(8)`;
  }
}

/** Writes a filler file until the filesystem refuses with ENOSPC: not one page is left. */
function fillDisk(path: string): void {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(4096, 0x2e);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
}

function logLines(stdout: string): Array<Record<string, unknown> & { msg: string }> {
  return stdout
    .trim()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown> & { msg: string });
}

const tagPhase = (o: unknown, image: string, tag: string) =>
  (o as { status?: Status } | undefined)?.status?.imageStatuses?.[image]?.tags?.find((t) => t.tag === tag)?.phase;

describe.skipIf(!runtimeBed())('kruised run when the disk under --data-dir is full', () => {
  it('exits 1 with the cause in words an operator can act on, once, and a restart with room recovers from what is on disk', {
    timeout: 180_000,
  }, async (ctx) => {
    const bed = runtimeBed()!;
    const dataDir = join(await tempDir('kruised-full-'), 'data');
    await mkdir(dataDir);
    const cannot = mountTmpfs(dataDir, '256k');
    if (cannot) {
      console.warn(`SKIPPED the real full-disk test: ${cannot}`);
      ctx.skip(cannot);
    }
    const api = await startFakeApiServer({ authorize: authorizerFromRules(kruiseDaemonRules) });
    const kubeconfig = join(await tempDir(), 'kubeconfig');
    await writeFile(kubeconfig, api.kubeconfigYaml());
    const start = async () => {
      const port = await freePort();
      const daemon = startCli(
        ['run', `--addr=127.0.0.1:${port}`, '--enable-pprof=false', `--data-dir=${dataDir}`, `--cri-endpoint=${bed.endpoint}`, `--kubeconfig=${kubeconfig}`],
        { NODE_NAME: NODE },
      );
      let healthy = false;
      for (let i = 0; i < 1200 && !healthy && daemon.child.exitCode === null; i += 1) {
        healthy = (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.status === 200;
        if (!healthy) await new Promise((r) => setTimeout(r, 25));
      }
      return { ...daemon, healthy };
    };
    const pullJob = (name: string, image: string) =>
      nodeImageFromImagePullJob(
        api,
        api.store.create({ apiVersion: 'apps.kruise.io/v1alpha1', kind: 'ImagePullJob', metadata: { name, namespace: 'default' }, spec: { image } }),
        [NODE],
      );
    const [firstImage, firstTag] = splitRef(bed.images.busybox2);
    const [secondImage, secondTag] = splitRef(bed.images.busybox);
    try {
      // 1. A history on disk: one image pulled, then a clean stop.
      const first = await start();
      expect(first.healthy).toBe(true);
      pullJob('first', bed.images.busybox2);
      await api.store.waitFor(NODE_IMAGE, (o) => tagPhase(o, firstImage, firstTag) === 'Succeeded', 60_000);
      first.child.kill('SIGTERM');
      expect((await first.done).code).toBe(0);

      // 2. The disk full to the last page: the first record the daemon writes cannot be written.
      fillDisk(join(dataDir, 'filler'));
      const onDisk = (await readAllRecords(join(dataDir, 'events'))).length;
      expect(onDisk).toBeGreaterThan(0);
      const second = await start();
      if (second.healthy) pullJob('second', bed.images.busybox); // the new tag's spawn record is the write that fails
      const failed = await second.done;
      expect(failed.code, failed.stdout.slice(-3000)).toBe(1);
      const lines = logLines(failed.stdout);
      const causes = lines.filter((l) => /^event log \w+ failed/.test(l.msg));
      expect(causes, failed.stdout.slice(-3000)).toHaveLength(1);
      expect(causes[0]!.msg).toMatch(new RegExp(`^event log (write|open) failed \\(ENOSPC\\): disk full under --data-dir ${dataDir}\\. `));
      expect(causes[0]!.msg).toContain('exits with status 1 so the kubelet restarts it');
      expect(causes[0]).toMatchObject({ level: 50, errno: 'ENOSPC', dataDir });
      expect(String(causes[0]!.file)).toMatch(new RegExp(`^${dataDir}/events/events-\\d{16}\\.jsonl$`));
      expect(lines.map((l) => l.msg)).toContain('stopping because the event log failed; exiting with status 1 so the kubelet restarts kruised');
      expect(lines.map((l) => l.msg)).not.toContain('shutting down');

      // 3. Room again: the restart recovers from what is on disk and does what the second daemon could not.
      await rm(join(dataDir, 'filler'));
      const survivors = (await readAllRecords(join(dataDir, 'events'))).length;
      expect(survivors).toBeGreaterThanOrEqual(onDisk);
      const third = await start();
      expect(third.healthy).toBe(true);
      if (!second.healthy) pullJob('second', bed.images.busybox);
      await api.store.waitFor(NODE_IMAGE, (o) => tagPhase(o, secondImage, secondTag) === 'Succeeded', 60_000);
      third.child.kill('SIGTERM');
      const recovered = await third.done;
      expect(recovered.code).toBe(0);
      expect(logLines(recovered.stdout).find((l) => l.msg === 'event log recovered')).toMatchObject({ records: survivors });
      expect(tagPhase(api.store.get(NODE_IMAGE), firstImage, firstTag)).toBe('Succeeded');
      const replay = await runCli(['replay', join(dataDir, 'events')]);
      expect(replay.code, replay.stdout.slice(-2000)).toBe(0);
      expect(replay.stdout).toMatch(/replay clean/);
    } finally {
      await api.close();
      execFileSync('umount', [dataDir]);
    }
  });
});

function splitRef(reference: string): [string, string] {
  const colon = reference.lastIndexOf(':');
  return [reference.slice(0, colon), reference.slice(colon + 1)];
}
