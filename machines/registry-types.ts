// The shape every production machine registers under: the engine, `kruised replay` and
// `kruised charts` find machines only through a registry of these entries.
import type { AnyStateMachine } from 'xstate';

export interface RegisteredMachine {
  /** The machine's config id: the name the event log records. */
  readonly id: string;
  /** The machine's config version, bumped whenever it decides differently for the same events. */
  readonly version: string;
  /** The pure machine: effects are named placeholders, bound by effects/ at run time. */
  readonly machine: AnyStateMachine;
  /** One sentence for `kruised charts` and the docs. */
  readonly summary: string;
}

export type MachineRegistry = ReadonlyMap<string, RegisteredMachine>;

export function registryOf(entries: ReadonlyArray<{ machine: AnyStateMachine; summary: string }>): MachineRegistry {
  const map = new Map<string, RegisteredMachine>();
  for (const { machine, summary } of entries) {
    const version = machine.version;
    if (version === undefined) throw new Error(`machine ${machine.id} has no config version`);
    if (map.has(machine.id)) throw new Error(`machine id ${machine.id} registered twice`);
    map.set(machine.id, { id: machine.id, version, machine, summary });
  }
  return map;
}
