// deploy/README.md cannot drift from what the e2e test runs: every command block is either an
// e2e step (run as written by daemonset.e2e.test.ts) or says why it is not run.
import { describe, expect, it } from 'vitest';
import { README_E2E_STEPS, readmeBlocks, readmeStep } from './readme-steps.js';

describe('deploy/README.md command blocks', () => {
  const blocks = readmeBlocks();

  it('each carry an e2e step name or a reason they are not run', () => {
    expect(blocks.length).toBeGreaterThan(README_E2E_STEPS.length);
    expect(blocks.filter((b) => b.marker === undefined).map((b) => `line ${b.line}`)).toEqual([]);
    for (const b of blocks) if (b.marker?.kind === 'not run') expect(b.marker.why.length, `line ${b.line}`).toBeGreaterThan(20);
  });

  it('mark exactly the steps the e2e test runs, once each and in its order', () => {
    expect(blocks.flatMap((b) => (b.marker?.kind === 'e2e' ? [b.marker.name] : []))).toEqual([...README_E2E_STEPS]);
    for (const step of README_E2E_STEPS) expect(readmeStep(step).trim()).not.toBe('');
  });

  it('use kubectl only in ways the fake API server and kubectl 1.32 serve: no typed create, run or expose (they send protobuf)', () => {
    const all = blocks.map((b) => b.script).join('\n');
    expect(all).not.toMatch(/kubectl (create|run|expose)\b/);
  });

  it('find marker comments and bodies the way the e2e test reads them', () => {
    const text = [
      'x',
      '<!-- e2e: a -->',
      '```sh',
      'echo 1',
      '```',
      '',
      '<!-- not run: because it needs a real node -->',
      '',
      '```sh',
      'rm -rf /x',
      '```',
      '```sh',
      'y',
      '```',
    ].join('\n');
    expect(readmeBlocks(text)).toEqual([
      { line: 3, marker: { kind: 'e2e', name: 'a' }, script: 'echo 1' },
      { line: 9, marker: { kind: 'not run', why: 'because it needs a real node' }, script: 'rm -rf /x' },
      { line: 12, marker: undefined, script: 'y' },
    ]);
  });
});
