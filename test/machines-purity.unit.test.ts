// machines/ holds pure statecharts: they import only xstate and each other, and never read the
// clock, randomness or the process. Replay and recovery depend on it.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MACHINES = fileURLToPath(new URL('../machines', import.meta.url));
const FORBIDDEN_CALLS = [/\bDate\.now\s*\(/, /\bnew Date\s*\(/, /\bMath\.random\s*\(/, /\bprocess\./, /\bperformance\.now\s*\(/, /\bcrypto\./];

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')).map((e) => join(e.parentPath, e.name));
}

function purityViolations(path: string, text: string): string[] {
  const problems: string[] = [];
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  for (const match of code.matchAll(/(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]/g)) {
    const spec = match[1] ?? match[2]!;
    if (spec === 'xstate') continue;
    const inside = spec.startsWith('.') && !relative(MACHINES, resolve(path, '..', spec)).startsWith('..');
    if (!inside) problems.push(`${relative(MACHINES, path)} imports ${spec}`);
  }
  for (const pattern of FORBIDDEN_CALLS) if (pattern.test(code)) problems.push(`${relative(MACHINES, path)} uses ${pattern.source}`);
  return problems;
}

describe('machines/ stays pure', () => {
  it('imports only xstate and other machines/ files, and reads no clock, randomness or process state', async () => {
    const files = await sourceFiles(MACHINES);
    expect(files.length).toBeGreaterThan(0);
    const problems = (await Promise.all(files.map(async (f) => purityViolations(f, await readFile(f, 'utf8'))))).flat();
    expect(problems).toEqual([]);
  });

  it('catches the imports and calls the rule forbids', () => {
    const file = join(MACHINES, 'x', 'bad.machine.ts');
    const bad =
      "import { readFile } from 'node:fs';\nimport { x } from '../../adapters/cri/client.js';\nimport { y } from '../demo/blob-fetch.machine.js';\nconst t = Date.now();\nconst r = Math.random();\nconst p = process.env.X;\n";
    expect(purityViolations(file, bad)).toEqual([
      'x/bad.machine.ts imports node:fs',
      'x/bad.machine.ts imports ../../adapters/cri/client.js',
      'x/bad.machine.ts uses \\bDate\\.now\\s*\\(',
      'x/bad.machine.ts uses \\bMath\\.random\\s*\\(',
      'x/bad.machine.ts uses \\bprocess\\.',
    ]);
  });
});
