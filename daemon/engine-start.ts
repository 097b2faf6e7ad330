// Opening the engine for the daemon: the event log under --data-dir (verified, torn tail
// truncated, corruption reported loudly) and the actor host with every unfinished actor recovered.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { AnyStateMachine } from 'xstate';
import { LiveClock } from '../engine/clock.js';
import { ActorHost, type ActorHostOptions } from '../engine/host.js';
import { EventLog } from '../engine/log/event-log.js';
import type { RegisteredMachine } from '../machines/registry-types.js';
import { machineRegistry } from '../machines/registry.js';
import type { PlatformProfile } from '../adapters/platform/index.js';
import type { DaemonFlags } from './flags.js';

export interface RunningEngine {
  readonly log: EventLog;
  readonly host: ActorHost;
  stop(): Promise<void>;
}

/** What the features hand the host: effect bindings and step/stop hooks. */
export interface EngineWiring {
  readonly bind?: (entry: RegisteredMachine) => AnyStateMachine;
  readonly onSpawned?: ActorHostOptions['onSpawned'];
  readonly onStep?: ActorHostOptions['onStep'];
  readonly onStopped?: ActorHostOptions['onStopped'];
}

export async function startEngine(flags: DaemonFlags, profile: PlatformProfile, logger: Logger, wiring: EngineWiring = {}): Promise<RunningEngine> {
  // The event log records what the node decided (secrets are redacted, but names and messages are
  // not): only the daemon's own identity may read it. chmod 0700 on Linux, SYSTEM+Administrators ACL on Windows.
  await mkdir(flags.dataDir, { recursive: true });
  await profile.permissions.restrict(flags.dataDir, 'directory');
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
  const host = new ActorHost({ log, clock: new LiveClock(), registry: machineRegistry, logger, ...wiring });
  const report = host.recover(opened.recovery);
  logger.info(
    {
      logDir,
      records: opened.recovery.records,
      restored: report.restored.length,
      finished: report.finished,
      truncated: report.truncated.length,
      failed: report.failed.length,
      diverged: report.diverged.length,
    },
    'event log recovered',
  );
  const collector = setInterval(() => void log.collect(), 60_000).unref();
  return {
    log,
    host,
    stop: async () => {
      clearInterval(collector);
      await host.shutdown();
      await log.close();
    },
  };
}
