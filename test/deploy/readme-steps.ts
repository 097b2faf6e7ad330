// deploy/README.md's command blocks, so the e2e test runs exactly what an operator is told to
// run. Each ```sh block is preceded by a marker comment: `<!-- e2e: NAME -->` (the e2e test runs
// it as step NAME) or `<!-- not run: WHY -->`. readme.unit.test.ts checks that every block has
// one and that the e2e steps are exactly README_E2E_STEPS, in this order.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const README = fileURLToPath(new URL('../../deploy/README.md', import.meta.url));

/** The steps daemonset.e2e.test.ts runs, in the README's order. */
export const README_E2E_STEPS = [
  'build',
  'upstream-split',
  'install',
  'move-node',
  'verify-health',
  'verify-pull',
  'verify-crr',
  'upgrade',
  'rollback',
  'remove',
] as const;
export type ReadmeStep = (typeof README_E2E_STEPS)[number];

export interface ReadmeBlock {
  readonly line: number;
  readonly marker: { readonly kind: 'e2e'; readonly name: string } | { readonly kind: 'not run'; readonly why: string } | undefined;
  readonly script: string;
}

export function readmeBlocks(text = readFileSync(README, 'utf8')): ReadmeBlock[] {
  const lines = text.split('\n');
  const blocks: ReadmeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '```sh') continue;
    const end = lines.indexOf('```', i + 1);
    if (end < 0) throw new Error(`README line ${i + 1}: unclosed code block`);
    let j = i - 1;
    while (j >= 0 && lines[j]!.trim() === '') j--;
    const comment = /^<!-- (e2e|not run): (.+?) -->$/.exec(lines[j] ?? '');
    blocks.push({
      line: i + 1,
      marker: comment ? (comment[1] === 'e2e' ? { kind: 'e2e', name: comment[2]! } : { kind: 'not run', why: comment[2]! }) : undefined,
      script: lines.slice(i + 1, end).join('\n'),
    });
    i = end;
  }
  return blocks;
}

/** The script of an e2e step. */
export function readmeStep(name: ReadmeStep, text?: string): string {
  const found = readmeBlocks(text).filter((b) => b.marker?.kind === 'e2e' && b.marker.name === name);
  if (found.length !== 1) throw new Error(`deploy/README.md has ${found.length} blocks marked e2e: ${name}`);
  return found[0]!.script;
}
