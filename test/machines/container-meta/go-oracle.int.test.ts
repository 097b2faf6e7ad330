// The committed Go vectors (go-oracle/vectors.jsonl) are what Go 1.23 makes of go-oracle's program
// today: the program is run again and its output must equal the file, so neither can drift from
// the other (a changed generator or a hand-edited vector fails here).
//
// Needs Go 1.23 at /usr/lib/go-1.23/bin/go (Debian's golang-1.23-go from bookworm-backports;
// `make test` installs it as root through scripts/go-oracle.sh) or at KRUISED_GO. Without it the
// test is skipped, loudly; env-hash.go-vectors.unit.test.ts still checks the committed vectors.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ORACLE_DIR, ORACLE_PROGRAM, parseGoVectors, VECTORS_FILE } from './go-vectors.js';

const run = promisify(execFile);
const GO = process.env.KRUISED_GO ?? '/usr/lib/go-1.23/bin/go';
const REGENERATE = `cd ${ORACLE_DIR} && GOTOOLCHAIN=local ${GO} run ${ORACLE_PROGRAM} > ${VECTORS_FILE}`;

function goSkipReason(): string {
  if (!existsSync(GO)) return `no Go 1.23 at ${GO} (run scripts/go-oracle.sh install as root, or set KRUISED_GO)`;
  return '';
}

const skipReason = goSkipReason();
if (skipReason !== '') {
  const bar = '#'.repeat(100);
  process.stderr.write(
    `\n${bar}\n## ENV-HASH GO CROSS-CHECK SKIPPED: ${skipReason}\n## The committed vectors are still checked, but not re-derived from Go.\n${bar}\n`,
  );
}

/** Go's caches must be writable; a CI user may have no HOME. */
function goEnv(): NodeJS.ProcessEnv {
  const base = join(tmpdir(), 'kruised-go-oracle');
  mkdirSync(base, { recursive: true });
  return {
    ...process.env,
    GOTOOLCHAIN: 'local', // never download another toolchain
    GOFLAGS: '',
    GOCACHE: process.env.GOCACHE ?? join(base, 'cache'),
    GOPATH: process.env.GOPATH ?? join(base, 'gopath'),
    HOME: process.env.HOME ?? base,
  };
}

describe.skipIf(skipReason !== '')(`the Go oracle, re-run ${skipReason}`.trim(), () => {
  it('is Go 1.23, the Go kruise builds with', async () => {
    const { stdout } = await run(GO, ['version'], { env: goEnv() });
    expect(stdout).toMatch(/^go version go1\.23(\.\d+)? /);
  });

  it('prints exactly the committed vectors', async () => {
    // the first run compiles the standard library into the cache (about 20 s here)
    const { stdout } = await run(GO, ['run', ORACLE_PROGRAM], { cwd: ORACLE_DIR, env: goEnv(), maxBuffer: 64 * 1024 * 1024, timeout: 170_000 });
    const committed = readFileSync(join(ORACLE_DIR, VECTORS_FILE), 'utf8');
    if (stdout !== committed) {
      const fresh = stdout.split('\n');
      const old = committed.split('\n');
      const line = fresh.findIndex((l, i) => l !== old[i]);
      expect.fail(`${VECTORS_FILE} is stale from line ${line + 1} (Go: ${fresh[line]?.slice(0, 200)}); regenerate with: ${REGENERATE}`);
    }
    expect(parseGoVectors(stdout).encode.length).toBeGreaterThan(300);
  }, 180_000);
});
