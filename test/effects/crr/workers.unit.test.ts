import { describe, expect, it } from 'vitest';
import { CrrWorkers } from '../../../effects/crr/index.js';

const signal = () => new AbortController().signal;

describe('CrrWorkers', () => {
  it('lets at most `size` pods work at once; a pod’s own effects share its worker; the others wait in order', async () => {
    const workers = new CrrWorkers(1);
    const a1 = await workers.acquire('ns/a', signal());
    const a2 = await workers.acquire('ns/a', signal());
    const queued: string[] = [];
    const granted: string[] = [];
    const b = workers
      .acquire('ns/b', signal(), () => queued.push('b'))
      .then((lease) => {
        granted.push('b');
        return lease;
      });
    const c = workers
      .acquire('ns/c', signal(), () => queued.push('c'))
      .then((lease) => {
        granted.push('c');
        return lease;
      });
    expect(queued).toEqual(['b', 'c']);
    expect([workers.busy, workers.queued]).toEqual([1, 2]);

    a1.release();
    await Promise.resolve();
    expect(granted).toEqual([]); // a still has an effect running
    a2.release();
    (await b).release();
    await c;
    expect(granted).toEqual(['b', 'c']);
  });

  it('forgets a waiter whose signal aborts, and refuses a size below 1', async () => {
    const workers = new CrrWorkers(1);
    const held = await workers.acquire('ns/a', signal());
    const controller = new AbortController();
    const waiting = workers.acquire('ns/b', controller.signal);
    controller.abort(new Error('stopped'));
    await expect(waiting).rejects.toThrow('stopped');
    expect(workers.queued).toBe(0);
    held.release();
    expect(workers.busy).toBe(0);
    expect(() => new CrrWorkers(0)).toThrow('CRR workers must be a whole number above 0, not 0');
  });
});
