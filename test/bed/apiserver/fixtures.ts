// Helpers for the fake API server's own tests: a server per test, object builders, polling,
// and informers that record what they saw.
import {
  CoreV1Api,
  CustomObjectsApi,
  ListWatch,
  Watch,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type V1Pod,
} from '@kubernetes/client-node';
import { onTestFinished } from 'vitest';
import { startFakeApiServer, type FakeApiServer, type FakeApiServerOptions } from './index.js';

/** A fake API server closed when the current test finishes. */
export async function fakeApiServer(options: FakeApiServerOptions = {}): Promise<FakeApiServer> {
  const server = await startFakeApiServer(options);
  onTestFinished(() => server.close());
  return server;
}

export function podObject(name: string, node: string | undefined, extra: { labels?: Record<string, string>; namespace?: string } = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: extra.namespace ?? 'default', ...(extra.labels ? { labels: extra.labels } : {}) },
    spec: {
      ...(node !== undefined ? { nodeName: node } : {}),
      containers: [
        { name: 'main', image: 'busybox:1.36', env: [{ name: 'A', value: '1' }] },
        { name: 'sidecar', image: 'pause:3.9' },
      ],
    },
    status: { phase: 'Running', podIP: '10.0.0.1' },
  };
}

export function crrObject(name: string, node: string, version = 'v1beta1') {
  return {
    apiVersion: `apps.kruise.io/${version}`,
    kind: 'ContainerRecreateRequest',
    metadata: {
      name,
      namespace: 'default',
      labels: { 'crr.apps.kruise.io/node-name': node, 'crr.apps.kruise.io/active': 'true' },
    },
    spec: { podName: 'web-0', containers: [{ name: 'main' }], strategy: { failurePolicy: 'Fail' } },
  };
}

export function nodeImageObject(node: string, version = 'v1beta1') {
  return {
    apiVersion: `apps.kruise.io/${version}`,
    kind: 'NodeImage',
    metadata: { name: node, labels: { 'kubernetes.io/hostname': node } },
    spec: { images: {} },
  };
}

/** Polls until `check` returns a truthy value; throws with `what` after `timeoutMs`. */
export async function until<T>(check: () => T | undefined | false | null, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export interface RecordedEvent {
  readonly verb: 'add' | 'update' | 'delete' | 'error' | 'connect';
  readonly name?: string;
  readonly resourceVersion?: string;
  readonly error?: unknown;
}

export interface RecordingInformer<T extends KubernetesObject> {
  readonly informer: ListWatch<T>;
  readonly events: RecordedEvent[];
  names(verb: RecordedEvent['verb']): string[];
}

function record<T extends KubernetesObject>(informer: ListWatch<T>): RecordingInformer<T> {
  const events: RecordedEvent[] = [];
  for (const verb of ['add', 'update', 'delete'] as const) {
    informer.on(verb, (obj: T) => {
      events.push({ verb, name: obj.metadata?.name ?? '', resourceVersion: obj.metadata?.resourceVersion ?? '' });
    });
  }
  informer.on('error', (error: unknown) => events.push({ verb: 'error', error }));
  informer.on('connect', () => events.push({ verb: 'connect' }));
  onTestFinished(() => informer.stop());
  return { informer, events, names: (verb) => events.filter((e) => e.verb === verb).map((e) => e.name ?? '') };
}

/** The daemon's pod informer shape: all namespaces, `spec.nodeName=<node>` on both list and watch. */
export async function podInformer(kc: KubeConfig, node: string): Promise<RecordingInformer<V1Pod>> {
  const core = kc.makeApiClient(CoreV1Api);
  const fieldSelector = `spec.nodeName=${node}`;
  const informer = new ListWatch<V1Pod>('/api/v1/pods', new Watch(kc), () => core.listPodForAllNamespaces({ fieldSelector }), false, undefined, fieldSelector);
  const recorded = record(informer);
  await informer.start();
  return recorded;
}

/** A cluster-scoped custom-object informer with a field selector, as the daemon watches NodeImage and NodePodProbe. */
export async function clusterObjectInformer(
  kc: KubeConfig,
  group: string,
  version: string,
  plural: string,
  fieldSelector: string,
): Promise<RecordingInformer<KubernetesObject>> {
  const custom = kc.makeApiClient(CustomObjectsApi);
  const list = async () => (await custom.listClusterCustomObject({ group, version, plural, fieldSelector })) as KubernetesListObject<KubernetesObject>;
  const informer = new ListWatch<KubernetesObject>(`/apis/${group}/${version}/${plural}`, new Watch(kc), list, false, undefined, fieldSelector);
  const recorded = record(informer);
  await informer.start();
  return recorded;
}

export interface RawWatch {
  readonly events: Array<{ type: string; object: Record<string, unknown> }>;
  readonly done: Promise<unknown>;
  abort(): void;
}

/** A raw client-node Watch that records every event and resolves `done` with the error (or null). */
export async function rawWatch(kc: KubeConfig, path: string, params: Record<string, string | number | boolean>): Promise<RawWatch> {
  const events: RawWatch['events'] = [];
  let finish!: (err: unknown) => void;
  const done = new Promise<unknown>((resolve) => (finish = resolve));
  const controller = await new Watch(kc).watch(
    path,
    params,
    (type, object: Record<string, unknown>) => events.push({ type, object }),
    (err) => finish(err),
  );
  onTestFinished(() => controller.abort());
  return { events, done, abort: () => controller.abort() };
}
