// The platform profile: everything kruised does differently on Linux and Windows nodes, behind one
// interface (shared/spec/windows.md §6; ARCHITECTURE.md §6). The daemon picks one profile at
// start (`platformProfile('linux' | 'windows', seams?)` in index.ts) and hands it down; nothing
// else in the tree branches on the OS. Both profiles are plain data plus functions over injected
// seams, so the Windows profile runs on a Linux CI machine with `path.win32`, a fake fs and a
// fake process emitter.
import type { PlatformPath } from 'node:path';

export type PlatformOs = 'linux' | 'windows';

// ---------------------------------------------------------------------------------------------
// Seams (the outside world the profile touches). Node's own modules satisfy them; tests pass fakes.

/** The subset of `FileHandle` (node:fs/promises) an atomic write uses. */
export interface PlatformFileHandle {
  writeFile(data: string | Uint8Array): Promise<void>;
  sync(): Promise<void>;
  chmod(mode: number): Promise<void>;
  close(): Promise<void>;
}

/** The subset of node:fs/promises the profile uses. */
export interface PlatformFs {
  open(path: string, flags: string, mode?: number): Promise<PlatformFileHandle>;
  rename(from: string, to: string): Promise<void>;
  rm(path: string, options: { force: boolean }): Promise<void>;
  chmod(path: string, mode: number): Promise<void>;
}

/** One program and its argv, run without a shell. */
export interface CommandLine {
  readonly file: string;
  readonly args: readonly string[];
}

export interface RunResult {
  /** Null when the process was ended by a signal (Linux) instead of exiting. */
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a program without a shell (`icacls.exe`, `taskkill.exe`). Never used on Linux. */
export type ProcessRunner = (command: CommandLine) => Promise<RunResult>;

/** What shutdown hooks need of `process`: an event emitter. */
export interface SignalSource {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
}

export interface PlatformSeams {
  readonly fs?: PlatformFs;
  readonly run?: ProcessRunner;
  readonly process?: SignalSource;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Unique part of an atomic write's temporary file name; default `<pid>-<8 hex>`. */
  readonly tempSuffix?: () => string;
  /** Rename retry policy for Windows atomic writes; see atomic-write.ts for the defaults. */
  readonly renameRetry?: Partial<RenameRetryPolicy>;
  /** The host's OS release and architecture; default Node's `os.release()` and `process.arch`. */
  readonly host?: HostSeam;
}

// ---------------------------------------------------------------------------------------------
// Paths

export interface HostPaths {
  /** kruised's state: event log, snapshots. */
  readonly dataDir: string;
  readonly kubeletRoot: string;
  readonly kubeletPodsDir: string;
  readonly kubeletPluginRegistryDir: string;
  /** Where the kubelet writes container logs: `<dir>/<ns>_<pod>_<uid>/<container>/<restart>.log`. */
  readonly podLogsDir: string;
  /** The host's /var/run as mounted into the daemon pod, or null when the runtime is not reached through a mount (Windows: the pipe is opened by its host name). */
  readonly hostRunDir: string | null;
  /** Upstream's `--plugin-config-file` / `--plugin-bin-dir` defaults, pinned to a drive on Windows. */
  readonly credentialProviderConfigFile: string;
  readonly credentialProviderBinDir: string;
  /** Suffix of executables (credential-provider plugins): '' or '.exe'. */
  readonly executableSuffix: string;
}

/** Where an in-cluster service-account token may be, for client-node's `loadFromCluster(prefix)`. */
export interface ServiceAccountCandidate {
  /** Passed to `KubeConfig.loadFromCluster(prefix)`; '' on Linux. */
  readonly prefix: string;
  /** The token file as a host path, to probe for existence. */
  readonly tokenFile: string;
  readonly why: string;
}

export interface PathOps {
  /** `path.posix` or `path.win32`: use this, never the host's `node:path`, for host paths. */
  readonly impl: PlatformPath;
  readonly sep: '/' | '\\';
  join(...parts: string[]): string;
  /** Equal as host paths: case-insensitive and separator-insensitive on Windows; exact after normalisation on Linux. */
  samePath(a: string, b: string): boolean;
  /** `child` is `parent` or lies under it (same comparison rules as samePath). */
  isWithin(parent: string, child: string): boolean;
  /** Absolute and anchored: `/x` on Linux; `C:\x` or a UNC path on Windows (`\x` is drive-relative, `C:x` cwd-relative). */
  isFullyQualified(p: string): boolean;
  /** Pins a drive-relative `/var/...` to the system drive on Windows; identity on Linux. */
  pinToSystemDrive(p: string): string;
  /** `\\?\C:\...` long-path form on Windows; identity on Linux. */
  toLongPath(p: string): string;
  /** Kubelet's container log file path. */
  podLogPath(namespace: string, pod: string, podUid: string, container: string, restartCount: number): string;
  /** Service-account token locations to probe, in order. */
  serviceAccountCandidates(): readonly ServiceAccountCandidate[];
}

// ---------------------------------------------------------------------------------------------
// CRI defaults (names only: parsing, dialing and probing live in adapters/cri)

export interface CriEndpointCandidate {
  /** Informational, as upstream: 'containerd' or 'common-cri'. */
  readonly type: 'containerd' | 'common-cri';
  /** The kubelet-style endpoint URI handed to adapters/cri. */
  readonly uri: string;
  /** File to stat before trying the candidate, or null when it must not be stat-ed (a named pipe). */
  readonly statPath: string | null;
}

export interface CriDefaults {
  /**
   * Candidates in upstream order. Linux: the `--socket-file` candidate alone when given, else the
   * six /hostvarrun sockets (each kept only if its statPath exists). Windows: the one containerd pipe.
   * `endpoint` (a kruised extension) replaces them all with one candidate on either OS.
   */
  endpointCandidates(options?: { socketFile?: string; endpoint?: string; hostRunDir?: string }): readonly CriEndpointCandidate[];
  /** Whether upstream registers `--socket-file` on this OS. */
  readonly socketFileFlag: boolean;
  /** Base per-call timeout (ListContainers, ContainerStatus, Version) and the add-on for StopContainer/ExecSync deadlines. */
  readonly baseTimeoutMs: number;
  /** Error codes that mean "runtime gone, reconnect with backoff" rather than a request failure. */
  readonly reconnectErrorCodes: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// Exec shaping

export interface ExecShaping {
  /** The command that prints the container's environment, one NAME=value per line. */
  readonly envCommand: readonly string[];
  /** Wraps a script for the container's default shell (`sh -c` / `cmd /c`). ExecSync has no shell of its own. */
  shell(script: string): readonly string[];
  /** Wraps a script for PowerShell, or null where there is none to assume (Linux images). */
  readonly powershell: ((script: string) => readonly string[]) | null;
  /** Prints a file inside the container (`cat` / `cmd /c type`). */
  readFile(path: string): readonly string[];
  /** Environment variable names compare case-insensitively (Windows). */
  readonly envNamesCaseInsensitive: boolean;
}

// ---------------------------------------------------------------------------------------------
// Exit codes and output

export interface ExitCodeInfo {
  /** As received over CRI (int32). */
  readonly raw: number;
  /** `raw >>> 0`: NTSTATUS values are unsigned. */
  readonly unsigned: number;
  /** `0x` + 8 upper-case hex digits of `unsigned`. */
  readonly hex: string;
  /** Symbolic name (STATUS_CONTROL_C_EXIT, SIGKILL, …) when known. */
  readonly name?: string;
  readonly meaning?: string;
  /** Linux only: the signal behind a 128+n exit code. */
  readonly signal?: { readonly name: string; readonly number: number };
  /** Exit 0 only; every non-zero value is a failure on both OSes. */
  readonly success: boolean;
}

export interface ExitCodes {
  describe(raw: number): ExitCodeInfo;
  /** One line for logs, events and status messages, e.g. `exit code 0xC000013A STATUS_CONTROL_C_EXIT (…)`. */
  message(raw: number): string;
}

export interface OutputShaping {
  /** Line ending the node's programs write. */
  readonly lineEnding: '\n' | '\r\n';
  /** Decodes exec stdout/stderr bytes (BOM-aware on Windows). */
  decode(bytes: Uint8Array): string;
  /** For text copied into status (probe messages): CRLF → LF on Windows; byte-exact on Linux, as upstream copies stdout verbatim. */
  normalise(text: string): string;
  /** Splits into lines on `\r?\n` (both OSes), without a trailing empty line. */
  lines(text: string): string[];
  /** For kruised's own log lines and events (both OSes): CRLF → LF, trailing newlines removed. */
  message(text: string): string;
}

// ---------------------------------------------------------------------------------------------
// Files and permissions

export interface RenameRetryPolicy {
  /** Total rename attempts, the first included. */
  readonly maxAttempts: number;
  readonly firstDelayMs: number;
  readonly maxDelayMs: number;
  /** Error codes retried. */
  readonly retryCodes: readonly string[];
}

export interface AtomicWriteOptions {
  /** File mode on Linux (default 0o600). Ignored on Windows, where chmod only toggles the read-only bit: use permissions.restrict. */
  readonly mode?: number;
}

export type PermissionTarget = 'directory' | 'file';

export type PermissionPlan =
  | { readonly kind: 'chmod'; readonly path: string; readonly mode: number }
  | { readonly kind: 'icacls'; readonly command: CommandLine };

export interface Permissions {
  /** What `restrict` would do, as data (tests assert this; nothing runs). */
  plan(path: string, target: PermissionTarget): PermissionPlan;
  /** Makes a path readable by the node's administrators only (root; SYSTEM + Administrators). */
  restrict(path: string, target: PermissionTarget): Promise<void>;
}

export interface Files {
  /** Temp file + fsync + rename (+ dir fsync on Linux; bounded rename retry on Windows). */
  writeAtomic(path: string, data: string | Uint8Array, options?: AtomicWriteOptions): Promise<void>;
  readonly renameRetry: RenameRetryPolicy | null;
  readonly fsyncsDirectory: boolean;
  /** A file name from any string (image refs, IDs): legal on both OSes, case-fold unique, reversible. */
  encodeFileName(name: string): string;
  decodeFileName(encoded: string): string;
}

// ---------------------------------------------------------------------------------------------
// Stop and signals

export interface StopSemantics {
  /** How a pod stop reaches the daemon. */
  readonly kind: 'signal-then-kill' | 'crash';
  /** Signal Node receives on StopContainer, or null when none reaches JS (Windows CTRL_SHUTDOWN_EVENT). */
  readonly stopSignal: 'SIGTERM' | null;
  /** What ends the process when the handler does not. */
  readonly forcedBy: string;
  /** Signals the shutdown hooks listen for. */
  readonly hookedSignals: readonly string[];
  /** Whether a synchronous last-chance hook is registered on process 'exit'. */
  readonly hooksExit: boolean;
  /** Always true: correctness never depends on a hook running (crash-only design). */
  readonly crashOnly: true;
  readonly summary: string;
}

export interface ShutdownHandlers {
  /** A shutdown signal arrived; start an orderly stop. Called once per delivery. */
  onSignal(signal: string): void;
  /** Synchronous last chance on process 'exit' (Windows only; best effort, may never run). */
  onExit?(code: number): void;
}

export interface ShutdownRegistration {
  /** Event names registered, in order. */
  readonly events: readonly string[];
  dispose(): void;
}

// ---------------------------------------------------------------------------------------------
// Child processes and images

export interface ChildProcessRules {
  /** Options for `spawn`: no shell, and no console window on Windows. */
  readonly spawnOptions: { readonly shell: false; readonly windowsHide: boolean };
  /** Throws for programs Node cannot spawn without a shell here (`.cmd`/`.bat` on Windows, CVE-2024-27980). */
  assertSpawnable(file: string): void;
  /** Kills a process tree; null on Linux (signal the process group with `process.kill(-pid)` instead). */
  killTreeCommand(pid: number): CommandLine | null;
}

/** What the node runs, as image platforms name it (image-platform.ts `platformVerdict`). */
export interface HostPlatform {
  readonly os: 'linux' | 'windows';
  /** OCI architecture (`amd64`, `arm64`). */
  readonly architecture: string;
  /** `10.0.<build>` on Windows; '' when unknown or not compared (Linux). */
  readonly osVersion: string;
}

/** The host facts a profile reads to name its platform: Node's `os.release()` and `process.arch`. */
export interface HostSeam {
  release(): string;
  readonly arch: string;
}

export interface ImagePlatformRules {
  /** `os` of manifest-list entries to pull on this node. */
  readonly imageOs: 'linux' | 'windows';
  /** Node label carrying the host build (`10.0.20348`), or null. */
  readonly nodeBuildLabel: string | null;
  /** Whether an image entry's `os.version` can run on a host of `hostOsVersion` (containerd/platforms rules). */
  osVersionCompatible(hostOsVersion: string, imageOsVersion: string): boolean;
}

// ---------------------------------------------------------------------------------------------

/** The image platform of a node: the matching rules, and what the image puller does about them. */
export interface ImagePlatformProfile extends ImagePlatformRules {
  /**
   * Whether the image puller reads an image's platforms from its registry before the first pull
   * (windows.md §2.7): on Windows, containerd would otherwise download an image no entry of which
   * can run on the host build; on Linux it picks the entry itself.
   */
  readonly checkBeforePull: boolean;
  /** This host: os, OCI architecture and (Windows) the OS version `10.0.<build>` that containerd's matcher compares. */
  hostPlatform(): HostPlatform;
}

export interface PlatformProfile {
  readonly os: PlatformOs;
  readonly paths: PathOps;
  readonly hostPaths: HostPaths;
  readonly cri: CriDefaults;
  readonly exec: ExecShaping;
  readonly exitCodes: ExitCodes;
  readonly output: OutputShaping;
  readonly files: Files;
  readonly permissions: Permissions;
  readonly stopSemantics: StopSemantics;
  /** Registers the OS's shutdown listeners on the process seam. */
  shutdownHooks(handlers: ShutdownHandlers): ShutdownRegistration;
  readonly childProcess: ChildProcessRules;
  readonly image: ImagePlatformProfile;
}
