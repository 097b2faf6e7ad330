// The benchmark runner: `node dist/test/bench/run.js [name…] [--json] [--in-process]`.
//
// Every benchmark named (all when none is) runs in a fresh child process with --expose-gc, so
// heap and RSS figures see only that benchmark and no run warms the JIT for another; the parent's
// Node flags (e.g. --cpu-prof) are passed on. Prints `bench <name>: <value> <unit>` per figure,
// or one JSON document with --json. A missed goal is reported, not failed: the exit code is 0
// unless a benchmark crashed (1) or the arguments were wrong (2).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as actorMemory from './actor-memory.js';
import * as criRoundtrip from './cri-roundtrip.js';
import * as crrReaction from './crr-reaction.js';
import * as engineThroughput from './engine-throughput.js';
import * as envHash from './env-hash.js';
import * as metaSync from './meta-sync.js';
import * as pullApiWrites from './pull-api-writes.js';
import * as pullMemory from './pull-memory.js';
import * as pullOverhead from './pull-overhead.js';
import * as pullScale from './pull-scale.js';
import * as replayThroughput from './replay-throughput.js';
import * as watchFanin from './watch-fanin.js';
import { formatGoal, formatJson, formatLine, type Result } from './report.js';

const BENCHMARKS: Record<string, () => Promise<Result[]>> = {
  'engine-throughput': engineThroughput.run,
  'cri-roundtrip': criRoundtrip.run,
  'replay-throughput': replayThroughput.run,
  'actor-memory': actorMemory.run,
  'watch-fanin': watchFanin.run,
  'pull-overhead': pullOverhead.run,
  'pull-api-writes': pullApiWrites.run,
  'pull-memory': pullMemory.run,
  'pull-scale': pullScale.run,
  'crr-reaction': crrReaction.run,
  'env-hash': envHash.run,
  'meta-sync': metaSync.run,
};

const CHILD_FLAG = '--child';

async function main(argv: string[]): Promise<number> {
  const childIndex = argv.indexOf(CHILD_FLAG);
  if (childIndex >= 0) return runChild(argv[childIndex + 1] ?? '');
  const json = argv.includes('--json');
  const inProcess = argv.includes('--in-process');
  const unknownFlags = argv.filter((arg) => arg.startsWith('-') && arg !== '--json' && arg !== '--in-process');
  const names = argv.filter((arg) => !arg.startsWith('-'));
  const unknown = names.filter((name) => !(name in BENCHMARKS));
  if (unknownFlags.length > 0 || unknown.length > 0) {
    process.stderr.write(
      `unknown ${[...unknownFlags, ...unknown].join(', ')}\nusage: run.js [${Object.keys(BENCHMARKS).join('|')} …] [--json] [--in-process]\n`,
    );
    return 2;
  }
  const selected = names.length > 0 ? names : Object.keys(BENCHMARKS);
  const results: Result[] = [];
  let crashed = false;
  for (const name of selected) {
    process.stderr.write(`running ${name}\n`);
    const started = Date.now();
    let figures: Result[];
    try {
      figures = inProcess ? await BENCHMARKS[name]!() : await runInChild(name);
    } catch (error) {
      crashed = true;
      process.stderr.write(`bench ${name}: crashed: ${(error as Error).stack ?? String(error)}\n`);
      continue;
    }
    process.stderr.write(`  ${name} took ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    results.push(...figures);
    if (!json) {
      for (const result of figures) {
        process.stdout.write(`${formatLine(result)}\n`);
        const goal = formatGoal(result);
        if (goal) process.stderr.write(`${goal}\n`);
      }
    }
  }
  if (json) process.stdout.write(`${formatJson(results)}\n`);
  return crashed ? 1 : 0;
}

/** Runs one benchmark in this process and writes its figures to stdout as JSON (child side). */
async function runChild(name: string): Promise<number> {
  const benchmark = BENCHMARKS[name];
  if (!benchmark) throw new Error(`no benchmark ${name}`);
  const results = await benchmark();
  await new Promise<void>((resolve) => process.stdout.write(JSON.stringify(results), () => resolve()));
  return 0;
}

function runInChild(name: string): Promise<Result[]> {
  const flags = process.execArgv.includes('--expose-gc') ? process.execArgv : [...process.execArgv, '--expose-gc'];
  const child = spawn(process.execPath, [...flags, fileURLToPath(import.meta.url), CHILD_FLAG, name], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => (output += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code !== 0) return reject(new Error(`child process exited with ${signal ?? `code ${code}`}`));
      try {
        resolve(JSON.parse(output) as Result[]);
      } catch (error) {
        reject(new Error(`child process printed no figures: ${(error as Error).message}`));
      }
    });
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
