// A durability barrier whose log is handed over later: the composition root binds effects before
// `startEngine()` has opened the log (and recovery may start effects inside it), so effects wait
// here until `resolve(log)`; from then on they wait for the log itself.
import type { DurabilityBarrier } from './durable.js';

export interface DeferredBarrier extends DurabilityBarrier {
  resolve(barrier: DurabilityBarrier): void;
}

export function deferredBarrier(): DeferredBarrier {
  let target: DurabilityBarrier | undefined;
  let release: (b: DurabilityBarrier) => void = () => {};
  const ready = new Promise<DurabilityBarrier>((resolve) => (release = resolve));
  return {
    durable: () => (target ? target.durable() : ready.then((b) => b.durable())),
    resolve(barrier) {
      target = barrier;
      release(barrier);
    },
  };
}
