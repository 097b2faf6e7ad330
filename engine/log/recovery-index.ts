// What recovery needs from a log, gathered while it streams past: the records of every actor
// incarnation that has no stop record yet (in order), which keys finished last time, and which
// keys have records but no spawn (their start was cut by the size cap). Finished incarnations are
// dropped as soon as their stop record is seen, so memory follows the unfinished actors only.
import type { LogRecord } from './record.js';

export class RecoveryIndex {
  /** key → the records of its unfinished incarnation, spawn first. */
  readonly incarnations = new Map<string, LogRecord[]>();
  /** Keys whose latest incarnation finished. */
  readonly finishedKeys = new Set<string>();
  /** Keys with records but no spawn: their history was cut. */
  readonly truncatedKeys = new Set<string>();
  finished = 0;
  records = 0;

  add(record: LogRecord): void {
    this.records += 1;
    const { key } = record;
    if (record.kind === 'spawn') {
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
