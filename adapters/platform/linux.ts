// The Linux profile: upstream kruise-daemon's behaviour (contract §1, §2.1), on a node where the
// DaemonSet mounts the host's /var/run at /hostvarrun.
import path from 'node:path';
import { linuxPermissions } from './acl.js';
import { createAtomicWriter } from './atomic-write.js';
import { linuxChildProcess } from './child-process.js';
import { LINUX_HOST_RUN_DIR, LINUX_RECONNECT_CODES, linuxEndpointCandidates } from './endpoints.js';
import { linuxExecShaping } from './exec-shaping.js';
import { linuxExitCodes } from './exit-codes.js';
import { decodeFileName, encodeFileName } from './file-names.js';
import { linuxImagePlatformProfile } from './image-platform.js';
import { linuxOutput } from './output.js';
import { posixPathOps } from './paths.js';
import { linuxStopSemantics, registerShutdownHooks } from './shutdown.js';
import type { HostPaths, HostSeam, PlatformFs, PlatformProfile, SignalSource } from './types.js';

export const LINUX_HOST_PATHS: HostPaths = {
  dataDir: '/var/lib/kruised',
  kubeletRoot: '/var/lib/kubelet',
  kubeletPodsDir: '/var/lib/kubelet/pods',
  kubeletPluginRegistryDir: '/var/lib/kubelet/plugins_registry',
  podLogsDir: '/var/log/pods',
  hostRunDir: LINUX_HOST_RUN_DIR,
  credentialProviderConfigFile: '/kruise/CredentialProviderPlugin.yaml',
  credentialProviderBinDir: '/kruise/plugins',
  executableSuffix: '',
};

/** Upstream's CRI base timeout (contract §2.2): per-call 5 s; StopContainer 5 s + grace; ExecSync timeout + 5 s. */
export const LINUX_CRI_BASE_TIMEOUT_MS = 5_000;

export interface LinuxSeams {
  readonly fs: PlatformFs;
  readonly process: SignalSource;
  readonly sleep: (ms: number) => Promise<void>;
  readonly host: HostSeam;
  readonly tempSuffix?: () => string;
}

export function linuxProfile(seams: LinuxSeams): PlatformProfile {
  return {
    os: 'linux',
    paths: posixPathOps(),
    hostPaths: LINUX_HOST_PATHS,
    cri: {
      endpointCandidates: linuxEndpointCandidates,
      socketFileFlag: true,
      baseTimeoutMs: LINUX_CRI_BASE_TIMEOUT_MS,
      reconnectErrorCodes: LINUX_RECONNECT_CODES,
    },
    exec: linuxExecShaping,
    exitCodes: linuxExitCodes,
    output: linuxOutput,
    files: {
      writeAtomic: createAtomicWriter({
        flavor: 'linux',
        path: path.posix,
        fs: seams.fs,
        sleep: seams.sleep,
        ...(seams.tempSuffix !== undefined ? { tempSuffix: seams.tempSuffix } : {}),
      }),
      renameRetry: null,
      fsyncsDirectory: true,
      encodeFileName,
      decodeFileName,
    },
    permissions: linuxPermissions(seams.fs),
    stopSemantics: linuxStopSemantics,
    shutdownHooks: (handlers) => registerShutdownHooks(linuxStopSemantics, seams.process, handlers),
    childProcess: linuxChildProcess,
    image: linuxImagePlatformProfile(seams.host),
  };
}
