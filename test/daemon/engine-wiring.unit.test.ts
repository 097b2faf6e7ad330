// Several features on one engine: bind by machine id, steps to the feature that owns the machine,
// stops to every feature.
import { describe, expect, it } from 'vitest';
import { createMachine, type AnyMachineSnapshot } from 'xstate';
import { combineWirings } from '../../daemon/engine-wiring.js';
import type { LogRecord } from '../../engine/log/record.js';
import type { RegisteredMachine } from '../../machines/registry-types.js';

const entry = (id: string): RegisteredMachine => ({ id, version: '1', machine: createMachine({ id, version: '1' }), summary: id });
const record = (machine: string) => ({ machine }) as LogRecord;
const snapshot = {} as AnyMachineSnapshot;

describe('combining feature wirings', () => {
  it('binds each machine with the feature that claims it, and leaves unclaimed machines as they are', () => {
    const a = entry('a');
    const b = entry('b');
    const other = entry('other');
    const boundA = createMachine({ id: 'a-bound' });
    const boundB = createMachine({ id: 'b-bound' });
    const wiring = combineWirings([
      { machines: ['a'], bind: (e) => (e.id === 'a' ? boundA : e.machine) },
      { machines: ['b'], bind: () => boundB },
    ]);
    expect(wiring.bind!(a)).toBe(boundA);
    expect(wiring.bind!(b)).toBe(boundB);
    expect(wiring.bind!(other)).toBe(other.machine);
  });

  it('refuses a machine claimed by two features', () => {
    expect(() => combineWirings([{ machines: ['a'] }, { machines: ['b', 'a'] }])).toThrow('machine a is wired by two features');
  });

  it('sends each step to the owner of the stepping machine, and every stop to every feature', () => {
    const seen: string[] = [];
    const wiring = combineWirings([
      { machines: ['a'], onStep: (key) => seen.push(`a step ${key}`), onStopped: (key, reason) => seen.push(`a stop ${key} ${reason}`) },
      { machines: ['b'], onStep: (key) => seen.push(`b step ${key}`), onStopped: (key, reason) => seen.push(`b stop ${key} ${reason}`) },
      { machines: ['c'] },
    ]);
    wiring.onStep!('k1', snapshot, record('b'));
    wiring.onStep!('k2', snapshot, record('c'));
    wiring.onStep!('k3', snapshot, record('unknown'));
    wiring.onStopped!('k1', 'done');
    expect(seen).toEqual(['b step k1', 'a stop k1 done', 'b stop k1 done']);
  });
});

describe('combining feature wirings: emitted events', () => {
  it('sends each emitted event to the feature that owns the emitting machine, and to no other', () => {
    const seen: string[] = [];
    const wiring = combineWirings([
      { machines: ['a'], onEmitted: (key, event) => seen.push(`a ${key} ${event.type}`) },
      { machines: ['b'], onEmitted: (key, event) => seen.push(`b ${key} ${event.type}`) },
      { machines: ['c'] },
    ]);
    wiring.onEmitted!('k1', { type: 'x.said' }, record('b'));
    wiring.onEmitted!('k2', { type: 'x.said' }, record('a'));
    wiring.onEmitted!('k3', { type: 'x.said' }, record('c'));
    wiring.onEmitted!('k4', { type: 'x.said' }, record('unknown'));
    expect(seen).toEqual(['b k1 x.said', 'a k2 x.said']);
  });
});
