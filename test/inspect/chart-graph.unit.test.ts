// The chart the page draws, as data: states and transitions read from XState's own state nodes, the
// same from a live machine as from the config form the daemon serves; and the page model's
// timelines built from actor items.
import { describe, expect, it } from 'vitest';
import { createMachine } from 'xstate';
import { machineDefinition } from '../../inspect/actor-items.js';
import { activePaths, chartGraph } from '../../inspect/chart-graph.js';
import { PageModel } from '../../inspect/page-model.js';
import { machineRegistry } from '../../machines/registry.js';
import { rolloutMachine } from './fixtures.js';

describe('chartGraph', () => {
  const graph = chartGraph(rolloutMachine);

  it('reads the state tree: types, initial children, invocations, final states', () => {
    const byPath = new Map<string, (typeof graph)['root']>();
    const walk = (n: (typeof graph)['root']) => {
      byPath.set(n.path, n);
      n.children.forEach(walk);
    };
    walk(graph.root);
    expect([...byPath.keys()]).toEqual([
      '',
      'idle',
      'fetching',
      'backingOff',
      'serving',
      'serving.health',
      'serving.health.probing',
      'serving.health.unhealthy',
      'serving.health.verified',
      'serving.traffic',
      'serving.traffic.canary',
      'serving.traffic.full',
      'done',
      'aborted',
    ]);
    expect(graph).toMatchObject({ machine: 'rollout', version: '1', description: 'A test rollout: fetch, then probe and shift traffic in parallel.' });
    expect(byPath.get('')).toMatchObject({ type: 'compound', initial: 'idle' });
    expect(byPath.get('serving')).toMatchObject({ type: 'parallel' });
    expect(byPath.get('serving')?.initial).toBeUndefined();
    expect(byPath.get('serving.health')).toMatchObject({ type: 'compound', initial: 'serving.health.probing' });
    expect(byPath.get('serving.traffic.full')?.type).toBe('final');
    expect(byPath.get('fetching')?.invokes).toEqual(['fetchImage']);
  });

  it('labels every transition as an operator reads it: events, done/error of effects, timers, eventless, onDone, from the root', () => {
    const edges = graph.edges.map(({ source, target, kind, label, guard }) => `${source} -> ${target}: ${kind} ${label}${guard ? ` [${guard}]` : ''}`);
    expect(edges).toEqual([
      ' -> aborted: event rollout.abort',
      'idle -> fetching: event rollout.start',
      'fetching -> serving: done done: fetch [fetched]',
      'fetching -> backingOff: done done: fetch',
      'fetching -> backingOff: error error: fetch',
      'backingOff -> fetching: after after backoff',
      'backingOff -> aborted: always always [guard]',
      'serving -> done: onDone onDone',
      'serving.health.probing -> serving.health.verified: event probe.ok',
      'serving.health.probing -> serving.health.unhealthy: event probe.failed',
      'serving.health.unhealthy -> serving.health.probing: after after settle',
      'serving.traffic.canary -> serving.traffic.full: event traffic.shift',
    ]);
    expect(graph.edges.find((e) => e.label === 'rollout.start')?.actions).toEqual(['countAttempt']);
  });

  it('draws the same chart from the config form the daemon serves as from the live machine, for every registered machine', () => {
    for (const entry of [...machineRegistry.values(), { machine: rolloutMachine }]) {
      const fromConfig = chartGraph(createMachine(machineDefinition(entry.machine) as never));
      expect(fromConfig, entry.machine.id).toEqual(chartGraph(entry.machine));
    }
  });

  it('names the active states of a snapshot value, parents first', () => {
    expect(activePaths('idle')).toEqual(['', 'idle']);
    expect(activePaths({ serving: { health: 'probing', traffic: 'canary' } })).toEqual([
      '',
      'serving',
      'serving.health',
      'serving.health.probing',
      'serving.traffic',
      'serving.traffic.canary',
    ]);
  });
});

describe('PageModel', () => {
  const base = { machine: 'rollout', version: '1' };
  const snap = (value: unknown, status: 'active' | 'done' = 'active') => ({ status, value, context: { n: 1 }, children: [] });

  it('builds a timeline per incarnation and tells a page what changed', () => {
    const model = new PageModel({ kind: 'log', path: 'x', records: 0, clean: true });
    expect(model.apply({ ...base, type: 'spawn', key: 'web', seq: 1, time: 10, input: { image: 'i' }, snapshot: snap('idle') })).toEqual([
      { type: 'actor', actor: expect.objectContaining({ id: 'web', key: 'web' }) },
    ]);
    const [update] = model.apply({
      ...base,
      type: 'step',
      key: 'web',
      seq: 2,
      time: 20,
      kind: 'event',
      event: { type: 'rollout.start' },
      snapshot: snap('fetching'),
      matches: false,
    });
    expect(update).toEqual({
      type: 'step',
      id: 'web',
      step: {
        seq: 2,
        time: 20,
        kind: 'event',
        label: 'rollout.start',
        event: { type: 'rollout.start' },
        status: 'active',
        state: 'fetching',
        active: ['', 'fetching'],
        context: { n: 1 },
        matches: false,
      },
    });
    model.apply({ ...base, type: 'stop', key: 'web', seq: 3, time: 30, reason: 'released' });
    // The key's next incarnation is a new actor; a resync that changes nothing adds no step.
    model.apply({ ...base, type: 'spawn', key: 'web', seq: 9, time: 40, input: {}, snapshot: snap('idle') });
    expect(model.apply({ ...base, type: 'running', key: 'web', time: 50, snapshot: snap('idle') })).toEqual([]);
    const view = model.view();
    expect(view.actors.map((a) => a.id)).toEqual(['web', 'web#9']);
    expect(view.actors[0]?.steps.map((s) => `${s.label}: ${s.state} (${s.status})`)).toEqual([
      'spawn: idle (active)',
      'rollout.start: fetching (active)',
      'stop (released): fetching (stopped)',
    ]);
  });
});
