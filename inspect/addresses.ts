// The addresses the inspectors accept. Small and import-free: the daemon's flag parser checks
// `--inspect` and `--actors-addr` with these before anything of the inspectors is loaded.

/** 127.0.0.0/8, ::1 and localhost: the addresses only this host reaches. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Checks an inspector server's address: a ws:// or wss:// URL. Returns it parsed, or throws with the reason. */
export function parseInspectorUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${JSON.stringify(value)} is not a URL; want ws://HOST:PORT, e.g. ws://127.0.0.1:8080 (docs/inspect.md)`);
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') throw new Error(`${JSON.stringify(value)} is not a ws:// or wss:// URL (docs/inspect.md)`);
  return url;
}

/**
 * Checks a listen address that must stay on this host: `127.0.0.1:PORT`, `[::1]:PORT` or
 * `localhost:PORT`, the host spelled out (Go's `:PORT` would bind every interface).
 */
export function parseLoopbackAddress(value: string): { host: string; port: number } {
  const at = value.lastIndexOf(':');
  const host = value.slice(0, at).replace(/^\[(.*)\]$/, '$1');
  const port = Number(value.slice(at + 1));
  if (at < 0 || value.slice(at + 1) === '' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${JSON.stringify(value)} is not HOST:PORT`);
  }
  if (host === '' || !isLoopbackHost(host)) {
    throw new Error(
      `${JSON.stringify(value)} is not a loopback address: actor data is served on 127.0.0.1 or [::1] only; reach it from elsewhere through kubectl port-forward or an SSH tunnel (docs/inspect.md)`,
    );
  }
  return { host, port };
}
