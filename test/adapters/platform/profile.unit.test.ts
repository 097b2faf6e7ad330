import { describe, expect, it } from 'vitest';
import {
  linuxChildProcess,
  parseWindowsOsVersion,
  platformOsOf,
  platformProfile,
  spawnRunner,
  WINDOWS_BUILD_LABEL,
  WINDOWS_CONTAINERD_ENDPOINT,
  windowsChildProcess,
  windowsOsVersionCompatible,
} from '../../../adapters/platform/index.js';
import { FakeFs, FakeProcess, FakeRunner, RecordingSleep } from './fakes.js';

const seams = { fs: new FakeFs(), process: new FakeProcess(), sleep: new RecordingSleep().sleep, run: new FakeRunner().run, env: {} };
const linux = platformProfile('linux', seams);
const windows = platformProfile('windows', seams);

describe('profile selection', () => {
  it.each([
    ['win32', 'windows'],
    ['linux', 'linux'],
    ['darwin', 'linux'],
  ] as const)('maps process.platform %s to the %s profile', (nodePlatform, os) => {
    expect(platformOsOf(nodePlatform)).toBe(os);
  });

  it('labels each profile with its OS', () => {
    expect(linux.os).toBe('linux');
    expect(windows.os).toBe('windows');
  });
});

describe('CRI endpoint defaults', () => {
  it('lists the six /hostvarrun sockets in upstream order on Linux', () => {
    expect(linux.cri.endpointCandidates()).toEqual([
      { type: 'containerd', uri: 'unix:///hostvarrun/containerd.sock', statPath: '/hostvarrun/containerd.sock' },
      { type: 'containerd', uri: 'unix:///hostvarrun/containerd/containerd.sock', statPath: '/hostvarrun/containerd/containerd.sock' },
      { type: 'common-cri', uri: 'unix:///hostvarrun/crio.sock', statPath: '/hostvarrun/crio.sock' },
      { type: 'common-cri', uri: 'unix:///hostvarrun/crio/crio.sock', statPath: '/hostvarrun/crio/crio.sock' },
      { type: 'common-cri', uri: 'unix:///hostvarrun/cri-dockerd.sock', statPath: '/hostvarrun/cri-dockerd.sock' },
      { type: 'common-cri', uri: 'unix:///hostvarrun/cri-dockerd/cri-dockerd.sock', statPath: '/hostvarrun/cri-dockerd/cri-dockerd.sock' },
    ]);
  });

  it('uses --socket-file as the only Linux candidate', () => {
    expect(linux.cri.endpointCandidates({ socketFile: 'k3s/containerd/containerd.sock' })).toEqual([
      { type: 'common-cri', uri: 'unix:///hostvarrun/k3s/containerd/containerd.sock', statPath: '/hostvarrun/k3s/containerd/containerd.sock' },
    ]);
    expect(linux.cri.socketFileFlag).toBe(true);
  });

  it('has exactly one Windows candidate, the containerd pipe, never to be stat-ed, and no --socket-file', () => {
    expect(windows.cri.endpointCandidates()).toEqual([{ type: 'containerd', uri: 'npipe://./pipe/containerd-containerd', statPath: null }]);
    expect(windows.cri.endpointCandidates({ socketFile: 'ignored.sock' })).toEqual([{ type: 'containerd', uri: WINDOWS_CONTAINERD_ENDPOINT, statPath: null }]);
    expect(windows.cri.socketFileFlag).toBe(false);
  });

  it('lets an explicit endpoint replace the defaults on either OS', () => {
    expect(windows.cri.endpointCandidates({ endpoint: 'npipe://./pipe/cri-dockerd' })).toEqual([
      { type: 'common-cri', uri: 'npipe://./pipe/cri-dockerd', statPath: null },
    ]);
    expect(linux.cri.endpointCandidates({ endpoint: 'unix:///run/k3s/containerd/containerd.sock', socketFile: 'x.sock' })).toEqual([
      { type: 'common-cri', uri: 'unix:///run/k3s/containerd/containerd.sock', statPath: '/run/k3s/containerd/containerd.sock' },
    ]);
  });

  it('keeps upstream 5 s as the Linux base timeout and a longer one on Windows', () => {
    expect(linux.cri.baseTimeoutMs).toBe(5_000);
    expect(windows.cri.baseTimeoutMs).toBeGreaterThan(linux.cri.baseTimeoutMs);
  });

  it('treats a vanished pipe (ENOENT) as reconnectable on Windows and a refused socket on Linux', () => {
    expect(windows.cri.reconnectErrorCodes).toContain('ENOENT');
    expect(windows.cri.reconnectErrorCodes).not.toContain('ECONNREFUSED');
    expect(linux.cri.reconnectErrorCodes).toContain('ECONNREFUSED');
  });
});

describe('child processes', () => {
  it('spawns without a shell everywhere and hides the console window on Windows', () => {
    expect(linux.childProcess.spawnOptions).toEqual({ shell: false, windowsHide: false });
    expect(windows.childProcess.spawnOptions).toEqual({ shell: false, windowsHide: true });
  });

  it.each(['install.cmd', 'C:\\tools\\setup.BAT'])('refuses to spawn the batch file %s on Windows', (file) => {
    expect(() => windows.childProcess.assertSpawnable(file)).toThrow(/batch files/);
    expect(() => linux.childProcess.assertSpawnable(file)).not.toThrow();
  });

  it('allows .exe programs on Windows', () => {
    expect(() => windows.childProcess.assertSpawnable('icacls.exe')).not.toThrow();
  });

  it('kills process trees with taskkill /T /F on Windows and leaves Linux to process groups', () => {
    expect(windows.childProcess.killTreeCommand(4242)).toEqual({ file: 'taskkill.exe', args: ['/T', '/F', '/PID', '4242'] });
    expect(() => windows.childProcess.killTreeCommand(0)).toThrow(/invalid pid/);
    expect(linux.childProcess.killTreeCommand(4242)).toBeNull();
  });
});

describe('image platform', () => {
  it('pulls linux entries on Linux and windows entries, matched by build, on Windows', () => {
    expect(linux.image.imageOs).toBe('linux');
    expect(linux.image.nodeBuildLabel).toBeNull();
    expect(linux.image.osVersionCompatible('', '10.0.17763')).toBe(true);
    expect(windows.image.imageOs).toBe('windows');
    expect(windows.image.nodeBuildLabel).toBe(WINDOWS_BUILD_LABEL);
    expect(WINDOWS_BUILD_LABEL).toBe('node.kubernetes.io/windows-build');
  });

  it.each([
    ['10.0.17763', '10.0.17763.5820', true, 'ltsc2019 host runs its own build, revision ignored'],
    ['10.0.17763', '10.0.20348', false, 'ltsc2019 host cannot run a newer build'],
    ['10.0.17763', '10.0.17134', false, 'before WS2022 the build must match exactly'],
    ['10.0.20348', '10.0.20348.2527', true, 'ltsc2022 host runs ltsc2022'],
    ['10.0.20348', '10.0.17763', false, 'ltsc2022 host cannot run ltsc2019'],
    ['10.0.20348', '10.0.26100', false, 'ltsc2022 host cannot run ltsc2025'],
    ['10.0.22621', '10.0.20348', true, 'Windows 11 22H2 runs ltsc2022 (stable ABI)'],
    ['10.0.26100', '10.0.20348', true, 'ltsc2025 host runs ltsc2022'],
    ['10.0.26100', '10.0.26100', true, 'ltsc2025 host runs ltsc2025'],
    ['10.0.26100', '10.0.25398', true, 'ltsc2025 host runs 23H2'],
    ['10.0.26100', '10.0.17763', false, 'ltsc2025 host cannot run ltsc2019'],
    ['10.0.26200', '10.0.20348', true, 'a host past the last LTSC still floors at ltsc2022'],
    ['10.0.26100', '', true, 'an entry without os.version matches anything'],
    ['', '10.0.17763', true, 'an unknown host matches anything'],
    ['10.0.20348', '6.3.9600', false, 'major and minor must match'],
    ['10.0.20348', 'garbage', false, 'an unparsable image version does not match'],
  ])('host %s, image %s: %s (%s)', (host, image, ok) => {
    expect(windowsOsVersionCompatible(host, image)).toBe(ok);
    expect(windows.image.osVersionCompatible(host, image)).toBe(ok);
  });

  it('parses Windows versions within Windows field widths', () => {
    expect(parseWindowsOsVersion('10.0.20348.2527')).toEqual({ major: 10, minor: 0, build: 20348 });
    expect(parseWindowsOsVersion('10.0')).toBeUndefined();
    expect(parseWindowsOsVersion('10.0.70000')).toBeUndefined();
  });
});

describe('the live process runner', () => {
  it('runs a program without a shell and collects its exit code, stdout and stderr', async () => {
    const run = spawnRunner(linuxChildProcess);
    const result = await run({ file: process.execPath, args: ['-e', 'process.stdout.write("out; $HOME"); process.stderr.write("err"); process.exit(3)'] });
    expect(result).toEqual({ exitCode: 3, signal: null, stdout: 'out; $HOME', stderr: 'err' });
  });

  it('rejects a batch file under Windows rules before spawning anything', async () => {
    await expect(spawnRunner(windowsChildProcess)({ file: 'setup.cmd', args: [] })).rejects.toThrow(/batch files/);
  });

  it('rejects when the program does not exist', async () => {
    await expect(spawnRunner(linuxChildProcess)({ file: '/nonexistent/kruised-test-binary', args: [] })).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
