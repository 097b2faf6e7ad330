// `kruised run`: the node daemon. Startup follows upstream's order (contract §1.5): flags, then
// NODE_NAME (required), the HTTP listeners (a bind failure is fatal), the container runtime (none
// usable is fatal), the API server (unreachable is fatal; the informers become /healthz checks),
// then the engine: the event log is opened and verified and unfinished actors are recovered. It
// serves until a shutdown signal, when actors are stopped without stop records (so the next start
// recovers them) and the log is committed and closed. Features: the image puller (NodeImage),
// ContainerRecreateRequests (per-pod crrPod actors) and container meta (per-pod containerMetaPod
// actors, with gate DaemonWatchingPod), sharing one engine (engine-wiring.ts).
// If the event log fails (disk full, I/O error), the daemon fails stop: the host has halted every
// actor, the cause is logged once (engine-start.ts), and `run` exits 1 so the kubelet restarts it.
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { platformOsOf, platformProfile, type PlatformProfile } from '../adapters/platform/index.js';
import type { EventLogFailure } from '../engine/log/log-failure.js';
import { machineRegistry } from '../machines/registry.js';
import { connectCluster, type ClusterView } from './cluster.js';
import { type RunningEngine, startEngine } from './engine-start.js';
import { combineWirings } from './engine-wiring.js';
import { wireContainerMeta } from './features/container-meta/wiring.js';
import { wireCrr } from './features/crr/wiring.js';
import { wireImagePuller } from './features/image-puller/wiring.js';
import type { DaemonFlags } from './flags.js';
import { serveDaemonHttp, servePprof, type HealthCheck, type MetricSource } from './http.js';
import { startMemorySettler } from './memory-settle.js';
import { findRuntimes, NO_RUNTIME_MESSAGE } from './runtime.js';

export async function runDaemon(flags: DaemonFlags, logger: Logger): Promise<number> {
  const profile = platformProfile(platformOsOf(process.platform));
  if (flags.nodeName === '') {
    logger.error('not found NODE_NAME in environments');
    return 1;
  }
  // /healthz answers 500 until the engine has recovered its actors, then per registered check.
  let engineReady = false;
  const checks = new Map<string, HealthCheck>([['eventLogRecovered', () => (engineReady ? undefined : 'not synced')]]);
  const metrics: MetricSource[] = [];
  const servers: Server[] = [];
  let observer: import('../inspect/daemon-observer.js').ActorObserver | undefined;
  const closeServers = () => Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  try {
    if (flags.enablePprof) servers.push(await servePprof(flags.pprofAddr));
    servers.push(await serveDaemonHttp(flags.addr, checks, metrics));
    // Actor observation (--inspect, --actors-addr) is off by default; its code loads only when asked for.
    if (flags.inspect !== '' || flags.actorsAddr !== '') {
      const { ActorObserver } = await import('../inspect/daemon-observer.js');
      observer = await ActorObserver.start({ inspect: flags.inspect, actorsAddr: flags.actorsAddr, node: flags.nodeName, registry: machineRegistry, logger });
      servers.push(...observer.servers);
    }
  } catch (error) {
    logger.error({ err: error }, 'failed to start the HTTP listeners');
    await closeServers();
    return 1;
  }
  const runtimes = await findRuntimes(flags, profile, logger);
  if (runtimes.length === 0) {
    logger.error(NO_RUNTIME_MESSAGE);
    await closeServers();
    return 1;
  }
  let cluster: ClusterView;
  try {
    cluster = await connectCluster(flags, logger, checks, metrics);
  } catch (error) {
    logger.error({ err: error }, 'cannot reach the API server');
    for (const runtime of runtimes) runtime.client.close();
    await closeServers();
    return 1;
  }
  const imagePuller = wireImagePuller(flags, profile, cluster, runtimes[0]!, logger);
  const crr = wireCrr(flags, profile, cluster, runtimes, logger);
  // gate DaemonWatchingPod off: no pod informer, and no container meta (as upstream)
  const containerMeta = wireContainerMeta(flags, profile, cluster, runtimes, logger);
  const wiring = combineWirings([imagePuller.wiring, crr.wiring, ...(containerMeta ? [containerMeta.wiring] : [])]);
  const engine = await startEngine(flags, profile, logger, observer ? observer.wrap(wiring) : wiring);
  await observer?.attach(engine.host, engine.log);
  imagePuller.start(engine);
  crr.start(engine);
  containerMeta?.start(engine);
  metrics.push(
    { name: 'kruised_event_log_last_seq', help: 'Sequence number of the last event log record.', type: 'counter', value: () => engine.log.lastSeq },
    { name: 'kruised_live_actors', help: 'Actors currently held by the actor host.', type: 'gauge', value: () => engine.host.size },
  );
  // After a burst of work the heap V8 grew for it is given back (memory-settle.ts).
  const settler = startMemorySettler({ activity: () => engine.log.lastSeq, logger });
  engineReady = true;
  logger.info(
    {
      node: flags.nodeName,
      addr: flags.addr,
      runtime: runtimes[0]!.candidate.uri,
      machines: [...machineRegistry.keys()],
      featureGates: flags.featureGates.all(),
    },
    'kruised is running',
  );

  const cause = await stopCause(profile, engine);
  settler.stop();
  if ('failure' in cause) {
    // The features' own stop would flush status writes made from states the log may not hold: skip
    // it. The actors are already halted; only the connections are closed before the exit.
    logger.error({ exitCode: 1 }, 'stopping because the event log failed; exiting with status 1 so the kubelet restarts kruised');
    cluster.stop();
    await engine.stop();
    for (const runtime of runtimes) runtime.client.close();
    await closeServers();
    return 1;
  }
  logger.info({ signal: cause.signal }, 'shutting down');
  await imagePuller.stop();
  await crr.stop();
  await containerMeta?.stop();
  cluster.stop();
  await engine.stop();
  for (const runtime of runtimes) runtime.client.close();
  await closeServers();
  // The last commit may have failed: that was logged, and the restart must know it.
  return engine.log.failure ? 1 : 0;
}

/**
 * What ends the daemon: a shutdown signal (SIGTERM/SIGINT on Linux; on Windows a HostProcess stop
 * is a crash, and only console events arrive), or the event log failing.
 */
function stopCause(profile: PlatformProfile, engine: RunningEngine): Promise<{ signal: string } | { failure: EventLogFailure }> {
  return new Promise((resolve) => {
    const hooks = profile.shutdownHooks({
      onSignal: (name) => {
        hooks.dispose();
        resolve({ signal: name });
      },
    });
    void engine.failed.then((failure) => {
      hooks.dispose();
      resolve({ failure });
    });
  });
}
