// Base64 decoding as strict as Go's encoding/base64 (Node's Buffer silently skips bad input).

const PADDED = /^[A-Za-z0-9+/]*={0,2}$/;
const UNPADDED = /^[A-Za-z0-9+/]*$/;

/** Standard, padded base64 (how the Kubernetes API serialises Secret data). Undefined if invalid. */
export function decodeStdBase64(text: string): Buffer | undefined {
  const s = text.replace(/[\r\n]/g, ''); // Go's decoder ignores CR and LF
  if (s.length % 4 !== 0 || !PADDED.test(s)) return undefined;
  return Buffer.from(s, 'base64');
}

/**
 * kubelet's `decodeDockerConfigFieldAuth` choice: a value ending in `=` (ignoring surrounding
 * space) is decoded as padded std base64, anything else as unpadded (RawStdEncoding).
 */
export function decodeAuthFieldBase64(text: string): Buffer | undefined {
  if (text.trim().endsWith('=')) return decodeStdBase64(text);
  const s = text.replace(/[\r\n]/g, '');
  if (s.length % 4 === 1 || !UNPADDED.test(s)) return undefined;
  return Buffer.from(s, 'base64');
}
