// Proves the real-runtime test bed itself: what runtimeBed() hands to tests is there and answers.
// No CRI calls here (adapters/cri/ has its own tests); containerd is checked with its `ctr` CLI,
// the registries with plain HTTP on 127.0.0.1.
import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { type RuntimeBed, runtimeBed, runtimeBedSkipReason } from '../runtime-bed.js';
import { parseBedEnv } from './bed-control.js';

const run = promisify(execFile);

const MANIFEST_TYPES = [
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
].join(', ');

interface Manifest {
  readonly mediaType?: string;
  readonly config: { readonly digest: string; readonly size: number };
  readonly layers: readonly { readonly digest: string; readonly size: number }[];
}

/** Registry host, repository and tag of an image reference; a short name goes to the docker.io mirror. */
function locate(bed: RuntimeBed, ref: string): { host: string; name: string; tag: string } {
  const colon = ref.lastIndexOf(':');
  const tag = ref.slice(colon + 1);
  const path = ref.slice(0, colon);
  const slash = path.indexOf('/');
  const first = slash < 0 ? '' : path.slice(0, slash);
  if (first.includes('.') || first.includes(':') || first === 'localhost') {
    return { host: first, name: path.slice(slash + 1), tag };
  }
  // docker.io/<name>: the bed's mirror entry sends docker.io to the open registry
  return { host: bed.registry, name: slash < 0 ? `library/${path}` : path, tag };
}

function basicAuth(bed: RuntimeBed): string {
  return `Basic ${Buffer.from(`${bed.auth.username}:${bed.auth.password}`).toString('base64')}`;
}

async function manifestOf(bed: RuntimeBed, ref: string): Promise<Manifest> {
  const { host, name, tag } = locate(bed, ref);
  const headers: Record<string, string> = { Accept: MANIFEST_TYPES };
  if (host === bed.authRegistry) headers.Authorization = basicAuth(bed);
  const response = await fetch(`http://${host}/v2/${name}/manifests/${tag}`, { headers });
  expect(response.status, `GET manifest of ${ref}`).toBe(200);
  return (await response.json()) as Manifest;
}

describe('the real-runtime test bed', () => {
  it('is either ready for tests or says why it is not', () => {
    const bed = runtimeBed();
    if (bed === undefined) {
      const reason = runtimeBedSkipReason();
      console.warn(`real-runtime bed tests skipped: ${reason}`);
      expect(reason).not.toBe('');
    } else {
      expect(runtimeBedSkipReason()).toBe('');
      expect(bed.endpoint).toBe(`unix://${bed.socket}`);
    }
  });

  it('reads the env file that runtime-bed.sh up writes, quoted or not', () => {
    const env = [
      '# a comment',
      'export BED_DIR=/tmp/krb.abc',
      'export CRI_SOCKET=/tmp/krb.abc/ctd/containerd.sock',
      'export CRI_ENDPOINT="unix:///tmp/krb.abc/ctd/containerd.sock"',
      'export CONTAINERD_PID=42',
      'export POD_NETWORK=host',
      'REGISTRY=127.0.0.1:20001',
      'AUTH_REGISTRY=127.0.0.1:20002',
      'AUTH_USER=testuser',
      "AUTH_PASS='testpass'",
      'IMG_PAUSE=127.0.0.1:20001/pause:3.9',
      'IMG_BUSYBOX=127.0.0.1:20001/busybox:1',
      'IMG_BUSYBOX2=127.0.0.1:20001/busybox:2',
      'IMG_BIG=127.0.0.1:20001/big:1',
      'IMG_PRIVATE=127.0.0.1:20002/private/busybox:1',
      'IMG_SHORT=busybox:1',
      'IMG_SHELLLESS=127.0.0.1:20001/shellless:1',
    ].join('\n');
    expect(parseBedEnv(env)).toEqual({
      dir: '/tmp/krb.abc',
      socket: '/tmp/krb.abc/ctd/containerd.sock',
      endpoint: 'unix:///tmp/krb.abc/ctd/containerd.sock',
      podNetwork: 'host',
      registry: '127.0.0.1:20001',
      authRegistry: '127.0.0.1:20002',
      auth: { username: 'testuser', password: 'testpass' },
      images: {
        pause: '127.0.0.1:20001/pause:3.9',
        busybox: '127.0.0.1:20001/busybox:1',
        busybox2: '127.0.0.1:20001/busybox:2',
        big: '127.0.0.1:20001/big:1',
        private: '127.0.0.1:20002/private/busybox:1',
        short: 'busybox:1',
        shellless: '127.0.0.1:20001/shellless:1',
      },
    });
    expect(() => parseBedEnv(env.replace('IMG_BIG=', 'IMG_HUGE='))).toThrow(/IMG_BIG is missing/);
  });
});

describe.skipIf(!runtimeBed())('the real-runtime test bed, when it is up', () => {
  // inside the describe, runtimeBed() is defined: the whole block is skipped otherwise
  const bed = (): RuntimeBed => runtimeBed()!;

  it('serves containerd on the unix socket it names, with a socket path short enough to connect to', async () => {
    const { socket, dir } = bed();
    expect((await stat(socket)).isSocket()).toBe(true);
    expect(socket.startsWith(`${dir}/`)).toBe(true);
    expect(`${socket}.ttrpc`.length).toBeLessThanOrEqual(100);
    const { stdout } = await run('ctr', ['--address', socket, 'version'], { timeout: 10_000 });
    expect(stdout).toMatch(/Server:\s+Version:\s+1\.6\./);
  });

  it('runs both registries on loopback ports of their own', () => {
    const { registry, authRegistry } = bed();
    expect(registry).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(authRegistry).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(authRegistry).not.toBe(registry);
  });

  it('answers /v2/ on the open registry without credentials', async () => {
    const response = await fetch(`http://${bed().registry}/v2/`);
    expect(response.status).toBe(200);
  });

  it('refuses /v2/ on the auth registry without credentials, asking for basic auth, and accepts the bed user', async () => {
    const anonymous = await fetch(`http://${bed().authRegistry}/v2/`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate') ?? '').toMatch(/^Basic /);

    const wrong = await fetch(`http://${bed().authRegistry}/v2/`, {
      headers: { Authorization: `Basic ${Buffer.from(`${bed().auth.username}:wrong`).toString('base64')}` },
    });
    expect(wrong.status).toBe(401);

    const user = await fetch(`http://${bed().authRegistry}/v2/`, { headers: { Authorization: basicAuth(bed()) } });
    expect(user.status).toBe(200);
  });

  it('holds every image it names, in the registry and under the tag the reference says', async () => {
    for (const [role, ref] of Object.entries(bed().images)) {
      const manifest = await manifestOf(bed(), ref);
      expect(manifest.layers.length, `${role} (${ref}) has layers`).toBeGreaterThan(0);
      expect(manifest.config.digest, `${role} (${ref}) has a config`).toMatch(/^sha256:[0-9a-f]{64}$/);
    }
  });

  it('keeps the private image behind the auth registry’s credentials', async () => {
    const { host, name, tag } = locate(bed(), bed().images.private);
    expect(host).toBe(bed().authRegistry);
    const response = await fetch(`http://${host}/v2/${name}/manifests/${tag}`, { headers: { Accept: MANIFEST_TYPES } });
    expect(response.status).toBe(401);
  });

  it('gives busybox:1 and busybox:2 different image IDs (config digests)', async () => {
    const one = await manifestOf(bed(), bed().images.busybox);
    const two = await manifestOf(bed(), bed().images.busybox2);
    expect(two.config.digest).not.toBe(one.config.digest);
  });

  it('gives the private image an image ID of its own, so removing it leaves busybox in place', async () => {
    const busybox = await manifestOf(bed(), bed().images.busybox);
    const secret = await manifestOf(bed(), bed().images.private);
    expect(secret.config.digest).not.toBe(busybox.config.digest);
  });

  it('serves the short name busybox:1 as the same image as the open registry’s busybox:1', async () => {
    expect(bed().images.short).toBe('busybox:1');
    const short = await manifestOf(bed(), bed().images.short);
    const full = await manifestOf(bed(), bed().images.busybox);
    expect(short.config.digest).toBe(full.config.digest);
  });

  it('lets containerd resolve the short name busybox:1 through its docker.io mirror entry', async () => {
    // ctr reads the same hosts dir the CRI plugin is configured with; a namespace of its own
    // keeps this away from the images the CRI tests see (namespace k8s.io)
    const { socket, dir } = bed();
    const ctr = (...args: string[]) => run('ctr', ['--address', socket, '-n', `kruised-bed-selftest-${process.pid}`, ...args], { timeout: 30_000 });
    const ref = `docker.io/library/${bed().images.short}`;
    try {
      await ctr('content', 'fetch', '--hosts-dir', `${dir}/ctd/certs.d`, ref);
      const { stdout } = await ctr('images', 'ls', '-q');
      expect(stdout.split('\n')).toContain(ref);
    } finally {
      await ctr('images', 'rm', '--sync', ref).catch(() => undefined);
      await run('ctr', ['--address', socket, 'namespaces', 'rm', `kruised-bed-selftest-${process.pid}`]).catch(() => undefined);
    }
  });

  it('has a big image with a layer of at least 45 MB, which the registry really stores', async () => {
    const { host, name } = locate(bed(), bed().images.big);
    const manifest = await manifestOf(bed(), bed().images.big);
    const biggest = manifest.layers.reduce((a, b) => (b.size > a.size ? b : a));
    expect(biggest.size).toBeGreaterThanOrEqual(45 * 1024 * 1024);
    const blob = await fetch(`http://${host}/v2/${name}/blobs/${biggest.digest}`, { method: 'HEAD' });
    expect(blob.status).toBe(200);
    expect(Number(blob.headers.get('content-length'))).toBe(biggest.size);
  });
});
