// `--max-workers-for-pull-image` (contract §3.7): a FIFO pool of worker slots. A key waits in
// line until a slot is free, then holds it until its actor stops; ≤ 0 means unbounded.
export class SlotPool {
  private readonly queue: string[] = [];
  private readonly holding = new Set<string>();

  constructor(private readonly max: number) {}

  /** Queues `key` (once) for a slot. */
  enqueue(key: string): void {
    if (!this.holding.has(key) && !this.queue.includes(key)) this.queue.push(key);
  }

  /** Marks `key` as holding a slot already (a recovered actor past `waiting`). */
  hold(key: string): void {
    this.holding.add(key);
  }

  /** Frees `key`'s slot or place in line. */
  release(key: string): void {
    this.holding.delete(key);
    const at = this.queue.indexOf(key);
    if (at >= 0) this.queue.splice(at, 1);
  }

  /** Grants free slots in FIFO order; `grant(key)` returns false when the key is gone (skipped). */
  drain(grant: (key: string) => boolean): void {
    while (this.queue.length > 0 && (this.max <= 0 || this.holding.size < this.max)) {
      const key = this.queue.shift()!;
      this.holding.add(key);
      if (!grant(key)) this.holding.delete(key);
    }
  }

  get held(): number {
    return this.holding.size;
  }

  get waiting(): number {
    return this.queue.length;
  }
}
