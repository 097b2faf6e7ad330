// TEST DOUBLE of kruise-manager's PodProbeMarker controller (contract §6.1): it writes the
// marker's probes for each matching pod into the NodePodProbe named after the pod's node
// (creating that object if missing, which upstream's nodepodprobe controller does per Node).
// Entries are `{name, namespace, uid, IP, probes[]}` (JSON key `IP`, upper case) and probes are
// `{name: "<marker>#<probe>", containerName, probe}` with named ports turned into numbers.
// Pod selection is the caller's; pruning and the pod-condition write-back are not modelled.
import type { PodJson, ProbeJson } from '../kubelet/types.js';
import { at, KRUISE_GROUP, storeOf, type KubeObject, type ManagerTarget } from './target.js';

export interface PodProbeMarkerLike {
  readonly metadata: { readonly name: string };
  readonly spec: { readonly probes: ReadonlyArray<{ readonly name: string; readonly containerName: string; readonly probe: ProbeJson }> };
}

interface PodProbeEntry {
  name: string;
  namespace: string;
  uid: string;
  IP: string;
  probes: Array<{ name: string; containerName: string; probe: ProbeJson }>;
}

function numericPorts(probe: ProbeJson, pod: PodJson, containerName: string): ProbeJson {
  const ports = pod.spec.containers.find((c) => c.name === containerName)?.ports ?? [];
  const resolve = (port: number | string): number | string => (typeof port === 'string' ? (ports.find((p) => p.name === port)?.containerPort ?? port) : port);
  return {
    ...probe,
    ...(probe.httpGet ? { httpGet: { ...probe.httpGet, port: resolve(probe.httpGet.port) } } : {}),
    ...(probe.tcpSocket ? { tcpSocket: { ...probe.tcpSocket, port: resolve(probe.tcpSocket.port) } } : {}),
  };
}

export function nodePodProbeFromMarker(target: ManagerTarget, marker: PodProbeMarkerLike, pods: readonly PodJson[]): KubeObject[] {
  const store = storeOf(target);
  const apiVersion = `${KRUISE_GROUP}/v1alpha1`;
  const written = new Map<string, KubeObject>();
  for (const pod of pods) {
    const node = pod.spec.nodeName;
    if (!node) continue;
    const ref = { apiVersion, kind: 'NodePodProbe', name: node };
    const current = store.get(ref) ?? store.create({ apiVersion, kind: 'NodePodProbe', metadata: { name: node }, spec: {} });
    const entries = ((at(current, 'spec', 'podProbes') as PodProbeEntry[] | undefined) ?? []).map((e) => ({ ...e, probes: [...e.probes] }));
    let entry = entries.find((e) => e.uid === pod.metadata.uid);
    if (!entry)
      entries.push((entry = { name: pod.metadata.name, namespace: pod.metadata.namespace, uid: pod.metadata.uid, IP: pod.status?.podIP ?? '', probes: [] }));
    if (!entry.IP && pod.status?.podIP) entry.IP = pod.status.podIP;
    for (const p of marker.spec.probes) {
      const probe = { name: `${marker.metadata.name}#${p.name}`, containerName: p.containerName, probe: numericPorts(p.probe, pod, p.containerName) };
      const i = entry.probes.findIndex((x) => x.name === probe.name);
      if (i >= 0) entry.probes[i] = probe;
      else entry.probes.push(probe);
    }
    written.set(node, store.update({ ...current, spec: { ...(current.spec as object), podProbes: entries } }));
  }
  return [...written.values()];
}
