// cri-roundtrip: runtime.v1 Version round trips against a real containerd over its unix socket,
// serial and with 32 calls in flight: calls/s, p50 and p99. Brings the real-runtime bed up for the
// run; where it cannot run here (not root, no apt) it reports why and measures nothing.
import { performance } from 'node:perf_hooks';
import { createCriClient, type CriClient } from '../../adapters/cri/index.js';
import { startRuntimeBed } from '../bed/runtime/bed-control.js';
import { progress } from './harness.js';
import { figure, type Result } from './report.js';

const quantile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

async function measure(cri: CriClient, calls: number, inFlight: number): Promise<{ perSecond: number; p50: number; p99: number }> {
  const latencies: number[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < calls) {
      next += 1;
      const started = performance.now();
      await cri.version(undefined);
      latencies.push(performance.now() - started);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: inFlight }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return { perSecond: calls / seconds, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99) };
}

export async function run(): Promise<Result[]> {
  progress('bringing up the real-runtime bed (containerd + registries)');
  const start = await startRuntimeBed();
  if (!start.ok) {
    progress(`cri-roundtrip not measured: ${start.reason}`);
    return [];
  }
  const { bed, down } = start.running;
  const cri = createCriClient({ endpoint: bed.endpoint, platform: 'linux' });
  try {
    await measure(cri, 500, 8); // warm-up: connection, JIT
    const serial = await measure(cri, 3_000, 1);
    const parallel = await measure(cri, 6_000, 32);
    return [
      figure('cri-roundtrip.serial', serial.perSecond, 'calls/s'),
      figure('cri-roundtrip.serial-p50', serial.p50, 'ms'),
      figure('cri-roundtrip.serial-p99', serial.p99, 'ms'),
      figure('cri-roundtrip.inflight32', parallel.perSecond, 'calls/s'),
      figure('cri-roundtrip.inflight32-p50', parallel.p50, 'ms'),
      figure('cri-roundtrip.inflight32-p99', parallel.p99, 'ms'),
    ];
  } finally {
    cri.close();
    await down();
  }
}
