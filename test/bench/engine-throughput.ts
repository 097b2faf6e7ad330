// engine-throughput: events per second through the actor host with the durable log, against the
// same machine driven with plain `createActor().send` and no log.
//
// 1,000 actors are spawned first (timed separately: `.spawn`), then the events go round-robin
// across the keys in chunks of one event per key, yielding to the event loop between chunks so
// group commits run while events keep coming. Each run warms up first; the durable figures include
// the final `await log.durable()`: the events are on disk when the clock stops.
import { createActor } from 'xstate';
import { LiveClock } from '../../engine/clock.js';
import { ActorHost } from '../../engine/host.js';
import { EventLog } from '../../engine/log/event-log.js';
import { BENCH_MACHINE, benchCounterMachine, benchRegistry, bump, noInput } from './bench-machine.js';
import { collectGarbage, drive, keyOf, progress, timed, withTempDir } from './harness.js';
import { atLeast, atMost, figure, type Result } from './report.js';

const KEYS = 1_000;
const WARMUP_EVENTS = 20_000;
const EVENTS = 200_000;
const ALWAYS_KEYS = 100;
const ALWAYS_WARMUP = 300;
const ALWAYS_EVENTS = 5_000;
const SPAWN_WARMUP = 500;

export async function run(): Promise<Result[]> {
  const durable = await durableRun();
  const plain = await plainRun();
  const always = await alwaysRun();
  return [
    atLeast('engine-throughput.durable', durable.eventsPerSecond, 'events/s', 40_000),
    figure('engine-throughput.plain', plain, 'events/s'),
    atMost('engine-throughput.ratio', plain / durable.eventsPerSecond, 'plain/durable', 2),
    figure('engine-throughput.spawn', durable.spawnPerSecond, 'actors/s'),
    figure('engine-throughput.durable-fsync-always', always, 'events/s'),
  ];
}

async function durableRun(): Promise<{ eventsPerSecond: number; spawnPerSecond: number }> {
  return withTempDir('engine', async (dir) => {
    const { log } = await EventLog.open({ dir, fsync: 'group' });
    const host = new ActorHost({ log, clock: new LiveClock(), registry: benchRegistry });
    try {
      // Spawn warm-up on other keys, released again, so `.spawn` is not a cold-JIT figure.
      for (let i = 0; i < SPAWN_WARMUP; i += 1) host.deliver(`warm/${i}`, BENCH_MACHINE, bump(0), noInput);
      for (let i = 0; i < SPAWN_WARMUP; i += 1) host.release(`warm/${i}`);
      await log.durable();
      collectGarbage();
      progress(`durable: spawning ${KEYS} actors`);
      const spawnSeconds = await timed(async () => {
        for (let i = 0; i < KEYS; i += 1) host.deliver(keyOf(i), BENCH_MACHINE, bump(0), noInput);
        await log.durable();
      });
      const keys = Array.from({ length: KEYS }, (_, i) => keyOf(i));
      const send = (i: number): void => void host.send(keys[i % KEYS]!, bump(i));
      await drive(WARMUP_EVENTS, KEYS, send);
      await log.durable();
      collectGarbage();
      progress(`durable: ${EVENTS} events (group commit)`);
      const seconds = await timed(async () => {
        await drive(EVENTS, KEYS, send);
        await log.durable();
      });
      if (host.size !== KEYS) throw new Error(`expected ${KEYS} live actors, host has ${host.size}`);
      return { eventsPerSecond: EVENTS / seconds, spawnPerSecond: KEYS / spawnSeconds };
    } finally {
      await host.shutdown();
      await log.close();
    }
  });
}

async function plainRun(): Promise<number> {
  const actors = Array.from({ length: KEYS }, () => createActor(benchCounterMachine, { input: {} }).start());
  const send = (i: number): void => actors[i % KEYS]!.send(bump(i));
  await drive(WARMUP_EVENTS, KEYS, send);
  collectGarbage();
  progress(`plain: ${EVENTS} events (createActor().send, no log)`);
  const seconds = await timed(() => drive(EVENTS, KEYS, send));
  const total = actors.reduce((sum, actor) => sum + actor.getSnapshot().context.count, 0);
  if (total !== WARMUP_EVENTS + EVENTS) throw new Error(`plain actors counted ${total} events`);
  for (const actor of actors) actor.stop();
  return EVENTS / seconds;
}

async function alwaysRun(): Promise<number> {
  return withTempDir('engine-always', async (dir) => {
    const { log } = await EventLog.open({ dir, fsync: 'always' });
    const host = new ActorHost({ log, clock: new LiveClock(), registry: benchRegistry });
    try {
      for (let i = 0; i < ALWAYS_KEYS; i += 1) host.deliver(keyOf(i), BENCH_MACHINE, bump(0), noInput);
      const keys = Array.from({ length: ALWAYS_KEYS }, (_, i) => keyOf(i));
      const send = (i: number): void => void host.send(keys[i % ALWAYS_KEYS]!, bump(i));
      await drive(ALWAYS_WARMUP, ALWAYS_KEYS, send);
      await log.durable();
      progress(`durable: ${ALWAYS_EVENTS} events (fsync: always)`);
      const seconds = await timed(async () => {
        await drive(ALWAYS_EVENTS, ALWAYS_KEYS, send);
        await log.durable();
      });
      return ALWAYS_EVENTS / seconds;
    } finally {
      await host.shutdown();
      await log.close();
    }
  });
}
