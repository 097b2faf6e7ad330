// The memory settler: one memory-reducing collection once the event log moved by a burst of
// records and then stayed quiet for an interval; none while work goes on, none without a burst,
// one per burst. V8's collector is had without --expose-gc on the command line.
import { describe, expect, it } from 'vitest';
import { memoryReducingGc, startMemorySettler } from '../../daemon/memory-settle.js';

function settler(options: { burstRecords?: number; quietRecords?: number } = {}) {
  let seq = 0;
  const collections: number[] = [];
  const logged: Array<{ obj: object; msg: string }> = [];
  const s = startMemorySettler({
    activity: () => seq,
    logger: { info: (obj, msg) => logged.push({ obj, msg }), debug: (obj, msg) => logged.push({ obj, msg }) },
    collect: () => collections.push(seq),
    intervalMs: 3_600_000, // the test calls check() itself
    ...options,
  });
  return {
    advance: (records: number) => {
      seq += records;
    },
    check: () => s.check(),
    collections,
    logged,
    stop: () => s.stop(),
  };
}

describe('the memory settler', () => {
  it('collects once after a burst, when the log has gone quiet, and not again until the next burst', () => {
    const s = settler({ burstRecords: 1000, quietRecords: 20 });
    s.advance(600);
    expect(s.check()).toBe(false); // not a burst yet, and not quiet
    s.advance(600);
    expect(s.check()).toBe(false); // a burst, but still busy
    s.advance(5);
    expect(s.check()).toBe(true); // quiet now
    expect(s.collections).toEqual([1205]);
    expect(s.logged.at(-1)).toMatchObject({ msg: 'memory given back after a burst of work', obj: { records: 1205 } });
    s.advance(10);
    expect(s.check()).toBe(false); // quiet, but no burst since
    s.advance(2000);
    expect(s.check()).toBe(false);
    expect(s.check()).toBe(true);
    expect(s.collections).toEqual([1205, 3215]);
    s.stop();
  });

  it("finds V8's memory-reducing collector without --expose-gc, and it runs", () => {
    const collect = memoryReducingGc();
    expect(collect).toBeTypeOf('function');
    const garbage = Array.from({ length: 100_000 }, (_, i) => ({ i, text: `entry ${i}` }));
    expect(garbage.length).toBe(100_000);
    expect(() => collect!()).not.toThrow();
    // The flag was set for one context only: a new context has no `gc`.
    expect((globalThis as { gc?: unknown }).gc).toBeUndefined();
  });
});
