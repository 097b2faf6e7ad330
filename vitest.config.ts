import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'machines/**/*.test.ts'],
    // Engine and e2e tests spawn child processes and fsync real files: keep 2 cores busy, not swamped.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    // Brings up the real-runtime test bed (containerd + registries) once per run; see
    // test/bed/runtime/global-setup.ts. KRUISED_RUNTIME_BED=off skips it.
    globalSetup: ['test/bed/runtime/global-setup.ts'],
  },
});
