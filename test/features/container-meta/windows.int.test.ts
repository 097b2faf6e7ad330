// Container meta on the SIMULATED Windows-like CRI runtime (test/bed/cri-double, a test double, not
// containerd): it answers a verbose ContainerStatus without an OCI spec, as a runtime other than
// containerd may, so the daemon with the Windows platform profile falls back to exec of
// `cmd /c set` (Windows images have no `env`) and parses its CRLF output. The hashes equal the
// manager's, and an in-place update restarts the container once.
import { describe, expect, it } from 'vitest';
import { platformProfile } from '../../../adapters/platform/index.js';
import { startCriDouble } from '../../bed/cri-double/index.js';
import { FakeFs, FakeProcess, FakeRunner, RecordingSleep } from '../../adapters/platform/fakes.js';
import { idOf, metaBed, NS } from './support.js';

const IMAGE = 'registry.local/windows/servercore:ltsc2022';
const windows = platformProfile('windows', {
  fs: new FakeFs(),
  process: new FakeProcess(),
  sleep: new RecordingSleep().sleep,
  run: new FakeRunner().run,
  env: {},
});
const fromAnnotation = (name: string, key: string) => ({ name, valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${key}']` } } });

describe('container meta on the simulated Windows runtime (exec fallback)', () => {
  it('reads the environment with `cmd /c set` (CRLF) when the runtime gives no spec, hashes as the manager does, and restarts once on an update', async () => {
    const double = await startCriDouble({ platform: 'windows', images: { [IMAGE]: { id: `sha256:${'b'.repeat(64)}`, sizeBytes: 1_000_000 } } });
    try {
      const node = await metaBed({ endpoint: double.endpoint, podNetwork: 'host' });
      const daemon = await node.startDaemon({ profile: windows });
      const app = {
        name: 'app',
        image: IMAGE,
        command: ['cmd', '/c', 'ping -t localhost'],
        env: [fromAnnotation('Greeting', 'greeting'), fromAnnotation('MODE', 'mode'), { name: 'Path', value: 'C:\\Windows' }] as never,
      };
      const pod = await node.runPod('win-0', [app], { annotations: { greeting: 'hello = wörld 日本', mode: 'a' } });
      const first = pod.status!.containerStatuses![0]!.containerID!;
      expect(first).toMatch(/^simulated-cri:\/\//);
      await node.waitPod('win-0', () => node.metaOf('win-0', 'app')?.containerID === first);
      expect(node.metaOf('win-0', 'app')?.hashes.extractedEnvFromMetadataHash).toBe(node.manager.expectedHash(NS, 'win-0', 'app'));
      const forFirst = node.calls.filter((c) => c.containerId === idOf(first) && (c.method === 'ExecSync' || c.verbose));
      expect(forFirst.map((c) => [c.method, c.cmd ?? 'verbose'])).toEqual([
        ['ContainerStatus', 'verbose'],
        ['ExecSync', ['cmd', '/c', 'set']],
      ]);

      node.manager.update(NS, 'win-0', { annotations: { mode: 'b' } });
      const done = await node.manager.completed(NS, 'win-0');
      const after = done.status!.containerStatuses![0]!.containerID!;
      expect(after).not.toBe(first);
      expect(node.metaOf('win-0', 'app')).toMatchObject({ containerID: after, restartCount: 1 });
      expect(node.metaOf('win-0', 'app')?.hashes.extractedEnvFromMetadataHash).toBe(node.manager.expectedHash(NS, 'win-0', 'app'));
      expect(node.calls.filter((c) => c.method === 'StopContainer').map((c) => c.containerId)).toEqual([idOf(first)]);
      expect(daemon.logs.filter((l) => l.level >= 50)).toEqual([]);
    } finally {
      await double.close();
    }
  });
});
