// Why the event log stopped accepting records. The log is fail-stop: the first failed open, write,
// fdatasync or close of a segment puts it in a failed state for good, keeping this as the cause.
// It never retries: after a failed fdatasync Linux may already have dropped the dirty pages and
// cleared the error, so a retry that "succeeds" would claim records are on disk that are not.
export type LogOperation = 'open' | 'write' | 'fdatasync' | 'close';

export class EventLogFailure extends Error {
  override readonly name = 'EventLogFailure';
  /** The errno name (ENOSPC, EIO, EROFS, ...), when the cause carries one. */
  readonly code: string | undefined;
  /** What the errno means for the operator, in one phrase. */
  readonly meaning: string;

  constructor(
    readonly operation: LogOperation,
    readonly file: string,
    cause: unknown,
  ) {
    const code = (cause as NodeJS.ErrnoException | undefined)?.code;
    const meaning = errnoMeaning(code);
    const detail = cause instanceof Error ? cause.message : String(cause);
    super(`event log ${operation} of ${file} failed: ${meaning} (${detail})`, { cause });
    this.code = code;
    this.meaning = meaning;
  }
}

/** The operator's reading of an errno from a write path: what is wrong, in the words of a node admin. */
export function errnoMeaning(code: string | undefined): string {
  switch (code) {
    case 'ENOSPC':
      return 'the filesystem holding the event log is full';
    case 'EDQUOT':
      return 'the disk quota of the filesystem holding the event log is used up';
    case 'EROFS':
      return 'the filesystem holding the event log is read-only (the kernel remounts a filesystem read-only after disk errors)';
    case 'EIO':
      return 'the disk reported an I/O error (check the device and the kernel log)';
    case 'EACCES':
    case 'EPERM':
      return 'the daemon may not write the event log (check the ownership and permissions of the data directory)';
    case 'EFBIG':
      return 'a segment reached the largest file this filesystem allows';
    case 'EMFILE':
    case 'ENFILE':
      return 'the process or the node ran out of file descriptors';
    default:
      return 'the event log could not be written';
  }
}
