// kruise-manager's part for objects an operator creates with kubectl (deploy/README.md's verify
// steps), made of the manager doubles in test/bed/manager:
//   - the ContainerRecreateRequest webhook, as mutating admission on the fake API server
//     (crrWebhook: labels, defaults and per-container status context; a denial is a 400);
//   - every `intervalMs`, each new ImagePullJob written into the NodeImages of the nodes its
//     selector names (nodeImageFromImagePullJob), and the job's status kept up to date
//     (imagePullJobStatusFrom);
//   - the CRR controller double (completion, TTL, snapshots).
import { CrrRejected, crrWebhook, imagePullJobStatusFrom, nodeImageFromImagePullJob, startCrrController, type CrrInput } from '../bed/manager/index.js';
import { AdmissionDenied, type CreateAdmission, type FakeApiServer, type KubeObject } from '../bed/apiserver/index.js';

export interface ManagerLoop {
  readonly errors: readonly Error[];
  stop(): void;
}

const KRUISE = 'apps.kruise.io';
const at = (v: unknown, ...keys: string[]): unknown =>
  keys.reduce<unknown>((o, k) => (o !== null && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), v);

export function startManagerLoop(api: FakeApiServer, intervalMs = 200): ManagerLoop {
  const errors: Error[] = [];
  const crrController = startCrrController(api);
  const written = new Set<string>();
  const pref = (plural: string) => {
    const def = api.registry.all().find((d) => d.group === KRUISE && d.plural === plural)!;
    return `${KRUISE}/${api.registry.servedVersions(def)[0]}`;
  };

  const crrAdmission: CreateAdmission = ({ def, namespace, object: crr }) => {
    if (def.group !== KRUISE || def.kind !== 'ContainerRecreateRequest') return crr;
    const input: CrrInput = {
      name: crr.metadata.name!,
      namespace: namespace!,
      podName: String(at(crr, 'spec', 'podName') ?? ''),
      containers: ((at(crr, 'spec', 'containers') as Array<{ name: string }> | undefined) ?? []).map((c) => c.name),
      ...(at(crr, 'spec', 'strategy') ? { strategy: at(crr, 'spec', 'strategy') as CrrInput['strategy'] } : {}),
      ...(typeof at(crr, 'spec', 'activeDeadlineSeconds') === 'number' ? { activeDeadlineSeconds: at(crr, 'spec', 'activeDeadlineSeconds') as number } : {}),
      ...(typeof at(crr, 'spec', 'ttlSecondsAfterFinished') === 'number'
        ? { ttlSecondsAfterFinished: at(crr, 'spec', 'ttlSecondsAfterFinished') as number }
        : {}),
      ...(crr.metadata.labels ? { labels: crr.metadata.labels } : {}),
      ...(crr.metadata.annotations ? { annotations: crr.metadata.annotations } : {}),
    };
    try {
      const admitted = crrWebhook(api, input);
      return { ...crr, metadata: { ...crr.metadata, labels: admitted.metadata.labels }, spec: admitted.spec };
    } catch (e) {
      if (e instanceof CrrRejected) throw new AdmissionDenied('mcontainerrecreaterequest.kb.io', e.message);
      throw e;
    }
  };
  api.admission.push(crrAdmission);

  function syncImagePullJobs(): void {
    const nodeImageVersion = pref('nodeimages');
    const nodes = api.store.list('v1', 'Node').map((n) => n.metadata.name!);
    for (const job of api.store.list(pref('imagepulljobs'), 'ImagePullJob')) {
      const names = (at(job, 'spec', 'selector', 'names') as string[] | undefined) ?? nodes;
      const selected = names.filter((n) => nodes.includes(n));
      if (!written.has(job.metadata.uid!)) {
        nodeImageFromImagePullJob(api, job, selected);
        written.add(job.metadata.uid!);
      }
      const nodeImages = selected.map((n) => api.store.get({ apiVersion: nodeImageVersion, kind: 'NodeImage', name: n })).filter((x): x is KubeObject => !!x);
      const status = imagePullJobStatusFrom(job, nodeImages);
      const { startTime: _s, completionTime: _c, ...comparable } = status;
      const { startTime: _s2, completionTime: _c2, ...current } = (job.status ?? {}) as Record<string, unknown>;
      if (
        JSON.stringify(comparable) === JSON.stringify(current) &&
        ((job.status as { completionTime?: string } | undefined)?.completionTime !== undefined) === (status.completionTime !== undefined)
      )
        continue;
      api.store.mutate({ apiVersion: job.apiVersion!, kind: 'ImagePullJob', namespace: job.metadata.namespace!, name: job.metadata.name! }, (j) => ({
        ...j,
        status: {
          ...status,
          ...((j.status as { startTime?: string } | undefined)?.startTime ? { startTime: (j.status as { startTime: string }).startTime } : {}),
        },
      }));
    }
  }

  const timer = setInterval(() => {
    for (const step of [syncImagePullJobs]) {
      try {
        step();
      } catch (e) {
        errors.push(e instanceof Error ? e : new Error(String(e)));
      }
    }
  }, intervalMs);

  return {
    get errors() {
      return [...errors, ...crrController.errors];
    },
    stop() {
      clearInterval(timer);
      api.admission.splice(api.admission.indexOf(crrAdmission), 1);
      crrController.stop();
    },
  };
}
