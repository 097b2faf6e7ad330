// A reader for the YAML that kubeconfig files are written in (kubectl, kubeadm, cloud CLIs, and
// JSON): block mappings and sequences (a sequence may sit at its key's indentation, as Go's YAML
// writes it), one-line flow collections (`{}`, `[]`, `{token: "x"}`), plain, single- and
// double-quoted scalars, comments and a leading `---`. Every scalar is a string or null.
// Anything else (block scalars, multi-line scalars, anchors, aliases, tags, several documents)
// throws YamlSubsetError rather than being guessed at: kubeconfig.ts then hands the file to
// client-node's full loader. It exists so that a kubeconfig can be read without that loader,
// which pulls in the generated API (docs/architecture.md, "Memory").

export type YamlValue = string | null | YamlValue[] | { [key: string]: YamlValue };

export class YamlSubsetError extends Error {
  override readonly name = 'YamlSubsetError';
}

interface Line {
  readonly indent: number;
  readonly text: string;
  readonly no: number;
}

export function parseKubeconfigYaml(source: string): YamlValue {
  const trimmed = source.trim();
  if (trimmed.startsWith('{')) {
    try {
      return fromJson(JSON.parse(trimmed));
    } catch {
      // Not JSON: a YAML flow mapping, read below.
    }
  }
  const lines: Line[] = [];
  source.split(/\r?\n/).forEach((raw, i) => {
    const text = stripComment(raw, i + 1).trimEnd();
    if (text.trim() === '') return;
    if (text.slice(0, text.length - text.trimStart().length).includes('\t')) fail(i + 1, 'tab indentation');
    if (/^(---|\.\.\.)(\s|$)/.test(text)) {
      if (lines.length > 0 || text.trim() !== '---') fail(i + 1, 'more than one document');
      return;
    }
    lines.push({ indent: text.length - text.trimStart().length, text: text.trimStart(), no: i + 1 });
  });
  if (lines.length === 0) return null;
  const cursor = { i: 0 };
  const value = parseBlock(lines, cursor, lines[0]!.indent);
  if (cursor.i < lines.length) fail(lines[cursor.i]!.no, 'unexpected indentation');
  return value;
}

/** JSON's booleans and numbers as the strings YAML's plain scalars would be. */
function fromJson(value: unknown): YamlValue {
  if (value === null || typeof value === 'string') return value;
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  if (Array.isArray(value)) return value.map(fromJson);
  return Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, fromJson(v)]));
}

function fail(no: number, what: string): never {
  throw new YamlSubsetError(`line ${no}: ${what} is not supported here`);
}

const isItem = (text: string) => text === '-' || text.startsWith('- ');

function parseBlock(lines: Line[], cursor: { i: number }, indent: number): YamlValue {
  return isItem(lines[cursor.i]!.text) ? parseSequence(lines, cursor, indent) : parseMapping(lines, cursor, indent);
}

function parseMapping(lines: Line[], cursor: { i: number }, indent: number): YamlValue {
  const map: Record<string, YamlValue> = {};
  while (cursor.i < lines.length) {
    const line = lines[cursor.i]!;
    if (line.indent < indent) break;
    if (line.indent > indent || isItem(line.text)) fail(line.no, 'unexpected indentation');
    const { key, rest } = splitKey(line);
    if (Object.hasOwn(map, key)) fail(line.no, `a repeated key ${JSON.stringify(key)}`);
    cursor.i += 1;
    map[key] = rest === '' ? nested(lines, cursor, indent, true) : inlineValue(rest, line.no);
  }
  return map;
}

function parseSequence(lines: Line[], cursor: { i: number }, indent: number): YamlValue {
  const list: YamlValue[] = [];
  while (cursor.i < lines.length) {
    const line = lines[cursor.i]!;
    if (line.indent < indent || (line.indent === indent && !isItem(line.text))) break;
    if (line.indent > indent) fail(line.no, 'unexpected indentation');
    const rest = line.text.slice(1).trimStart();
    if (rest === '') {
      cursor.i += 1;
      list.push(nested(lines, cursor, indent, false));
    } else if (startsMapping(rest)) {
      // `- key: value` opens a mapping whose keys line up with `key`.
      const inner = indent + (line.text.length - rest.length);
      lines[cursor.i] = { indent: inner, text: rest, no: line.no };
      list.push(parseMapping(lines, cursor, inner));
    } else {
      cursor.i += 1;
      list.push(inlineValue(rest, line.no));
    }
  }
  return list;
}

/** The value of `key:` or `-` with nothing after it: a deeper block, a sequence at the key's indentation, or null. */
function nested(lines: Line[], cursor: { i: number }, indent: number, sequenceAtSameIndent: boolean): YamlValue {
  const next = lines[cursor.i];
  if (next && next.indent > indent) return parseBlock(lines, cursor, next.indent);
  if (next && sequenceAtSameIndent && next.indent === indent && isItem(next.text)) return parseSequence(lines, cursor, indent);
  return null;
}

function startsMapping(text: string): boolean {
  if (/^["']/.test(text)) {
    const end = quotedEnd(text, 0);
    return end > 0 && /^\s*:(\s|$)/.test(text.slice(end));
  }
  return !/^[{[]/.test(text) && /^[^:]*?:(\s|$)/.test(text);
}

function splitKey(line: Line): { key: string; rest: string } {
  const text = line.text;
  if (/^["']/.test(text)) {
    const end = quotedEnd(text, 0);
    const after = end > 0 ? /^\s*:(\s|$)/.exec(text.slice(end)) : null;
    if (!after) fail(line.no, 'a quoted key without a colon');
    return { key: quoted(text.slice(0, end), line.no), rest: text.slice(end + after[0].length).trim() };
  }
  const colon = /:(\s|$)/.exec(text);
  if (!colon) fail(line.no, 'a line that is neither `key: value` nor `- item`');
  const key = text.slice(0, colon.index).trim();
  if (key === '' || /^[[\]{}&*!|>%@`?]/.test(key)) fail(line.no, `the key ${JSON.stringify(key)}`);
  return { key, rest: text.slice(colon.index + 1).trim() };
}

/** A value on one line after `key:` or `- `: a flow collection, a quoted scalar or a plain scalar. */
function inlineValue(text: string, no: number): YamlValue {
  if (/^[&*!|>%@`]/.test(text)) fail(no, `a value starting with ${JSON.stringify(text[0])}`);
  if (/^["'{[]/.test(text)) {
    const flow = { text, pos: 0, no };
    const value = flowValue(flow);
    skipSpaces(flow);
    if (flow.pos !== text.length) fail(no, 'text after a quoted or flow value');
    return value;
  }
  // `: ` inside, or `- `/`? `/`: ` in front, would be YAML errors or other structures: not a plain scalar.
  if (/:(\s|$)/.test(text) || /^[-?:](\s|$)/.test(text)) fail(no, `the value ${JSON.stringify(text)}`);
  return plain(text);
}

function plain(text: string): string | null {
  return text === '' || text === '~' || text === 'null' || text === 'Null' || text === 'NULL' ? null : text;
}

interface Flow {
  readonly text: string;
  pos: number;
  readonly no: number;
}

function skipSpaces(flow: Flow): void {
  while (flow.text[flow.pos] === ' ') flow.pos += 1;
}

function flowValue(flow: Flow): YamlValue {
  skipSpaces(flow);
  const c = flow.text[flow.pos];
  if (c === '{' || c === '[') {
    const close = c === '{' ? '}' : ']';
    const map: Record<string, YamlValue> = {};
    const list: YamlValue[] = [];
    flow.pos += 1;
    for (let first = true; ; first = false) {
      skipSpaces(flow);
      if (flow.text[flow.pos] === close) {
        flow.pos += 1;
        return c === '{' ? map : list;
      }
      if (!first) {
        if (flow.text[flow.pos] !== ',') fail(flow.no, 'a flow collection without a comma');
        flow.pos += 1;
        skipSpaces(flow);
        if (flow.text[flow.pos] === close) continue;
      }
      if (c === '[') {
        list.push(flowValue(flow));
        continue;
      }
      const key = flowValue(flow);
      skipSpaces(flow);
      if (typeof key !== 'string' || flow.text[flow.pos] !== ':') fail(flow.no, 'a flow mapping entry without `key:`');
      flow.pos += 1;
      if (Object.hasOwn(map, key)) fail(flow.no, `a repeated key ${JSON.stringify(key)}`);
      map[key] = flowValue(flow);
    }
  }
  if (c === '"' || c === "'") {
    const end = quotedEnd(flow.text, flow.pos);
    if (end < 0) fail(flow.no, 'an unterminated quoted scalar');
    const value = quoted(flow.text.slice(flow.pos, end), flow.no);
    flow.pos = end;
    return value;
  }
  if (c === undefined || /[&*!|>%@`]/.test(c)) fail(flow.no, 'this flow value');
  // A plain scalar inside a flow collection ends at `,`, a closing bracket, or `: `/`:` before one.
  const start = flow.pos;
  while (flow.pos < flow.text.length && !/[,\]}]/.test(flow.text[flow.pos]!) && !/^:(\s|[,\]}]|$)/.test(flow.text.slice(flow.pos))) flow.pos += 1;
  return plain(flow.text.slice(start, flow.pos).trim());
}

/** Index just past the quoted scalar starting at `from`, or -1. */
function quotedEnd(text: string, from: number): number {
  const q = text[from];
  for (let i = from + 1; i < text.length; i += 1) {
    if (q === '"' && text[i] === '\\') i += 1;
    else if (text[i] === q) {
      if (q === "'" && text[i + 1] === "'") i += 1;
      else return i + 1;
    }
  }
  return -1;
}

const ESCAPES: Record<string, string> = {
  '0': '\0',
  a: '\x07',
  b: '\b',
  t: '\t',
  '\t': '\t',
  n: '\n',
  v: '\v',
  f: '\f',
  r: '\r',
  e: '\x1b',
  ' ': ' ',
  '"': '"',
  '/': '/',
  '\\': '\\',
  N: '\u0085',
  _: '\u00a0',
  L: '\u2028',
  P: '\u2029',
};

function quoted(token: string, no: number): string {
  const body = token.slice(1, -1);
  if (token[0] === "'") return body.replaceAll("''", "'");
  return body.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.)/g, (_, e: string) => {
    if (e.length > 1) return String.fromCodePoint(parseInt(e.slice(1), 16));
    const c = ESCAPES[e];
    if (c === undefined) fail(no, `the escape \\${e}`);
    return c;
  });
}

/** Drops a `#` comment (at the start, or after a space, outside quotes). */
function stripComment(raw: string, no: number): string {
  let quote: string | undefined;
  for (let i = 0; i < raw.length; i += 1) {
    const c = raw[i]!;
    if (quote) {
      if (quote === '"' && c === '\\') i += 1;
      else if (c === quote) {
        if (quote === "'" && raw[i + 1] === "'") i += 1;
        else quote = undefined;
      }
    } else if ((c === '"' || c === "'") && (i === 0 || /[\s:[{,]/.test(raw[i - 1]!))) quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(raw[i - 1]!))) return raw.slice(0, i);
  }
  if (quote) fail(no, 'a quoted scalar over several lines');
  return raw;
}
