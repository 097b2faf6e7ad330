// "Every state that waits on the outside world has a deadline or a documented reason not to", for
// the containerMetaPod machine: a state that rests (not final, not eventless) either has a timer
// of its own or says in its description what bounds it or why nothing does.
import { describe, expect, it } from 'vitest';
import type { StateNode } from 'xstate';
import { containerMetaPodMachine } from '../../../machines/container-meta/container-meta-pod.machine.js';

type Node = StateNode<never, never>;

function leafStates(): Node[] {
  const out: Node[] = [];
  const walk = (node: Node) => {
    const children = Object.values(node.states ?? {}) as Node[];
    if (children.length === 0 && node.type !== 'final' && node.always === undefined) out.push(node);
    for (const child of children) walk(child);
  };
  walk(containerMetaPodMachine.root as unknown as Node);
  return out;
}

describe('containerMetaPod: deadlines', () => {
  it('gives every state that waits a timer, or a description naming what bounds it or why nothing does', () => {
    const states = leafStates();
    expect(states.map((s) => s.key).sort()).toEqual(
      [
        'awaitingContainers',
        'awaitingNewContainer',
        'backingOff',
        'computing',
        'patching',
        'reading',
        'restarting',
        'retryingHash',
        'routing',
        'starting',
        'watching',
      ].sort(),
    );
    for (const state of states) {
      if (state.after.length > 0) continue;
      // the decision steps raise their next event at once; the rest wait on an effect or an observation
      if (['starting', 'computing', 'routing'].includes(state.key)) {
        expect(state.description ?? '', state.id).toMatch(/pure/);
        continue;
      }
      expect(state.description ?? '', state.id).toMatch(/Bounded by|No deadline/);
    }
  });
});
