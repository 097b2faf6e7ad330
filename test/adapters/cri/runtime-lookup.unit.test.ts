import { describe, expect, it } from 'vitest';
import { lookupRuntime, parseKubeContainerId } from '../../../adapters/cri/index.js';

const containerd = { runtimeName: 'containerd', label: 'first' };
const crio = { runtimeName: 'cri-o', label: 'second' };
const runtimes = [containerd, crio];

describe('parsing kube container IDs', () => {
  it.each([
    ['containerd://4f1a', { type: 'containerd', id: '4f1a' }],
    ['docker://abc', { type: 'docker', id: 'abc' }],
    ['cri-o://0123', { type: 'cri-o', id: '0123' }],
    ['"containerd://quoted"', { type: 'containerd', id: 'quoted' }],
  ])('reads %s', (value, expected) => {
    expect(parseKubeContainerId(value)).toEqual(expected);
  });

  it.each(['4f1a', 'containerd:/4f1a', 'a://b://c', '://id', 'containerd://', ''])('refuses %s', (value) => {
    expect(parseKubeContainerId(value)).toBeUndefined();
  });
});

describe('choosing the runtime for a pod by the scheme of its container IDs', () => {
  it('picks the discovered runtime whose name is the scheme', () => {
    expect(lookupRuntime(runtimes, ['cri-o://1', 'cri-o://2'])).toEqual({ ok: true, runtime: crio, runtimeName: 'cri-o' });
    expect(lookupRuntime(runtimes, ['containerd://1'])).toMatchObject({ ok: true, runtime: containerd });
  });

  it('uses the first container that has an ID, not index 0 (kruise #2451)', () => {
    expect(lookupRuntime(runtimes, ['', undefined, null, 'cri-o://9'])).toMatchObject({ ok: true, runtime: crio });
  });

  it('refuses a pod whose IDs name two runtimes', () => {
    expect(lookupRuntime(runtimes, ['containerd://1', '', 'cri-o://2'])).toEqual({
      ok: false,
      reason: 'mixedRuntimes',
      message: 'has different runtime types containerd, cri-o in Pod',
    });
  });

  it('fails when no container has an ID yet', () => {
    expect(lookupRuntime(runtimes, ['', undefined])).toMatchObject({ ok: false, reason: 'noContainerId', message: 'no runtime type found in Pod' });
    expect(lookupRuntime(runtimes, [])).toMatchObject({ ok: false, reason: 'noContainerId' });
  });

  it('fails when the scheme names a runtime the daemon did not discover', () => {
    expect(lookupRuntime(runtimes, ['docker://1'])).toMatchObject({
      ok: false,
      reason: 'unknownRuntime',
      message: 'not found runtime service for docker in daemon',
    });
  });

  it('fails on an ID without a scheme', () => {
    expect(lookupRuntime(runtimes, ['4f1a'])).toMatchObject({ ok: false, reason: 'invalidContainerId' });
  });
});
