// The image puller end to end: the bed's real containerd, the fake API server enforcing the
// daemon's RBAC, the ImagePullJob manager double, and an ActorHost on a temporary event log with
// the feature's engine hooks and live effects as the daemon builds them (imagePullerWiring;
// backoff shortened to 50 ms). Everything is torn down after the test.
import { expect, onTestFinished } from 'vitest';
import { createContentProgressReader, createCriClient, type CriClient } from '../../../adapters/cri/index.js';
import {
  CONTROLLER_NAMES,
  EventRecorder,
  kubeClientsFrom,
  nodeImageInformer,
  SecretsReader,
  StatusWriter,
  type KubeObject,
  type Observation,
} from '../../../adapters/kube/index.js';
import {
  authFromPullSecrets,
  createImagePuller,
  imagePullerWiring,
  statusActorKey,
  type ImagePuller,
  type ImagePullerOptions,
  type NodeImageStatus,
} from '../../../daemon/features/image-puller/index.js';
import { deferredBarrier } from '../../../effects/deferred-barrier.js';
import type { AuthFor, PlatformCheckDeps } from '../../../effects/image-pull/index.js';
import { LiveClock } from '../../../engine/clock.js';
import { ActorHost } from '../../../engine/host.js';
import { EventLog } from '../../../engine/log/event-log.js';
import { machineRegistry } from '../../../machines/registry.js';
import { authorizerFromRules, kruiseDaemonRules, type FakeApiServer } from '../../bed/apiserver/index.js';
import { fakeApiServer, until } from '../../bed/apiserver/fixtures.js';
import { nodeImageFromImagePullJob } from '../../bed/manager/index.js';
import type { RuntimeBed } from '../../bed/runtime-bed.js';
import { tempDir } from '../../support/tmp.js';

export { until };
export const NODE = 'node-a';
export const NODE_IMAGE = { apiVersion: 'apps.kruise.io/v1beta1', kind: 'NodeImage', name: NODE } as const;

export interface Daemon {
  readonly puller: ImagePuller;
  readonly host: ActorHost;
  /** References passed to CRI PullImage, in call order. */
  readonly pulls: string[];
  /** How each of those calls ended, same order: `ok`, the error's message, `running`, or PULLED_THEN_GONE. */
  readonly pullOutcomes: string[];
  /** Every NodeImage status the API server stored, in order (from a second informer subscriber). */
  readonly seen: NodeImageStatus[];
  /**
   * The type of every observation of the daemon's informer (`upsert`, `delete`, `synced`), in order.
   * Its recorder subscribed just before the puller, so once one is here the puller has handled it:
   * the positive witness for "the daemon saw X and did nothing about it".
   */
  readonly observed: Array<Observation<KubeObject>['type']>;
  /** Keys of the live imageTag actors (the host also holds the NodeImage's status actor). */
  tagActors(): string[];
  /** The top-level state of a key's actor (`succeeded` for its parallel regions), or undefined. */
  stateOf(key: string): string | undefined;
  stop(): Promise<void>;
}

export interface DaemonOptions {
  readonly maxWorkers?: number;
  /** Credentials for pulls; default none, or the daemon's own pull-secret reading with `pullSecretsFromApi`. */
  readonly authFor?: AuthFor;
  /** Read the tags' pull secrets from the API server, as the daemon does (authFromPullSecrets). */
  readonly pullSecretsFromApi?: boolean;
  /** The status write cadence and budget. */
  readonly puller?: Partial<Pick<ImagePullerOptions, 'statusBudget'>>;
  /** Delay before a status write that did not land is tried again (default upstream's 3–5 s). */
  readonly retryDelayMs?: () => number;
  /** Act as a Windows node: read each image's platforms before pulling, judged against this host. */
  readonly platformCheck?: PlatformCheckDeps;
}

export interface PullerBed {
  readonly api: FakeApiServer;
  readonly cri: CriClient;
  readonly logDir: string;
  /** Starts a daemon (puller + host) on the shared event log directory; stopped after the test. */
  startDaemon(options?: DaemonOptions): Promise<Daemon>;
  /** Stores an ImagePullJob and lets the manager double write it into this node's NodeImage. */
  job(name: string, spec: Record<string, unknown>): KubeObject;
  nodeImage(): KubeObject | undefined;
  /** The image's status tags, or [] */
  tagsOf(image: string): Array<Record<string, unknown>>;
  events(): Array<KubeObject & { reason?: string; message?: string; type?: string; count?: number; involvedObject?: Record<string, unknown> }>;
  removeImage(reference: string): Promise<void>;
}

export async function pullerBed(bed: RuntimeBed): Promise<PullerBed> {
  const api = await fakeApiServer({ authorize: authorizerFromRules(kruiseDaemonRules) });
  api.store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps' } });
  api.store.create({ apiVersion: 'apps.kruise.io/v1beta1', kind: 'NodeImage', metadata: { name: NODE, labels: { 'kubernetes.io/hostname': NODE } }, spec: {} });
  const cri = createCriClient({ endpoint: bed.endpoint, platform: 'linux' });
  const logDir = await tempDir('kruised-image-puller-');
  onTestFinished(() => cri.close());

  async function startDaemon(options: DaemonOptions = {}): Promise<Daemon> {
    const clients = kubeClientsFrom(api.kubeConfig());
    const transport = clients.forController(CONTROLLER_NAMES.imagePuller);
    const informer = nodeImageInformer(transport, NODE, 'v1beta1');
    const writer = new StatusWriter({ transport, limits: {} });
    const events = new EventRecorder({ transport, host: NODE });
    const progressReader = createContentProgressReader({ endpoint: bed.endpoint, platform: 'linux' });
    const opened = await EventLog.open({ dir: logDir, commitDelayMs: 1 });
    const pulls: string[] = [];
    const pullOutcomes: string[] = [];
    const verified = new Set<number>();
    const counting: Pick<CriClient, 'imageStatus' | 'pullImage'> = {
      imageStatus: (signal, request, o) => {
        const call = cri.imageStatus(signal, request, o);
        // The first ImageStatus after a successful pull of the reference is the machine's check
        // that the image is there; another test file may have removed it in between.
        const index = pulls.lastIndexOf(request.image.image);
        if (index >= 0 && pullOutcomes[index] === 'ok' && !verified.has(index)) {
          verified.add(index);
          call.then(
            ({ image }) => {
              if (image === null) pullOutcomes[index] = PULLED_THEN_GONE;
            },
            () => undefined,
          );
        }
        return call;
      },
      pullImage: (signal, request, o) => {
        const index = pulls.push(request.image.image) - 1;
        pullOutcomes[index] = 'running';
        const call = cri.pullImage(signal, request, o);
        call.then(
          () => (pullOutcomes[index] = 'ok'),
          (error: unknown) => (pullOutcomes[index] = error instanceof Error ? error.message : String(error)),
        );
        return call;
      },
    };
    const puller = createImagePuller({
      nodeName: NODE,
      informer,
      maxWorkers: options.maxWorkers ?? 0,
      now: Date.now,
      checkImagePlatform: options.platformCheck !== undefined,
      ...options.puller,
    });
    const authFor = options.authFor ?? (options.pullSecretsFromApi ? authFromPullSecrets(new SecretsReader({ transport })) : undefined);
    // As the composition root does: effects are bound before the log is handed over.
    const barrier = deferredBarrier();
    const host = new ActorHost({
      log: opened.log,
      clock: new LiveClock(),
      registry: machineRegistry,
      ...imagePullerWiring(
        puller,
        {
          cri: counting,
          barrier,
          now: Date.now,
          progressReader,
          progressIntervalMs: 20,
          events,
          writer,
          ...(authFor ? { authFor } : {}),
          ...(options.platformCheck ? { platformCheck: options.platformCheck } : {}),
          ...(options.retryDelayMs ? { retryDelayMs: options.retryDelayMs } : {}),
        },
        { delays: { retryBackoff: 50 } },
      ),
    });
    host.recover(opened.recovery);
    barrier.resolve(opened.log);
    const seen: NodeImageStatus[] = [];
    const observed: Array<Observation<KubeObject>['type']> = [];
    const watching = informer.subscribe((o) => {
      observed.push(o.type);
      if (o.type === 'upsert' && o.object.status) seen.push(o.object.status as unknown as NodeImageStatus);
    });
    puller.start(host);
    let stopped = false;
    const stop = async () => {
      if (stopped) return;
      stopped = true;
      await puller.idle();
      puller.stop();
      watching.unsubscribe();
      await host.shutdown();
      await opened.log.close();
      await writer.close();
      await events.idle();
      progressReader.close();
    };
    onTestFinished(stop);
    const tagActors = () => host.keys().filter((key) => key !== statusActorKey(NODE));
    const stateOf = (key: string) => {
      const value = host.snapshot(key)?.value as unknown;
      return value === undefined || typeof value === 'string' ? value : Object.keys(value as object)[0];
    };
    return { puller, host, pulls, pullOutcomes, seen, observed, tagActors, stateOf, stop };
  }

  const nodeImage = () => api.store.get(NODE_IMAGE) as KubeObject | undefined;
  return {
    api,
    cri,
    logDir,
    startDaemon,
    job(name, spec) {
      const job = api.store.create({ apiVersion: 'apps.kruise.io/v1beta1', kind: 'ImagePullJob', metadata: { name, namespace: 'apps' }, spec }) as KubeObject;
      nodeImageFromImagePullJob(api, job as never, [NODE]);
      return job;
    },
    nodeImage,
    tagsOf(image) {
      const status = nodeImage()?.status as { imageStatuses?: Record<string, { tags: Array<Record<string, unknown>> }> } | undefined;
      return status?.imageStatuses?.[image]?.tags ?? [];
    },
    events: () => [...api.store.list('v1', 'Event', { namespace: 'default' }), ...api.store.list('v1', 'Event', { namespace: 'apps' })] as never,
    async removeImage(reference) {
      const { image } = await cri.imageStatus(undefined, { image: { image: reference } });
      if (image) await cri.removeImage(undefined, { image: { image: image.id } });
    },
  };
}

/** `HOST:PORT/NAME:TAG` → the familiar name and tag the manager writes (`HOST:PORT/NAME`, `TAG`). */
export function nameTag(reference: string): { name: string; tag: string } {
  const colon = reference.lastIndexOf(':');
  return { name: reference.slice(0, colon), tag: reference.slice(colon + 1) };
}

/** A pull outcome: PullImage succeeded, but the ImageStatus that verifies it found no image. */
export const PULLED_THEN_GONE = 'ok, then not present at verification';

/**
 * Every PullImage call was for `image`, there were at least `atLeast`, and only the last one
 * succeeded with the image still there. Other files of the suite pull and remove the bed's images
 * at the same time (by image ID, which drops every name of it), so a pull may fail, or succeed and
 * find the image gone when the machine verifies it, and be retried: the extra calls must have
 * ended one of those ways.
 */
export function expectPullsEndingInOneSuccess(daemon: Daemon, image: string, atLeast: number): void {
  const outcomes = daemon.pullOutcomes.join(' | ');
  expect(
    daemon.pulls.every((ref) => ref === image),
    outcomes,
  ).toBe(true);
  expect(daemon.pulls.length, outcomes).toBeGreaterThanOrEqual(atLeast);
  expect(
    daemon.pullOutcomes.map((o) => o === 'ok'),
    outcomes,
  ).toEqual(daemon.pulls.map((_, i) => i === daemon.pulls.length - 1));
}
