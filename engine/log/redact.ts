// The redaction hook: runs on every record just before it is serialised, so a secret never
// reaches the disk. Two nets: values under sensitive-looking keys are replaced wholesale, and any
// string that contains a value registered as secret (a password read from a pull secret, a
// token) has that value cut out, wherever it appears.
import type { LogRecord } from './record.js';

export type Redactor = (record: LogRecord) => LogRecord;

export const REDACTED = '[REDACTED]';
/** Keys whose values are never logged, whatever they hold. */
export const SENSITIVE_KEY_PATTERN =
  /^(password|passwd|token|auth|authorization|secret|secrets|registryauth|identitytoken|registrytoken|\.dockerconfigjson|\.dockercfg|dockerconfigjson|credentials?|bearer)$/i;

export interface SecretValues {
  /** Registers a value (e.g. a password just read) so every later record is scrubbed of it. */
  add(value: string): void;
  values(): Iterable<string>;
}

export function secretValueSet(): SecretValues {
  const set = new Set<string>();
  return {
    // Very short values would scrub ordinary words out of the log; they are too weak to hide anyway.
    add: (value) => void (value.length >= 4 && set.add(value)),
    values: () => set,
  };
}

export function createRedactor(secrets: SecretValues = secretValueSet()): Redactor {
  return (record) => {
    const values = [...secrets.values()];
    const event = scrub(record.event, values);
    return event === record.event ? record : { ...record, event };
  };
}

/** Copy-on-write: returns `value` itself when nothing in it needs redacting. */
function scrub(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') {
    let text = value;
    for (const secret of secrets) if (text.includes(secret)) text = text.split(secret).join(REDACTED);
    return text;
  }
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, index) => {
      const clean = scrub(item, secrets);
      if (clean !== item) {
        copy ??= [...value];
        copy[index] = clean;
      }
    });
    return copy ?? value;
  }
  let copy: Record<string, unknown> | undefined;
  for (const key in value) {
    const inner = (value as Record<string, unknown>)[key];
    const clean = SENSITIVE_KEY_PATTERN.test(key) ? REDACTED : scrub(inner, secrets);
    if (clean !== inner) {
      copy ??= { ...(value as Record<string, unknown>) };
      copy[key] = clean;
    }
  }
  return copy ?? value;
}
