// The runtime-containers-meta annotation (contract §7.2): upstream's RuntimeContainerMetaSet as Go's
// encoding/json writes it and reads it back.
//
// Written: `{"containers":[{"name":…,"containerID":…,"restartCount":…,"hashes":{"plainHash":…,
// "extractedEnvFromMetadataHash":…}}]}`, fields in struct order, `extractedEnvFromMetadataHash`
// omitted when 0 (omitempty), strings escaped as json.Marshal escapes them (go-json.ts).
//
// Read as json.Unmarshal reads it into the struct: object keys match a field's JSON name exactly
// or, failing that, case-insensitively (ASCII and JS lower-casing; Go's full Unicode folding also
// matches the Kelvin sign and long s, which no daemon writes); unknown keys are ignored; `null`
// leaves a field at its zero value; a value of the wrong type (a string for a number, a fraction
// or a negative number for a uint64, a restartCount outside int32) is an error, and upstream then
// treats the whole annotation as absent. uint64 values keep their exact digits (JSON.parse's
// source text), so a hash past 2^53 is not rounded.
//
// Equality is upstream's reflect.DeepEqual of the two *RuntimeContainerMetaSet: no set (no
// annotation, or one that does not parse) never equals a set, and a set whose `containers` is
// null (`{}`) does not equal one with an empty list.
import { goJsonQuote } from './go-json.js';
import { fromDecodedJson } from './go-strings.js';
import type { MetaEntry } from './types.js';

/** A parsed annotation: `containers` null when the JSON had none (Go's nil slice). */
export interface MetaSet {
  readonly containers: readonly MetaEntry[] | null;
}

export type MetaSetReading = { readonly ok: true; readonly set: MetaSet } | { readonly ok: false; readonly error: string };

/** json.Marshal of a RuntimeContainerMetaSet (the new set is never nil: `[]` when empty). */
export function encodeMetaSet(entries: readonly MetaEntry[]): string {
  const items = entries.map(
    (e) =>
      `{"name":${goJsonQuote(e.name)},"containerID":${goJsonQuote(e.containerID)},"restartCount":${e.restartCount},` +
      `"hashes":{"plainHash":${e.plainHash}${e.envHash === '0' ? '' : `,"extractedEnvFromMetadataHash":${e.envHash}`}}}`,
  );
  return `{"containers":[${items.join(',')}]}`;
}

/** reflect.DeepEqual of the old set (null: none) and a new one. */
export function sameMetaSets(old: MetaSet | null, entries: readonly MetaEntry[]): boolean {
  if (old === null || old.containers === null || old.containers.length !== entries.length) return false;
  return old.containers.every((a, i) => {
    const b = entries[i]!;
    return a.name === b.name && a.containerID === b.containerID && a.restartCount === b.restartCount && a.plainHash === b.plainHash && a.envHash === b.envHash;
  });
}

/** A JSON number as its source text: the reviver keeps every number's exact digits. */
class JsonNumber {
  constructor(readonly source: string) {}
}

class TypeMismatch extends Error {}

const UINT64_MAX = (1n << 64n) - 1n;

function uint64(value: unknown, field: string): string {
  if (value === null) return '0';
  if (!(value instanceof JsonNumber) || !/^\d+$/.test(value.source)) throw new TypeMismatch(`${field} is not a uint64: ${describe(value)}`);
  const n = BigInt(value.source);
  if (n > UINT64_MAX) throw new TypeMismatch(`${field} overflows uint64: ${value.source}`);
  return n.toString();
}

function int32(value: unknown, field: string): number {
  if (value === null) return 0;
  if (!(value instanceof JsonNumber) || !/^-?\d+$/.test(value.source)) throw new TypeMismatch(`${field} is not an int32: ${describe(value)}`);
  const n = BigInt(value.source);
  if (n < -(1n << 31n) || n >= 1n << 31n) throw new TypeMismatch(`${field} overflows int32: ${value.source}`);
  return Number(n);
}

function text(value: unknown, field: string): string {
  if (value === null) return '';
  if (typeof value !== 'string') throw new TypeMismatch(`${field} is not a string: ${describe(value)}`);
  return fromDecodedJson(value);
}

function describe(value: unknown): string {
  if (value instanceof JsonNumber) return `number ${value.source}`;
  if (Array.isArray(value)) return 'array';
  return value === null ? 'null' : typeof value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof JsonNumber);
}

/**
 * The values an object holds for each field, Go's way: an exact key wins over a case-insensitive
 * one; among several keys for one field, the last in the text wins (each assignment overwrites).
 */
function fieldsOf(object: Record<string, unknown>, names: readonly string[]): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const name of names) {
    if (Object.hasOwn(object, name)) {
      out.set(name, object[name]);
      continue;
    }
    const lower = name.toLowerCase();
    for (const key of Object.keys(object)) if (key.toLowerCase() === lower) out.set(name, object[key]);
  }
  return out;
}

function entryOf(value: unknown, index: number): MetaEntry {
  const at = `containers[${index}]`;
  if (value === null) return { name: '', containerID: '', restartCount: 0, plainHash: '0', envHash: '0' };
  if (!isObject(value)) throw new TypeMismatch(`${at} is not an object: ${describe(value)}`);
  const f = fieldsOf(value, ['name', 'containerID', 'restartCount', 'hashes']);
  const hashes = f.get('hashes') ?? null;
  if (hashes !== null && !isObject(hashes)) throw new TypeMismatch(`${at}.hashes is not an object: ${describe(hashes)}`);
  const h = hashes === null ? new Map<string, unknown>() : fieldsOf(hashes, ['plainHash', 'extractedEnvFromMetadataHash']);
  return {
    name: text(f.get('name') ?? null, `${at}.name`),
    containerID: text(f.get('containerID') ?? null, `${at}.containerID`),
    restartCount: int32(f.get('restartCount') ?? null, `${at}.restartCount`),
    plainHash: uint64(h.get('plainHash') ?? null, `${at}.hashes.plainHash`),
    envHash: uint64(h.get('extractedEnvFromMetadataHash') ?? null, `${at}.hashes.extractedEnvFromMetadataHash`),
  };
}

/** json.Unmarshal of the annotation into a RuntimeContainerMetaSet (see the file comment). */
export function parseMetaSet(annotation: string): MetaSetReading {
  let root: unknown;
  try {
    // The third argument (the value's source text) is ES2025; Node 24 has it.
    const reviver = (_key: string, value: unknown, context?: { source?: string }) =>
      typeof value === 'number' ? new JsonNumber(context?.source ?? String(value)) : value;
    root = JSON.parse(annotation, reviver as (key: string, value: unknown) => unknown);
  } catch (error) {
    return { ok: false, error: `not JSON: ${(error as Error).message}` };
  }
  try {
    if (root === null) return { ok: true, set: { containers: null } };
    if (!isObject(root)) throw new TypeMismatch(`not an object: ${describe(root)}`);
    const containers = fieldsOf(root, ['containers']).get('containers') ?? null;
    if (containers === null) return { ok: true, set: { containers: null } };
    if (!Array.isArray(containers)) throw new TypeMismatch(`containers is not an array: ${describe(containers)}`);
    return { ok: true, set: { containers: containers.map(entryOf) } };
  } catch (error) {
    if (error instanceof TypeMismatch) return { ok: false, error: error.message };
    throw error;
  }
}

/** The annotation as upstream reads it: the set, or null when it is absent or does not parse. */
export function metaSetOf(annotation: string | null): MetaSet | null {
  if (annotation === null) return null;
  const reading = parseMetaSet(annotation);
  return reading.ok ? reading.set : null;
}
