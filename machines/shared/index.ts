// Helpers every machine may use: the event clock, metav1.Time text, error wording and Go's %q.
export { eventAt, rfc3339, type TimedEvent } from './clock.js';
export { errorText } from './errors.js';
export { goQuote } from './go-quote.js';
