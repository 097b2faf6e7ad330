// CRI endpoint defaults per OS: names and order only. Stat-ing candidates, parsing `npipe://`
// (kubelet's algorithm, windows.md §2.2), building the grpc-js `unix:\\.\pipe\…` target (§2.3)
// and dialing belong to adapters/cri, which consumes these lists.
import type { CriEndpointCandidate } from './types.js';

/** Where the Linux DaemonSet mounts the host's /var/run (read-only), as upstream's chart. */
export const LINUX_HOST_RUN_DIR = '/hostvarrun';

/** Contract §2.1: probed in this order; every one that exists is a candidate. */
const LINUX_SOCKETS: readonly { readonly file: string; readonly type: CriEndpointCandidate['type'] }[] = [
  { file: 'containerd.sock', type: 'containerd' },
  { file: 'containerd/containerd.sock', type: 'containerd' },
  { file: 'crio.sock', type: 'common-cri' },
  { file: 'crio/crio.sock', type: 'common-cri' },
  { file: 'cri-dockerd.sock', type: 'common-cri' },
  { file: 'cri-dockerd/cri-dockerd.sock', type: 'common-cri' },
];

/** containerd's default pipe on Windows (`defaults_windows.go`), as kubelet-style URI and pipe path. */
export const WINDOWS_CONTAINERD_ENDPOINT = 'npipe://./pipe/containerd-containerd';
export const WINDOWS_CONTAINERD_PIPE = '\\\\.\\pipe\\containerd-containerd';

function override(endpoint: string): CriEndpointCandidate[] {
  // A unix:// URI names a file worth stat-ing; anything else (npipe, tcp) is dialed as is.
  const statPath = endpoint.startsWith('unix://') ? endpoint.slice('unix://'.length) : null;
  return [{ type: 'common-cri', uri: endpoint, statPath }];
}

export interface LinuxEndpointOptions {
  readonly socketFile?: string;
  readonly endpoint?: string;
  /** The host's /var/run as mounted in the daemon's container (default /hostvarrun). */
  readonly hostRunDir?: string;
}

/** Paths are joined as upstream does (`DIR + "/" + FILE`), so a `--socket-file` is taken as given. */
export function linuxEndpointCandidates(options: LinuxEndpointOptions = {}): CriEndpointCandidate[] {
  if (options.endpoint !== undefined && options.endpoint !== '') return override(options.endpoint);
  const dir = options.hostRunDir ?? LINUX_HOST_RUN_DIR;
  const candidate = (file: string, type: CriEndpointCandidate['type']): CriEndpointCandidate => ({
    type,
    uri: `unix://${dir}/${file}`,
    statPath: `${dir}/${file}`,
  });
  // `--socket-file=F`: the only candidate, no fallback to auto-detection when it is missing.
  if (options.socketFile) return [candidate(options.socketFile, 'common-cri')];
  return LINUX_SOCKETS.map(({ file, type }) => candidate(file, type));
}

/**
 * Upstream (`factory_windows.go`) returns exactly this one candidate and probes nothing; a pipe
 * must never be stat-ed like a file (windows.md §2.3). `--socket-file` does not exist on Windows.
 */
export function windowsEndpointCandidates(options: { socketFile?: string; endpoint?: string } = {}): CriEndpointCandidate[] {
  if (options.endpoint !== undefined && options.endpoint !== '') return override(options.endpoint);
  return [{ type: 'containerd', uri: WINDOWS_CONTAINERD_ENDPOINT, statPath: null }];
}

/**
 * Reconnect vocabulary (windows.md §2.3, §6 "reconnect semantics"): a Linux socket file can linger
 * after the runtime dies (ECONNREFUSED) or be gone (ENOENT); a Windows pipe vanishes with its
 * server (ENOENT), and a busy pipe is waited for by libuv itself (ERROR_PIPE_BUSY, 30 s).
 */
export const LINUX_RECONNECT_CODES: readonly string[] = ['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EPIPE'];
export const WINDOWS_RECONNECT_CODES: readonly string[] = ['ENOENT', 'ECONNRESET', 'EPIPE', 'EBUSY'];
