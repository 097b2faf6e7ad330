// Label selectors (the full apimachinery grammar) and field selectors (`=`, `==`, `!=`, with
// backslash escapes), parsed once per request and matched against stored objects.
import { errors } from './errors.js';
import type { ResourceDef } from './resources.js';
import type { KubeObject } from './types.js';

type LabelOp = 'exists' | '!' | '=' | '!=' | 'in' | 'notin' | 'gt' | 'lt';
interface LabelRequirement {
  readonly key: string;
  readonly op: LabelOp;
  readonly values: readonly string[];
}

export type LabelSelector = readonly LabelRequirement[];

const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function fail(message: string): never {
  throw errors.badRequest(`unable to parse requirement: ${message}`);
}

function validateKey(key: string): void {
  const slash = key.lastIndexOf('/');
  const prefix = slash < 0 ? undefined : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    fail(`invalid label key "${key}": prefix part must be a lowercase RFC 1123 subdomain`);
  }
  if (name.length === 0 || name.length > 63 || !NAME.test(name)) {
    fail(
      `invalid label key "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
    );
  }
}

function validateValue(value: string): void {
  if (value.length > 63 || (value.length > 0 && !NAME.test(value))) {
    fail(
      `invalid label value: "${value}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`,
    );
  }
}

/** Tokens: identifiers, and the operators `! != ( ) , = == > <`. */
function lex(input: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i]!;
    if (/\s/.test(c)) {
      i += 1;
    } else if (c === '!' || c === '=') {
      const two = input.slice(i, i + 2);
      const op = two === '!=' || two === '==' ? two : c;
      tokens.push(op);
      i += op.length;
    } else if ('(),<>'.includes(c)) {
      tokens.push(c);
      i += 1;
    } else {
      let j = i;
      while (j < input.length && !/[\s!=(),<>]/.test(input[j]!)) j += 1;
      tokens.push(input.slice(i, j));
      i = j;
    }
  }
  return tokens;
}

const OPERATORS = new Set(['!', '!=', '(', ')', ',', '=', '==', '<', '>']);

export function parseLabelSelector(input: string | null | undefined): LabelSelector {
  if (!input || input.trim() === '') return [];
  const tokens = lex(input);
  let pos = 0;
  const peek = () => tokens[pos];
  const next = () => tokens[pos++];
  const ident = (what: string): string => {
    const t = next();
    if (t === undefined || OPERATORS.has(t)) fail(`found '${t ?? ''}', expected: ${what}`);
    return t;
  };
  const requirements: LabelRequirement[] = [];
  for (;;) {
    let req: LabelRequirement;
    if (peek() === '!') {
      next();
      const key = ident('identifier after !');
      validateKey(key);
      req = { key, op: '!', values: [] };
    } else {
      const key = ident('identifier');
      validateKey(key);
      const op = peek();
      if (op === undefined || op === ',') {
        req = { key, op: 'exists', values: [] };
      } else if (op === '=' || op === '==' || op === '!=') {
        next();
        const t = peek();
        const value = t === undefined || t === ',' ? '' : ident('identifier');
        validateValue(value);
        req = { key, op: op === '!=' ? '!=' : '=', values: [value] };
      } else if (op === 'in' || op === 'notin') {
        next();
        if (next() !== '(') fail(`found '${tokens[pos - 1] ?? ''}', expected: '('`);
        const values: string[] = [];
        for (;;) {
          const t = peek();
          values.push(t === ',' || t === ')' ? '' : ident("identifier or ')'"));
          const sep = next();
          if (sep === ')') break;
          if (sep !== ',') fail(`found '${sep ?? ''}', expected: ',' or ')'`);
        }
        values.forEach(validateValue);
        req = { key, op, values };
      } else if (op === '>' || op === '<') {
        next();
        const value = ident('integer');
        if (!/^-?\d+$/.test(value)) fail(`for 'Gt', 'Lt' operators, the value must be an integer`);
        req = { key, op: op === '>' ? 'gt' : 'lt', values: [value] };
      } else {
        fail(`found '${op}', expected: in, notin, =, ==, !=, gt, lt`);
      }
    }
    requirements.push(req);
    const t = next();
    if (t === undefined) return requirements;
    if (t !== ',') fail(`found '${t}', expected: ',' or 'end of string'`);
  }
}

export function matchesLabels(selector: LabelSelector, labels: Readonly<Record<string, string>> | undefined): boolean {
  return selector.every(({ key, op, values }) => {
    const has = labels !== undefined && Object.hasOwn(labels, key);
    const value = has ? labels[key]! : undefined;
    switch (op) {
      case 'exists':
        return has;
      case '!':
        return !has;
      case '=':
      case 'in':
        return has && values.includes(value!);
      case '!=':
      case 'notin':
        return !has || !values.includes(value!);
      case 'gt':
      case 'lt': {
        if (!has || !/^-?\d+$/.test(value!)) return false;
        const n = Number(value);
        const bound = Number(values[0]);
        return op === 'gt' ? n > bound : n < bound;
      }
      default:
        return false;
    }
  });
}

interface FieldRequirement {
  readonly field: string;
  readonly negate: boolean;
  readonly value: string;
}
export type FieldSelector = readonly FieldRequirement[];

function splitUnescaped(input: string, sep: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < input.length; i += 1) {
    const c = input[i]!;
    if (c === '\\' && i + 1 < input.length) {
      cur += c + input[i + 1]!;
      i += 1;
    } else if (c === sep) {
      parts.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  parts.push(cur);
  return parts;
}

function unescapeSelectorValue(value: string): string {
  return value.replace(/\\(.)/g, (_, c: string) => {
    if (c === '\\' || c === ',' || c === '=') return c;
    throw errors.badRequest(`invalid field selector: invalid escape sequence: \\${c}`);
  });
}

/** Parses and checks a field selector against the fields the resource supports. */
export function parseFieldSelector(input: string | null | undefined, def: ResourceDef): FieldSelector {
  if (!input || input.trim() === '') return [];
  return splitUnescaped(input, ',').map((term) => {
    const m = /^((?:[^\\!=]|\\.)*?)(!=|==|=)(.*)$/.exec(term);
    if (!m) throw errors.badRequest(`invalid field selector: invalid selector: '${input}'; can't understand '${term}'`);
    const field = m[1]!.trim();
    const known = field === 'metadata.name' || (field === 'metadata.namespace' && def.namespaced) || Object.hasOwn(def.fields, field);
    if (!known) {
      throw errors.badRequest(
        def.builtin ? `field label not supported: ${field}` : `"${field}" is not a known field selector: only "metadata.name", "metadata.namespace"`,
      );
    }
    return { field, negate: m[2] === '!=', value: unescapeSelectorValue(m[3]!) };
  });
}

export function fieldValue(def: ResourceDef, obj: KubeObject, field: string): string {
  if (field === 'metadata.name') return obj.metadata.name ?? '';
  if (field === 'metadata.namespace') return obj.metadata.namespace ?? '';
  return def.fields[field]?.(obj) ?? '';
}

export function matchesFields(selector: FieldSelector, def: ResourceDef, obj: KubeObject): boolean {
  return selector.every(({ field, negate, value }) => (fieldValue(def, obj, field) === value) !== negate);
}
