// Events are logged as JSON. Most already are plain data; the exceptions are errors carried by
// `xstate.error.actor.*` events (Error objects serialise to `{}`), which become `{ name, message }`.
// The machine sees the same `message` live and in replay, so decisions do not depend on the form.

export function toLoggable(value: unknown, depth = 0): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (depth > 8 || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map((item) => toLoggable(item, depth + 1));
  let copy: Record<string, unknown> | undefined;
  for (const [key, inner] of Object.entries(value)) {
    const converted = toLoggable(inner, depth + 1);
    if (converted !== inner) {
      copy ??= { ...(value as Record<string, unknown>) };
      copy[key] = converted;
    }
  }
  return copy ?? value;
}
