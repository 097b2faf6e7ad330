// The GET request kubelet builds for an HTTPGetAction (k8s 1.32 pkg/probe/http/request.go
// NewRequestForHTTPGetAction), shared by lifecycle hooks and probes; only the User-Agent's
// purpose differs (`kube-lifecycle/1.32`, `kube-probe/1.32`):
// * scheme: the action's, lower-cased, `http` when empty; host: the action's, else the pod IP;
// * port: probe.ResolveContainerPort (a number, a named container port, or a number written as text);
// * URL: Go's url.Parse of the path with scheme and `host:port` set (IPv6 hosts bracketed), as
//   URL.String() prints it; a path that does not parse is used as a plain path, escaped;
// * headers: the action's, added in order under Go's canonical names (textproto), then
//   `User-Agent` when absent, `Accept: */*` when absent (an Accept given empty is removed), and
//   the Host header from a `Host` entry, if any.
// Go's url package is reproduced for the paths actions carry (path, query, fragment and escapes);
// it is not a general URL parser.
import { isIP } from 'node:net';

/** core/v1 HTTPGetAction. */
export interface HttpGetAction {
  readonly path?: string;
  /** A number, or a port name resolved against the container's ports (or a number written as text). */
  readonly port: number | string;
  readonly host?: string;
  readonly scheme?: 'HTTP' | 'HTTPS';
  readonly httpHeaders?: ReadonlyArray<{ readonly name: string; readonly value: string }>;
}

/** core/v1 ContainerPort, as much as port resolution reads. */
export interface NamedPort {
  readonly name?: string;
  readonly containerPort: number;
}

/** Who asks: the User-Agent's `kube-<purpose>/<k8s minor>`. */
export type HttpGetPurpose = 'lifecycle' | 'probe';

/** The k8s version kruise-daemon links (kubelet's user agents carry it). */
export const KUBE_VERSION = '1.32';

export const userAgentFor = (purpose: HttpGetPurpose): string => `kube-${purpose}/${KUBE_VERSION}`;

export interface HttpGetRequest {
  /** The URL as Go's URL.String() prints it (what error messages quote). */
  readonly url: string;
  /** Header lines in order, names canonical; a name may repeat. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** The Host header: a `Host` header's value, or '' for the URL's host. */
  readonly host: string;
}

const INT64_MAX = 9_223_372_036_854_775_807n;

/** probe.ResolveContainerPort; throws with Go's texts. */
export function resolveContainerPort(port: number | string, ports: readonly NamedPort[]): number {
  let n: number;
  if (typeof port === 'number') n = port;
  else {
    const named = ports.find((p) => p.name === port);
    if (named) n = named.containerPort;
    else if (!/^[+-]?\d+$/.test(port)) throw new Error(`strconv.Atoi: parsing "${port}": invalid syntax`);
    else if (BigInt(port) > INT64_MAX || BigInt(port) < -INT64_MAX - 1n) throw new Error(`strconv.Atoi: parsing "${port}": value out of range`);
    else n = Number(port);
  }
  if (n > 0 && n < 65536) return n;
  throw new Error(`invalid port number: ${n}`);
}

/** net.JoinHostPort. */
export const joinHostPort = (host: string, port: number): string => (host.includes(':') || isIP(host) === 6 ? `[${host}]:${port}` : `${host}:${port}`);

const HEX = '0123456789ABCDEF';
// Bytes Go leaves as they are in a path (unreserved, sub-delims, ':', '@', '/', and '%' of a valid escape).
const PATH_SAFE = /[A-Za-z0-9\-._~!$&'()*+,;=:@/[\]]/;

function escapePath(path: string, keepEscapes: boolean): string {
  let out = '';
  for (const byte of Buffer.from(path, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += (byte < 0x80 && PATH_SAFE.test(c)) || (keepEscapes && c === '%') ? c : `%${HEX[byte >> 4]}${HEX[byte & 15]}`;
  }
  return out;
}

const validEscapes = (text: string): boolean => !/%(?![0-9A-Fa-f]{2})/.test(text);

/**
 * formatURL: url.Parse(path), else a URL whose Path is the whole text; then scheme and host set.
 * A path that is itself a URL (`http://x/y`, `//x/y`) keeps only its path, query and fragment.
 */
export function formatUrl(scheme: string, host: string, port: number, path: string): string {
  const authority = joinHostPort(host, port);
  let rest = path;
  let fragment: string | undefined;
  const hash = rest.indexOf('#');
  if (hash >= 0) [rest, fragment] = [rest.slice(0, hash), rest.slice(hash + 1)];
  if (!validEscapes(rest) || (fragment !== undefined && !validEscapes(fragment))) {
    // url.Parse fails: the text becomes the Path, and String() escapes all of it ('?' and '#' too).
    const escaped = escapePath(path, false).replace(/\?/g, '%3F').replace(/#/g, '%23');
    return `${scheme}://${authority}${escaped === '' || escaped.startsWith('/') ? '' : '/'}${escaped}`;
  }
  let query: string | undefined;
  const q = rest.indexOf('?');
  if (q >= 0) [rest, query] = [rest.slice(0, q), rest.slice(q + 1)];
  const schemed = /^[A-Za-z][A-Za-z0-9+.-]*:/.exec(rest);
  if (schemed) rest = rest.slice(schemed[0].length);
  if (rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    rest = slash < 0 ? '' : rest.slice(slash);
  }
  const escaped = escapePath(rest, true);
  const joined = escaped === '' || escaped.startsWith('/') ? escaped : `/${escaped}`;
  return `${scheme}://${authority}${joined}${query === undefined ? '' : `?${query}`}${fragment === undefined ? '' : `#${escapePath(fragment, true)}`}`;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** textproto.CanonicalMIMEHeaderKey: `x-drain` → `X-Drain`; a name with bytes outside the token set is kept as given. */
export function canonicalHeaderName(name: string): string {
  if (!TOKEN.test(name)) return name;
  let upper = true;
  let out = '';
  for (const c of name) {
    out += upper ? c.toUpperCase() : c.toLowerCase();
    upper = c === '-';
  }
  return out;
}

/** NewRequestForHTTPGetAction for `host` (the action's, or the pod IP the caller found). Throws a port error. */
export function httpGetRequest(
  action: HttpGetAction,
  target: { readonly host: string; readonly ports: readonly NamedPort[] },
  purpose: HttpGetPurpose,
): HttpGetRequest {
  const scheme = (action.scheme ?? '').toLowerCase() || 'http';
  const host = action.host || target.host;
  const port = resolveContainerPort(action.port, target.ports);
  const url = formatUrl(scheme, host, port, action.path ?? '');
  let headers: Array<[string, string]> = (action.httpHeaders ?? []).map((h) => [canonicalHeaderName(h.name), h.value]);
  const first = (name: string) => headers.find(([n]) => n === name);
  if (!first('User-Agent')) headers.push(['User-Agent', userAgentFor(purpose)]);
  const accept = first('Accept');
  if (!accept) headers.push(['Accept', '*/*']);
  else if (accept[1] === '') headers = headers.filter(([n]) => n !== 'Accept');
  // Go's client writes req.Host as the Host header and never a Host entry of the header map.
  return { url, headers: headers.filter(([n]) => n !== 'Host'), host: first('Host')?.[1] ?? '' };
}
