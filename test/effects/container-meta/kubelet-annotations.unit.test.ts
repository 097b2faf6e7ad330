// kubelet's container annotations read back as kruise-daemon's kuberuntime reads them (the hash as
// hex uint64, the restart count as Atoi, grace periods as ParseInt, preStop and ports as JSON),
// and the restarter's kill spec rebuilt from them (restoreSpecsFromContainerLabels).
import { describe, expect, it } from 'vitest';
import { graceOf, killSpecFromContainer, plainHashOf, portsOf, preStopOf, restartCountOf } from '../../../effects/container-meta/kubelet-annotations.js';

describe('kubelet container annotations', () => {
  it('reads the hash as hex uint64, 0 for anything ParseUint(s, 16, 64) refuses', () => {
    expect(plainHashOf({ 'io.kubernetes.container.hash': 'cafebabe' })).toBe('3405691582');
    expect(plainHashOf({ 'io.kubernetes.container.hash': 'FFFFFFFFFFFFFFFF' })).toBe('18446744073709551615');
    for (const bad of ['', '0x1f', '1_0', '-1', 'xyz', '10000000000000000']) expect(plainHashOf({ 'io.kubernetes.container.hash': bad }), bad).toBe('0');
    expect(plainHashOf({})).toBe('0');
  });

  it('reads the restart count as Atoi does (sign allowed), 0 when bad or absent', () => {
    expect(restartCountOf({ 'io.kubernetes.container.restartCount': '3' })).toBe(3);
    expect(restartCountOf({ 'io.kubernetes.container.restartCount': '+4' })).toBe(4);
    expect(restartCountOf({ 'io.kubernetes.container.restartCount': '1.5' })).toBe(0);
    expect(restartCountOf({})).toBe(0);
  });

  it('takes the deletion grace, else the termination grace, else 2 s; a bad one counts as absent', () => {
    expect(graceOf({ 'io.kubernetes.pod.deletionGracePeriod': '5', 'io.kubernetes.pod.terminationGracePeriod': '30' })).toBe(5);
    expect(graceOf({ 'io.kubernetes.pod.deletionGracePeriod': 'x', 'io.kubernetes.pod.terminationGracePeriod': '30' })).toBe(30);
    expect(graceOf({ 'io.kubernetes.pod.terminationGracePeriod': '0' })).toBe(0);
    expect(graceOf({})).toBe(2);
  });

  it('reads the preStop handler and the ports kubelet wrote as JSON', () => {
    expect(preStopOf({ 'io.kubernetes.container.preStopHandler': '{"exec":{"command":["sh","-c","sleep 1"]}}' })).toEqual({
      exec: { command: ['sh', '-c', 'sleep 1'] },
    });
    expect(preStopOf({ 'io.kubernetes.container.preStopHandler': '{"httpGet":{"path":"/q","port":"http","host":"10.0.0.1","scheme":"HTTPS"}}' })).toEqual({
      httpGet: { path: '/q', port: 'http', host: '10.0.0.1', scheme: 'HTTPS' },
    });
    // a handler the kill path cannot run (sleep) is still a handler: it fails as an invalid one
    expect(preStopOf({ 'io.kubernetes.container.preStopHandler': '{"sleep":{"seconds":1}}' })).toEqual({});
    expect(preStopOf({ 'io.kubernetes.container.preStopHandler': 'not json' })).toBeNull();
    expect(preStopOf({})).toBeNull();
    expect(portsOf({ 'io.kubernetes.container.ports': '[{"name":"http","containerPort":8080,"protocol":"TCP"},{"containerPort":"bad"}]' })).toEqual([
      { name: 'http', containerPort: 8080, protocol: 'TCP' },
    ]);
  });

  it('rebuilds the kill spec from the container’s labels and annotations', () => {
    const labels = {
      'io.kubernetes.pod.name': 'web-0',
      'io.kubernetes.pod.namespace': 'apps',
      'io.kubernetes.pod.uid': 'u1',
      'io.kubernetes.container.name': 'main',
    };
    const annotations = { 'io.kubernetes.pod.terminationGracePeriod': '10', 'io.kubernetes.container.preStopHandler': '{"exec":{"command":["true"]}}' };
    expect(killSpecFromContainer('abc', labels, annotations, { component: 'kruise-daemon-containermeta', killingMessage: 'm' })).toEqual({
      containerId: 'abc',
      pod: { namespace: 'apps', name: 'web-0', uid: 'u1' },
      container: { name: 'main', preStop: { exec: { command: ['true'] } }, ports: [] },
      gracePeriodSeconds: 10,
      component: 'kruise-daemon-containermeta',
      killingMessage: 'm',
    });
  });
});
