// Reading an image's platforms over the distribution HTTP API, against a small registry served
// here on loopback (plain HTTP): an OCI index, a single manifest read through its config blob,
// Basic and Bearer (token service) challenges answered with the pull's credentials, and the
// answers that leave the platforms unknown (with a reason that never carries a secret).
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imagePlatforms, parseChallenge, registryLocation } from '../../../adapters/registry-auth/index.js';

const INDEX = {
  schemaVersion: 2,
  mediaType: 'application/vnd.oci.image.index.v1+json',
  manifests: [
    { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: 'sha256:aa', size: 1, platform: { os: 'linux', architecture: 'amd64' } },
    {
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      digest: 'sha256:bb',
      size: 1,
      platform: { os: 'windows', architecture: 'amd64', 'os.version': '10.0.20348.2655' },
    },
  ],
};
const MANIFEST = {
  schemaVersion: 2,
  mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
  config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: 'sha256:cc', size: 1 },
  layers: [],
};
const CONFIG = { os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.6189', rootfs: { type: 'layers', diff_ids: [] } };
const BASIC = `Basic ${Buffer.from('user:s3cret').toString('base64')}`;

let base = '';
const seen: Array<{ path: string; authorization?: string }> = [];

function handle(req: IncomingMessage, res: ServerResponse): unknown {
  const url = new URL(req.url!, 'http://x');
  seen.push({ path: url.pathname + url.search, ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
  const json = (status: number, body: unknown, type = 'application/json') => res.writeHead(status, { 'content-type': type }).end(JSON.stringify(body));
  if (url.pathname === '/token') {
    if (req.headers.authorization !== BASIC) return json(401, { errors: [{ code: 'UNAUTHORIZED' }] });
    return json(200, { token: `tok-${url.searchParams.get('scope')}` });
  }
  const [, repo, kind, ref] = /^\/v2\/(.+)\/(manifests|blobs)\/(.+)$/.exec(url.pathname) ?? [];
  if (repo?.startsWith('basic/') && req.headers.authorization !== BASIC) return res.writeHead(401, { 'www-authenticate': 'Basic realm="test"' }).end();
  if (repo?.startsWith('bearer/') && req.headers.authorization !== `Bearer tok-repository:${repo}:pull`) {
    return res.writeHead(401, { 'www-authenticate': `Bearer realm="${base}/token",service="test-registry"` }).end();
  }
  if (kind === 'manifests' && ref === 'multi') return json(200, INDEX, INDEX.mediaType);
  if (kind === 'manifests' && ref === 'single') return json(200, MANIFEST, MANIFEST.mediaType);
  if (kind === 'blobs' && ref === 'sha256:cc') return json(200, CONFIG, 'application/octet-stream');
  if (kind === 'manifests' && ref === 'slow') return void setTimeout(() => json(200, INDEX, INDEX.mediaType), 2_000);
  if (kind === 'manifests' && ref === 'garbage') return res.writeHead(200, { 'content-type': 'application/json' }).end('{not json');
  return json(404, { errors: [{ code: 'MANIFEST_UNKNOWN' }] });
}

const server = createServer(handle);
let host = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  base = `http://${host}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('imagePlatforms', () => {
  it('reads the entries of an OCI index', async () => {
    expect(await imagePlatforms(`${host}/open/app:multi`, [])).toEqual({
      type: 'found',
      kind: 'index',
      entries: [
        { os: 'linux', architecture: 'amd64', osVersion: '' },
        { os: 'windows', architecture: 'amd64', osVersion: '10.0.20348.2655' },
      ],
    });
  });

  it("reads a single manifest's platform from its config blob", async () => {
    expect(await imagePlatforms(`${host}/open/app:single`, [])).toEqual({
      type: 'found',
      kind: 'manifest',
      entries: [{ os: 'windows', architecture: 'amd64', osVersion: '10.0.17763.6189' }],
    });
  });

  it("answers a Basic challenge with the pull's credentials, trying each in order", async () => {
    const out = await imagePlatforms(`${host}/basic/app:single`, [
      { username: 'user', password: 'wrong' },
      { auth: Buffer.from('user:s3cret').toString('base64') },
    ]);
    expect(out).toMatchObject({ type: 'found', kind: 'manifest' });
  });

  it("answers a Bearer challenge with a token from the realm, for the repository's pull scope", async () => {
    seen.length = 0;
    const out = await imagePlatforms(`${host}/bearer/app@sha256:${'d'.repeat(64)}`, [{ username: 'user', password: 's3cret' }]);
    expect(out).toEqual({ type: 'unknown', reason: `the registry answered 404 Not Found for manifests/sha256:${'d'.repeat(64)}` });
    expect(seen.map((s) => s.path)).toEqual([
      `/v2/bearer/app/manifests/sha256:${'d'.repeat(64)}`,
      '/token?service=test-registry&scope=repository%3Abearer%2Fapp%3Apull',
      `/v2/bearer/app/manifests/sha256:${'d'.repeat(64)}`,
    ]);
    expect(await imagePlatforms(`${host}/bearer/app:multi`, [{ username: 'user', password: 's3cret' }])).toMatchObject({ type: 'found', kind: 'index' });
  });

  it.each([
    ['no credentials for a protected repository', `basic/app:multi`, [], /^the registry answered 401 Unauthorized for manifests\/multi$/],
    [
      'wrong credentials at the token service',
      `bearer/app:multi`,
      [{ username: 'user', password: 'nope' }],
      /^the token service 127\.0\.0\.1:\d+ answered 401$/,
    ],
    ['an unknown tag', `open/app:missing`, [], /^the registry answered 404 Not Found for manifests\/missing$/],
    ['an answer that is not JSON', `open/app:garbage`, [], /^manifests\/garbage is not JSON$/],
  ])('reports %s as unknown, with a reason and no secret', async (_what, path, credentials, reason) => {
    const out = await imagePlatforms(`${host}/${path}`, credentials);
    expect(out.type).toBe('unknown');
    expect((out as { reason: string }).reason).toMatch(reason);
    expect(JSON.stringify(out)).not.toMatch(/s3cret|nope|dXNlcj/);
  });

  it('reports an unreachable registry and a slow one within the budget as unknown', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await imagePlatforms(`127.0.0.1:${port}/app:1`, [])).toEqual({ type: 'unknown', reason: `127.0.0.1:${port} cannot be reached: ECONNREFUSED` });
    expect(await imagePlatforms(`${host}/open/app:slow`, [], { timeoutMs: 300 })).toEqual({
      type: 'unknown',
      reason: 'no answer from the registry within 300 ms',
    });
  });

  it('never tries plain HTTP for a registry that is not on loopback', async () => {
    const calls: string[] = [];
    const failing = (async (url: string | URL) => {
      calls.push(String(url));
      throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    }) as typeof fetch;
    expect(await imagePlatforms('registry.example.com/app:1', [], { fetch: failing })).toEqual({
      type: 'unknown',
      reason: 'registry.example.com cannot be reached: ECONNREFUSED',
    });
    expect(calls).toEqual(['https://registry.example.com/v2/app/manifests/1']);
  });
});

describe('registry addressing', () => {
  it.each([
    ['nginx:1.21', { host: 'registry-1.docker.io', path: 'library/nginx', ref: '1.21' }],
    ['nginx', { host: 'registry-1.docker.io', path: 'library/nginx', ref: 'latest' }],
    ['mcr.microsoft.com/windows/servercore:ltsc2022', { host: 'mcr.microsoft.com', path: 'windows/servercore', ref: 'ltsc2022' }],
    ['localhost:5000/a/b@sha256:abc', { host: 'localhost:5000', path: 'a/b', ref: 'sha256:abc' }],
  ])('%s', (reference, expected) => {
    expect(registryLocation(reference)).toEqual(expected);
  });

  it('parses challenges with quoted and bare parameters', () => {
    expect(parseChallenge('Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"')).toEqual({
      scheme: 'bearer',
      params: { realm: 'https://auth.docker.io/token', service: 'registry.docker.io', scope: 'repository:library/nginx:pull' },
    });
    expect(parseChallenge('Basic realm=x')).toEqual({ scheme: 'basic', params: { realm: 'x' } });
  });
});
