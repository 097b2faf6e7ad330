import { describe, expect, it } from 'vitest';
import { defaultDeadlineMs, type CriMethodName } from '../../../adapters/cri/index.js';

describe('default per-call deadlines, as upstream sets them', () => {
  it.each<[CriMethodName, object, number | null]>([
    ['Version', { version: '0.1.0' }, 5_000],
    ['ListContainers', {}, 5_000],
    ['ContainerStatus', { container_id: 'c' }, 5_000],
    ['ImageFsInfo', {}, 5_000],
    ['ListImages', {}, 5_000],
    ['StopContainer', { container_id: 'c', timeout: 30 }, 35_000],
    ['StopContainer', { container_id: 'c', timeout: '2' }, 7_000],
    ['StopContainer', { container_id: 'c', timeout: 0 }, 5_000],
    ['StopContainer', { container_id: 'c' }, 5_000],
    ['ExecSync', { container_id: 'c', cmd: ['true'], timeout: 1 }, 6_000],
    ['ExecSync', { container_id: 'c', cmd: ['true'], timeout: '10' }, 15_000],
    ['ExecSync', { container_id: 'c', cmd: ['true'], timeout: 0 }, null],
    ['ExecSync', { container_id: 'c', cmd: ['true'] }, null],
    ['PullImage', { image: { image: 'busybox:1' } }, null],
  ])('gives %s with %o a deadline of %s ms', (method, request, expected) => {
    expect(defaultDeadlineMs(method, request)).toBe(expected);
  });

  it('adds the grace and exec timeouts to a configured base instead of 5 s', () => {
    expect(defaultDeadlineMs('Version', {}, 20_000)).toBe(20_000);
    expect(defaultDeadlineMs('StopContainer', { timeout: 10 }, 20_000)).toBe(30_000);
    expect(defaultDeadlineMs('ExecSync', { timeout: 3 }, 20_000)).toBe(23_000);
  });

  it('treats a negative or unparsable timeout as 0', () => {
    expect(defaultDeadlineMs('StopContainer', { timeout: -4 })).toBe(5_000);
    expect(defaultDeadlineMs('ExecSync', { timeout: 'soon' })).toBeNull();
  });
});
