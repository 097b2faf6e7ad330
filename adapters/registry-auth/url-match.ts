// Hand-written on purpose: it must match as kubelet's keyring does (Go URL parsing, filepath.Match globs), which no npm library reproduces.
// kubelet's keyring matching (pkg/credentialprovider/keyring.go `URLsMatchStr`): both the key and
// the image are schemeless URLs. They match when
//   - the ports are equal (both may be absent),
//   - the hosts have the same number of dot-separated parts, each key part a Go `filepath.Match`
//     glob of the image part (so `*.example.com` matches `a.example.com`, but neither
//     `example.com` nor `a.b.example.com`),
//   - the key's path is a plain STRING prefix of the image's path: `host/team` matches
//     `host/team2/app` too (no segment boundary is required).
// A key that does not parse, or a malformed glob, matches nothing.

export interface SchemelessUrl {
  /** Authority without user info, e.g. `registry.example.com:5000`. */
  readonly host: string;
  /** From the first `/` on, query and fragment removed; `` when there is none. */
  readonly path: string;
}

// What Go's url.Parse accepts in a host (RFC 3986 sub-delims, unreserved, and a few extras).
const HOST_CHARS = /^[A-Za-z0-9\-._~!$&'()*+,;=:[\]<>"%]*$/;

/** Go's `url.Parse("https://" + s)` reduced to host and path; undefined where Go would fail. */
export function parseSchemelessUrl(text: string): SchemelessUrl | undefined {
  let rest = text;
  const hash = rest.indexOf('#');
  if (hash >= 0) rest = rest.slice(0, hash);
  const query = rest.indexOf('?');
  if (query >= 0) rest = rest.slice(0, query);
  const slash = rest.indexOf('/');
  let host = slash >= 0 ? rest.slice(0, slash) : rest;
  const path = slash >= 0 ? rest.slice(slash) : '';
  const at = host.lastIndexOf('@');
  if (at >= 0) host = host.slice(at + 1);
  if (!HOST_CHARS.test(host) || !validOptionalPort(host)) return undefined;
  return { host, path };
}

// Go's parseHost: after `]` (IPv6) or the last `:`, only an empty or numeric port is allowed.
function validOptionalPort(host: string): boolean {
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    return close > 0 && /^(:\d*)?$/.test(host.slice(close + 1));
  }
  const colon = host.lastIndexOf(':');
  return colon < 0 || /^\d*$/.test(host.slice(colon + 1));
}

/** Go's net.SplitHostPort, falling back to (whole, '') on error as kubelet's splitURL does. */
export function splitHostPort(host: string): { hostname: string; port: string } {
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    if (close > 0 && host[close + 1] === ':' && !host.slice(close + 2).includes(':')) {
      return { hostname: host.slice(1, close), port: host.slice(close + 2) };
    }
    return { hostname: host, port: '' };
  }
  const colon = host.indexOf(':');
  if (colon < 0 || host.indexOf(':', colon + 1) >= 0) return { hostname: host, port: '' };
  return { hostname: host.slice(0, colon), port: host.slice(colon + 1) };
}

export function urlsMatch(glob: SchemelessUrl, target: SchemelessUrl): boolean {
  const g = splitHostPort(glob.host);
  const t = splitHostPort(target.host);
  if (g.port !== t.port) return false;
  const globParts = g.hostname.split('.');
  const targetParts = t.hostname.split('.');
  if (globParts.length !== targetParts.length) return false;
  if (!target.path.startsWith(glob.path)) return false;
  return globParts.every((part, i) => globMatch(part, targetParts[i] ?? ''));
}

export function urlsMatchStr(glob: string, target: string): boolean {
  const g = parseSchemelessUrl(glob);
  const t = parseSchemelessUrl(target);
  return g !== undefined && t !== undefined && urlsMatch(g, t);
}

const regexCache = new Map<string, RegExp | null>();

/** Go's `filepath.Match` (Unix) for one host label; false for a malformed pattern. */
export function globMatch(pattern: string, name: string): boolean {
  let re = regexCache.get(pattern);
  if (re === undefined) {
    re = globToRegExp(pattern);
    regexCache.set(pattern, re);
  }
  return re?.test(name) ?? false;
}

const escapeChar = (c: string): string => `\\u{${(c.codePointAt(0) ?? 0).toString(16)}}`;

function globToRegExp(pattern: string): RegExp | null {
  const chars = Array.from(pattern);
  let out = '';
  for (let i = 0; i < chars.length; i += 1) {
    const c = chars[i] as string;
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '\\') {
      const next = chars[++i];
      if (next === undefined) return null;
      out += escapeChar(next);
    } else if (c === '[') {
      const parsed = parseClass(chars, i + 1);
      if (parsed === null) return null;
      out += parsed.source;
      i = parsed.end;
    } else out += escapeChar(c);
  }
  return new RegExp(`^${out}$`, 'u');
}

// A `[...]` class from index `start` (after `[`); returns its regex and the index of `]`.
function parseClass(chars: readonly string[], start: number): { source: string; end: number } | null {
  let i = start;
  let negated = false;
  if (chars[i] === '^') {
    negated = true;
    i += 1;
  }
  const ranges: string[] = [];
  let count = 0;
  const readChar = (): string | null => {
    let c = chars[i];
    if (c === undefined || c === '-' || c === ']') return null;
    if (c === '\\') {
      i += 1;
      c = chars[i];
      if (c === undefined) return null;
    }
    i += 1;
    return c;
  };
  for (;;) {
    if (chars[i] === ']' && count > 0) break;
    const lo = readChar();
    if (lo === null) return null;
    let hi = lo;
    if (chars[i] === '-') {
      i += 1;
      const h = readChar();
      if (h === null) return null;
      hi = h;
    }
    count += 1;
    // A reversed range is legal in Go but matches nothing.
    if ((lo.codePointAt(0) ?? 0) <= (hi.codePointAt(0) ?? 0)) ranges.push(`${escapeChar(lo)}-${escapeChar(hi)}`);
  }
  const body = ranges.join('');
  const source = negated ? `[^/${body}]` : body === '' ? '(?!)' : `[${body}]`;
  return { source, end: i };
}
