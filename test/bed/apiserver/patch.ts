// JSON merge patch (RFC 7386) and JSON patch (RFC 6902). Neither mutates its inputs.
// Errors carry the status the API server uses: 400 for a malformed patch, 422 when a JSON patch
// operation does not apply.
import { errors } from './errors.js';
import { clone, deepEqual, isRecord } from './types.js';

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return clone(patch);
  const result: Record<string, unknown> = isRecord(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

interface Operation {
  op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  path: string;
  from?: string;
  value?: unknown;
}

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

function decodeOperations(patch: unknown): Operation[] {
  if (!Array.isArray(patch)) throw errors.badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  return patch.map((op: unknown) => {
    if (!isRecord(op) || typeof op.op !== 'string' || !OPS.has(op.op)) {
      throw errors.badRequest(`Unexpected kind: ${isRecord(op) ? String(op.op) : typeof op}`);
    }
    if (typeof op.path !== 'string') throw errors.badRequest(`${op.op} operation missing path`);
    if ((op.op === 'move' || op.op === 'copy') && typeof op.from !== 'string') throw errors.badRequest(`${op.op} operation missing from`);
    if ((op.op === 'add' || op.op === 'replace' || op.op === 'test') && !Object.hasOwn(op, 'value')) {
      throw errors.badRequest(`${op.op} operation missing value`);
    }
    return op as unknown as Operation;
  });
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw errors.unprocessable(`invalid JSON pointer: "${path}"`);
  return path
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function doesNotApply(op: string, path: string, why: string): never {
  throw errors.unprocessable(`${op} operation does not apply: doc is missing path: "${path}": ${why}`);
}

/** Walks to the container of the last token. */
function parentOf(doc: unknown, tokens: readonly string[], op: string, path: string): unknown {
  let cur = doc;
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) {
      const i = Number(t);
      if (!/^\d+$/.test(t) || i >= cur.length) doesNotApply(op, path, `index ${t} out of range`);
      cur = cur[i];
    } else if (isRecord(cur) && Object.hasOwn(cur, t)) {
      cur = cur[t];
    } else {
      doesNotApply(op, path, `missing key ${t}`);
    }
  }
  return cur;
}

function get(doc: unknown, path: string, op: string): unknown {
  const tokens = pointer(path);
  if (tokens.length === 0) return doc;
  const parent = parentOf(doc, tokens, op, path);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) {
    const i = Number(last);
    if (!/^\d+$/.test(last) || i >= parent.length) doesNotApply(op, path, `index ${last} out of range`);
    return parent[i];
  }
  if (isRecord(parent) && Object.hasOwn(parent, last)) return parent[last];
  return doesNotApply(op, path, `missing key ${last}`);
}

/** Returns the new document (the root may be replaced). */
function put(doc: unknown, path: string, value: unknown, mode: 'add' | 'replace', op: string): unknown {
  const tokens = pointer(path);
  if (tokens.length === 0) return value;
  const parent = parentOf(doc, tokens, op, path);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) {
    const i = last === '-' && mode === 'add' ? parent.length : Number(last);
    const limit = mode === 'add' ? parent.length : parent.length - 1;
    if ((last !== '-' && !/^\d+$/.test(last)) || i > limit) doesNotApply(op, path, `index ${last} out of range`);
    if (mode === 'add') parent.splice(i, 0, value);
    else parent[i] = value;
  } else if (isRecord(parent)) {
    if (mode === 'replace' && !Object.hasOwn(parent, last)) doesNotApply(op, path, `missing key ${last}`);
    parent[last] = value;
  } else {
    doesNotApply(op, path, 'parent is not a container');
  }
  return doc;
}

function remove(doc: unknown, path: string, op: string): unknown {
  const tokens = pointer(path);
  if (tokens.length === 0) doesNotApply(op, path, 'cannot remove the root');
  const parent = parentOf(doc, tokens, op, path);
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) {
    const i = Number(last);
    if (!/^\d+$/.test(last) || i >= parent.length) doesNotApply(op, path, `index ${last} out of range`);
    parent.splice(i, 1);
  } else if (isRecord(parent) && Object.hasOwn(parent, last)) {
    delete parent[last];
  } else {
    doesNotApply(op, path, `missing key ${last}`);
  }
  return doc;
}

export function jsonPatch(document: unknown, patch: unknown): unknown {
  const ops = decodeOperations(patch);
  let doc = clone(document);
  for (const op of ops) {
    switch (op.op) {
      case 'add':
        doc = put(doc, op.path, clone(op.value), 'add', op.op);
        break;
      case 'replace':
        doc = put(doc, op.path, clone(op.value), 'replace', op.op);
        break;
      case 'remove':
        doc = remove(doc, op.path, op.op);
        break;
      case 'copy':
        doc = put(doc, op.path, clone(get(doc, op.from!, op.op)), 'add', op.op);
        break;
      case 'move': {
        if (op.path.startsWith(`${op.from!}/`)) throw errors.unprocessable(`move operation does not apply: "${op.path}" is a child of "${op.from!}"`);
        const value = get(doc, op.from!, op.op);
        doc = remove(doc, op.from!, op.op);
        doc = put(doc, op.path, value, 'add', op.op);
        break;
      }
      case 'test':
        if (!deepEqual(get(doc, op.path, op.op), op.value)) throw errors.unprocessable(`testing value ${op.path} failed: test failed`);
        break;
    }
  }
  return doc;
}
