// The image puller in the daemon: its API clients (user agent kruise-daemon/kruise-daemon-imagepuller),
// status writer (the puller keeps upstream's 0.5 writes/s, burst 5 per NodeImage), events recorder, pull-secret
// reader, the first runtime's CRI client with containerd's content progress, on Windows the
// image-platform check against this host, and the engine hooks.
// Effects are bound before the engine opens its log (recovery may start them), so they wait on a
// deferred barrier that `start()` hands the log to.
import { release } from 'node:os';
import type { Logger } from 'pino';
import { createContentProgressReader, type DiscoveredRuntime } from '../../../adapters/cri/index.js';
import { CONTROLLER_NAMES, EventRecorder, SecretsReader, StatusWriter } from '../../../adapters/kube/index.js';
import { ociArchitecture, windowsImagePlatform } from '../../../adapters/platform/image-platform.js';
import type { PlatformOs } from '../../../adapters/platform/index.js';
import { deferredBarrier } from '../../../effects/deferred-barrier.js';
import { bindImageTag } from '../../../effects/image-pull/index.js';
import type { ClusterView } from '../../cluster.js';
import type { EngineWiring, RunningEngine } from '../../engine-start.js';
import type { DaemonFlags } from '../../flags.js';
import { authFromPullSecrets } from './auth.js';
import { createImagePuller } from './puller.js';

export interface WiredImagePuller {
  readonly wiring: EngineWiring;
  start(engine: RunningEngine): void;
  stop(): Promise<void>;
}

export function wireImagePuller(flags: DaemonFlags, os: PlatformOs, cluster: ClusterView, runtime: DiscoveredRuntime, logger: Logger): WiredImagePuller {
  const transport = cluster.clients.forController(CONTROLLER_NAMES.imagePuller);
  const log = logger.child({ component: 'imagepuller' });
  // The puller keeps upstream's NodeImage budget itself (status-publisher.ts), so the writer has none.
  const writer = new StatusWriter({ transport, logger: log, limits: {} });
  const events = new EventRecorder({ transport, host: flags.nodeName, logger: log });
  const secrets = new SecretsReader({ transport, logger: log });
  const progressReader = createContentProgressReader({ endpoint: runtime.candidate.uri, platform: os });
  const barrier = deferredBarrier();
  const informer = cluster.informers.get('nodeImageInformerSynced');
  if (!informer) throw new Error('the NodeImage informer is not running');
  const puller = createImagePuller({
    nodeName: flags.nodeName,
    informer,
    writer,
    events,
    maxWorkers: flags.maxWorkersForPullImage,
    now: Date.now,
    logger: log,
    nodeImageVersion: cluster.versions.nodeImage,
    checkImagePlatform: os === 'windows',
  });
  // On Windows the host's OS version (`10.0.<build>`, what containerd's platform matcher uses)
  // decides which index entries can run; os.release() gives it there.
  const platformCheck =
    os === 'windows'
      ? { host: { os: 'windows' as const, architecture: ociArchitecture(process.arch), osVersion: release() }, rules: windowsImagePlatform, logger: log }
      : undefined;
  return {
    wiring: {
      bind: bindImageTag({
        cri: runtime.client,
        barrier,
        now: Date.now,
        authFor: authFromPullSecrets(secrets),
        progressReader,
        ...(platformCheck ? { platformCheck } : {}),
      }),
      onStep: puller.onStep,
      onStopped: puller.onStopped,
    },
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
