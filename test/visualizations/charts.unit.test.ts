import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { assign, fromPromise, setup } from 'xstate';
import { machineRegistry } from '../../machines/registry.js';
import { machineDefinitionJson, toMermaid } from '../../visualizations/export.js';
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

describe('machineDefinitionJson', () => {
  it('gives parseable JSON with the state keys and invoke src, byte-identical across calls', () => {
    const json = machineDefinitionJson(sampleMachine);
    expect(json.endsWith('}\n')).toBe(true);
    expect(machineDefinitionJson(sampleMachine)).toBe(json);
    const definition = JSON.parse(json) as {
      id: string;
      states: Record<string, { states: Record<string, { invoke: Array<{ id: string; src: string }> }> }>;
    };
    expect(definition.id).toBe('sample');
    expect(Object.keys(definition.states)).toEqual(['work', 'watch']);
    expect(Object.keys(definition.states.work?.states ?? {})).toEqual(['loading', 'applying', 'done', 'gaveUp']);
    expect(definition.states.work?.states.loading?.invoke).toEqual([{ id: 'manifest', src: 'loadManifest', type: 'xstate.invoke' }]);
  });

  it('holds exactly the data of machine.toJSON() after a JSON round trip', () => {
    const roundTripped: unknown = JSON.parse(JSON.stringify(sampleMachine.toJSON()));
    expect(JSON.parse(machineDefinitionJson(sampleMachine))).toEqual(roundTripped);
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
