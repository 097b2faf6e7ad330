// Shared by the kube adapter tests: a fake API server that enforces the daemon's RBAC, clients
// for it through the real client-node, and a recorder of an informer's observations.
import { onTestFinished } from 'vitest';
import { kubeClientsFrom, type Informer, type KubeClients, type KubeObject, type Observation } from '../../../adapters/kube/index.js';
import { authorizerFromRules, kruiseDaemonRules, type FakeApiServer, type FakeApiServerOptions } from '../../bed/apiserver/index.js';
import { fakeApiServer, until } from '../../bed/apiserver/fixtures.js';

export { until };

export interface KubeFixture {
  readonly api: FakeApiServer;
  readonly clients: KubeClients;
}

/** A fake API server (closed after the test) that answers 403 to anything kruise-daemon's RBAC does not allow. */
export async function kubeFixture(options: FakeApiServerOptions = {}): Promise<KubeFixture> {
  const api = await fakeApiServer({ authorize: authorizerFromRules(kruiseDaemonRules), ...options });
  return { api, clients: kubeClientsFrom(api.kubeConfig()) };
}

export interface Recording<T extends KubeObject> {
  readonly observations: Array<Observation<T>>;
  /** `type:name` per observation, e.g. `upsert:web-0`, `delete:web-1`, `synced:pod`. */
  summary(): string[];
  synced(): Promise<void>;
  stop(): void;
}

const nameOf = (o: Observation<KubeObject>) => (o.type === 'synced' ? o.key : (o.object.metadata?.name ?? '?'));

/** Subscribes to the informer until the test ends (or `stop()`), recording every observation. */
export function record<T extends KubeObject>(informer: Informer<T>): Recording<T> {
  const observations: Array<Observation<T>> = [];
  const subscription = informer.subscribe((o) => observations.push(o));
  onTestFinished(() => subscription.unsubscribe());
  return {
    observations,
    summary: () => observations.map((o) => `${o.type}:${nameOf(o as Observation<KubeObject>)}`),
    synced: async () => void (await until(() => observations.some((o) => o.type === 'synced'), `${informer.name} to sync`)),
    stop: () => subscription.unsubscribe(),
  };
}

export const podRef = (name: string, namespace = 'default') => ({ apiVersion: 'v1', kind: 'Pod', namespace, name });

/** A logger that keeps each line as `{ level, msg, ...fields }`. */
export function recordingLogger() {
  const lines: Array<Record<string, unknown> & { level: string; msg: string }> = [];
  const at = (level: string) => (obj: object, msg: string) => void lines.push({ ...(obj as Record<string, unknown>), level, msg });
  return { lines, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

export const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
