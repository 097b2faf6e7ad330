// kruise-daemon's command line, accepted the way the upstream Go binary accepts it, plus kruised's
// own flags. Unknown flags are fatal, exactly as upstream (pflag with ExitOnError). Every flag says
// what kruised does with it (`use`, the README's flag table): honoured; accepted for compatibility
// and ignored, with a warning when set to anything but its default; or refused (exit 2) unless it
// keeps its default. What differs between Linux and Windows (defaults, flags upstream registers on
// one OS only) comes from the platform profile.

import { platformProfile, type PlatformOs, type PlatformProfile } from '../adapters/platform/index.js';
import { parseInspectorUrl, parseLoopbackAddress } from '../inspect/addresses.js';
import { parseFeatureGates, type FeatureGates } from './feature-gates.js';
import { FlagError, parseGoBool, parseGoDuration, parseGoInt, scanArgs, type FlagKind, type ScanResult } from './flag-parse.js';

export { FlagError, parseGoDuration };

/** What the flags read from the platform profile: its OS, host paths and CRI defaults. */
export type FlagProfile = Pick<PlatformProfile, 'os' | 'hostPaths' | 'cri'>;
type Env = Readonly<Record<string, string | undefined>>;

/** What kruised does with an accepted flag; a flag without one is honoured. */
export type FlagUse =
  /** Accepted so kruise-daemon's arguments keep working; a value other than the default is logged as a warning. */
  | { readonly kind: 'ignored'; readonly why: string }
  /** Only the default is accepted; any other value is a usage error (exit 2). */
  | { readonly kind: 'defaultOnly'; readonly why: string };

interface FlagDef {
  readonly name: string;
  readonly kind: FlagKind;
  /** Default, as a raw flag value, or computed from the profile and the environment. */
  readonly def: string | ((profile: FlagProfile, env: Env) => string);
  readonly help: string;
  /** Registered only where this holds (upstream registers --socket-file on Linux only). */
  readonly registeredOn?: (profile: FlagProfile) => boolean;
  readonly aliases?: readonly string[];
  readonly use?: FlagUse;
}

const KLOG_IGNORED: FlagUse = { kind: 'ignored', why: 'kruised logs with pino (JSON lines, or --log-format=pretty, on stdout; level from --v), not klog' };
const PLUGINS_IGNORED: FlagUse = {
  kind: 'ignored',
  why: 'kruised does not run kubelet credential-provider plugins: images are pulled with the pull secrets the NodeImage names, so an image that needs a plugin (ECR, ACR, GCR tokens) fails to pull',
};
const KLOG_NOTE = 'A klog logging option.';

// Upstream flags first (cmd/daemon/main.go, criruntime factory_unix.go, component-base,
// controller-runtime, klog), then kruised's own.
const FLAGS: readonly FlagDef[] = [
  { name: 'addr', kind: 'string', def: ':10221', help: 'Address the metrics and healthz endpoint binds to.' },
  {
    name: 'pprof-addr',
    kind: 'string',
    def: ':10222',
    help: "Address the diagnostics endpoint binds to (Node's /debug/pprof/heap, a V8 heap snapshot, in Go pprof's place).",
  },
  { name: 'enable-pprof', kind: 'bool', def: 'true', help: 'Serve the diagnostics endpoint on --pprof-addr.' },
  {
    name: 'plugin-config-file',
    kind: 'string',
    def: (p) => p.hostPaths.credentialProviderConfigFile,
    help: 'Credential provider plugin config file.',
    use: PLUGINS_IGNORED,
  },
  {
    name: 'plugin-bin-dir',
    kind: 'string',
    def: (p) => p.hostPaths.credentialProviderBinDir,
    help: 'Directory of credential provider plugin binaries.',
    use: PLUGINS_IGNORED,
  },
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
  {
    name: 'crr-max-jitter-ms',
    kind: 'int',
    def: '5000',
    help: 'Maximum ContainerRecreateRequest retry jitter, in ms.',
    use: { kind: 'defaultOnly', why: "crrPod's retry backoff has no jitter: a machine decides from its logged events alone, so a replay decides the same" },
  },
  {
    name: 'socket-file',
    kind: 'string',
    def: '',
    registeredOn: (p) => p.cri.socketFileFlag,
    help: 'CRI socket file name inside the mounted /hostvarrun directory.',
  },
  { name: 'feature-gates', kind: 'string', def: '', help: 'Comma-separated Name=bool pairs for Kruise feature gates (repeatable).' },
  { name: 'kubeconfig', kind: 'string', def: '', help: 'Path to a kubeconfig; empty means in-cluster config.' },
  { name: 'v', kind: 'level', def: '0', help: 'Log verbosity: >= 4 logs debug, >= 6 logs trace.' },
  {
    name: 'logtostderr',
    kind: 'bool',
    def: 'true',
    help: 'Log to a standard stream instead of files (klog).',
    use: { kind: 'ignored', why: 'kruised always logs to stdout and writes no log files' },
  },
  { name: 'alsologtostderr', kind: 'bool', def: 'false', help: KLOG_NOTE, use: KLOG_IGNORED },
  { name: 'log_dir', aliases: ['log-dir'], kind: 'string', def: '', help: KLOG_NOTE, use: KLOG_IGNORED },
  { name: 'log_file', aliases: ['log-file'], kind: 'string', def: '', help: KLOG_NOTE, use: KLOG_IGNORED },
  { name: 'log_file_max_size', aliases: ['log-file-max-size'], kind: 'uint', def: '1800', help: KLOG_NOTE, use: KLOG_IGNORED },
  { name: 'stderrthreshold', kind: 'severity', def: 'ERROR', help: KLOG_NOTE, use: KLOG_IGNORED },
  { name: 'vmodule', kind: 'string', def: '', help: KLOG_NOTE, use: KLOG_IGNORED },
  { name: 'skip_headers', aliases: ['skip-headers'], kind: 'bool', def: 'false', help: KLOG_NOTE, use: KLOG_IGNORED },
  { name: 'skip_log_headers', aliases: ['skip-log-headers'], kind: 'bool', def: 'false', help: KLOG_NOTE, use: KLOG_IGNORED },
  { name: 'one_output', aliases: ['one-output'], kind: 'bool', def: 'false', help: KLOG_NOTE, use: KLOG_IGNORED },
  { name: 'add_dir_header', aliases: ['add-dir-header'], kind: 'bool', def: 'false', help: KLOG_NOTE, use: KLOG_IGNORED },
  { name: 'log_backtrace_at', aliases: ['log-backtrace-at'], kind: 'string', def: '', help: KLOG_NOTE, use: KLOG_IGNORED },
  {
    name: 'legacy_stderr_threshold_behavior',
    aliases: ['legacy-stderr-threshold-behavior'],
    kind: 'bool',
    def: 'true',
    help: KLOG_NOTE,
    use: KLOG_IGNORED,
  },
  { name: 'data-dir', kind: 'string', def: (p) => p.hostPaths.dataDir, help: 'kruised state directory (event log, snapshots).' },
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
    def: (p) => p.hostPaths.hostRunDir ?? '',
    registeredOn: (p) => p.hostPaths.hostRunDir !== null,
    help: "Where the host's /var/run is mounted; --socket-file and auto-detection look there.",
  },
  { name: 'node-name', kind: 'string', def: (_, env) => env.NODE_NAME ?? '', help: 'Name of this node.' },
  { name: 'log-format', kind: 'string', def: 'json', help: 'Log output format: json or pretty.' },
  { name: 'event-log-fsync', kind: 'string', def: 'group', help: 'Event log fsync policy: group (group commit) or always.' },
  { name: 'event-log-commit-delay', kind: 'int', def: '5', help: 'Group-commit delay for the event log, in ms.' },
  { name: 'event-log-segment-bytes', kind: 'int', def: String(64 * 1024 * 1024), help: 'Event log segment size, in bytes.' },
  { name: 'event-log-max-bytes', kind: 'int', def: String(1024 * 1024 * 1024), help: 'Total event log size cap, in bytes.' },
  { name: 'event-log-retention', kind: 'duration', def: '24h', help: 'How long event log segments are kept (Go duration).' },
  {
    name: 'inspect',
    kind: 'string',
    def: '',
    help: "Send the live actors to Stately's inspector at this ws:// URL (an inspector server on your laptop, through a tunnel; docs/inspect.md); empty = off.",
  },
  {
    name: 'actors-addr',
    kind: 'string',
    def: '',
    help: 'Loopback address (127.0.0.1:PORT) serving the live actors, redacted, to `kruised inspect --addr`; empty = off. Only loopback is accepted.',
  },
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
  /** kruised: a Stately inspector server's ws:// URL to send the live actors to; '' = off. */
  readonly inspect: string;
  /** kruised: loopback host:port of the live actor stream for `kruised inspect`; '' = off. */
  readonly actorsAddr: string;
  /** True when -h/--help was given; the caller prints daemonFlagsHelp() and exits 0. */
  readonly help: boolean;
  /** Canonical names of the flags given on the command line. */
  readonly setFlags: ReadonlySet<string>;
  readonly positionals: string[];
  /** Arguments accepted but not acted on (ignored flags set to other than their default, positionals): the caller logs each. */
  readonly warnings: readonly FlagWarning[];
}

export interface FlagWarning {
  /** Canonical flag name, or undefined for positional arguments. */
  readonly flag: string | undefined;
  readonly message: string;
}

/** A named OS gets that OS's profile (built over `env`); a caller holding the daemon's profile passes it. */
function profileOf(platform: PlatformOs | FlagProfile, env: Env): FlagProfile {
  return typeof platform === 'string' ? platformProfile(platform, { env }) : platform;
}

function flagsFor(profile: FlagProfile): FlagDef[] {
  return FLAGS.filter((f) => f.registeredOn?.(profile) ?? true);
}

function defaultFor(def: FlagDef, profile: FlagProfile, env: Env): string {
  return typeof def.def === 'string' ? def.def : def.def(profile, env);
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

/**
 * Parses `kruised run`'s arguments. `platform` is an OS name or the daemon's own profile; either
 * way the defaults and the flags registered per OS are the profile's. Throws FlagError (exit 2).
 */
export function parseDaemonFlags(argv: readonly string[], opts: { platform: PlatformOs | FlagProfile; env: Env }): DaemonFlags {
  const profile = profileOf(opts.platform, opts.env);
  const defs = flagsFor(profile);
  const byName = new Map<string, FlagDef>();
  for (const d of defs) for (const n of [d.name, ...(d.aliases ?? [])]) byName.set(n, d);

  let scan: ScanResult;
  try {
    scan = scanArgs(argv, (n) => {
      const d = byName.get(n);
      return d && { name: d.name, spec: d };
    });
  } catch (err) {
    if (err instanceof FlagError && !profile.cri.socketFileFlag && /^unknown flag: --?socket-file$/.test(err.message)) {
      throw new FlagError(`${err.message} (upstream kruise-daemon defines --socket-file only on Linux)`);
    }
    throw err;
  }

  const values = new Map<string, string | number | boolean>();
  const warnings: FlagWarning[] = [];
  for (const def of defs) {
    // Validate every occurrence (Go does; ignored klog flags too), the last one wins.
    const fallback = convert(def, defaultFor(def, profile, opts.env));
    const given = scan.values.get(def.name) ?? [];
    let out = fallback;
    for (const raw of given) out = convert(def, raw);
    values.set(def.name, out);
    if (def.use === undefined || out === fallback) continue;
    const setting = `--${def.name}=${given.at(-1)}`;
    if (def.use.kind === 'defaultOnly') {
      throw new FlagError(
        `${setting} is not supported by kruised: ${def.use.why}; leave it at its default (${JSON.stringify(defaultFor(def, profile, opts.env))})`,
      );
    }
    warnings.push({ flag: def.name, message: `${setting} is accepted for compatibility with kruise-daemon and ignored: ${def.use.why}` });
  }
  if (scan.positionals.length > 0) {
    const bools = scan.positionals.some((p) => parseGoBool(p) !== undefined) ? ' (a bool flag takes its value after =, as in --enable-pprof=false)' : '';
    warnings.push({
      flag: undefined,
      message: `kruised run takes no positional arguments; ignored: ${scan.positionals.map((p) => JSON.stringify(p)).join(' ')}${bools}`,
    });
  }
  const value = (name: string): string | number | boolean => {
    const v = values.get(name);
    if (v === undefined) throw new Error(`flag --${name} is not registered on ${profile.os}`);
    return v;
  };
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
  /** A string flag that is off when empty and otherwise must pass `check`. */
  const checked = (n: string, check: (value: string) => void): string => {
    const v = str(n);
    if (v === '') return v;
    try {
      check(v);
    } catch (err) {
      throw invalid(n, v, (err as Error).message);
    }
    return v;
  };
  const nonNegative = (n: string): number => {
    const v = num(n);
    if (v < 0) throw invalid(n, String(v), 'must be >= 0');
    return v;
  };
  const crr = crrFlags(num, (n) => scan.values.get(n)?.at(-1) ?? defaultFor(byName.get(n)!, profile, opts.env));

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
    socketFile: profile.cri.socketFileFlag ? str('socket-file') : '',
    featureGatesSpec,
    featureGates,
    kubeconfig: str('kubeconfig'),
    verbosity: num('v'),
    logtostderr: bool('logtostderr'),
    dataDir: str('data-dir'),
    criEndpoint: str('cri-endpoint'),
    criBaseTimeoutMs: nonNegative('cri-base-timeout'),
    hostRunDir: profile.hostPaths.hostRunDir !== null ? str('host-run-dir') : '',
    nodeName: str('node-name'),
    logFormat: oneOf('log-format', str('log-format'), ['json', 'pretty'] as const),
    eventLogFsync: oneOf('event-log-fsync', str('event-log-fsync'), ['group', 'always'] as const),
    eventLogCommitDelayMs: nonNegative('event-log-commit-delay'),
    eventLogSegmentBytes: positive('event-log-segment-bytes'),
    eventLogMaxBytes: positive('event-log-max-bytes'),
    eventLogRetentionMs: nonNegative('event-log-retention'),
    inspect: checked('inspect', (v) => void parseInspectorUrl(v)),
    actorsAddr: checked('actors-addr', (v) => void parseLoopbackAddress(v)),
    help: scan.help,
    setFlags: new Set(scan.values.keys()),
    positionals: scan.positionals,
    warnings,
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

export interface FlagSummary {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly kind: FlagKind;
  /** The default as shown to people: JSON-quoted, or `$NODE_NAME`. */
  readonly shownDefault: string;
  readonly help: string;
  readonly use: 'honoured' | FlagUse['kind'];
}

/** Every flag `kruised run` registers on this OS, as --help and the README's flag table describe it. */
export function daemonFlagSummaries(platform: PlatformOs | FlagProfile): FlagSummary[] {
  const profile = profileOf(platform, {});
  return flagsFor(profile).map((d) => ({
    name: d.name,
    aliases: d.aliases ?? [],
    kind: d.kind,
    shownDefault: d.name === 'node-name' ? '$NODE_NAME' : JSON.stringify(defaultFor(d, profile, {})),
    help: d.help,
    use: d.use?.kind ?? 'honoured',
  }));
}

const USE_NOTE: Readonly<Record<FlagSummary['use'], string>> = {
  honoured: '',
  ignored: ' [accepted, ignored]',
  defaultOnly: ' [only the default is accepted]',
};

/** Usage text: one line per flag with its value kind, meaning, default, and whether kruised acts on it. */
export function daemonFlagsHelp(platform: PlatformOs | FlagProfile): string {
  const profile = profileOf(platform, {});
  const rows = daemonFlagSummaries(profile).map((d) => {
    const names = [d.name, ...d.aliases].map((n) => `--${n}`).join(', ');
    const left = `  ${names}${KIND_LABEL[d.kind] ? ` ${KIND_LABEL[d.kind]}` : ''}`;
    return { left, right: `${d.help} (default ${d.shownDefault})${USE_NOTE[d.use]}` };
  });
  const width = Math.max(...rows.map((r) => r.left.length)) + 2;
  return [
    `Usage: kruised run [flags]   (${profile.os} build)`,
    '',
    'Flags accept --name=value, --name value, and single-dash -name forms; booleans take --name or --name=false.',
    'Flags marked [accepted, ignored] keep kruise-daemon command lines working; setting one logs a warning.',
    '',
    ...rows.map((r) => r.left.padEnd(width) + r.right),
    `${'  -h, --help'.padEnd(width)}Show this help.`,
    '',
  ].join('\n');
}
