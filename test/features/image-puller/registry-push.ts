// Building images in a test bed registry through the distribution HTTP API: blobs uploaded or
// mounted from another repository, manifests and indexes PUT under a tag. Enough to serve
// multi-platform indexes (Windows entries included) that no image tool on a Linux host builds.
import { createHash } from 'node:crypto';

export interface Registry {
  /** `host:port`, plain HTTP. */
  readonly host: string;
  readonly basic?: { readonly username: string; readonly password: string };
}

export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
}

const sha256 = (bytes: Buffer | string): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

async function call(
  registry: Registry,
  method: string,
  path: string,
  init: { body?: Buffer | string; headers?: Record<string, string> } = {},
): Promise<Response> {
  const headers: Record<string, string> = { ...init.headers };
  if (registry.basic) headers.Authorization = `Basic ${Buffer.from(`${registry.basic.username}:${registry.basic.password}`).toString('base64')}`;
  const url = path.startsWith('http') ? path : `http://${registry.host}${path}`;
  const res = await fetch(url, { method, headers, ...(init.body !== undefined ? { body: init.body } : {}) });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res;
}

/** Uploads `bytes` as a blob of `repo` (monolithic upload). */
export async function pushBlob(registry: Registry, repo: string, bytes: Buffer | string, mediaType: string): Promise<Descriptor> {
  const digest = sha256(bytes);
  const started = await call(registry, 'POST', `/v2/${repo}/blobs/uploads/`);
  const location = new URL(started.headers.get('location')!, `http://${registry.host}`);
  location.searchParams.set('digest', digest);
  await call(registry, 'PUT', location.toString(), { body: bytes, headers: { 'Content-Type': 'application/octet-stream' } });
  return { mediaType, digest, size: Buffer.byteLength(bytes) };
}

/** Copies an image (its single manifest, config and layers) from `from:ref` to `repo:tag` of the same registry. */
export async function copyImage(registry: Registry, from: string, ref: string, repo: string, tag: string): Promise<Descriptor> {
  const accept = 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json';
  const res = await call(registry, 'GET', `/v2/${from}/manifests/${ref}`, { headers: { Accept: accept } });
  const bytes = Buffer.from(await res.arrayBuffer());
  const manifest = JSON.parse(bytes.toString()) as { mediaType?: string; config: { digest: string }; layers: Array<{ digest: string }> };
  for (const blob of [manifest.config, ...manifest.layers]) await call(registry, 'POST', `/v2/${repo}/blobs/uploads/?mount=${blob.digest}&from=${from}`);
  const mediaType = manifest.mediaType ?? res.headers.get('content-type')!.split(';')[0]!;
  return pushManifest(registry, repo, tag, mediaType, bytes);
}

/** PUTs a manifest or index under `tag`. */
export async function pushManifest(registry: Registry, repo: string, tag: string, mediaType: string, body: Buffer | string): Promise<Descriptor> {
  await call(registry, 'PUT', `/v2/${repo}/manifests/${tag}`, { body, headers: { 'Content-Type': mediaType } });
  return { mediaType, digest: sha256(body), size: Buffer.byteLength(body) };
}

/** A Windows image that exists only as bytes in the registry: an OCI manifest with a config for `osVersion` and one junk layer. */
export async function pushWindowsImage(registry: Registry, repo: string, tag: string, osVersion: string): Promise<Descriptor> {
  const layer = await pushBlob(registry, repo, Buffer.from(`layer for ${osVersion}`), 'application/vnd.oci.image.layer.v1.tar+gzip');
  const config = await pushBlob(
    registry,
    repo,
    JSON.stringify({ architecture: 'amd64', os: 'windows', 'os.version': osVersion, rootfs: { type: 'layers', diff_ids: [layer.digest] } }),
    'application/vnd.oci.image.config.v1+json',
  );
  const manifest = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config, layers: [layer] });
  return pushManifest(registry, repo, tag, 'application/vnd.oci.image.manifest.v1+json', manifest);
}

/** PUTs an OCI index of `entries` (descriptor and platform) under `tag`. */
export async function pushIndex(
  registry: Registry,
  repo: string,
  tag: string,
  entries: ReadonlyArray<{ manifest: Descriptor; platform: Record<string, string> }>,
): Promise<Descriptor> {
  const index = JSON.stringify({
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: entries.map((e) => ({ ...e.manifest, platform: e.platform })),
  });
  return pushManifest(registry, repo, tag, 'application/vnd.oci.image.index.v1+json', index);
}
