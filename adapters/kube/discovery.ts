// Startup discovery (contract §1.5, §0.1): the server version (the process exits when the API
// server cannot answer it), and which apps.kruise.io versions to speak. A version counts as
// served for a kind only when that version's resource list names the kind's plural, because
// the group document lists a version as soon as any kind of the group serves it.
import { KubeApiError } from './errors.js';
import { KRUISE_GROUP, type KruiseVersion } from './resources.js';
import type { KubeTransport } from './transport.js';

export interface ServerVersion {
  readonly major: string;
  readonly minor: string;
  readonly gitVersion: string;
  readonly platform?: string;
  readonly [field: string]: unknown;
}

export interface KruiseVersions {
  readonly nodeImage: KruiseVersion;
  readonly crr: KruiseVersion;
  /** NodePodProbe is v1alpha1 in every Kruise release. */
  readonly nodePodProbe: 'v1alpha1';
}

/** GET /version; rejects with KubeApiError when the server cannot be reached or refuses. */
export async function serverVersion(transport: KubeTransport, signal?: AbortSignal): Promise<ServerVersion> {
  return transport.request<ServerVersion>({ method: 'GET', path: '/version', ...(signal ? { signal } : {}) });
}

interface ApiGroup {
  readonly versions?: ReadonlyArray<{ readonly version?: string }>;
}

interface ApiResourceList {
  readonly resources?: ReadonlyArray<{ readonly name?: string }>;
}

/** Plurals served per apps.kruise.io version (only the versions the daemon knows). */
export async function kruiseServedResources(transport: KubeTransport, signal?: AbortSignal): Promise<Map<KruiseVersion, Set<string>>> {
  const opts = signal ? { signal } : {};
  const group = await transport.request<ApiGroup>({ method: 'GET', path: `/apis/${KRUISE_GROUP}`, ...opts }).catch((error: unknown) => {
    if (error instanceof KubeApiError && error.type === 'kube.notFound')
      throw new Error(`API group ${KRUISE_GROUP} is not served: are the Kruise CRDs installed?`, { cause: error });
    throw error;
  });
  const known: readonly KruiseVersion[] = ['v1beta1', 'v1alpha1'];
  const versions = (group.versions ?? []).map((v) => v.version).filter((v): v is KruiseVersion => known.includes(v as KruiseVersion));
  const served = new Map<KruiseVersion, Set<string>>();
  for (const version of versions) {
    const list = await transport.request<ApiResourceList>({ method: 'GET', path: `/apis/${KRUISE_GROUP}/${version}`, ...opts });
    served.set(version, new Set((list.resources ?? []).map((r) => r.name ?? '')));
  }
  return served;
}

/** v1beta1 where it is served for the kind, else v1alpha1 (contract §0.1). */
export async function chooseKruiseVersions(transport: KubeTransport, signal?: AbortSignal): Promise<KruiseVersions> {
  const served = await kruiseServedResources(transport, signal);
  const pick = (plural: string): KruiseVersion => {
    if (served.get('v1beta1')?.has(plural)) return 'v1beta1';
    if (served.get('v1alpha1')?.has(plural)) return 'v1alpha1';
    throw new Error(`${plural}.${KRUISE_GROUP} is served at neither v1beta1 nor v1alpha1`);
  };
  return { nodeImage: pick('nodeimages'), crr: pick('containerrecreaterequests'), nodePodProbe: 'v1alpha1' };
}
