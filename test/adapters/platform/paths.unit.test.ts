import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeFileName, encodeFileName, isPortableFileName, pickServiceAccount, platformProfile } from '../../../adapters/platform/index.js';
import { FakeFs, FakeProcess, FakeRunner, RecordingSleep } from './fakes.js';

function profiles(env: Record<string, string> = {}) {
  const seams = { fs: new FakeFs(), process: new FakeProcess(), sleep: new RecordingSleep().sleep, run: new FakeRunner().run, env };
  return { linux: platformProfile('linux', seams), windows: platformProfile('windows', seams) };
}

describe('path implementation per profile', () => {
  const { linux, windows } = profiles();

  it('uses path.posix on Linux and path.win32 on Windows, whatever OS the tests run on', () => {
    expect(linux.paths.impl).toBe(path.posix);
    expect(windows.paths.impl).toBe(path.win32);
    expect(linux.paths.join('/var/lib', 'kruised', 'events')).toBe('/var/lib/kruised/events');
    expect(windows.paths.join('C:\\ProgramData', 'kruised', 'events')).toBe('C:\\ProgramData\\kruised\\events');
    expect(windows.paths.join('C:/var/lib/kubelet/../kruise')).toBe('C:\\var\\lib\\kruise');
  });

  it.each([
    ['C:\\Foo\\Bar', 'c:\\foo\\bar', true],
    ['C:/var/lib/kubelet/', 'c:\\VAR\\lib\\kubelet', true],
    ['C:\\var\\lib', 'D:\\var\\lib', false],
    ['C:\\var\\lib', 'C:\\var\\lib2', false],
  ])('compares Windows paths case- and separator-insensitively: %s vs %s is %s', (a, b, same) => {
    expect(windows.paths.samePath(a, b)).toBe(same);
  });

  it('compares Linux paths case-sensitively', () => {
    expect(linux.paths.samePath('/var/lib/kubelet/', '/var/lib/kubelet')).toBe(true);
    expect(linux.paths.samePath('/var/lib/Kubelet', '/var/lib/kubelet')).toBe(false);
  });

  it.each([
    ['windows', 'C:\\ProgramData\\kruised', 'c:\\programdata\\KRUISED\\events\\x.jsonl', true],
    ['windows', 'C:\\ProgramData\\kruised', 'C:\\ProgramData\\kruised2\\x', false],
    ['windows', 'C:\\ProgramData\\kruised', 'D:\\ProgramData\\kruised\\x', false],
    ['windows', 'C:\\data', 'C:\\data\\..foo', true],
    ['linux', '/var/lib/kruised', '/var/lib/kruised/events/x.jsonl', true],
    ['linux', '/var/lib/kruised', '/var/lib/kruised/../etc/passwd', false],
    ['linux', '/var/lib/kruised', '/var/lib/KRUISED/x', false],
  ] as const)('decides containment on %s: %s contains %s is %s', (os, parent, child, within) => {
    const p = os === 'linux' ? linux : windows;
    expect(p.paths.isWithin(parent, child)).toBe(within);
  });

  it.each([
    ['C:\\var\\lib', true],
    ['c:/var/lib', true],
    ['\\\\server\\share\\x', true],
    ['/var/run/secrets', false], // rooted but drive-relative
    ['\\var\\run', false],
    ['C:var', false], // relative to the cwd of drive C
    ['var\\lib', false],
  ])('knows whether the Windows path %s is fully qualified (%s)', (p, expected) => {
    expect(windows.paths.isFullyQualified(p)).toBe(expected);
  });

  it('pins drive-relative Windows paths to the system drive and leaves Linux paths alone', () => {
    expect(windows.paths.pinToSystemDrive('/var/run/secrets/kubernetes.io/serviceaccount')).toBe('C:\\var\\run\\secrets\\kubernetes.io\\serviceaccount');
    expect(windows.paths.pinToSystemDrive('D:\\data')).toBe('D:\\data');
    expect(windows.paths.pinToSystemDrive('\\\\server\\share')).toBe('\\\\server\\share');
    expect(profiles({ SystemDrive: 'd:' }).windows.paths.pinToSystemDrive('/var/lib')).toBe('D:\\var\\lib');
    expect(linux.paths.pinToSystemDrive('/var/run')).toBe('/var/run');
  });

  it('produces long-path forms on Windows only', () => {
    expect(windows.paths.toLongPath('C:\\var\\lib\\x')).toBe('\\\\?\\C:\\var\\lib\\x');
    expect(windows.paths.toLongPath('\\\\server\\share\\x')).toBe('\\\\?\\UNC\\server\\share\\x');
    expect(linux.paths.toLongPath('/var/lib/x')).toBe('/var/lib/x');
  });

  it('builds kubelet container log paths in each OS form', () => {
    expect(linux.paths.podLogPath('default', 'web-0', 'u-1', 'nginx', 2)).toBe('/var/log/pods/default_web-0_u-1/nginx/2.log');
    expect(windows.paths.podLogPath('default', 'web-0', 'u-1', 'iis', 0)).toBe('C:\\var\\log\\pods\\default_web-0_u-1\\iis\\0.log');
    expect(windows.paths.isWithin(windows.hostPaths.podLogsDir, windows.paths.podLogPath('a', 'b', 'c', 'd', 0))).toBe(true);
    expect(linux.paths.isWithin(linux.hostPaths.podLogsDir, linux.paths.podLogPath('a', 'b', 'c', 'd', 0))).toBe(true);
  });
});

describe('host path defaults', () => {
  const { linux, windows } = profiles();

  it('puts the data dir in /var/lib/kruised on Linux and C:\\ProgramData\\kruised on Windows', () => {
    expect(linux.hostPaths.dataDir).toBe('/var/lib/kruised');
    expect(windows.hostPaths.dataDir).toBe('C:\\ProgramData\\kruised');
  });

  it('uses the kubelet layout of each OS, every Windows path fully qualified', () => {
    expect(linux.hostPaths.kubeletRoot).toBe('/var/lib/kubelet');
    expect(linux.hostPaths.kubeletPluginRegistryDir).toBe('/var/lib/kubelet/plugins_registry');
    expect(windows.hostPaths.kubeletRoot).toBe('C:\\var\\lib\\kubelet');
    expect(windows.hostPaths.kubeletPluginRegistryDir).toBe('C:\\var\\lib\\kubelet\\plugins_registry');
    expect(windows.hostPaths.podLogsDir).toBe('C:\\var\\log\\pods');
    for (const [key, value] of Object.entries(windows.hostPaths)) {
      if (typeof value === 'string' && key !== 'executableSuffix') expect(windows.paths.isFullyQualified(value), key).toBe(true);
    }
  });

  it('mounts the host run dir at /hostvarrun on Linux and has none on Windows', () => {
    expect(linux.hostPaths.hostRunDir).toBe('/hostvarrun');
    expect(windows.hostPaths.hostRunDir).toBeNull();
  });

  it('keeps upstream credential-provider defaults on Linux and pins them to the drive, with .exe plugins, on Windows', () => {
    expect(linux.hostPaths.credentialProviderConfigFile).toBe('/kruise/CredentialProviderPlugin.yaml');
    expect(linux.hostPaths.credentialProviderBinDir).toBe('/kruise/plugins');
    expect(linux.hostPaths.executableSuffix).toBe('');
    expect(windows.hostPaths.credentialProviderConfigFile).toBe('C:\\kruise\\CredentialProviderPlugin.yaml');
    expect(windows.hostPaths.credentialProviderBinDir).toBe('C:\\kruise\\plugins');
    expect(windows.hostPaths.executableSuffix).toBe('.exe');
  });
});

describe('in-cluster service-account token location', () => {
  it('has one candidate on Linux, with no prefix', () => {
    const { linux } = profiles();
    expect(linux.paths.serviceAccountCandidates()).toEqual([
      expect.objectContaining({ prefix: '', tokenFile: '/var/run/secrets/kubernetes.io/serviceaccount/token' }),
    ]);
  });

  it('offers bind mode (C:) then symlink mode ($CONTAINER_SANDBOX_MOUNT_POINT, trailing separator trimmed) on Windows', () => {
    const { windows } = profiles({ CONTAINER_SANDBOX_MOUNT_POINT: 'C:\\C\\0123abcd\\' });
    const candidates = windows.paths.serviceAccountCandidates();
    expect(candidates.map((c) => c.prefix)).toEqual(['C:', 'C:\\C\\0123abcd']);
    expect(candidates.map((c) => c.tokenFile)).toEqual([
      'C:\\var\\run\\secrets\\kubernetes.io\\serviceaccount\\token',
      'C:\\C\\0123abcd\\var\\run\\secrets\\kubernetes.io\\serviceaccount\\token',
    ]);
  });

  it.each([
    ['bind mode', 'C:\\var\\run\\secrets\\kubernetes.io\\serviceaccount\\token', 'C:'],
    ['symlink mode', 'C:\\C\\0123abcd\\var\\run\\secrets\\kubernetes.io\\serviceaccount\\token', 'C:\\C\\0123abcd'],
  ])('picks the prefix whose token exists in %s', async (_mode, existing, prefix) => {
    const { windows } = profiles({ CONTAINER_SANDBOX_MOUNT_POINT: 'C:\\C\\0123abcd' });
    const picked = await pickServiceAccount(windows.paths.serviceAccountCandidates(), (f) => f === existing);
    expect(picked?.prefix).toBe(prefix);
  });

  it('finds nothing when no token file exists', async () => {
    const { windows } = profiles({ CONTAINER_SANDBOX_MOUNT_POINT: 'C:\\hpc' });
    expect(await pickServiceAccount(windows.paths.serviceAccountCandidates(), () => false)).toBeUndefined();
  });
});

describe('portable file names', () => {
  it.each([
    ['nginx:1.25', 'nginx%3A1.25'],
    ['sha256:abc', 'sha256%3Aabc'],
    ['docker.io/library/nginx:Latest', 'docker.io%2Flibrary%2Fnginx%3A%4Catest'],
    ['a<b>c|d?e*f"g\\h', 'a%3Cb%3Ec%7Cd%3Fe%2Af%22g%5Ch'],
    ['100%', '100%25'],
    ['con', '%63on'],
    ['nul.txt', '%6Eul.txt'],
    ['com1', '%63om1'],
    ['console', 'console'],
    ['trailing.', 'trailing%2E'],
    ['trailing ', 'trailing%20'],
    ['..', '.%2E'],
    ['tab\there', 'tab%09here'],
    ['é', '%C3%A9'],
  ])('encodes %j as %j', (name, encoded) => {
    expect(encodeFileName(name)).toBe(encoded);
    expect(decodeFileName(encoded)).toBe(name);
  });

  it('refuses an empty name', () => {
    expect(() => encodeFileName('')).toThrow(/empty/);
  });

  it('yields legal, reversible and case-fold-unique names for random strings', () => {
    let seed = 42;
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed;
    };
    const alphabet = 'aAbBzZ09.:-_ %<>"/\\|?*\t\ncCoOnNlLpPtT1é€';
    const seen = new Map<string, string>();
    for (let i = 0; i < 3000; i++) {
      const length = 1 + (next() % 12);
      let name = '';
      for (let j = 0; j < length; j++) name += alphabet[next() % alphabet.length];
      const encoded = encodeFileName(name);
      expect(isPortableFileName(encoded), `${JSON.stringify(name)} → ${encoded}`).toBe(true);
      expect(decodeFileName(encoded)).toBe(name);
      const folded = encoded.toLowerCase();
      const previous = seen.get(folded);
      if (previous !== undefined) expect(previous, `${JSON.stringify(name)} collides case-insensitively`).toBe(name);
      seen.set(folded, name);
    }
  });

  it('is the same encoding on both profiles', () => {
    const { linux, windows } = profiles();
    expect(linux.files.encodeFileName('nginx:1.25')).toBe(windows.files.encodeFileName('nginx:1.25'));
  });
});
