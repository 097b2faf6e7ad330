// Measurement, not a check: Version round trips per second against the bed's containerd, serial
// and with 32 calls in flight, printed with p50/p99. Runs only with KRUISED_CRI_MEASURE=1.
import { performance } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { createCriClient, type CriClient } from '../../../adapters/cri/index.js';
import { runtimeBed } from '../../bed/runtime-bed.js';

const bed = runtimeBed();
const enabled = bed !== undefined && process.env.KRUISED_CRI_MEASURE === '1';

const quantile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

async function measure(cri: CriClient, calls: number, inFlight: number): Promise<string> {
  const latencies: number[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < calls) {
      next += 1;
      const t = performance.now();
      await cri.version(undefined);
      latencies.push(performance.now() - t);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: inFlight }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return `${inFlight} in flight: ${(calls / seconds).toFixed(0)} calls/s, p50 ${quantile(latencies, 0.5).toFixed(2)} ms, p99 ${quantile(latencies, 0.99).toFixed(2)} ms (${calls} calls)`;
}

describe.runIf(enabled)('Version throughput against a real containerd (KRUISED_CRI_MEASURE=1)', () => {
  it('prints calls/s and latency percentiles, serial and with 32 in flight', async () => {
    const cri = createCriClient({ endpoint: bed!.endpoint, platform: 'linux' });
    try {
      await measure(cri, 300, 8); // warm-up: connection, JIT
      const lines = [await measure(cri, 2_000, 1), await measure(cri, 5_000, 32)];
      console.log(`\n[cri version rate] ${lines.join('\n[cri version rate] ')}\n`);
      expect(lines).toHaveLength(2);
    } finally {
      cri.close();
    }
  });
});
