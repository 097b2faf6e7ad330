// How a machine words an effect's failure: the error's own message, or the thrown value as text.

/** The text of a thrown value (an Error's message, anything else as a string). */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
