// Opening the engine for the daemon: the event log under --data-dir (verified, torn tail
// truncated, corruption reported loudly) and the actor host with every unfinished actor recovered.
// When the log fails (disk full, I/O error, read-only remount) the host has already halted every
// actor; this logs the cause once, in an operator's words, and `failed` tells `kruised run` to exit
// non-zero so the kubelet restarts it on a log it can write (docs/architecture.md, fail-stop).
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { AnyStateMachine } from 'xstate';
import { LiveClock } from '../engine/clock.js';
import { ActorHost, type ActorHostOptions } from '../engine/host.js';
import { EventLog } from '../engine/log/event-log.js';
import type { EventLogFailure } from '../engine/log/log-failure.js';
import type { RegisteredMachine } from '../machines/registry-types.js';
import { machineRegistry } from '../machines/registry.js';
import type { PlatformProfile } from '../adapters/platform/index.js';
import type { DaemonFlags } from './flags.js';

export interface RunningEngine {
  readonly log: EventLog;
  readonly host: ActorHost;
  /** Resolves with the cause when the event log fails (the host is then halted); pending otherwise. */
  readonly failed: Promise<EventLogFailure>;
  /** Stops the actors (unfinished, for recovery) and closes the log; after a log failure it only releases the file. */
  stop(): Promise<void>;
}

/** What the features hand the host: effect bindings and step/stop/emitted hooks. */
export interface EngineWiring {
  readonly bind?: (entry: RegisteredMachine) => AnyStateMachine;
  readonly onSpawned?: ActorHostOptions['onSpawned'];
  readonly onStep?: ActorHostOptions['onStep'];
  readonly onStopped?: ActorHostOptions['onStopped'];
  readonly onEmitted?: ActorHostOptions['onEmitted'];
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
    onCollectFailed: (error) => logger.warn({ err: error, logDir }, 'event log segments could not be removed; the next pass tries again'),
  });
  for (const torn of opened.tornTails) logger.warn(torn, 'event log ended in a torn write (a crash mid-write); truncated it');
  for (const bad of opened.corrupt) logger.error(bad, 'event log holds a corrupt record; it is kept as it is and skipped');
  const { log } = opened;
  // The host listens first, so it halts its actors before anything else hears of a failure.
  const host = new ActorHost({ log, clock: new LiveClock(), registry: machineRegistry, logger, ...wiring });
  const failed = new Promise<EventLogFailure>((resolve) =>
    log.listen({
      failed: (failure) => {
        logger.error(
          { file: failure.file, operation: failure.operation, errno: failure.code, dataDir: flags.dataDir, err: failure.cause },
          failureMessage(failure, flags.dataDir),
        );
        resolve(failure);
      },
    }),
  );
  const report = host.recover(opened.recovery);
  logger.info(
    {
      logDir,
      records: opened.recovery.records,
      restored: report.restored.length,
      fromCheckpoint: report.fromCheckpoint.length,
      finished: report.finished,
      truncated: report.truncated.length,
      failed: report.failed.length,
      diverged: report.diverged.length,
    },
    'event log recovered',
  );
  const collector = setInterval(
    () =>
      void log.collect().catch((error: unknown) => logger.warn({ err: error, logDir }, 'event log segments could not be removed; the next pass tries again')),
    60_000,
  ).unref();
  // After a log failure both reject with it; it was reported once, by the listener above.
  const unlessLogFailure = (error: unknown) => {
    if (error !== log.failure) throw error;
  };
  return {
    log,
    host,
    failed,
    stop: async () => {
      clearInterval(collector);
      await host.shutdown().catch(unlessLogFailure);
      await log.close().catch(unlessLogFailure);
    },
  };
}

/** The one line an operator reads when the log fails: what broke, where, and what kruised does about it. */
export function failureMessage(failure: EventLogFailure, dataDir: string): string {
  const what = failure.code === 'ENOSPC' ? `disk full under --data-dir ${dataDir}` : `${failure.meaning}, under --data-dir ${dataDir}`;
  return (
    `event log ${failure.operation} failed (${failure.code ?? 'error'}): ${what}. ` +
    'kruised halted every actor without acting on what it could not record and exits with status 1 so the kubelet restarts it; ' +
    'once the disk takes writes again, the restart recovers from what is on disk'
  );
}
