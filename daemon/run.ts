// `kruised run`: the node daemon. Startup follows upstream's order where it applies: flags, then
// NODE_NAME (required), the HTTP listeners (a bind failure is fatal), then the engine: the event
// log is opened and verified, unfinished actors are recovered, and the process serves until
// SIGTERM/SIGINT, when actors are stopped without stop records (so the next start recovers them)
// and the log is committed and closed. Feature controllers join here as their issues land.
import type { Server } from 'node:http';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { LiveClock } from '../engine/clock.js';
import { ActorHost } from '../engine/host.js';
import { EventLog } from '../engine/log/event-log.js';
import { machineRegistry } from '../machines/registry.js';
import { platformOsOf, platformProfile } from '../adapters/platform/index.js';
import type { DaemonFlags } from './flags.js';
import { serveDaemonHttp, servePprof, type HealthCheck, type MetricSource } from './http.js';

const COLLECT_EVERY_MS = 60_000;

export async function runDaemon(flags: DaemonFlags, logger: Logger): Promise<number> {
  if (flags.nodeName === '') {
    logger.error('not found NODE_NAME in environments');
    return 1;
  }
  const logDir = join(flags.dataDir, 'events');
  const opened = await EventLog.open({
    dir: logDir,
    fsync: flags.eventLogFsync,
    commitDelayMs: flags.eventLogCommitDelayMs,
    segmentBytes: flags.eventLogSegmentBytes,
    maxBytes: flags.eventLogMaxBytes,
    retentionMs: flags.eventLogRetentionMs,
    onSegmentRemoved: ({ file, lostLive }) =>
      lostLive.length === 0
        ? logger.info({ file }, 'event log segment removed by retention')
        : logger.warn({ file, lostLive }, 'event log size cap removed history of live actors; they will be rebuilt from fresh observations'),
  });
  for (const torn of opened.tornTails) logger.warn(torn, 'event log ended in a torn write (a crash mid-write); truncated it');
  for (const bad of opened.corrupt) logger.error(bad, 'event log holds a corrupt record; it is kept as it is and skipped');
  const { log } = opened;
  const host = new ActorHost({ log, clock: new LiveClock(), registry: machineRegistry, logger });
  const report = host.recover(opened.recovery);
  logger.info({ logDir, records: opened.recovery.records, restored: report.restored.length, finished: report.finished, truncated: report.truncated.length, failed: report.failed.length, diverged: report.diverged.length }, 'event log recovered');

  const checks = new Map<string, HealthCheck>();
  const metrics: MetricSource[] = [
    { name: 'kruised_event_log_last_seq', help: 'Sequence number of the last event log record.', type: 'counter', value: () => log.lastSeq },
    { name: 'kruised_live_actors', help: 'Actors currently held by the actor host.', type: 'gauge', value: () => host.size },
  ];
  const servers: Server[] = [];
  try {
    if (flags.enablePprof) servers.push(await servePprof(flags.pprofAddr));
    servers.push(await serveDaemonHttp(flags.addr, checks, metrics));
  } catch (error) {
    logger.error({ err: error }, 'failed to start the HTTP listeners');
    await host.shutdown();
    await log.close();
    return 1;
  }
  logger.info({ node: flags.nodeName, addr: flags.addr, machines: [...machineRegistry.keys()], featureGates: flags.featureGates.all() }, 'kruised is running');
  const collector = setInterval(() => void log.collect(), COLLECT_EVERY_MS).unref();

  // SIGTERM/SIGINT on Linux; on Windows a HostProcess stop is a crash, and only console events arrive.
  const signal = await new Promise<string>((resolve) => {
    const hooks = platformProfile(platformOsOf(process.platform)).shutdownHooks({
      onSignal: (name) => {
        hooks.dispose();
        resolve(name);
      },
    });
  });
  logger.info({ signal }, 'shutting down');
  clearInterval(collector);
  await host.shutdown();
  await log.close();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return 0;
}
