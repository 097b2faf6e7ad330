// "Every state that waits on the outside world has a deadline or a documented reason not to"
// (issue 12), for both image-pull machines: a state that rests (not final, not eventless) either
// has a timer of its own or says in its description what its deadline is, or why it has none.
import { describe, expect, it } from 'vitest';
import type { AnyStateMachine, StateNode } from 'xstate';
import { imageTagMachine } from '../../../machines/image-pull/image-tag.machine.js';
import { nodeImageStatusMachine } from '../../../machines/image-pull/node-image-status.machine.js';

type Node = StateNode<never, never>;

function restingStates(machine: AnyStateMachine): Node[] {
  const out: Node[] = [];
  const walk = (node: Node) => {
    const children = Object.values(node.states ?? {}) as Node[];
    if (children.length === 0 && node.type !== 'final' && node.always === undefined) out.push(node);
    for (const child of children) walk(child);
  };
  walk(machine.root as unknown as Node);
  return out;
}

const hasTimer = (node: Node): boolean => node.after.length > 0;

describe.each([
  ['imageTag', imageTagMachine],
  ['nodeImageStatus', nodeImageStatusMachine],
] as const)('%s: deadlines', (_name, machine) => {
  it('gives every resting state a timer, or a description naming its deadline or why it has none', () => {
    const states = restingStates(machine);
    expect(states.length).toBeGreaterThan(3);
    for (const state of states) {
      if (hasTimer(state)) continue;
      expect(state.description ?? '', state.id).toMatch(/Deadline: |No deadline/);
    }
  });
});
