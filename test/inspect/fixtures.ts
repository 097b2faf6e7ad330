// Machines and logs for the inspector tests, made at test time with the real ActorHost and event log.
// `rollout` has every construct a chart draws (nested and parallel states, an invoke with
// onDone/onError, a named delay, a guard, finals, a root `on`); `careless` stores whatever its
// events carry in its context, as a machine should never do with a secret, so the tests can show
// that redaction still catches it on the way out.
import { assign, fromPromise, setup } from 'xstate';
import { SimulatedClock } from '../../engine/clock.js';
import { ActorHost, type ActorHostOptions } from '../../engine/host.js';
import { EventLog } from '../../engine/log/event-log.js';
import { createRedactor, type SecretValues, secretValueSet } from '../../engine/log/redact.js';
import { registryOf } from '../../machines/registry-types.js';
import { tempDir } from '../support/tmp.js';

export const rolloutMachine = setup({
  types: {
    context: {} as { attempts: number; image: string },
    input: {} as { image: string },
    events: {} as { type: 'rollout.start' } | { type: 'rollout.abort' } | { type: 'probe.ok' } | { type: 'probe.failed' } | { type: 'traffic.shift' },
  },
  actors: { fetchImage: fromPromise<{ ok: boolean }, { image: string }>(async ({ input }) => ({ ok: !input.image.includes('broken') })) },
  delays: { backoff: 1000, settle: 500 },
  guards: { fetched: ({ event }) => (event as unknown as { output: { ok: boolean } }).output.ok, attemptsLeft: ({ context }) => context.attempts < 3 },
  actions: { countAttempt: assign({ attempts: ({ context }) => context.attempts + 1 }) },
}).createMachine({
  id: 'rollout',
  version: '1',
  description: 'A test rollout: fetch, then probe and shift traffic in parallel.',
  context: ({ input }) => ({ attempts: 0, image: input.image }),
  initial: 'idle',
  on: { 'rollout.abort': { target: '.aborted' } },
  states: {
    idle: { on: { 'rollout.start': { target: 'fetching', actions: 'countAttempt' } } },
    fetching: {
      invoke: {
        id: 'fetch',
        src: 'fetchImage',
        input: ({ context }) => ({ image: context.image }),
        onDone: [{ guard: 'fetched', target: 'serving' }, { target: 'backingOff' }],
        onError: { target: 'backingOff' },
      },
    },
    backingOff: {
      always: { guard: ({ context }) => context.attempts >= 3, target: 'aborted' },
      after: { backoff: { target: 'fetching', actions: 'countAttempt' } },
    },
    serving: {
      type: 'parallel',
      states: {
        health: {
          initial: 'probing',
          states: {
            probing: { on: { 'probe.ok': 'verified', 'probe.failed': 'unhealthy' } },
            unhealthy: { after: { settle: 'probing' } },
            verified: { type: 'final' },
          },
        },
        traffic: {
          initial: 'canary',
          states: {
            canary: { on: { 'traffic.shift': 'full' } },
            full: { type: 'final' },
          },
        },
      },
      onDone: 'done',
    },
    done: { type: 'final' },
    aborted: { type: 'final' },
  },
});

export const carelessMachine = setup({
  types: { context: {} as { seen: unknown[] }, events: {} as { type: 'careless.note'; payload: unknown } },
}).createMachine({
  id: 'careless',
  version: '1',
  context: { seen: [] },
  initial: 'listening',
  states: {
    listening: { on: { 'careless.note': { actions: assign({ seen: ({ context, event }) => [...context.seen, event.payload] }) } } },
  },
});

export const inspectRegistry = registryOf([
  { machine: rolloutMachine, summary: 'inspector tests: every construct a chart draws' },
  { machine: carelessMachine, summary: 'inspector tests: keeps what its events carry' },
]);

export interface RecordedHost {
  readonly dir: string;
  readonly log: EventLog;
  readonly host: ActorHost;
  readonly clock: SimulatedClock;
  readonly secrets: SecretValues;
  close(): Promise<void>;
}

/** A real event log and host over the inspector registry, on a simulated clock. */
export async function recordingHost(options: Partial<Pick<ActorHostOptions, 'onSpawned' | 'onStep' | 'onStopped'>> = {}): Promise<RecordedHost> {
  const dir = await tempDir('kruised-inspect-');
  const secrets = secretValueSet();
  const { log } = await EventLog.open({ dir, commitDelayMs: 1, redact: createRedactor(secrets) });
  const clock = new SimulatedClock();
  const host = new ActorHost({ log, clock, registry: inspectRegistry, ...options });
  return {
    dir,
    log,
    host,
    clock,
    secrets,
    close: async () => {
      await host.shutdown();
      await log.close();
    },
  };
}

export const settle = () => new Promise((resolve) => setTimeout(resolve, 10));

/**
 * Three rollouts, with time passing between records: `web` is served and finishes (a failed probe
 * and its settle delay on the way), `api` backs off three times and gives up, `db` is aborted.
 */
export async function recordRollouts(): Promise<string> {
  const env = await recordingHost();
  const { host, clock } = env;
  host.deliver('web', 'rollout', { type: 'rollout.start' }, () => ({ image: 'registry.local/web:2' }));
  await settle();
  clock.advance(2_000);
  host.send('web', { type: 'probe.failed' });
  clock.advance(700);
  await settle();
  host.send('web', { type: 'probe.ok' });
  clock.advance(12_000);
  host.send('web', { type: 'traffic.shift' });
  host.deliver('api', 'rollout', { type: 'rollout.start' }, () => ({ image: 'registry.local/broken:7' }));
  for (let i = 0; i < 3; i += 1) {
    await settle();
    clock.advance(1_000);
  }
  await settle();
  host.deliver('db', 'rollout', { type: 'traffic.shift' }, () => ({ image: 'registry.local/db:1' }));
  clock.advance(30_000);
  host.send('db', { type: 'rollout.abort' });
  await settle();
  await env.close();
  return env.dir;
}
