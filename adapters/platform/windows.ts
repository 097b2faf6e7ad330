// The Windows profile: a HostProcess pod running as NT AUTHORITY\SYSTEM on a containerd node
// (windows.md §0, §3). Every function here runs on Linux too: paths go through path.win32, and the
// fs, process runner and signal source are seams.
import path from 'node:path';
import { windowsPermissions } from './acl.js';
import { createAtomicWriter, WINDOWS_RENAME_RETRY } from './atomic-write.js';
import { windowsChildProcess } from './child-process.js';
import { WINDOWS_RECONNECT_CODES, windowsEndpointCandidates } from './endpoints.js';
import { windowsExecShaping } from './exec-shaping.js';
import { windowsExitCodes } from './exit-codes.js';
import { decodeFileName, encodeFileName } from './file-names.js';
import { windowsImagePlatformProfile } from './image-platform.js';
import { windowsOutput } from './output.js';
import { systemDrive, win32PathOps } from './paths.js';
import { registerShutdownHooks, windowsStopSemantics } from './shutdown.js';
import type { HostPaths, HostSeam, PlatformFs, PlatformProfile, ProcessRunner, RenameRetryPolicy, SignalSource } from './types.js';

/**
 * Host paths (windows.md §3.5), pinned to the system drive: `/var/...` is drive-relative on
 * Windows. The data dir is the one daemon/flags.ts and the Windows DaemonSet use. Upstream's
 * credential-provider defaults `/kruise/...` would resolve against the current drive; they are
 * pinned here, and plugins are `.exe`s.
 */
export function windowsHostPaths(env: Readonly<Record<string, string | undefined>>): HostPaths {
  const d = systemDrive(env);
  return {
    dataDir: 'C:\\ProgramData\\kruised',
    kubeletRoot: `${d}\\var\\lib\\kubelet`,
    kubeletPodsDir: `${d}\\var\\lib\\kubelet\\pods`,
    kubeletPluginRegistryDir: `${d}\\var\\lib\\kubelet\\plugins_registry`,
    podLogsDir: `${d}\\var\\log\\pods`,
    hostRunDir: null,
    credentialProviderConfigFile: `${d}\\kruise\\CredentialProviderPlugin.yaml`,
    credentialProviderBinDir: `${d}\\kruise\\plugins`,
    executableSuffix: '.exe',
  };
}

/**
 * CRI base timeout on Windows. Upstream uses 5 s on both OSes; Windows stops and execs are slower
 * (windows.md §2.5), so kruised doubles it here **[kruised's choice, not measured]**.
 */
export const WINDOWS_CRI_BASE_TIMEOUT_MS = 10_000;

export interface WindowsSeams {
  readonly fs: PlatformFs;
  readonly run: ProcessRunner;
  readonly process: SignalSource;
  readonly sleep: (ms: number) => Promise<void>;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly host: HostSeam;
  readonly tempSuffix?: () => string;
  readonly renameRetry?: Partial<RenameRetryPolicy>;
}

export function windowsProfile(seams: WindowsSeams): PlatformProfile {
  const renameRetry: RenameRetryPolicy = { ...WINDOWS_RENAME_RETRY, ...seams.renameRetry };
  return {
    os: 'windows',
    paths: win32PathOps(seams.env),
    hostPaths: windowsHostPaths(seams.env),
    cri: {
      endpointCandidates: windowsEndpointCandidates,
      socketFileFlag: false,
      baseTimeoutMs: WINDOWS_CRI_BASE_TIMEOUT_MS,
      reconnectErrorCodes: WINDOWS_RECONNECT_CODES,
    },
    exec: windowsExecShaping,
    exitCodes: windowsExitCodes,
    output: windowsOutput,
    files: {
      writeAtomic: createAtomicWriter({
        flavor: 'windows',
        path: path.win32,
        fs: seams.fs,
        sleep: seams.sleep,
        renameRetry,
        ...(seams.tempSuffix !== undefined ? { tempSuffix: seams.tempSuffix } : {}),
      }),
      renameRetry,
      fsyncsDirectory: false,
      encodeFileName,
      decodeFileName,
    },
    permissions: windowsPermissions(seams.run, windowsExitCodes.message),
    stopSemantics: windowsStopSemantics,
    shutdownHooks: (handlers) => registerShutdownHooks(windowsStopSemantics, seams.process, handlers),
    childProcess: windowsChildProcess,
    image: windowsImagePlatformProfile(seams.host),
  };
}
