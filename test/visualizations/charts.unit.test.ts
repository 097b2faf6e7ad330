import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type AnyStateMachine, assign, createMachine, emit, fromPromise, not, raise, setup } from 'xstate';
import { machineRegistry } from '../../machines/registry.js';
import { chartShape } from '../../visualizations/chart-shape.js';
import { machineConfigJson, toMermaid } from '../../visualizations/export.js';
import { chartFiles } from '../../visualizations/write-charts.js';

const committedDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../visualizations');

// Small but covers every construct the exporter draws: parallel regions, a nested compound state,
// an invoke with onDone/onError, a named `after` delay, a guard, final states and a root `on`.
const sampleMachine = setup({
  actors: { loadManifest: fromPromise<string>(async () => 'manifest') },
  delays: { settle: 50 },
  guards: { manifestValid: () => true },
}).createMachine({
  id: 'sample',
  version: '7',
  type: 'parallel',
  context: { tries: 0 },
  on: { abort: { target: '.work.gaveUp' } },
  states: {
    work: {
      initial: 'loading',
      states: {
        loading: {
          invoke: {
            id: 'manifest',
            src: 'loadManifest',
            onDone: [{ guard: 'manifestValid', target: 'applying' }, { target: 'gaveUp' }],
            onError: { target: 'gaveUp' },
          },
        },
        applying: {
          initial: 'staging',
          states: {
            staging: { after: { settle: 'committing' } },
            committing: { on: { committed: 'finished' } },
            finished: { type: 'final' },
          },
          onDone: 'done',
        },
        done: { type: 'final' },
        gaveUp: { type: 'final', entry: assign({ tries: ({ context }) => context.tries + 1 }) },
      },
    },
    watch: {
      initial: 'idle',
      states: { idle: { on: { poke: 'poked' } }, poked: { after: { 1000: 'idle' } } },
    },
  },
});

const decodeEntities = (text: string): string => text.replace(/#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));

describe('toMermaid', () => {
  const mermaid = toMermaid(sampleMachine);
  const lines = mermaid.split('\n').map((line) => line.trim());

  it('starts with a stateDiagram-v2 header, ends with a newline, and gives the same text every time', () => {
    expect(mermaid.startsWith('stateDiagram-v2\n')).toBe(true);
    expect(mermaid.endsWith('\n')).toBe(true);
    expect(toMermaid(sampleMachine)).toBe(mermaid);
  });

  it('nests compound states and separates the regions of a parallel state with --', () => {
    expect(lines).toContain('state "sample" as sample {');
    expect(lines).toContain('state "work" as sample__work {');
    expect(lines).toContain('state "applying" as sample__work__applying {');
    expect(lines).toContain('--');
    const separator = lines.indexOf('--');
    expect(lines.indexOf('state "work" as sample__work {')).toBeLessThan(separator);
    expect(lines.indexOf('state "watch" as sample__watch {')).toBeGreaterThan(separator);
  });

  it('marks initial states with [*] --> and final states with --> [*]', () => {
    expect(lines).toContain('[*] --> sample');
    expect(lines).toContain('[*] --> sample__work__loading');
    expect(lines).toContain('[*] --> sample__work__applying__staging');
    expect(lines).toContain('[*] --> sample__watch__idle');
    expect(lines).toContain('sample__work__done --> [*]');
    expect(lines).toContain('sample__work__gaveUp --> [*]');
    expect(lines).toContain('sample__work__applying__finished --> [*]');
  });

  it('labels delayed transitions with their delay name or duration instead of the xstate.after event type', () => {
    expect(lines).toContain('sample__work__applying__staging --> sample__work__applying__committing : after settle');
    expect(lines).toContain('sample__watch__poked --> sample__watch__idle : after 1000ms');
    expect(mermaid).not.toContain('xstate.after');
  });

  it('labels invoke completions as done: and error: with the invoke id, and guarded ones with [guard]', () => {
    // Mermaid ends a label at a colon, so it is written as the entity #58; and rendered as ':'.
    expect(lines).toContain('sample__work__loading --> sample__work__applying : done#58; manifest [manifestValid]');
    expect(lines).toContain('sample__work__loading --> sample__work__gaveUp : done#58; manifest');
    expect(lines).toContain('sample__work__loading --> sample__work__gaveUp : error#58; manifest');
    expect(decodeEntities('done#58; manifest [manifestValid]')).toBe('done: manifest [manifestValid]');
    expect(mermaid).not.toContain('xstate.done.actor');
  });

  it('draws eventless (always) transitions, which toJSON leaves out, with their guards', () => {
    const chooser = setup({ guards: { ready: () => true } }).createMachine({
      id: 'chooser',
      initial: 'deciding',
      states: { deciding: { always: [{ guard: 'ready', target: 'go' }, { target: 'wait' }] }, go: { type: 'final' }, wait: {} },
    });
    const text = toMermaid(chooser);
    expect(text).toContain('chooser__deciding --> chooser__go : always [ready]');
    expect(text).toContain('chooser__deciding --> chooser__wait : always');
  });

  it('describes invoked actors on their state and draws root and onDone transitions', () => {
    expect(lines).toContain('sample__work__loading : invoke loadManifest as manifest');
    expect(lines).toContain('sample --> sample__work__gaveUp : abort');
    expect(lines).toContain('sample__work__applying --> sample__work__done : onDone');
    expect(lines).toContain('sample__work__applying__committing --> sample__work__applying__finished : committed');
  });
});

// Every construct a config can hold that JSON cannot: inline functions as guard, actions, input,
// context and delay-free `after`; plus eventless transitions, a history state and reentry.
const configSample = setup({
  actors: { loadManifest: fromPromise<string, { url: string }>(async () => 'manifest') },
  delays: { settle: 50 },
  guards: { ready: () => true },
  actions: { announce: () => undefined },
}).createMachine({
  id: 'configSample',
  version: '2',
  description: 'Exercises the config export.',
  context: () => ({ tries: 0, url: 'https://example.invalid' }),
  initial: 'deciding',
  states: {
    deciding: {
      description: 'Routes on the context at once.',
      always: [
        { guard: 'ready', target: 'loading', actions: 'announce' },
        { guard: ({ context }) => context.tries > 3, target: 'done' },
        { target: 'waiting', actions: assign({ tries: ({ context }) => context.tries + 1 }) },
      ],
    },
    waiting: {
      after: { settle: 'deciding', 1000: { target: 'waiting', reenter: true } },
      on: {
        poke: [
          { guard: not('ready'), actions: emit({ type: 'notReady' }) },
          { target: 'deciding', actions: raise({ type: 'poked' }) },
        ],
      },
    },
    loading: {
      entry: ['announce'],
      exit: assign({ url: '' }),
      invoke: { id: 'manifest', src: 'loadManifest', input: ({ context }) => ({ url: context.url }), onDone: 'work', onError: 'deciding' },
    },
    work: {
      type: 'parallel',
      states: {
        a: { initial: 'one', states: { one: { on: { next: 'two' } }, two: { type: 'final' }, back: { type: 'history', history: 'deep' } } },
        b: { initial: 'x', states: { x: { always: { target: 'y' } }, y: { type: 'final' } } },
      },
      onDone: 'done',
    },
    done: { type: 'final' },
  },
});

/** What `createMachine` builds from an exported chart. */
const loaded = (json: string): AnyStateMachine => createMachine(JSON.parse(json) as Parameters<typeof createMachine>[0]);

describe('machineConfigJson', () => {
  const json = machineConfigJson(configSample);
  const config = JSON.parse(json) as Record<string, unknown>;

  it('gives the config as @statelyai/inspect sends it: functions as {type: name}, names as written, the same text every time', () => {
    expect(json.endsWith('}\n')).toBe(true);
    expect(machineConfigJson(configSample)).toBe(json);
    expect(Object.keys(config).slice(0, 4)).toEqual(['id', 'version', 'description', 'context']);
    expect(config.context).toEqual({ type: 'context' });
    const states = config.states as Record<string, Record<string, unknown>>;
    expect(states.deciding?.always).toEqual([
      { guard: 'ready', target: 'loading', actions: 'announce' },
      { guard: { type: 'guard' }, target: 'done' },
      { target: 'waiting', actions: { type: 'assign' } },
    ]);
    expect(states.loading?.invoke).toEqual({ id: 'manifest', src: 'loadManifest', input: { type: 'input' }, onDone: 'work', onError: 'deciding' });
    expect(states.waiting?.after).toEqual({ 1000: { target: 'waiting', reenter: true }, settle: 'deciding' });
    expect(states.waiting?.on).toEqual({
      poke: [
        { guard: { type: 'not' }, actions: { type: 'emit' } },
        { target: 'deciding', actions: { type: 'raise' } },
      ],
    });
    expect(json).not.toMatch(/=>|function/);
  });

  it('loads in createMachine as the same states and transitions, eventless and delayed ones included', () => {
    const live = chartShape(configSample);
    expect(chartShape(loaded(json))).toEqual(live);
    const events = live.transitions.map((t) => t.event);
    expect(events.filter((e) => e === '')).toHaveLength(4);
    expect(events).toEqual(
      expect.arrayContaining(['xstate.after.settle.configSample.waiting', 'xstate.after.1000.configSample.waiting', 'xstate.done.actor.manifest']),
    );
    expect(live.transitions.find((t) => t.event === '' && t.targets[0] === 'configSample.done')).toMatchObject({ guard: 'guard' });
    expect(live.states.find((n) => n.id === 'configSample.work.a.back')).toMatchObject({ type: 'history', history: 'deep' });
  });

  it('tells charts apart that lack a transition: the old toJSON export, without `always`, does not pass', () => {
    const withoutAlways = JSON.parse(json) as { states: Record<string, { always?: unknown }> };
    delete withoutAlways.states.deciding?.always;
    expect(chartShape(loaded(JSON.stringify(withoutAlways)))).not.toEqual(chartShape(configSample));
    // XState's own definition is no config: createMachine cannot read it back.
    expect(() => chartShape(loaded(JSON.stringify(configSample.toJSON())))).toThrow();
  });
});

describe('every registered machine as a chart', () => {
  const files = chartFiles(machineRegistry);

  it.each([...machineRegistry.values()].map((entry) => [entry.id, entry.machine] as const))(
    '%s: its exported config loads in createMachine as the live machine, states and transitions alike',
    (id, machine) => {
      const json = files.get(`${id}.json`) ?? '';
      const chart = loaded(json);
      expect(chart.id).toBe(id);
      expect(chartShape(chart)).toEqual(chartShape(machine));
    },
  );

  // Eventless transitions are shown kept by the sample machine above: crrPod v4 routes by raised events, so no registered machine has one today.
  it('keeps delayed transitions, which the charts of the old export lost', () => {
    const events = [...machineRegistry.values()].flatMap((entry) => chartShape(loaded(files.get(`${entry.id}.json`) ?? '')).transitions.map((t) => t.event));
    expect(events.filter((e) => e.startsWith('xstate.after.')).length).toBeGreaterThan(0);
  });
});

describe('committed charts in visualizations/', () => {
  const expected = chartFiles(machineRegistry);

  it('match what the machine registry generates, file by file', async () => {
    for (const [name, content] of expected) {
      const committed = await readFile(path.join(committedDir, name), 'utf8').catch(() => undefined);
      expect(committed, `visualizations/${name} is missing or stale: run \`make charts\` and commit the result`).toBe(content);
    }
  });

  it('contain no .json or .mmd chart for a machine that is not in the registry', async () => {
    const orphans = (await readdir(committedDir)).filter((name) => /\.(json|mmd)$/.test(name) && !expected.has(name));
    expect(orphans, `visualizations/ has charts for machines not in the registry: delete them, then run \`make charts\``).toEqual([]);
  });
});
