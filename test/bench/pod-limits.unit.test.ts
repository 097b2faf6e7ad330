// pod-limits' pure parts: Kubernetes quantities, the kubelet's CFS quota, the DaemonSet's limits as
// read from a manifest, and the /proc and cgroupfs files the cgroup code reads.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  cfsQuotaUs,
  cpuMillis,
  daemonSetLimits,
  livenessTimeoutMs,
  memoryBytes,
  parseCgroupMounts,
  parseFlatKeyed,
  parseProcCgroup,
  parseQuantity,
} from './pod-limits.js';

describe('Kubernetes quantities', () => {
  it('reads CPU in millicores, rounding up as the API server does', () => {
    expect(cpuMillis('50m')).toBe(50);
    expect(cpuMillis('0.5')).toBe(500);
    expect(cpuMillis('.1')).toBe(100); // no binary-float 100.00000000000001 → 101
    expect(cpuMillis('2')).toBe(2000);
    expect(cpuMillis('1500u')).toBe(2);
    expect(cpuMillis('1e-3')).toBe(1);
    expect(cpuMillis('250000n')).toBe(1);
  });

  it('reads memory in bytes, binary and decimal suffixes and exponents', () => {
    expect(memoryBytes('128Mi')).toBe(134_217_728);
    expect(memoryBytes('1.5Gi')).toBe(1_610_612_736);
    expect(memoryBytes('129M')).toBe(129_000_000);
    expect(memoryBytes('1k')).toBe(1000);
    expect(memoryBytes('64Ki')).toBe(65_536);
    expect(memoryBytes('134217728')).toBe(134_217_728);
    expect(memoryBytes('129e6')).toBe(129_000_000);
    expect(memoryBytes('1E3')).toBe(1000); // an exponent, not exa
    expect(memoryBytes('1E')).toBe(1e18);
    expect(memoryBytes('100m')).toBe(1); // milli-bytes round up
  });

  it('keeps the fraction exact', () => {
    expect(parseQuantity('12.5Mi')).toEqual({ num: 125n << 20n, den: 10n });
    expect(parseQuantity('-3m')).toEqual({ num: -3n, den: 1000n });
  });

  it('refuses what is not a quantity', () => {
    for (const bad of ['', 'm', '.', '128MiB', '50 m', '1.2.3', 'Mi', '1e', '0x10']) expect(() => parseQuantity(bad), bad).toThrow(/not a Kubernetes quantity/);
  });
});

describe('cfsQuotaUs', () => {
  it('is milliCPU × period / 1000 per 100 ms period, never under the kernel-safe 1 ms', () => {
    expect(cfsQuotaUs(50)).toBe(5000);
    expect(cfsQuotaUs(1500)).toBe(150_000);
    expect(cfsQuotaUs(5)).toBe(1000);
    expect(cfsQuotaUs(50, 50_000)).toBe(2500);
  });
});

const manifest = (resources: string) => `# a comment
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: x
spec:
  template:
    spec:
      containers:
        - name: sidecar
          resources:
            limits:
              cpu: "2"
              memory: 1Gi
        - name: daemon
          command: ["node", "x.js"]
${resources}
`;

describe('daemonSetLimits', () => {
  it("reads the named container's limits, quoted or not", async () => {
    const resources = [
      '          resources:',
      '            requests:',
      '              cpu: "0"',
      '            limits:',
      '              cpu: 250m',
      "              memory: '96Mi'",
    ].join('\n');
    expect(await daemonSetLimits(manifest(resources))).toEqual({ cpu: '250m', memory: '96Mi', cpuMillis: 250, memoryBytes: 96 * 2 ** 20 });
    expect(await daemonSetLimits(manifest(resources), 'sidecar')).toMatchObject({ cpuMillis: 2000, memoryBytes: 2 ** 30 });
  });

  it('finds the DaemonSet among other documents', async () => {
    const resources = ['          resources:', '            limits:', '              cpu: 1', '              memory: 1G'].join('\n');
    const text = `apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: x\n---\n${manifest(resources)}`;
    expect(await daemonSetLimits(text)).toMatchObject({ cpuMillis: 1000, memoryBytes: 1e9 });
  });

  it('says so when the container or its limits are missing', async () => {
    await expect(daemonSetLimits(manifest(''), 'nope')).rejects.toThrow(/no DaemonSet with a container named nope/);
    await expect(daemonSetLimits(manifest(['          resources:', '            limits:', '              cpu: 1'].join('\n')))).rejects.toThrow(
      /no cpu and memory limits/,
    );
  });

  it("parses deploy/base/daemonset-linux.yaml's own limits", async () => {
    const text = await readFile(fileURLToPath(new URL('../../deploy/base/daemonset-linux.yaml', import.meta.url)), 'utf8');
    const limits = await daemonSetLimits(text);
    expect(limits.cpuMillis).toBe(cpuMillis(limits.cpu));
    expect(limits.memoryBytes).toBe(memoryBytes(limits.memory));
    expect(limits.cpuMillis).toBeGreaterThan(0);
    expect(limits.memoryBytes).toBeGreaterThan(0);
  });
});

describe('livenessTimeoutMs', () => {
  const probe = (extra: string[]) =>
    ['          livenessProbe:', '            httpGet:', '              path: /healthz', '              port: 10221', ...extra].join('\n');
  it("reads the probe's timeoutSeconds, 1 s when unset (the kubelet's default)", async () => {
    expect(await livenessTimeoutMs(manifest(probe(['            timeoutSeconds: 3'])))).toBe(3000);
    expect(await livenessTimeoutMs(manifest(probe([])))).toBe(1000);
  });

  it('says so when there is no probe', async () => {
    await expect(livenessTimeoutMs(manifest(''))).rejects.toThrow(/no liveness probe/);
  });
});

describe('cgroup files', () => {
  it('finds v1 hierarchies by controller (also co-mounted ones) and the v2 mount', () => {
    const mounts = [
      'tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0',
      'cgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,nosuid,nodev,noexec,relatime,cpu,cpuacct 0 0',
      'cgroup /sys/fs/cgroup/cpuset cgroup rw,relatime,cpuset 0 0',
      'cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0',
      'cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0',
    ].join('\n');
    const parsed = parseCgroupMounts(mounts);
    expect(parsed.v1.get('cpu')).toBe('/sys/fs/cgroup/cpu,cpuacct');
    expect(parsed.v1.get('cpuset')).toBe('/sys/fs/cgroup/cpuset');
    expect(parsed.v1.get('memory')).toBe('/sys/fs/cgroup/memory');
    expect(parsed.v2).toBe('/sys/fs/cgroup/unified');
    expect(parseCgroupMounts('cgroup2 /sys/fs/cgroup cgroup2 rw 0 0').v1.size).toBe(0);
  });

  it("reads a process's cgroup paths", () => {
    const parsed = parseProcCgroup('4:memory:/process_api/abc\n2:cpu,cpuacct:/\n1:name=systemd:/user.slice\n0::/init.scope\n');
    expect(parsed.v1.get('memory')).toBe('/process_api/abc');
    expect(parsed.v1.get('cpuacct')).toBe('/');
    expect(parsed.v2).toBe('/init.scope');
    expect(parseProcCgroup('0::/').v1.size).toBe(0);
  });

  it('reads flat keyed files', () => {
    expect(parseFlatKeyed('oom_kill_disable 0\nunder_oom 0\noom_kill 2\n')).toEqual({ oom_kill_disable: 0, under_oom: 0, oom_kill: 2 });
    expect(parseFlatKeyed('nr_periods 12\nnr_throttled 7\nthrottled_usec 350000')).toMatchObject({ nr_throttled: 7, throttled_usec: 350_000 });
  });
});
