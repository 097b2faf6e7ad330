// What recovery needs from a log, gathered while it streams past: the records of every actor
// incarnation that has no stop record yet (in order), which keys finished last time, and which
// keys have records but no start (their spawn was cut by the size cap or collected). Finished
// incarnations are dropped as soon as their stop record is seen, and an incarnation's records are
// dropped at each of its checkpoints (recovery starts there), so memory follows the unfinished
// actors' recent history only.
import type { LogRecord } from './record.js';

export class RecoveryIndex {
  /** key → the records of its unfinished incarnation, from its spawn or its latest checkpoint. */
  readonly incarnations = new Map<string, LogRecord[]>();
  /** Keys whose latest incarnation finished. */
  readonly finishedKeys = new Set<string>();
  /** Keys with records but no spawn or checkpoint before them: their history was cut. */
  readonly truncatedKeys = new Set<string>();
  finished = 0;
  records = 0;

  add(record: LogRecord): void {
    this.records += 1;
    const { key } = record;
    if (record.kind === 'spawn' || record.kind === 'checkpoint') {
      this.incarnations.set(key, [record]);
      this.finishedKeys.delete(key);
      this.truncatedKeys.delete(key);
    } else if (record.kind === 'stop') {
      if (this.incarnations.delete(key)) {
        this.finished += 1;
        this.finishedKeys.add(key);
      }
      this.truncatedKeys.delete(key);
    } else {
      const history = this.incarnations.get(key);
      if (history) history.push(record);
      else this.truncatedKeys.add(key);
    }
  }
}
