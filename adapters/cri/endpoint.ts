// CRI endpoint strings → what grpc-js can dial. Parsing follows kubelet's cri-client
// (`pkg/util/util_unix.go`, `util_windows.go`): Go's url.Parse after, on Windows, turning every
// `\` into `/`. grpc-js has no `npipe:` scheme; its `unix:` resolver hands the path to
// net.connect, which on Windows opens a named pipe. So a pipe is dialled as the target
// `unix:\\.\pipe\NAME` (windows.md §2.3, ts-stack.md §5).
import type { PlatformOs } from '../platform/types.js';
import { CriError } from './errors.js';

/** Whose endpoint rules apply: the platform profile's `os`. */
export type EndpointPlatform = PlatformOs;

export type ParsedEndpoint =
  | {
      readonly protocol: 'unix';
      /** Absolute socket path. */
      readonly path: string;
      /** Set when kubelet accepts the spelling only as deprecated. */
      readonly warning?: string;
    }
  | {
      readonly protocol: 'npipe';
      /** Server part of the pipe path: `.` for the local machine. */
      readonly host: string;
      /** Pipe name after `pipe\`, e.g. `containerd-containerd`. */
      readonly name: string;
      /** kubelet's form, handed to winio.DialPipe: `//./pipe/NAME`. */
      readonly address: string;
      /** The Windows pipe path Node opens: `\\.\pipe\NAME`. */
      readonly path: string;
      readonly warning?: string;
    }
  | {
      readonly protocol: 'tcp';
      /** `host:port`. */
      readonly address: string;
      readonly warning?: string;
    };

/**
 * Maps a Windows pipe path (`\\.\pipe\NAME`) to a unix socket path that stands in for it. Only
 * tests on Linux set it: there the Windows profile's pipe is served by a unix socket.
 */
export type PipeResolver = (pipePath: string) => string;

interface GoUrl {
  readonly scheme: string;
  readonly host: string | undefined;
  readonly path: string;
}

function invalid(endpoint: string, why: string): CriError {
  return new CriError({ type: 'cri.invalidArgument', code: undefined, details: `CRI endpoint ${JSON.stringify(endpoint)}: ${why}` });
}

/** The parts of Go's url.Parse that kubelet's endpoint parsing reads. */
function goUrlParse(raw: string, endpoint: string): GoUrl {
  let rest = raw.split('#', 1)[0] ?? '';
  let scheme = '';
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(rest);
  if (m !== null) {
    scheme = m[1]!.toLowerCase();
    rest = rest.slice(m[0].length);
  } else if (rest.startsWith(':')) {
    throw invalid(endpoint, 'missing protocol scheme');
  }
  rest = rest.split('?', 1)[0] ?? '';
  let host: string | undefined;
  if (rest.startsWith('//') && (scheme !== '' || !rest.startsWith('///'))) {
    const slash = rest.indexOf('/', 2);
    host = slash === -1 ? rest.slice(2) : rest.slice(2, slash);
    rest = slash === -1 ? '' : rest.slice(slash);
  } else if (scheme !== '' && !rest.startsWith('/')) {
    throw invalid(endpoint, 'a relative path is not an address');
  }
  let path: string;
  try {
    path = decodeURIComponent(rest);
  } catch {
    throw invalid(endpoint, 'invalid percent-escape in path');
  }
  return { scheme, host, path };
}

const DEPRECATED_NO_SCHEME = 'kubelet treats an endpoint without a scheme as deprecated; use the full URL form';

function parseNpipe(url: GoUrl, endpoint: string, warning?: string): ParsedEndpoint {
  const address = url.path.startsWith('//./pipe') ? url.path : `//${url.host || '.'}${url.path}`;
  const m = /^\/\/([^/]+)\/pipe\/(.+)$/.exec(address);
  if (m === null) throw invalid(endpoint, `${address} is not a named pipe (//HOST/pipe/NAME)`);
  const [, host, name] = m as unknown as [string, string, string];
  const path = address.replaceAll('/', '\\');
  return warning === undefined ? { protocol: 'npipe', host, name, address, path } : { protocol: 'npipe', host, name, address, path, warning };
}

function parseWindows(endpoint: string): ParsedEndpoint {
  const url = goUrlParse(endpoint.replaceAll('\\', '/'), endpoint);
  switch (url.scheme) {
    case 'npipe':
      return parseNpipe(url, endpoint);
    case 'tcp':
      if (!url.host) throw invalid(endpoint, 'tcp endpoint without host:port');
      return { protocol: 'tcp', address: url.host };
    case '':
      // kubelet refuses these; a bare pipe path is unambiguous, so accept it and say so.
      if (url.host !== undefined) return parseNpipe(url, endpoint, DEPRECATED_NO_SCHEME);
      throw invalid(endpoint, 'no scheme; use npipe://./pipe/NAME');
    default:
      throw invalid(endpoint, `protocol "${url.scheme}" not supported on Windows (npipe, tcp)`);
  }
}

function parseLinux(endpoint: string): ParsedEndpoint {
  const url = goUrlParse(endpoint, endpoint);
  if (url.scheme === '') {
    // kubelet retries a scheme-less endpoint as unix://ENDPOINT.
    if (url.host !== undefined || !url.path.startsWith('/')) throw invalid(endpoint, 'not an absolute socket path');
    return { protocol: 'unix', path: url.path, warning: DEPRECATED_NO_SCHEME };
  }
  if (url.scheme !== 'unix') throw invalid(endpoint, `protocol "${url.scheme}" not supported on Linux (unix)`);
  // kubelet silently drops a host here (unix://run/x.sock dials /x.sock); refuse it instead.
  if (url.host) throw invalid(endpoint, `unexpected host "${url.host}"; write unix:///absolute/path`);
  if (!url.path.startsWith('/')) throw invalid(endpoint, 'empty socket path');
  return { protocol: 'unix', path: url.path };
}

/** Parse a kubelet-style CRI endpoint the way kubelet does on `platform`. Throws CriError('cri.invalidArgument'). */
export function parseCriEndpoint(endpoint: string, platform: EndpointPlatform): ParsedEndpoint {
  return platform === 'windows' ? parseWindows(endpoint) : parseLinux(endpoint);
}

/**
 * The grpc-js target for a parsed endpoint. A pipe becomes `unix:\\HOST\pipe\NAME` unless
 * `pipeResolver` maps it to a unix socket path, which is then dialled as `unix://PATH`.
 */
export function grpcTarget(parsed: ParsedEndpoint, pipeResolver?: PipeResolver): string {
  switch (parsed.protocol) {
    case 'unix':
      return `unix://${parsed.path}`;
    case 'npipe':
      return pipeResolver === undefined ? `unix:${parsed.path}` : `unix://${pipeResolver(parsed.path)}`;
    case 'tcp':
      return `dns:${parsed.address}`;
  }
}
