// The benchmarks' machine: a counter that never finishes and schedules nothing, so an actor stays
// live and idle between events whatever the clock does, and each event changes its snapshot (the
// hash the host records is new every step, as for a real observation).
import { assign, setup } from 'xstate';
import { registryOf } from '../../machines/registry-types.js';

export interface BumpEvent {
  readonly type: 'bench.bump';
  /** The observation's sequence number: lands in context, so every step is a new snapshot. */
  readonly n: number;
}

export const benchCounterMachine = setup({
  types: {
    context: {} as { count: number; last: number },
    input: {} as Record<string, never>,
    events: {} as BumpEvent,
  },
  actions: {
    bump: assign({ count: ({ context }) => context.count + 1, last: ({ event }) => event.n }),
  },
}).createMachine({
  id: 'benchCounter',
  version: '1',
  context: { count: 0, last: 0 },
  initial: 'counting',
  states: {
    counting: { on: { 'bench.bump': { actions: 'bump' } } },
  },
});

export const BENCH_MACHINE = 'benchCounter';

export const benchRegistry = registryOf([{ machine: benchCounterMachine, summary: 'benchmark: counts forever, never schedules' }]);

export const bump = (n: number): BumpEvent => ({ type: 'bench.bump', n });

export const noInput = (): Record<string, never> => ({});
