// The preStop runner without a runtime: exec output quoted as Go's %q (control bytes as \xNN and
// \a, not JSON's \u00NN), and an httpGet hook as exactly one call of the lifecycle-HTTP adapter,
// whose error text becomes the hook's error and whose fallback is handed back for kubelet's event.
import { describe, expect, it } from 'vitest';
import type { LifecycleHttp } from '../../../adapters/http-get/index.js';
import { platformProfile } from '../../../adapters/platform/index.js';
import { runPreStop, type PreStopCri } from '../../../effects/crr/index.js';

const target = { containerId: 'c1', containerName: 'main', ports: [{ name: 'admin', containerPort: 9000 }], podDesc: 'web-0_default(uid-1)' };
const platform = platformProfile('linux');
const signal = () => new AbortController().signal;
const noExec: PreStopCri = {
  execSync: () => {
    throw new Error('no exec expected');
  },
};

describe('runPreStop', () => {
  it('quotes a failing exec hook’s output as Go’s %q does', async () => {
    const cri: PreStopCri = {
      execSync: async () => ({ exit_code: 2, stdout: Buffer.from('\x1b[31mred\x07\n'), stderr: Buffer.from('tab\there\n') }),
    };
    const { failure } = await runPreStop(cri, target, { exec: { command: ['sh', '-c', 'x'] } }, platform, signal());
    expect(failure?.eventMessage).toBe(
      'Exec lifecycle hook ([sh -c x]) for Container "main" in Pod "web-0_default(uid-1)" failed - error: command \'sh -c x\' exited with 2: tab\there, message: "\\x1b[31mred\\a\\ntab\\there"',
    );
  });

  it('runs an httpGet hook through one adapter call, and reports a fallback', async () => {
    const calls: unknown[] = [];
    const http: LifecycleHttp = {
      run: async (action, where) => {
        calls.push({ action, where });
        return { fellBackToHttp: '10.0.0.7:9000' };
      },
    };
    const action = { host: '10.0.0.7', port: 'admin', scheme: 'HTTPS' as const, path: '/quit' };
    expect(await runPreStop(noExec, target, { httpGet: action }, platform, signal(), http)).toEqual({ httpFallback: '10.0.0.7:9000' });
    expect(calls).toEqual([{ action, where: { host: '10.0.0.7', ports: target.ports } }]);
  });

  it('takes the adapter’s error text as the hook’s error', async () => {
    const http: LifecycleHttp = {
      run: async () => {
        throw new Error('Get "http://10.0.0.7:9000/quit": dial tcp 10.0.0.7:9000: connect: connection refused');
      },
    };
    const { failure } = await runPreStop(noExec, target, { httpGet: { host: '10.0.0.7', port: 9000, path: '/quit' } }, platform, signal(), http);
    expect(failure).toEqual({
      error: 'Get "http://10.0.0.7:9000/quit": dial tcp 10.0.0.7:9000: connect: connection refused',
      eventMessage:
        'HTTP lifecycle hook (/quit) for Container "main" in Pod "web-0_default(uid-1)" failed - error: Get "http://10.0.0.7:9000/quit": dial tcp 10.0.0.7:9000: connect: connection refused',
    });
  });
});
