// The CRR informer's view grouped by pod (contract §4.2: the queue key is `<namespace>/<spec.podName>`,
// so all CRRs of one pod are serialised), and the pods by `<namespace>/<name>` (the pod informer is
// keyed by UID, so a re-created pod is a new key; the newest UID wins a name).
import { objectKey, type KubeObject } from '../../../adapters/kube/index.js';

/** Values (CRR views) per CRR key, grouped by the key of the pod each CRR names. */
export class CrrGroups<T> {
  private readonly byPod = new Map<string, Map<string, T>>();
  private readonly podOfCrr = new Map<string, string>();

  /** Stores a CRR's value under its pod; returns the pod keys whose group changed. */
  upsert(crrKey: string, podKey: string, value: T): string[] {
    const touched = this.delete(crrKey);
    let group = this.byPod.get(podKey);
    if (!group) {
      group = new Map();
      this.byPod.set(podKey, group);
    }
    group.set(crrKey, value);
    this.podOfCrr.set(crrKey, podKey);
    return touched.includes(podKey) ? touched : [...touched, podKey];
  }

  /** Forgets a CRR; returns the pod key whose group changed, if any. */
  delete(crrKey: string): string[] {
    const podKey = this.podOfCrr.get(crrKey);
    if (podKey === undefined) return [];
    this.podOfCrr.delete(crrKey);
    const group = this.byPod.get(podKey);
    group?.delete(crrKey);
    if (group?.size === 0) this.byPod.delete(podKey);
    return [podKey];
  }

  /** The values of one pod's CRRs. */
  of(podKey: string): T[] {
    return [...(this.byPod.get(podKey)?.values() ?? [])];
  }

  /** Every pod key with at least one CRR. */
  pods(): string[] {
    return [...this.byPod.keys()];
  }

  get size(): number {
    return this.podOfCrr.size;
  }
}

/** Pods by `<namespace>/<name>`. */
export class PodIndex {
  private readonly byName = new Map<string, KubeObject>();

  /** Stores a pod; returns its key. */
  upsert(pod: KubeObject): string {
    const key = objectKey(pod);
    this.byName.set(key, pod);
    return key;
  }

  /** Forgets a pod unless a newer one (another UID) holds its name; returns its key when it was forgotten. */
  delete(pod: KubeObject): string | undefined {
    const key = objectKey(pod);
    const held = this.byName.get(key);
    if (!held || held.metadata?.uid !== pod.metadata?.uid) return undefined;
    this.byName.delete(key);
    return key;
  }

  get(key: string): KubeObject | undefined {
    return this.byName.get(key);
  }

  get size(): number {
    return this.byName.size;
  }
}
