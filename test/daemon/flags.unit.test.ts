import { describe, expect, it } from 'vitest';
import { platformProfile } from '../../adapters/platform/index.js';
import { FlagError, daemonFlagsHelp, parseDaemonFlags, parseGoDuration } from '../../daemon/flags.js';
import { FakeFs, FakeProcess, FakeRunner, RecordingSleep } from '../adapters/platform/fakes.js';
import { errorOf } from '../support/errors.js';

const linux = (argv: string[], env: Record<string, string> = {}) => parseDaemonFlags(argv, { platform: 'linux', env });
const windows = (argv: string[], env: Record<string, string> = {}) => parseDaemonFlags(argv, { platform: 'windows', env });
const seams = (env: Record<string, string>) => ({
  fs: new FakeFs(),
  process: new FakeProcess(),
  sleep: new RecordingSleep().sleep,
  run: new FakeRunner().run,
  env,
});

describe('parseDaemonFlags defaults', () => {
  it('gives upstream and kruised defaults on linux when no flags are passed', () => {
    const f = linux([], { NODE_NAME: 'node-a' });
    expect(f).toMatchObject({
      addr: ':10221',
      pprofAddr: ':10222',
      enablePprof: true,
      pluginConfigFile: '/kruise/CredentialProviderPlugin.yaml',
      pluginBinDir: '/kruise/plugins',
      maxWorkersForPullImage: -1,
      restConfigQps: 0,
      restConfigBurst: 0,
      crrWorkers: 32,
      crrMinBackoffMs: 500,
      crrMaxBackoffMs: 50_000,
      crrMaxJitterMs: 5000,
      socketFile: '',
      featureGatesSpec: '',
      kubeconfig: '',
      verbosity: 0,
      logtostderr: true,
      dataDir: '/var/lib/kruised',
      nodeName: 'node-a',
      logFormat: 'json',
      eventLogFsync: 'group',
      eventLogCommitDelayMs: 5,
      eventLogSegmentBytes: 64 * 1024 * 1024,
      eventLogMaxBytes: 1024 ** 3,
      eventLogRetentionMs: 24 * 3600 * 1000,
      help: false,
      positionals: [],
      criEndpoint: '',
      criBaseTimeoutMs: 0,
      hostRunDir: '/hostvarrun',
    });
    expect(f.setFlags.size).toBe(0);
    expect(linux(['--cri-base-timeout=30s', '--cri-endpoint=unix:///run/containerd/containerd.sock']).criBaseTimeoutMs).toBe(30_000);
    expect(f.featureGates.enabled('KruiseDaemon')).toBe(true);
  });

  it('uses the ProgramData data directory and an empty node name on windows', () => {
    const f = windows([]);
    expect(f.dataDir).toBe('C:\\ProgramData\\kruised');
    expect(f.nodeName).toBe('');
    expect(f.socketFile).toBe('');
    expect(f.hostRunDir).toBe('');
  });

  it('lets --node-name override the NODE_NAME environment variable', () => {
    expect(linux(['--node-name=b'], { NODE_NAME: 'a' }).nodeName).toBe('b');
  });
});

describe('parseDaemonFlags defaults from the platform profile', () => {
  it("takes the Windows profile's host paths on this Linux machine: data dir, and upstream's plugin paths pinned to the system drive", () => {
    const f = windows([], { SystemDrive: 'D:' });
    expect(f.dataDir).toBe(platformProfile('windows', seams({ SystemDrive: 'D:' })).hostPaths.dataDir);
    expect(f.pluginConfigFile).toBe('D:\\kruise\\CredentialProviderPlugin.yaml');
    expect(f.pluginBinDir).toBe('D:\\kruise\\plugins');
    expect(linux([]).pluginConfigFile).toBe('/kruise/CredentialProviderPlugin.yaml');
  });

  it("follows the profile it is given, so flags.ts keeps no copy of a platform's defaults", () => {
    const base = platformProfile('linux', seams({}));
    const profile = { ...base, hostPaths: { ...base.hostPaths, dataDir: '/srv/kruised', hostRunDir: '/mnt/run' }, cri: { ...base.cri, socketFileFlag: false } };
    const f = parseDaemonFlags([], { platform: profile, env: {} });
    expect([f.dataDir, f.hostRunDir]).toEqual(['/srv/kruised', '/mnt/run']);
    expect(errorOf(() => parseDaemonFlags(['--socket-file=x.sock'], { platform: profile, env: {} })).message).toMatch(/^unknown flag: --socket-file/);
    const noRunDir = { ...base, hostPaths: { ...base.hostPaths, hostRunDir: null } };
    expect(errorOf(() => parseDaemonFlags(['--host-run-dir=/x'], { platform: noRunDir, env: {} })).message).toBe('unknown flag: --host-run-dir');
  });

  it('registers neither --socket-file nor --host-run-dir under the Windows profile', () => {
    expect(errorOf(() => windows(['--host-run-dir=/hostvarrun'])).message).toBe('unknown flag: --host-run-dir');
    expect(linux(['--host-run-dir=/var/run']).hostRunDir).toBe('/var/run');
  });
});

describe('parseDaemonFlags with real deployment arguments', () => {
  it('parses the helm chart argument list to the values the chart means', () => {
    const f = linux([
      '--logtostderr=true',
      '--v=4',
      '--addr=:10221',
      '--feature-gates=ImagePullJobGate=true',
      '--socket-file=',
      '--enable-pprof=true',
      '--pprof-addr=localhost:10222',
    ]);
    expect(f.logtostderr).toBe(true);
    expect(f.verbosity).toBe(4);
    expect(f.addr).toBe(':10221');
    expect(f.featureGates.enabled('ImagePullJobGate')).toBe(true);
    expect(f.featureGates.explicit.get('ImagePullJobGate')).toBe(true);
    expect(f.socketFile).toBe('');
    expect(f.enablePprof).toBe(true);
    expect(f.pprofAddr).toBe('localhost:10222');
    expect([...f.setFlags].sort()).toEqual(['addr', 'enable-pprof', 'feature-gates', 'logtostderr', 'pprof-addr', 'socket-file', 'v']);
  });

  it('parses the kustomize argument list with all gates on and two pull workers', () => {
    const f = linux(['--feature-gates=AllAlpha=true,AllBeta=true', '--max-workers-for-pull-image=2']);
    expect(f.maxWorkersForPullImage).toBe(2);
    expect(f.featureGates.enabled('SidecarTerminator')).toBe(true);
    expect(f.featureGates.enabled('PreDownloadImageForDaemonSetUpdate')).toBe(true);
    expect(Object.values(f.featureGates.all()).every(Boolean)).toBe(true);
  });

  it('accumulates repeated --feature-gates flags like the upstream gate flag does', () => {
    const f = linux(['--feature-gates=SidecarTerminator=true', '--feature-gates', 'KruiseDaemon=false']);
    expect(f.featureGatesSpec).toBe('SidecarTerminator=true,KruiseDaemon=false');
    expect(f.featureGates.explicit.get('SidecarTerminator')).toBe(true);
    expect(f.featureGates.enabled('SidecarTerminator')).toBe(false); // KruiseDaemon=false cascade
  });
});

describe('parseDaemonFlags syntax', () => {
  it('accepts space-separated values and single-dash flags as Go does', () => {
    const f = linux(['--addr', ':9000', '-pprof-addr=:9001', '-kubeconfig', '/k', '-v', '6']);
    expect([f.addr, f.pprofAddr, f.kubeconfig, f.verbosity]).toEqual([':9000', ':9001', '/k', 6]);
  });

  it('does not let a bare bool flag consume a following false', () => {
    const f = linux(['--enable-pprof', 'false']);
    expect(f.enablePprof).toBe(true);
    expect(f.positionals).toEqual(['false']);
  });

  it('parses bool values with = in any Go ParseBool spelling and rejects others', () => {
    expect(linux(['--enable-pprof=false']).enablePprof).toBe(false);
    expect(linux(['-enable-pprof=0']).enablePprof).toBe(false);
    expect(linux(['--logtostderr=F']).logtostderr).toBe(false);
    expect(errorOf(() => linux(['--enable-pprof=nope'])).message).toContain('"nope" for "--enable-pprof"');
  });

  it('treats everything after -- as positionals and keeps parsing flags after a positional', () => {
    const f = linux(['extra', '--addr=:1', '--', '--addr=:2', '-v']);
    expect(f.addr).toBe(':1');
    expect(f.positionals).toEqual(['extra', '--addr=:2', '-v']);
  });

  it('lets the last occurrence of a repeated flag win', () => {
    expect(linux(['--addr=:1', '--addr=:2']).addr).toBe(':2');
  });

  it('fails on an unknown flag with the pflag message', () => {
    const err = errorOf(() => linux(['--foo=1']));
    expect(err).toBeInstanceOf(FlagError);
    expect(err.name).toBe('FlagError');
    expect(err.message).toBe('unknown flag: --foo');
    expect(errorOf(() => linux(['-foo'])).message).toBe('unknown flag: -foo');
  });

  it('fails when a value-taking flag has no value', () => {
    expect(errorOf(() => linux(['--addr'])).message).toBe('flag needs an argument: --addr');
  });

  it('rejects --socket-file on windows because the upstream windows binary lacks it', () => {
    const err = errorOf(() => windows(['--socket-file=containerd.sock']));
    expect(err).toBeInstanceOf(FlagError);
    expect(err.message).toMatch(/^unknown flag: --socket-file/);
    expect(linux(['--socket-file', 'crio.sock']).socketFile).toBe('crio.sock');
  });

  it('reports -h and --help instead of failing', () => {
    expect(linux(['--help']).help).toBe(true);
    expect(linux(['-h']).help).toBe(true);
  });
});

describe('parseDaemonFlags value checks', () => {
  it('rejects non-integers for integer flags, naming the flag and the value', () => {
    for (const bad of ['abc', '1.5', '', '10MB']) {
      const err = errorOf(() => linux([`--max-workers-for-pull-image=${bad}`]));
      expect(err).toBeInstanceOf(FlagError);
      expect(err.message).toContain(`${JSON.stringify(bad)} for "--max-workers-for-pull-image"`);
    }
  });

  it('accepts the integer forms Go flag.Int accepts', () => {
    expect(linux(['--rest-config-qps=0x10']).restConfigQps).toBe(16);
    expect(linux(['--rest-config-burst=1_000']).restConfigBurst).toBe(1000);
    expect(linux(['--max-workers-for-pull-image=-3']).maxWorkersForPullImage).toBe(-3);
    expect(() => linux(['--rest-config-burst=_1'])).toThrow(FlagError);
  });

  it('accepts the common klog flags in both underscore and dash spellings and validates their kinds', () => {
    const f = linux([
      '--alsologtostderr',
      '--log_dir=/tmp',
      '--log-dir',
      '/tmp',
      '--log-file=/x',
      '--stderrthreshold=INFO',
      '--vmodule=foo=2',
      '--skip-headers',
      '--one_output=true',
      '--add-dir-header',
      '--log-file-max-size=100',
      '--skip-log-headers',
      '--log_backtrace_at=main.go:10',
    ]);
    expect(f.setFlags.has('log_dir')).toBe(true);
    expect(() => linux(['--stderrthreshold=LOUD'])).toThrow(/stderrthreshold/);
    expect(() => linux(['--log-file-max-size=-1'])).toThrow(/log-file-max-size|log_file_max_size/);
  });

  it('reports an unknown feature gate through --feature-gates', () => {
    expect(errorOf(() => linux(['--feature-gates=Foo=true'])).message).toContain('unrecognized feature gate: Foo');
  });

  it('validates kruised enum and size flags', () => {
    expect(linux(['--log-format=pretty', '--event-log-fsync=always']).logFormat).toBe('pretty');
    expect(() => linux(['--log-format=text'])).toThrow(/expected one of json, pretty/);
    expect(() => linux(['--event-log-fsync=never'])).toThrow(/group, always/);
    expect(() => linux(['--event-log-segment-bytes=0'])).toThrow(/must be > 0/);
    expect(linux(['--event-log-commit-delay=0']).eventLogCommitDelayMs).toBe(0);
  });

  it('parses --event-log-retention and CRR backoffs as Go durations', () => {
    expect(linux(['--event-log-retention=90m']).eventLogRetentionMs).toBe(5_400_000);
    expect(linux(['--event-log-retention', '1h30m']).eventLogRetentionMs).toBe(5_400_000);
    expect(linux(['--crr-max-backoff=2m']).crrMaxBackoffMs).toBe(120_000);
    expect(errorOf(() => linux(['--event-log-retention=1d'])).message).toContain('unknown unit "d"');
  });
});

describe('parseDaemonFlags: the CRR controller flags', () => {
  it('takes upstream meanings and any sensible value', () => {
    expect(linux(['--crr-workers=1', '--crr-min-backoff=2s', '--crr-max-backoff=2s'])).toMatchObject({
      crrWorkers: 1,
      crrMinBackoffMs: 2000,
      crrMaxBackoffMs: 2000,
    });
    expect(linux(['--crr-min-backoff=100ms', '--crr-max-backoff=1h'])).toMatchObject({ crrMinBackoffMs: 100, crrMaxBackoffMs: 3_600_000 });
  });

  it.each([
    [['--crr-workers=0'], 'invalid argument "0" for "--crr-workers" flag: must be greater than 0'],
    [['--crr-workers=-4'], 'invalid argument "-4" for "--crr-workers" flag: must be greater than 0'],
    [['--crr-min-backoff=0s'], 'invalid argument "0s" for "--crr-min-backoff" flag: must be greater than 0'],
    [['--crr-min-backoff=-1s'], 'invalid argument "-1s" for "--crr-min-backoff" flag: must be greater than 0'],
    [['--crr-min-backoff=1m', '--crr-max-backoff=30s'], 'invalid argument "30s" for "--crr-max-backoff" flag: must not be below --crr-min-backoff (1m)'],
    [['--crr-min-backoff=2m'], 'invalid argument "50s" for "--crr-max-backoff" flag: must not be below --crr-min-backoff (2m)'],
    [['--crr-max-backoff=720h'], 'invalid argument "720h" for "--crr-max-backoff" flag: must be at most 596h31m23.647s'],
  ])('refuses %j', (args, message) => {
    const err = errorOf(() => linux(args));
    expect(err).toBeInstanceOf(FlagError);
    expect(err.message).toBe(message);
  });
});

describe('parseGoDuration', () => {
  it('converts Go duration strings to milliseconds', () => {
    expect(parseGoDuration('24h')).toBe(86_400_000);
    expect(parseGoDuration('1h30m')).toBe(5_400_000);
    expect(parseGoDuration('30s')).toBe(30_000);
    expect(parseGoDuration('1.5s')).toBe(1500);
    expect(parseGoDuration('300ms')).toBe(300);
    expect(parseGoDuration('2us')).toBeCloseTo(0.002);
    expect(parseGoDuration('2µs')).toBeCloseTo(0.002);
    expect(parseGoDuration('500ns')).toBeCloseTo(0.0005);
    expect(parseGoDuration('-1m')).toBe(-60_000);
    expect(parseGoDuration('0')).toBe(0);
  });

  it('rejects malformed durations with Go-style messages', () => {
    expect(() => parseGoDuration('')).toThrow('time: invalid duration ""');
    expect(() => parseGoDuration('10')).toThrow('time: missing unit in duration "10"');
    expect(() => parseGoDuration('1d')).toThrow('time: unknown unit "d" in duration "1d"');
    expect(() => parseGoDuration('h')).toThrow('time: invalid duration "h"');
    expect(() => parseGoDuration('.s')).toThrow(FlagError);
  });
});

describe('daemonFlagsHelp', () => {
  it('lists every flag with its default and drops --socket-file on windows', () => {
    const text = daemonFlagsHelp('linux');
    expect(text).toMatch(/--addr string\s+.*\(default ":10221"\)/);
    expect(text).toMatch(/--socket-file string/);
    expect(text).toMatch(/--event-log-retention duration\s+.*\(default "24h"\)/);
    expect(text).toContain('(default "/var/lib/kruised")');
    const win = daemonFlagsHelp('windows');
    expect(win).not.toContain('--socket-file');
    expect(win).toContain('C:\\\\ProgramData\\\\kruised'); // JSON-quoted default
  });
});

describe('flags kruised accepts but does not act on', () => {
  const CHART_ARGS = [
    '--logtostderr=true',
    '--v=4',
    '--addr=:10221',
    '--feature-gates=ImagePullJobGate=true',
    '--socket-file=',
    '--enable-pprof=true',
    '--pprof-addr=localhost:10222',
  ];

  it("accepts the upstream chart's arguments without a warning", () => {
    expect(linux(CHART_ARGS).warnings).toEqual([]);
  });

  it("warns about the chart's credential-provider arguments: kruised runs no plugins", () => {
    const f = linux([
      ...CHART_ARGS,
      '--plugin-config-file=/credential-provider-config/CredentialProviderPlugin.yaml',
      '--plugin-bin-dir=/credential-provider-plugin',
    ]);
    expect(f.pluginConfigFile).toBe('/credential-provider-config/CredentialProviderPlugin.yaml');
    expect(f.warnings.map((w) => w.flag)).toEqual(['plugin-config-file', 'plugin-bin-dir']);
    expect(f.warnings[0]?.message).toBe(
      '--plugin-config-file=/credential-provider-config/CredentialProviderPlugin.yaml is accepted for compatibility with kruise-daemon and ignored: ' +
        'kruised does not run kubelet credential-provider plugins: images are pulled with the pull secrets the NodeImage names, so an image that needs a plugin (ECR, ACR, GCR tokens) fails to pull',
    );
  });

  it('warns about klog options set to anything but their defaults, and about --logtostderr=false', () => {
    const f = linux(['--log_dir=/var/log/kruise', '--skip-headers', '--stderrthreshold=error', '--logtostderr=false', '--alsologtostderr=false']);
    expect(f.warnings.map((w) => w.flag)).toEqual(['logtostderr', 'log_dir', 'skip_headers']);
    expect(f.warnings[0]?.message).toContain('--logtostderr=false is accepted for compatibility with kruise-daemon and ignored: kruised always logs to stdout');
    expect(f.warnings[1]?.message).toContain('--log_dir=/var/log/kruise is accepted');
  });

  it('warns about positional arguments, which upstream ignores silently, and says how a bool takes a value', () => {
    const f = linux(['--enable-pprof', 'false']);
    expect(f.enablePprof).toBe(true);
    expect(f.warnings).toEqual([
      {
        flag: undefined,
        message: 'kruised run takes no positional arguments; ignored: "false" (a bool flag takes its value after =, as in --enable-pprof=false)',
      },
    ]);
  });

  it('refuses a --crr-max-jitter-ms other than the default, and accepts the default spelled out', () => {
    expect(linux(['--crr-max-jitter-ms=5000']).warnings).toEqual([]);
    const err = errorOf(() => linux(['--crr-max-jitter-ms=100']));
    expect(err).toBeInstanceOf(FlagError);
    expect(err.message).toBe(
      '--crr-max-jitter-ms=100 is not supported by kruised: ' +
        'crrPod\'s retry backoff has no jitter: a machine decides from its logged events alone, so a replay decides the same; leave it at its default ("5000")',
    );
  });

  it('marks ignored and default-only flags in --help', () => {
    const text = daemonFlagsHelp('linux');
    expect(text).toMatch(/--plugin-bin-dir string\s+.*\[accepted, ignored\]$/m);
    expect(text).toMatch(/--crr-max-jitter-ms int\s+.*\[only the default is accepted\]$/m);
    expect(text).toMatch(/--addr string\s+.*\(default ":10221"\)$/m);
  });
});
