// Vitest global setup for the real-runtime test bed. It brings runtime-bed.sh up once per test
// run (bed-control.ts), hands the bed to the tests as `inject('runtimeBed')` (read through
// runtimeBed() in ../runtime-bed.ts) and tears it down at the end.
//
// When the bed cannot run here (not Linux, not root, the packages cannot be installed, or `up`
// fails), the tests that need it are skipped and this prints why, loudly, to stderr.
//
// KRUISED_RUNTIME_BED:
//   unset    bring the bed up when possible, skip loudly otherwise
//   off      do not bring it up (saves the few seconds when running unrelated tests); with CI=true
//            this is still honoured, but announced as loudly as a failure
//   required any reason not to bring it up fails the test run instead of skipping
import type { TestProject } from 'vitest/node';
import type { RuntimeBedStatus } from '../runtime-bed.js';
import { startRuntimeBed } from './bed-control.js';

type Mode = 'auto' | 'off' | 'required';

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const mode = readMode(process.env.KRUISED_RUNTIME_BED);
  const inCi = process.env.CI === 'true';

  const skip = (reason: string, loud: boolean): undefined => {
    if (mode === 'required') throw new Error(`runtime bed required (KRUISED_RUNTIME_BED=required), but: ${reason}`);
    process.stderr.write(loud ? loudNotice(reason, inCi) : `[runtime-bed] real-runtime tests skipped: ${reason}\n`);
    project.provide('runtimeBed', { ready: false, reason } satisfies RuntimeBedStatus);
    return undefined;
  };

  if (mode === 'off') return skip('disabled by KRUISED_RUNTIME_BED=off', inCi);
  const started = await startRuntimeBed();
  if (!started.ok) return skip(started.reason, true);
  const { bed, installMs, upMs, down } = started.running;
  process.stderr.write(
    `[runtime-bed] ready: install ${seconds(installMs)}, up ${seconds(upMs)}; ` +
      `containerd ${bed.endpoint}, registries ${bed.registry} (open) and ${bed.authRegistry} (auth)\n`,
  );
  project.provide('runtimeBed', { ready: true, bed } satisfies RuntimeBedStatus);

  return async () => {
    const result = await down();
    process.stderr.write(result.ok ? `[runtime-bed] down in ${seconds(result.ms)}\n` : `[runtime-bed] teardown of ${bed.dir} failed: ${result.summary}\n`);
  };
}

function readMode(value: string | undefined): Mode {
  if (value === undefined || value === '' || value === 'auto' || value === 'on') return 'auto';
  if (value === 'off' || value === 'required') return value;
  process.stderr.write(`[runtime-bed] ignoring KRUISED_RUNTIME_BED=${value} (expected off or required)\n`);
  return 'auto';
}

function loudNotice(reason: string, inCi: boolean): string {
  const bar = '#'.repeat(100);
  const lines = [
    `REAL-RUNTIME TESTS SKIPPED: ${reason}`,
    'Every test that needs a real containerd (runtimeBed() in test/bed/runtime-bed.ts) is skipped in this run.',
    'The bed (test/bed/runtime/runtime-bed.sh) needs Linux, root, and apt-get for Debian 12 packages',
    '(containerd, runc, docker-registry, skopeo, umoci, busybox-static).',
  ];
  if (inCi) lines.push('CI=true: this run does NOT cover the real-runtime tests.');
  return `${['', bar, ...lines.map((line) => `## ${line}`), bar, ''].join('\n')}\n`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}
