// `kruised replay --inspect`'s core against Stately's own inspector server (@statelyai/inspect/server,
// as an operator runs it): a log recorded at test time by the real host is folded and sent as
// @xstate.actor (with the machine's definition), @xstate.event and @xstate.snapshot, made by the
// @statelyai/inspect package; paced, stepped, and refused clearly when nothing listens.
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createMachine } from 'xstate';
import { replayLog } from '../../engine/replay.js';
import { machineDefinition } from '../../inspect/actor-items.js';
import { replayToInspector } from '../../inspect/replay-inspect.js';
import { InspectorConnectError } from '../../inspect/stately.js';
import { machineRegistry } from '../../machines/registry.js';
import { machineConfigJson } from '../../visualizations/export.js';
import { inspectRegistry, recordRollouts, rolloutMachine } from './fixtures.js';
import { freePort, type ReceivingInspector, receivingInspector } from './inspector-server.js';

let inspector: ReceivingInspector | undefined;
afterEach(async () => {
  await inspector?.close();
  inspector = undefined;
});

const quietly = { print: () => {}, input: Readable.from([]) };

describe('replay to Stately', () => {
  it("sends every actor with its machine's definition, then each record's event and the snapshot it led to", async () => {
    const dir = await recordRollouts();
    inspector = await receivingInspector();
    const outcome = await replayToInspector(dir, { url: inspector.url, registry: inspectRegistry, speed: 0, maxGapMs: 0, step: false, ...quietly });
    expect(outcome.result.divergence).toBeUndefined();
    expect(outcome.sent).toBe(outcome.result.records);
    await inspector.waitFor(outcome.messages);
    expect(inspector.messages).toHaveLength(outcome.messages);
    const folded = await replayLog(dir, { registry: inspectRegistry, keepSteps: true });
    for (const actor of folded.actors) {
      const mine = inspector.messages.filter((m) => m.sessionId === actor.key);
      // What XState's own inspection reports: the actor, its init event and snapshot, then event + snapshot per record.
      const registration = mine[0]!;
      expect(registration).toMatchObject({ type: '@xstate.actor', name: 'rollout', sessionId: actor.key, _version: '0.7.2' });
      expect(JSON.parse(registration.definition!)).toEqual(machineDefinition(rolloutMachine));
      expect(mine[1]).toMatchObject({ type: '@xstate.event', event: { type: 'xstate.init' } });
      expect(mine[2]).toMatchObject({ type: '@xstate.snapshot', event: { type: 'xstate.init' }, snapshot: { value: 'idle', status: 'active' } });
      const steps = actor.steps.filter((s) => s.record.kind === 'event' || s.record.kind === 'internal');
      const events = mine.filter((m) => m.type === '@xstate.event').slice(1);
      const snapshots = mine.filter((m) => m.type === '@xstate.snapshot').slice(1);
      expect(events.map((m) => m.event)).toEqual(steps.map((s) => s.record.event));
      expect(snapshots.map((m) => m.snapshot?.value)).toEqual(steps.map((s) => s.to));
      // The record's own time, not the moment it was sent.
      expect(snapshots.map((m) => Number(m.createdAt))).toEqual(steps.map((s) => s.record.time));
      expect(snapshots.at(-1)?.snapshot?.status).toBe('done');
    }
    const web = inspector.messages.filter((m) => m.sessionId === 'web' && m.type === '@xstate.snapshot');
    expect(web.map((m) => m.snapshot?.value)).toContainEqual({ serving: { health: 'unhealthy', traffic: 'canary' } });
    expect(web.at(-1)?.snapshot?.context).toEqual({ attempts: 1, image: 'registry.local/web:2' });
  });

  it("sends every registered machine's definition as the charts in visualizations/ hold it", async () => {
    // The package stringifies each machine's config itself; it must come out whole (no depth cut) and equal to <id>.json.
    const { StatelySink } = await import('../../inspect/stately.js');
    inspector = await receivingInspector();
    // And one nested deeper than the package's default depth limit would keep.
    const deep = createMachine({
      id: 'deep',
      initial: 'a',
      states: {
        a: {
          initial: 'b',
          states: { b: { initial: 'c', states: { c: { initial: 'd', states: { d: { on: { go: { target: 'e', actions: ['x'] } } }, e: {} } } } } },
        },
      },
    });
    const machines = [...[...machineRegistry.values()].map((e) => e.machine), deep];
    const sink = await StatelySink.open({ url: inspector.url, mode: 'replay', definition: (id) => machines.find((m) => m.id === id)?.config });
    for (const machine of machines) {
      sink.write({
        type: 'running',
        key: `a-${machine.id}`,
        machine: machine.id,
        version: '1',
        time: 1,
        snapshot: { status: 'active', value: 'x', context: {}, children: [] },
      });
    }
    await sink.close();
    await inspector.waitFor(machines.length);
    for (const machine of machines) {
      const registration = inspector.messages.find((m) => m.sessionId === `a-${machine.id}`);
      expect(JSON.parse(registration!.definition!), machine.id).toEqual(JSON.parse(machineConfigJson(machine)));
    }
  });

  it('paces records by their own spacing divided by --speed, shortening long gaps to --max-gap and saying so', async () => {
    const dir = await recordRollouts();
    inspector = await receivingInspector();
    const waits: number[] = [];
    const lines: string[] = [];
    const base = { url: inspector.url, registry: inspectRegistry, step: false, input: Readable.from([]), print: (l: string) => lines.push(l) };
    await replayToInspector(dir, { ...base, speed: 10, maxGapMs: 2_000, sleep: async (ms) => void waits.push(ms) });
    // web: 2 s, 0.5 s, 0.2 s, 12 s between its records; db waits 30 s for its abort. At 10x: 200, 50, 20, 1200, …, 3000 → 2000.
    expect(waits).toContain(200);
    expect(waits).toContain(50);
    expect(waits).toContain(1_200);
    expect(waits).toContain(2_000);
    expect(Math.max(...waits)).toBe(2_000);
    expect(lines.some((l) => /3 s without records, shortened to 2 s/.test(l))).toBe(true);
    expect(lines.filter((l) => /#\d+ {2}(web|api|db) {2}/.test(l))).toHaveLength(20);
  });

  it('steps one record per line of input (a number steps that many) and stops where the input ends', async () => {
    const dir = await recordRollouts();
    inspector = await receivingInspector();
    const lines: string[] = [];
    const outcome = await replayToInspector(dir, {
      url: inspector.url,
      registry: inspectRegistry,
      speed: 0,
      maxGapMs: 0,
      step: true,
      input: Readable.from(['\n', '3\n', '\n']),
      print: (l) => lines.push(l),
    });
    expect(outcome.sent).toBe(5);
    expect(outcome.total).toBe(20);
    expect(lines).toEqual([
      expect.stringMatching(/#1 {2}web {2}spawn {2}→ idle$/),
      expect.stringMatching(/#2 /),
      expect.stringMatching(/#3 /),
      expect.stringMatching(/#4 /),
      expect.stringMatching(/#5 {2}web {2}after settle/),
    ]);
    // spawn (actor, init event, init snapshot) + 4 records (event + snapshot each)
    await inspector.waitFor(3 + 4 * 2);
    expect(inspector.messages.at(-1)).toMatchObject({ type: '@xstate.snapshot', snapshot: { value: { serving: { health: 'probing', traffic: 'canary' } } } });
  });

  it('fails with a clear error when no inspector server listens', async () => {
    const dir = await recordRollouts();
    const url = `ws://127.0.0.1:${await freePort()}`;
    const attempt = replayToInspector(dir, { url, registry: inspectRegistry, speed: 0, maxGapMs: 0, step: false, ...quietly });
    await expect(attempt).rejects.toThrow(InspectorConnectError);
    await expect(attempt).rejects.toThrow(new RegExp(`cannot connect to the inspector at ${url}: .*ECONNREFUSED.*start an inspector server there first`));
  });
});
