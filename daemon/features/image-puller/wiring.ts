// The image puller in the daemon: its API clients (user agent kruise-daemon/kruise-daemon-imagepuller),
// status writer (no bucket of its own: the nodeImageStatus machine keeps upstream's 0.5 writes/s,
// burst 5 per NodeImage), events recorder, pull-secret reader, the first runtime's CRI client with
// containerd's content progress, the image-platform check where the platform profile asks for it
// (Windows), and the engine hooks (engine-hooks.ts).
// Effects are bound before the engine opens its log (recovery may start them), so they wait on a
// deferred barrier that `start()` hands the log to, and resumes the recovered actors in the same
// turn. A recovered Event effect writes its Event again under the same name (exactly once).
import type { Logger } from 'pino';
import { createContentProgressReader, type DiscoveredRuntime } from '../../../adapters/cri/index.js';
import { CONTROLLER_NAMES, EventRecorder, SecretsReader, StatusWriter } from '../../../adapters/kube/index.js';
import type { PlatformProfile } from '../../../adapters/platform/index.js';
import { deferredBarrier } from '../../../effects/deferred-barrier.js';
import type { PlatformCheckDeps } from '../../../effects/image-pull/index.js';
import type { ClusterView } from '../../cluster.js';
import type { RunningEngine } from '../../engine-start.js';
import type { FeatureWiring } from '../../engine-wiring.js';
import type { DaemonFlags } from '../../flags.js';
import { authFromPullSecrets } from './auth.js';
import { imagePullerWiring } from './engine-hooks.js';
import { createImagePuller } from './puller.js';

export interface WiredImagePuller {
  readonly wiring: FeatureWiring;
  start(engine: RunningEngine): void;
  stop(): Promise<void>;
}

/** The image-platform check of a node whose profile asks for one (Windows), judged against this host; none otherwise. */
export function platformCheckOf(profile: PlatformProfile, logger?: PlatformCheckDeps['logger']): PlatformCheckDeps | undefined {
  if (!profile.image.checkBeforePull) return undefined;
  return { host: profile.image.hostPlatform(), rules: profile.image, ...(logger ? { logger } : {}) };
}

export function wireImagePuller(
  flags: DaemonFlags,
  profile: PlatformProfile,
  cluster: ClusterView,
  runtime: DiscoveredRuntime,
  logger: Logger,
): WiredImagePuller {
  const transport = cluster.clients.forController(CONTROLLER_NAMES.imagePuller);
  const log = logger.child({ component: 'imagepuller' });
  const writer = new StatusWriter({ transport, logger: log, limits: {} });
  const events = new EventRecorder({ transport, host: flags.nodeName, logger: log });
  const secrets = new SecretsReader({ transport, logger: log });
  const progressReader = createContentProgressReader({ endpoint: runtime.candidate.uri, platform: profile.os });
  const barrier = deferredBarrier();
  const informer = cluster.informers.get('nodeImageInformerSynced');
  if (!informer) throw new Error('the NodeImage informer is not running');
  const platformCheck = platformCheckOf(profile, log);
  const puller = createImagePuller({
    nodeName: flags.nodeName,
    informer,
    maxWorkers: flags.maxWorkersForPullImage,
    now: Date.now,
    logger: log,
    nodeImageVersion: cluster.versions.nodeImage,
    checkImagePlatform: platformCheck !== undefined,
  });
  return {
    wiring: imagePullerWiring(puller, {
      cri: runtime.client,
      barrier,
      now: Date.now,
      authFor: authFromPullSecrets(secrets),
      progressReader,
      events,
      writer,
      ...(platformCheck ? { platformCheck } : {}),
    }),
    start(engine) {
      barrier.resolve(engine.log);
      puller.start(engine.host);
    },
    async stop() {
      puller.stop();
      await puller.idle();
      await writer.close();
      await events.idle();
      progressReader.close();
    },
  };
}
