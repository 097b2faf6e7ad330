// engine-throughput: events per second through the actor host with the durable log, against the
// same machine driven with plain `createActor().send` and no log.
//
// 1,000 host actors are spawned first (timed separately: `.spawn`, after a spawn warm-up on other
// keys), and 1,000 plain actors are started. Events go round-robin across the keys in chunks of
// one event per key, yielding to the event loop between chunks so group commits run while events
// keep coming. After a warm-up of both, durable and plain rounds alternate (so background load
// drifts hit both sides of the ratio alike) and their times are summed. Every durable round ends
// with `await log.durable()`: the events are on disk when its clock stops.
import { createActor } from 'xstate';
import { LiveClock } from '../../engine/clock.js';
import { ActorHost } from '../../engine/host.js';
import { EventLog } from '../../engine/log/event-log.js';
import { BENCH_MACHINE, benchCounterMachine, benchRegistry, bump, noInput } from './bench-machine.js';
import { collectGarbage, drive, keyOf, progress, timed, withTempDir } from './harness.js';
import { atLeast, atMost, figure, type Result } from './report.js';

const KEYS = 1_000;
const WARMUP_EVENTS = 20_000;
const ROUNDS = 4;
const EVENTS_PER_ROUND = 50_000;
const EVENTS = ROUNDS * EVENTS_PER_ROUND;
const SPAWN_WARMUP = 500;
const ALWAYS_KEYS = 100;
const ALWAYS_WARMUP = 300;
const ALWAYS_EVENTS = 5_000;

export async function run(): Promise<Result[]> {
  const main = await durableAndPlain();
  const always = await alwaysRun();
  return [
    atLeast('engine-throughput.durable', main.durable, 'events/s', 40_000),
    figure('engine-throughput.plain', main.plain, 'events/s'),
    atMost('engine-throughput.ratio', main.plain / main.durable, 'plain/durable', 2),
    figure('engine-throughput.spawn', main.spawn, 'actors/s'),
    figure('engine-throughput.durable-fsync-always', always, 'events/s'),
  ];
}

async function durableAndPlain(): Promise<{ durable: number; plain: number; spawn: number }> {
  return withTempDir('engine', async (dir) => {
    const { log } = await EventLog.open({ dir, fsync: 'group' });
    const host = new ActorHost({ log, clock: new LiveClock(), registry: benchRegistry });
    const actors = Array.from({ length: KEYS }, () => createActor(benchCounterMachine, { input: {} }));
    try {
      for (let i = 0; i < SPAWN_WARMUP; i += 1) host.deliver(`warm/${i}`, BENCH_MACHINE, bump(0), noInput);
      for (let i = 0; i < SPAWN_WARMUP; i += 1) host.release(`warm/${i}`);
      await log.durable();
      collectGarbage();
      progress(`spawning ${KEYS} host actors`);
      const spawnSeconds = await timed(async () => {
        for (let i = 0; i < KEYS; i += 1) host.deliver(keyOf(i), BENCH_MACHINE, bump(0), noInput);
        await log.durable();
      });
      for (const actor of actors) actor.start();

      const keys = Array.from({ length: KEYS }, (_, i) => keyOf(i));
      const sendDurable = (i: number): void => void host.send(keys[i % KEYS]!, bump(i));
      const sendPlain = (i: number): void => actors[i % KEYS]!.send(bump(i));
      await drive(WARMUP_EVENTS, KEYS, sendDurable);
      await log.durable();
      await drive(WARMUP_EVENTS, KEYS, sendPlain);
      collectGarbage();

      progress(`${ROUNDS} alternating rounds of ${EVENTS_PER_ROUND} events: host + durable log (group commit) / plain createActor().send`);
      let durableSeconds = 0;
      let plainSeconds = 0;
      for (let round = 0; round < ROUNDS; round += 1) {
        durableSeconds += await timed(async () => {
          await drive(EVENTS_PER_ROUND, KEYS, sendDurable);
          await log.durable();
        });
        plainSeconds += await timed(() => drive(EVENTS_PER_ROUND, KEYS, sendPlain));
      }

      if (host.size !== KEYS) throw new Error(`expected ${KEYS} live actors, host has ${host.size}`);
      const counted = actors.reduce((sum, actor) => sum + actor.getSnapshot().context.count, 0);
      if (counted !== WARMUP_EVENTS + EVENTS) throw new Error(`plain actors counted ${counted} events`);
      return { durable: EVENTS / durableSeconds, plain: EVENTS / plainSeconds, spawn: KEYS / spawnSeconds };
    } finally {
      for (const actor of actors) actor.stop();
      await host.shutdown();
      await log.close();
    }
  });
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
      progress(`${ALWAYS_EVENTS} events through the host with fsync: always`);
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
