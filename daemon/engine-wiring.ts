// One engine, several features: each feature hands over its EngineWiring together with the
// machine ids it binds. The combined `bind` gives every machine to the feature that claims it
// (a machine claimed twice is a wiring bug, caught at startup); `onStep` and `onEmitted` go to the
// feature that claims the stepping (emitting) machine; `onStopped` carries only a key, so it goes
// to every feature, and each ignores keys it does not own.
import type { AnyStateMachine } from 'xstate';
import type { RegisteredMachine } from '../machines/registry-types.js';
import type { EngineWiring } from './engine-start.js';

export interface FeatureWiring extends EngineWiring {
  /** Config ids of the machines this feature binds and follows. */
  readonly machines: readonly string[];
}

export function combineWirings(features: readonly FeatureWiring[]): EngineWiring {
  const owner = new Map<string, FeatureWiring>();
  for (const feature of features) {
    for (const id of feature.machines) {
      if (owner.has(id)) throw new Error(`machine ${id} is wired by two features`);
      owner.set(id, feature);
    }
  }
  const stoppers = features.flatMap((f) => (f.onStopped ? [f.onStopped] : []));
  return {
    bind: (entry: RegisteredMachine): AnyStateMachine => owner.get(entry.id)?.bind?.(entry) ?? entry.machine,
    onStep: (key, snapshot, record) => owner.get(record.machine)?.onStep?.(key, snapshot, record),
    onEmitted: (key, event, record) => owner.get(record.machine)?.onEmitted?.(key, event, record),
    onStopped: (key, reason) => {
      for (const stopped of stoppers) stopped(key, reason);
    },
  };
}
