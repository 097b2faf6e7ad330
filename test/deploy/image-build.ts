// The Linux image for tests, built once per content of its build context: `make image`
// (scripts/make-image.sh, buildah running deploy/Dockerfile) with the tag `ctx-<hash>`, where the
// hash covers every file the Docker context holds (git's tracked and untracked files, without
// what .gitignore and .dockerignore leave out). A test run whose sources did not change reuses
// the layout in .cache/image/oci; one that changed anything rebuilds (buildah's own layer cache
// still skips `npm ci` when package-lock.json is the same). Concurrent test files share one build
// through a lock file.
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const IMAGE_LAYOUT = join(ROOT, '.cache/image/oci');
const RESULTS = join(ROOT, '.cache/image/results');

export interface BuiltImage {
  /** `oci:<layout>:<tag>`, for skopeo. */
  readonly ref: string;
  /** `<layout>:<tag>`, for umoci. */
  readonly umociRef: string;
  readonly tag: string;
  readonly digest: string;
  /** Layers and config as stored (gzip), and unpacked as buildah reports it. */
  readonly compressedBytes: number;
  readonly unpacked: string;
  /** How long the build took, or undefined when this run reused an earlier build. */
  readonly buildMs: number | undefined;
}

/** Why this machine cannot build the image (make-image.sh installs buildah, mmdebstrap, skopeo, umoci itself). */
export function imageBuildSkipReason(): string | undefined {
  if (process.platform !== 'linux') return `needs Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'needs root (buildah with chroot isolation)';
  if (!existsSync('/usr/bin/apt-get') && !existsSync('/usr/bin/buildah')) return 'needs buildah, or apt-get to install it';
  return undefined;
}

/** A hash of the build context's files and their contents. */
export function contextHash(): string {
  const ignored = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const skip = (file: string) =>
    ignored.some((pattern) => {
      const glob = pattern.replace(/^\*\*\//, '');
      if (glob.startsWith('*')) return file.endsWith(glob.slice(1));
      return file === glob || file.startsWith(`${glob}/`);
    });
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8' })
    .split('\0')
    .filter((f) => f !== '' && !skip(f) && existsSync(join(ROOT, f)))
    .sort();
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(`${file}\0${statSync(join(ROOT, file)).mode & 0o111 ? 'x' : '-'}\0`);
    hash.update(readFileSync(join(ROOT, file)));
  }
  return hash.digest('hex').slice(0, 16);
}

/** Builds the image for the current sources unless an earlier run already did. */
export async function ensureImage(): Promise<BuiltImage> {
  const tag = `ctx-${contextHash()}`;
  mkdirSync(RESULTS, { recursive: true });
  const result = join(RESULTS, `${tag}.json`);
  const lock = join(RESULTS, `${tag}.lock`);
  for (;;) {
    if (existsSync(result)) return { ...(JSON.parse(readFileSync(result, 'utf8')) as BuiltImage), buildMs: undefined };
    let fd: number;
    try {
      fd = openSync(lock, 'wx');
    } catch {
      // another test file is building it; a lock older than 20 min is from a killed run
      if (Date.now() - statSync(lock, { throwIfNoEntry: false })!.mtimeMs > 20 * 60_000) rmSync(lock, { force: true });
      await sleep(1000);
      continue;
    }
    try {
      dropOlderBuilds(tag);
      const started = performance.now();
      const last = await runMakeImage(tag);
      const match = /^image (\S+) (sha256:[0-9a-f]{64}) (\d+) (\S+)$/.exec(last);
      if (!match) throw new Error(`make-image.sh printed no image line: ${last}`);
      const built: BuiltImage = {
        ref: `oci:${IMAGE_LAYOUT}:${tag}`,
        umociRef: `${IMAGE_LAYOUT}:${tag}`,
        tag,
        digest: match[2]!,
        compressedBytes: Number(match[3]),
        unpacked: match[4]!,
        buildMs: performance.now() - started,
      };
      writeFileSync(result, JSON.stringify(built));
      return built;
    } finally {
      closeSync(fd);
      rmSync(lock, { force: true });
    }
  }
}

/** Removes the layout's other `ctx-*` tags (earlier sources) and their blobs, so the cache does not grow. */
function dropOlderBuilds(keep: string): void {
  if (!existsSync(join(IMAGE_LAYOUT, 'index.json'))) return;
  const index = JSON.parse(readFileSync(join(IMAGE_LAYOUT, 'index.json'), 'utf8')) as { manifests: Array<{ annotations?: Record<string, string> }> };
  const old = index.manifests
    .map((m) => m.annotations?.['org.opencontainers.image.ref.name'])
    .filter((t): t is string => t?.startsWith('ctx-') === true && t !== keep);
  for (const tag of old) {
    execFileSync('umoci', ['rm', '--image', `${IMAGE_LAYOUT}:${tag}`]);
    rmSync(join(RESULTS, `${tag}.json`), { force: true });
  }
  if (old.length > 0) execFileSync('umoci', ['gc', '--layout', IMAGE_LAYOUT]);
}

function runMakeImage(tag: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [join(ROOT, 'scripts/make-image.sh'), '--tag', tag, '--out', IMAGE_LAYOUT], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-6000)));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(out.trim().split('\n').at(-1) ?? '');
      else reject(new Error(`scripts/make-image.sh exited ${code}:\n${err}`));
    });
  });
}
