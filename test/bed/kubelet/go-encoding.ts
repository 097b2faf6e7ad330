// The two Go encodings kubelet puts into CRI container annotations (contract §2.4), rebuilt so
// the simulator writes the same bytes a real kubelet (k8s 1.32) would:
// - `io.kubernetes.container.hash`: HashContainer = FNV-1a 32 over go-spew's `%#v` of the
//   json.Marshal bytes of `{"image":…,"name":…}` (map keys sorted), written as lower-case hex;
// - `io.kubernetes.container.preStopHandler` / `…ports`: json.Marshal of the Go structs, i.e.
//   fields in struct order, `omitempty` honoured, and Go's string escaping.
import type { ContainerPortJson, LifecycleHandlerJson } from './types.js';

/** FNV-1a, 32 bit. */
export function fnv1a32(bytes: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (const byte of bytes) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/** go-spew `%#v` of a `[]byte`: `([]uint8)[1 2 3]`. */
export function spewBytes(bytes: Uint8Array): string {
  return `([]uint8)[${Array.from(bytes).join(' ')}]`;
}

/** k8s `hashutil.DeepHashObject` with an FNV-1a 32 hasher, for a `[]byte` argument. */
export function deepHashBytes(bytes: Uint8Array): number {
  return fnv1a32(Buffer.from(spewBytes(bytes), 'utf8'));
}

/**
 * JSON with Go's `encoding/json` string escaping for what kubelet encodes: `<`, `>`, `&`,
 * U+2028 and U+2029 as `\u00XX`. (Lone surrogates, which Go turns into U+FFFD, do not occur in
 * pod specs that went through a real API server.) Objects must be built in Go field order.
 */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** kubelet `HashContainer` (k8s ≥ 1.31: name and image only), as the annotation's hex string. */
export function containerHash(container: { readonly name: string; readonly image?: string }): string {
  const json = goJson({ image: container.image ?? '', name: container.name });
  return deepHashBytes(Buffer.from(json, 'utf8')).toString(16);
}

const omitEmpty = (entries: Array<[string, unknown]>): Record<string, unknown> =>
  Object.fromEntries(entries.filter(([, v]) => v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0)));

/** json.Marshal of a `v1.LifecycleHandler` (fields: exec, httpGet, tcpSocket, sleep). */
export function lifecycleHandlerJson(handler: LifecycleHandlerJson): string {
  const out = omitEmpty([
    ['exec', handler.exec && omitEmpty([['command', handler.exec.command]])],
    [
      'httpGet',
      handler.httpGet && {
        ...omitEmpty([['path', handler.httpGet.path]]),
        port: handler.httpGet.port,
        ...omitEmpty([
          ['host', handler.httpGet.host],
          ['scheme', handler.httpGet.scheme],
          ['httpHeaders', handler.httpGet.httpHeaders?.map((h) => ({ name: h.name, value: h.value }))],
        ]),
      },
    ],
    ['tcpSocket', handler.tcpSocket && { port: handler.tcpSocket.port, ...omitEmpty([['host', handler.tcpSocket.host]]) }],
    ['sleep', handler.sleep && { seconds: handler.sleep.seconds }],
  ]);
  return goJson(out);
}

/** json.Marshal of `[]v1.ContainerPort` (fields: name, hostPort, containerPort, protocol, hostIP). */
export function containerPortsJson(ports: readonly ContainerPortJson[]): string {
  return goJson(
    ports.map((p) => ({
      ...omitEmpty([
        ['name', p.name],
        ['hostPort', p.hostPort === 0 ? undefined : p.hostPort],
      ]),
      containerPort: p.containerPort,
      ...omitEmpty([
        ['protocol', p.protocol],
        ['hostIP', p.hostIP],
      ]),
    })),
  );
}
