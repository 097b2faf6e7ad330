import { describe, expect, it } from 'vitest';
import type { AuthConfig as CriAuthConfig } from '../../../adapters/cri/types.js';
import {
  Keyring,
  globMatch,
  keyringKey,
  normaliseRepository,
  urlsMatchStr,
  type AuthConfig,
  type DockerConfigEntry,
} from '../../../adapters/registry-auth/index.js';

const entry = (registryKey: string, username = registryKey): DockerConfigEntry => ({ registryKey, username, password: `pw-${username}` });
const users = (configs: readonly AuthConfig[]): string[] => configs.map((c) => c.username);
const keyringOf = (...keys: string[]): Keyring => {
  const keyring = new Keyring();
  keyring.add(keys.map((k) => entry(k)));
  return keyring;
};

describe('normalising image references to the repository kubelet looks up', () => {
  it.each([
    ['nginx', 'docker.io/library/nginx'],
    ['nginx:1.21', 'docker.io/library/nginx'],
    ['user/app@sha256:0123', 'docker.io/user/app'],
    ['docker.io/nginx', 'docker.io/library/nginx'],
    ['index.docker.io/library/nginx:latest', 'docker.io/library/nginx'],
    ['localhost/app', 'localhost/app'],
    ['localhost:5000/team/app:v1', 'localhost:5000/team/app'],
    ['registry.example.com/team/app:v1', 'registry.example.com/team/app'],
    ['registry.k8s.io/pause:3.9', 'registry.k8s.io/pause'],
  ])('normalises %s to %s', (image, repository) => {
    expect(normaliseRepository(image)).toBe(repository);
  });

  it('rejects an empty reference and empty path components', () => {
    expect(() => normaliseRepository('')).toThrow(/invalid/);
    expect(() => normaliseRepository('registry.example.com//app')).toThrow(/invalid/);
  });
});

describe("deriving index keys as kubelet's Add does", () => {
  it.each([
    ['https://index.docker.io/v1/', 'index.docker.io'],
    ['http://registry.example.com/v2/', 'registry.example.com'],
    ['registry.example.com/', 'registry.example.com'],
    ['registry.example.com/team', 'registry.example.com/team'],
    ['https://registry.example.com/v1/team', 'registry.example.com/team'],
    ['registry.example.com:5000', 'registry.example.com:5000'],
    ['*.example.com', '*.example.com'],
  ])('keys %s as %s', (registryKey, key) => {
    expect(keyringKey(registryKey)).toBe(key);
  });

  it('ignores keys that do not parse (a non-numeric port, a space in the host)', () => {
    const keyring = new Keyring();
    expect(keyring.add([entry('registry.example.com:abc'), entry('bad host.io'), entry('ok.io')])).toEqual({ added: 1, ignored: 2 });
    expect(keyring.keys()).toEqual(['ok.io']);
  });
});

describe("kubelet's URL matching", () => {
  it.each<[string, string, boolean]>([
    // host
    ['registry.example.com', 'registry.example.com/app', true],
    ['registry.example.com', 'other.example.com/app', false],
    ['registry.example', 'registry.example.com/app', false],
    // port: both absent or equal
    ['registry.example.com:5000', 'registry.example.com:5000/app', true],
    ['registry.example.com', 'registry.example.com:5000/app', false],
    ['registry.example.com:5000', 'registry.example.com/app', false],
    // path: a plain string prefix, no segment boundary (kubelet: strings.HasPrefix on the path)
    ['registry.example.com/team', 'registry.example.com/team/app', true],
    ['registry.example.com/team', 'registry.example.com/team2/app', true],
    ['registry.example.com/team2', 'registry.example.com/team/app', false],
    ['registry.example.com/team/', 'registry.example.com/team2/app', false],
    // wildcards: per dot-separated label, same label count
    ['*.example.com', 'a.example.com/app', true],
    ['*.example.com', 'example.com/app', false],
    ['*.example.com', 'a.b.example.com/app', false],
    ['*.*.example.com', 'a.b.example.com/app', true],
    ['reg*.example.com', 'registry.example.com/app', true],
    // `?` starts the URL query before it can act as a glob (Go url.Parse): the key's host is `reg`
    ['reg?.example.com', 'reg1.example.com/app', false],
    ['reg?.example.com', 'reg/app', true],
    ['reg[0-9].example.com', 'reg7.example.com/app', true],
    ['reg[^0-9].example.com', 'reg7.example.com/app', false],
    ['*.example.com', 'a.example.org/app', false],
    ['*.example.com:5000', 'a.example.com:5000/app', true],
    // a malformed glob matches nothing (kubelet ignores filepath.ErrBadPattern)
    ['reg[.example.com', 'reg[.example.com/app', false],
    // docker.io and index.docker.io differ in label count: no direct match
    ['index.docker.io', 'docker.io/library/nginx', false],
  ])('key %s against %s → %s', (key, target, expected) => {
    expect(urlsMatchStr(key, target)).toBe(expected);
  });

  it('follows Go filepath.Match for escapes and reversed ranges', () => {
    expect(globMatch('a\\*b', 'a*b')).toBe(true);
    expect(globMatch('a\\*b', 'axb')).toBe(false);
    expect(globMatch('[z-a]', 'm')).toBe(false);
    expect(globMatch('[^z-a]', 'm')).toBe(true);
    expect(globMatch('[]', 'x')).toBe(false);
    expect(globMatch('abc\\', 'abc')).toBe(false);
  });
});

describe('Keyring.lookup', () => {
  it('returns every matching credential, most specific (reverse lexical) key first', () => {
    const keyring = keyringOf('quay.io', 'quay.io/coreos', 'quay.io/coreos/etcd', 'gcr.io');
    expect(keyring.keys()).toEqual(['quay.io/coreos/etcd', 'quay.io/coreos', 'quay.io', 'gcr.io']);
    expect(users(keyring.lookup('quay.io/coreos/etcd:v3'))).toEqual(['quay.io/coreos/etcd', 'quay.io/coreos', 'quay.io']);
    expect(users(keyring.lookup('quay.io/other/app'))).toEqual(['quay.io']);
  });

  it('orders by reverse lexical key, not by length, exactly as kubelet sorts', () => {
    // "registry.example.com/team2" > "registry.example.com/team" lexically, so it comes first;
    // both match an image under /team2 because the path test is a string prefix.
    const keyring = keyringOf('registry.example.com/team', 'registry.example.com/team2', 'registry.example.com');
    expect(users(keyring.lookup('registry.example.com/team2/app'))).toEqual([
      'registry.example.com/team2',
      'registry.example.com/team',
      'registry.example.com',
    ]);
    expect(users(keyring.lookup('registry.example.com/team/app'))).toEqual(['registry.example.com/team', 'registry.example.com']);
  });

  it('keeps several credentials under one key in the order they were added (rotation)', () => {
    const keyring = new Keyring();
    keyring.add([entry('registry.example.com', 'old')]);
    keyring.add([entry('https://registry.example.com/v1/', 'new')]);
    expect(users(keyring.lookup('registry.example.com/app'))).toEqual(['old', 'new']);
  });

  it('matches familiar Docker Hub names against a docker.io key', () => {
    const keyring = keyringOf('docker.io');
    expect(users(keyring.lookup('nginx'))).toEqual(['docker.io']);
    expect(users(keyring.lookup('user/app:1'))).toEqual(['docker.io']);
    expect(keyringOf('docker.io/user').lookup('user/app').length).toBe(1);
    expect(keyringOf('docker.io/user').lookup('nginx')).toEqual([]);
  });

  it('falls back to index.docker.io credentials for Docker Hub images only when nothing else matched', () => {
    const keyring = new Keyring();
    keyring.add([entry('https://index.docker.io/v1/', 'hub')]);
    expect(users(keyring.lookup('nginx'))).toEqual(['hub']);
    expect(users(keyring.lookup('index.docker.io/library/nginx'))).toEqual(['hub']);
    expect(keyring.lookup('quay.io/app')).toEqual([]);

    keyring.add([entry('docker.io/library', 'library')]);
    expect(users(keyring.lookup('nginx'))).toEqual(['library']);
  });

  it('treats registry-1.docker.io as its own host, as kubelet does', () => {
    expect(keyringOf('registry-1.docker.io').lookup('nginx')).toEqual([]);
  });

  it('appends the matches of fallback keyrings after its own', () => {
    const provider = keyringOf('*.example.com');
    const keyring = new Keyring([provider]);
    keyring.add([entry('a.example.com')]);
    expect(users(keyring.lookup('a.example.com/app'))).toEqual(['a.example.com', '*.example.com']);
  });

  it("returns CRI-shaped configs with kubelet's empty auth and server_address", () => {
    const keyring = new Keyring();
    keyring.add([{ registryKey: 'r.io', username: 'u', password: 'p', auth: 'dTpw', identityToken: 'it' }]);
    const [config] = keyring.lookup('r.io/app');
    expect(config).toEqual({ username: 'u', password: 'p', auth: '', server_address: '', identity_token: 'it', registry_token: '' });
    const cri: CriAuthConfig | undefined = config;
    expect(cri?.username).toBe('u');
  });
});
