// kruise-daemon's command line, accepted the way the upstream Go binary accepts it, plus kruised's
// own flags. Unknown flags are fatal, exactly as upstream (pflag with ExitOnError).

import { parseFeatureGates, type FeatureGates } from './feature-gates.js';
import { FlagError, parseGoBool, parseGoDuration, parseGoInt, scanArgs, type FlagKind } from './flag-parse.js';

export { FlagError, parseGoDuration };

export type Platform = 'linux' | 'windows';

interface FlagDef {
  readonly name: string;
  readonly kind: FlagKind;
  readonly def: string; // default, as a raw flag value (platform/env defaults filled in later)
  readonly help: string;
  readonly linuxOnly?: boolean;
  readonly aliases?: readonly string[];
}

const KLOG_NOTE = '(klog; accepted and ignored)';

// Upstream flags first (cmd/daemon/main.go, criruntime factory_unix.go, component-base,
// controller-runtime, klog), then kruised's own.
const FLAGS: readonly FlagDef[] = [
  { name: 'addr', kind: 'string', def: ':10221', help: 'Address the metrics and healthz endpoint binds to.' },
  { name: 'pprof-addr', kind: 'string', def: ':10222', help: 'Address the pprof endpoint binds to.' },
  { name: 'enable-pprof', kind: 'bool', def: 'true', help: 'Serve pprof-style diagnostics on --pprof-addr.' },
  { name: 'plugin-config-file', kind: 'string', def: '/kruise/CredentialProviderPlugin.yaml', help: 'Credential provider plugin config file.' },
  { name: 'plugin-bin-dir', kind: 'string', def: '/kruise/plugins', help: 'Directory of credential provider plugin binaries.' },
  { name: 'max-workers-for-pull-image', kind: 'int', def: '-1', help: 'Max concurrent image pulls; <= 0 means unlimited.' },
  { name: 'rest-config-qps', kind: 'int', def: '0', help: 'API client QPS; only a value > 0 overrides the client default.' },
  { name: 'rest-config-burst', kind: 'int', def: '0', help: 'API client burst; only a value > 0 overrides the client default.' },
  {
    name: 'crr-workers',
    kind: 'int',
    def: '32',
    help: 'Pods whose ContainerRecreateRequest work (status writes, runtime reads, kills and hooks) runs at once; > 0.',
  },
  {
    name: 'crr-min-backoff',
    kind: 'duration',
    def: '500ms',
    help: 'First ContainerRecreateRequest retry backoff after a failed write or runtime read; doubles each retry; > 0.',
  },
  { name: 'crr-max-backoff', kind: 'duration', def: '50s', help: 'Longest ContainerRecreateRequest retry backoff; >= --crr-min-backoff.' },
  { name: 'crr-max-jitter-ms', kind: 'int', def: '5000', help: 'Maximum ContainerRecreateRequest retry jitter, in ms.' },
  { name: 'socket-file', kind: 'string', def: '', linuxOnly: true, help: 'CRI socket file name inside the mounted /hostvarrun directory.' },
  { name: 'feature-gates', kind: 'string', def: '', help: 'Comma-separated Name=bool pairs for Kruise feature gates (repeatable).' },
  { name: 'kubeconfig', kind: 'string', def: '', help: 'Path to a kubeconfig; empty means in-cluster config.' },
  { name: 'v', kind: 'level', def: '0', help: 'Log verbosity: >= 4 logs debug, >= 6 logs trace.' },
  { name: 'logtostderr', kind: 'bool', def: 'true', help: 'Log to standard error instead of files (klog).' },
  { name: 'alsologtostderr', kind: 'bool', def: 'false', help: KLOG_NOTE },
  { name: 'log_dir', aliases: ['log-dir'], kind: 'string', def: '', help: KLOG_NOTE },
  { name: 'log_file', aliases: ['log-file'], kind: 'string', def: '', help: KLOG_NOTE },
  { name: 'log_file_max_size', aliases: ['log-file-max-size'], kind: 'uint', def: '1800', help: KLOG_NOTE },
  { name: 'stderrthreshold', kind: 'severity', def: 'ERROR', help: KLOG_NOTE },
  { name: 'vmodule', kind: 'string', def: '', help: KLOG_NOTE },
  { name: 'skip_headers', aliases: ['skip-headers'], kind: 'bool', def: 'false', help: KLOG_NOTE },
  { name: 'skip_log_headers', aliases: ['skip-log-headers'], kind: 'bool', def: 'false', help: KLOG_NOTE },
  { name: 'one_output', aliases: ['one-output'], kind: 'bool', def: 'false', help: KLOG_NOTE },
  { name: 'add_dir_header', aliases: ['add-dir-header'], kind: 'bool', def: 'false', help: KLOG_NOTE },
  { name: 'log_backtrace_at', aliases: ['log-backtrace-at'], kind: 'string', def: '', help: KLOG_NOTE },
  { name: 'legacy_stderr_threshold_behavior', aliases: ['legacy-stderr-threshold-behavior'], kind: 'bool', def: 'true', help: KLOG_NOTE },
  { name: 'data-dir', kind: 'string', def: '', help: 'kruised state directory (event log, snapshots).' },
  {
    name: 'cri-endpoint',
    kind: 'string',
    def: '',
    help: 'CRI endpoint (unix:///path or npipe://./pipe/name); replaces auto-detection. Upstream hard-wires the Windows pipe.',
  },
  {
    name: 'cri-base-timeout',
    kind: 'duration',
    def: '0s',
    help: 'Base deadline of CRI calls (StopContainer adds the grace, ExecSync its timeout); 0 = the OS default: 5s as upstream on Linux, 10s on Windows, whose stops and execs are slower.',
  },
  {
    name: 'host-run-dir',
    kind: 'string',
    def: '/hostvarrun',
    linuxOnly: true,
    help: "Where the host's /var/run is mounted; --socket-file and auto-detection look there.",
  },
  { name: 'node-name', kind: 'string', def: '', help: 'Name of this node (default: $NODE_NAME).' },
  { name: 'log-format', kind: 'string', def: 'json', help: 'Log output format: json or pretty.' },
  { name: 'event-log-fsync', kind: 'string', def: 'group', help: 'Event log fsync policy: group (group commit) or always.' },
  { name: 'event-log-commit-delay', kind: 'int', def: '5', help: 'Group-commit delay for the event log, in ms.' },
  { name: 'event-log-segment-bytes', kind: 'int', def: String(64 * 1024 * 1024), help: 'Event log segment size, in bytes.' },
  { name: 'event-log-max-bytes', kind: 'int', def: String(1024 * 1024 * 1024), help: 'Total event log size cap, in bytes.' },
  { name: 'event-log-retention', kind: 'duration', def: '24h', help: 'How long event log segments are kept (Go duration).' },
];

export interface DaemonFlags {
  readonly addr: string;
  readonly pprofAddr: string;
  readonly enablePprof: boolean;
  readonly pluginConfigFile: string;
  readonly pluginBinDir: string;
  readonly maxWorkersForPullImage: number;
  readonly restConfigQps: number;
  readonly restConfigBurst: number;
  readonly crrWorkers: number;
  readonly crrMinBackoffMs: number;
  readonly crrMaxBackoffMs: number;
  readonly crrMaxJitterMs: number;
  readonly socketFile: string;
  /** The raw `--feature-gates` values joined with ',' (the flag is cumulative, like upstream). */
  readonly featureGatesSpec: string;
  readonly featureGates: FeatureGates;
  readonly kubeconfig: string;
  readonly verbosity: number;
  readonly logtostderr: boolean;
  readonly dataDir: string;
  /** kruised: an explicit CRI endpoint, '' for upstream's discovery. */
  readonly criEndpoint: string;
  /** kruised: CRI base deadline in ms; 0 = the platform profile's. */
  readonly criBaseTimeoutMs: number;
  readonly hostRunDir: string;
  readonly nodeName: string;
  readonly logFormat: 'json' | 'pretty';
  readonly eventLogFsync: 'group' | 'always';
  readonly eventLogCommitDelayMs: number;
  readonly eventLogSegmentBytes: number;
  readonly eventLogMaxBytes: number;
  readonly eventLogRetentionMs: number;
  /** True when -h/--help was given; the caller prints daemonFlagsHelp() and exits 0. */
  readonly help: boolean;
  /** Canonical names of the flags given on the command line. */
  readonly setFlags: ReadonlySet<string>;
  readonly positionals: string[];
}

function flagsFor(platform: Platform): FlagDef[] {
  return FLAGS.filter((f) => platform === 'linux' || !f.linuxOnly);
}

function defaultFor(def: FlagDef, platform: Platform, env: Readonly<Record<string, string | undefined>>): string {
  if (def.name === 'data-dir') return platform === 'windows' ? 'C:\\ProgramData\\kruised' : '/var/lib/kruised';
  if (def.name === 'node-name') return env.NODE_NAME ?? '';
  return def.def;
}

const invalid = (name: string, raw: string, why: string): FlagError => new FlagError(`invalid argument ${JSON.stringify(raw)} for "--${name}" flag: ${why}`);

// Validates a raw value against its kind (so ignored klog flags still reject what klog rejects).
function convert(def: FlagDef, raw: string): string | number | boolean {
  switch (def.kind) {
    case 'string':
      return raw;
    case 'bool': {
      const b = parseGoBool(raw);
      if (b === undefined) throw invalid(def.name, raw, 'expected a boolean (true, false, 1, 0, t, f)');
      return b;
    }
    case 'int':
    case 'uint': {
      const n = parseGoInt(raw, def.kind === 'uint');
      if (n === undefined) {
        throw invalid(def.name, raw, def.kind === 'uint' ? 'expected a non-negative integer' : 'expected an integer');
      }
      return n;
    }
    case 'level': {
      const n = /^[+-]?\d+$/.test(raw) ? Number(raw) : NaN; // klog: strconv.ParseInt(v, 10, 32)
      if (!Number.isInteger(n) || n < -(2 ** 31) || n > 2 ** 31 - 1) throw invalid(def.name, raw, 'expected a decimal integer');
      return n;
    }
    case 'severity':
      if (!/^(INFO|WARNING|ERROR|FATAL|[0-3])$/i.test(raw)) {
        throw invalid(def.name, raw, 'expected INFO, WARNING, ERROR, FATAL or 0-3');
      }
      return raw.toUpperCase();
    case 'duration':
      try {
        return parseGoDuration(raw);
      } catch (err) {
        throw invalid(def.name, raw, (err as Error).message);
      }
  }
}

function oneOf<T extends string>(name: string, raw: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(raw)) return raw as T;
  throw invalid(name, raw, `expected one of ${allowed.join(', ')}`);
}

export function parseDaemonFlags(argv: readonly string[], opts: { platform: Platform; env: Readonly<Record<string, string | undefined>> }): DaemonFlags {
  const defs = flagsFor(opts.platform);
  const byName = new Map<string, FlagDef>();
  for (const d of defs) for (const n of [d.name, ...(d.aliases ?? [])]) byName.set(n, d);

  let scan;
  try {
    scan = scanArgs(argv, (n) => {
      const d = byName.get(n);
      return d && { name: d.name, spec: d };
    });
  } catch (err) {
    if (err instanceof FlagError && opts.platform === 'windows' && /^unknown flag: --?socket-file$/.test(err.message)) {
      throw new FlagError(`${err.message} (upstream kruise-daemon defines --socket-file only on Linux)`);
    }
    throw err;
  }

  const value = (name: string): string | number | boolean => {
    const def = byName.get(name)!;
    const given = scan.values.get(name);
    // Validate every occurrence (Go does), last one wins.
    let out = convert(def, defaultFor(def, opts.platform, opts.env));
    for (const raw of given ?? []) out = convert(def, raw);
    return out;
  };
  for (const def of defs) value(def.name); // validate ignored klog flags too
  const str = (n: string): string => value(n) as string;
  const num = (n: string): number => value(n) as number;
  const bool = (n: string): boolean => value(n) as boolean;

  const featureGatesSpec = (scan.values.get('feature-gates') ?? []).join(',');
  let featureGates: FeatureGates;
  try {
    featureGates = parseFeatureGates(featureGatesSpec);
  } catch (err) {
    throw invalid('feature-gates', featureGatesSpec, (err as Error).message);
  }

  const positive = (n: string): number => {
    const v = num(n);
    if (v <= 0) throw invalid(n, String(v), 'must be > 0');
    return v;
  };
  const nonNegative = (n: string): number => {
    const v = num(n);
    if (v < 0) throw invalid(n, String(v), 'must be >= 0');
    return v;
  };
  const crr = crrFlags(num, (n) => scan.values.get(n)?.at(-1) ?? byName.get(n)!.def);

  return Object.freeze({
    addr: str('addr'),
    pprofAddr: str('pprof-addr'),
    enablePprof: bool('enable-pprof'),
    pluginConfigFile: str('plugin-config-file'),
    pluginBinDir: str('plugin-bin-dir'),
    maxWorkersForPullImage: num('max-workers-for-pull-image'),
    restConfigQps: num('rest-config-qps'),
    restConfigBurst: num('rest-config-burst'),
    ...crr,
    crrMaxJitterMs: num('crr-max-jitter-ms'),
    socketFile: opts.platform === 'linux' ? str('socket-file') : '',
    featureGatesSpec,
    featureGates,
    kubeconfig: str('kubeconfig'),
    verbosity: num('v'),
    logtostderr: bool('logtostderr'),
    dataDir: str('data-dir'),
    criEndpoint: str('cri-endpoint'),
    criBaseTimeoutMs: nonNegative('cri-base-timeout'),
    hostRunDir: opts.platform === 'linux' ? str('host-run-dir') : '',
    nodeName: str('node-name'),
    logFormat: oneOf('log-format', str('log-format'), ['json', 'pretty'] as const),
    eventLogFsync: oneOf('event-log-fsync', str('event-log-fsync'), ['group', 'always'] as const),
    eventLogCommitDelayMs: nonNegative('event-log-commit-delay'),
    eventLogSegmentBytes: positive('event-log-segment-bytes'),
    eventLogMaxBytes: positive('event-log-max-bytes'),
    eventLogRetentionMs: nonNegative('event-log-retention'),
    help: scan.help,
    setFlags: new Set(scan.values.keys()),
    positionals: scan.positionals,
  });
}

/** The longest delay a timer holds (Node's setTimeout runs anything longer at once): 596h31m23.647s. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The CRR controller's flags, with upstream's meaning: --crr-workers pods worked on at once (upstream
 * refuses 0 and below: "crr-workers must be greater than 0"), and the retry backoff doubling from
 * --crr-min-backoff to --crr-max-backoff (client-go's ItemExponentialFailureRateLimiter). A backoff
 * of 0 would retry in a hot loop and a minimum above the maximum means nothing, so both are refused.
 */
function crrFlags(num: (name: string) => number, raw: (name: string) => string): Pick<DaemonFlags, 'crrWorkers' | 'crrMinBackoffMs' | 'crrMaxBackoffMs'> {
  const crrWorkers = num('crr-workers');
  if (crrWorkers <= 0) throw invalid('crr-workers', raw('crr-workers'), 'must be greater than 0');
  const crrMinBackoffMs = num('crr-min-backoff');
  if (crrMinBackoffMs <= 0) throw invalid('crr-min-backoff', raw('crr-min-backoff'), 'must be greater than 0');
  const crrMaxBackoffMs = num('crr-max-backoff');
  if (crrMaxBackoffMs < crrMinBackoffMs) {
    throw invalid('crr-max-backoff', raw('crr-max-backoff'), `must not be below --crr-min-backoff (${raw('crr-min-backoff')})`);
  }
  if (crrMaxBackoffMs > MAX_TIMER_MS) throw invalid('crr-max-backoff', raw('crr-max-backoff'), 'must be at most 596h31m23.647s');
  return { crrWorkers, crrMinBackoffMs, crrMaxBackoffMs };
}

const KIND_LABEL: Readonly<Record<FlagKind, string>> = {
  string: 'string',
  bool: '',
  int: 'int',
  uint: 'uint',
  duration: 'duration',
  level: 'level',
  severity: 'severity',
};

/** Usage text: one line per flag with its value kind, meaning and default. */
export function daemonFlagsHelp(platform: Platform): string {
  const rows = flagsFor(platform).map((d) => {
    const names = [d.name, ...(d.aliases ?? [])].map((n) => `--${n}`).join(', ');
    const left = `  ${names}${KIND_LABEL[d.kind] ? ` ${KIND_LABEL[d.kind]}` : ''}`;
    const def = d.name === 'data-dir' || d.name === 'node-name' ? defaultFor(d, platform, {}) : d.def;
    const shownDefault = d.name === 'node-name' ? '$NODE_NAME' : JSON.stringify(def);
    return { left, right: `${d.help} (default ${shownDefault})` };
  });
  const width = Math.max(...rows.map((r) => r.left.length)) + 2;
  return [
    `Usage: kruised run [flags]   (${platform} build)`,
    '',
    'Flags accept --name=value, --name value, and single-dash -name forms; booleans take --name or --name=false.',
    '',
    ...rows.map((r) => r.left.padEnd(width) + r.right),
    `${'  -h, --help'.padEnd(width)}Show this help.`,
    '',
  ].join('\n');
}
