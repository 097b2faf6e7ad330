// Choosing a discovered runtime for a pod from its kube container IDs (`<runtimeName>://<id>`,
// contract §2.4). Upstream's containermeta takes the scheme of containerStatuses[0] even when
// that entry has no ID yet while another one does (kruise #2451, contract §7.2); here the first
// non-empty ID decides, and IDs that disagree on the runtime are refused instead of ignored.

export interface KubeContainerId {
  /** The runtime name, e.g. `containerd`. */
  readonly type: string;
  readonly id: string;
}

/** kubelet's ContainerID.ParseString: trim quotes, split on `://` into exactly two non-empty parts. */
export function parseKubeContainerId(value: string): KubeContainerId | undefined {
  const parts = value.replace(/^"+|"+$/g, '').split('://');
  if (parts.length !== 2) return undefined;
  const [type, id] = parts as [string, string];
  return type === '' || id === '' ? undefined : { type, id };
}

export type RuntimeLookup<R> =
  | { readonly ok: true; readonly runtime: R; readonly runtimeName: string }
  | {
      readonly ok: false;
      readonly reason: 'noContainerId' | 'invalidContainerId' | 'mixedRuntimes' | 'unknownRuntime';
      /** Upstream's wording where upstream has one (CRR messages). */
      readonly message: string;
    };

/**
 * The runtime serving a pod, given its container IDs in status order (empty/absent entries are
 * containers not created yet) and the discovered runtimes.
 */
export function lookupRuntime<R extends { readonly runtimeName: string }>(
  runtimes: readonly R[],
  containerIds: readonly (string | null | undefined)[],
): RuntimeLookup<R> {
  let name: string | undefined;
  for (const raw of containerIds) {
    if (raw === null || raw === undefined || raw === '') continue;
    const parsed = parseKubeContainerId(raw);
    if (parsed === undefined) return { ok: false, reason: 'invalidContainerId', message: `invalid container ID: ${JSON.stringify(raw)}` };
    if (name === undefined) name = parsed.type;
    else if (parsed.type !== name) {
      return { ok: false, reason: 'mixedRuntimes', message: `has different runtime types ${name}, ${parsed.type} in Pod` };
    }
  }
  if (name === undefined) return { ok: false, reason: 'noContainerId', message: 'no runtime type found in Pod' };
  const runtime = runtimes.find((r) => r.runtimeName === name);
  if (runtime === undefined) return { ok: false, reason: 'unknownRuntime', message: `not found runtime service for ${name} in daemon` };
  return { ok: true, runtime, runtimeName: name };
}
