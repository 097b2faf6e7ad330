// The kubelet encodings the simulator writes into CRI annotations, against Go golden values, and
// kubelet's phase rules.
import { describe, expect, it } from 'vitest';
import { containerAnnotations, containerLabels, withApiDefaults } from './container-config.js';
import { containerHash, containerPortsJson, deepHashBytes, goJson, lifecycleHandlerJson } from './go-encoding.js';
import { podPhase } from './pod-status.js';
import type { ContainerStatusJson, PodJson } from './types.js';

const pod = (extra: Partial<PodJson['spec']> = {}, meta: Partial<PodJson['metadata']> = {}): PodJson => ({
  metadata: { name: 'web-0', namespace: 'default', uid: 'u-1', ...meta },
  spec: { containers: [{ name: 'main', image: 'busybox:1.36' }], ...extra },
});

describe('kubelet encodings', () => {
  it('hashes a container like kubelet 1.31+ HashContainer (golden value from container_hash_test.go)', () => {
    expect(containerHash({ name: 'test_container', image: 'foo/image:v1' })).toBe('8e45cbd0');
  });

  it('hashes bytes through go-spew and FNV-1a exactly as the contract §7.3 vectors say', () => {
    expect(deepHashBytes(Buffer.from('null'))).toBe(86995377);
    expect(deepHashBytes(Buffer.from('[{"name":"e2","value":"foo"}]'))).toBe(2053173458);
    expect(deepHashBytes(Buffer.from('[{"name":"A","value":"1"},{"name":"B","value":"2"}]'))).toBe(3678609251);
  });

  it('escapes <, > and & as Go encoding/json does', () => {
    expect(goJson({ a: '<x>&' })).toBe('{"a":"\\u003cx\\u003e\\u0026"}');
  });

  it('encodes preStop handlers and ports in Go struct field order with omitempty', () => {
    expect(lifecycleHandlerJson({ exec: { command: ['sh', '-c', 'sleep 1'] } })).toBe('{"exec":{"command":["sh","-c","sleep 1"]}}');
    expect(lifecycleHandlerJson({ httpGet: { scheme: 'HTTP', port: 8080, path: '/quit', host: '10.0.0.1' } })).toBe(
      '{"httpGet":{"path":"/quit","port":8080,"host":"10.0.0.1","scheme":"HTTP"}}',
    );
    expect(containerPortsJson([{ protocol: 'TCP', containerPort: 80, name: 'http' }])).toBe('[{"name":"http","containerPort":80,"protocol":"TCP"}]');
  });

  it('writes every §2.4 label and annotation, grace periods only when the pod has them', () => {
    const p = withApiDefaults(
      pod(
        {
          terminationGracePeriodSeconds: 7,
          containers: [{ name: 'main', image: 'busybox:1.36', lifecycle: { preStop: { exec: { command: ['true'] } } }, ports: [{ containerPort: 80 }] }],
        },
        { deletionGracePeriodSeconds: 5 },
      ),
    );
    const c = p.spec.containers[0]!;
    expect(containerLabels(p, c)).toEqual({
      'io.kubernetes.pod.name': 'web-0',
      'io.kubernetes.pod.namespace': 'default',
      'io.kubernetes.pod.uid': 'u-1',
      'io.kubernetes.container.name': 'main',
    });
    expect(containerAnnotations(p, c, 2)).toEqual({
      'io.kubernetes.container.hash': containerHash({ name: 'main', image: 'busybox:1.36' }),
      'io.kubernetes.container.restartCount': '2',
      'io.kubernetes.container.terminationMessagePath': '/dev/termination-log',
      'io.kubernetes.container.terminationMessagePolicy': 'File',
      'io.kubernetes.pod.terminationGracePeriod': '7',
      'io.kubernetes.pod.deletionGracePeriod': '5',
      'io.kubernetes.container.preStopHandler': '{"exec":{"command":["true"]}}',
      'io.kubernetes.container.ports': '[{"containerPort":80,"protocol":"TCP"}]',
    });
    const bare = pod();
    expect(containerAnnotations(bare, bare.spec.containers[0]!, 0)).not.toHaveProperty('io.kubernetes.pod.terminationGracePeriod');
    expect(containerAnnotations(withApiDefaults(bare), bare.spec.containers[0]!, 0)['io.kubernetes.pod.terminationGracePeriod']).toBe('30');
  });
});

describe('kubelet getPhase', () => {
  const st = (name: string, state: ContainerStatusJson['state'], lastState: ContainerStatusJson['lastState'] = {}): ContainerStatusJson => ({
    name,
    state,
    lastState,
    ready: false,
    restartCount: 0,
    image: '',
    imageID: '',
  });
  const exited = (code: number) => ({ terminated: { exitCode: code } });

  it('is Pending while a container waits for its first start, Running once all have started', () => {
    expect(podPhase('Always', ['a', 'b'], [st('a', { running: {} }), st('b', { waiting: { reason: 'ContainerCreating' } })], false)).toBe('Pending');
    expect(podPhase('Always', ['a', 'b'], [st('a', { running: {} }), st('b', { waiting: { reason: 'CrashLoopBackOff' } }, exited(1))], false)).toBe('Running');
  });

  it('ends Failed under Never with a non-zero exit, Succeeded when all exit 0, and keeps OnFailure running', () => {
    expect(podPhase('Never', ['a'], [st('a', exited(3))], false)).toBe('Failed');
    expect(podPhase('Never', ['a', 'b'], [st('a', exited(0)), st('b', exited(0))], false)).toBe('Succeeded');
    expect(podPhase('OnFailure', ['a'], [st('a', exited(1))], false)).toBe('Running');
    expect(podPhase('Always', ['a'], [st('a', exited(0))], false)).toBe('Running');
    expect(podPhase('Always', ['a'], [st('a', exited(137))], true)).toBe('Failed');
  });
});
