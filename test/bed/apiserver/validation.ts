// Validation a real API server does on every write and the fake models: object metadata (label
// and annotation keys and values, as apimachinery's ValidateObjectMeta), what may change in a
// pod's spec (ValidatePodUpdate) and a DaemonSet's selector (ValidateDaemonSet/…Update), and
// `fieldValidation` (Strict: 400 on unknown fields; Warn: a Warning header). Messages are worded
// as the real server words them, so a client's error handling sees what it would see.
import { errors, type ApiError } from './errors.js';
import { unknownFields } from './openapi.js';
import type { ResourceDef } from './resources.js';
import { isRecord, type KubeObject } from './types.js';

type Cause = { field: string; message: string };

const NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const NAME_PART_MESSAGE =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const TOTAL_ANNOTATION_BYTES = 256 * 1024;

/** IsQualifiedName: `[prefix/]name`, the prefix a DNS subdomain, the name at most 63 characters. */
export function qualifiedNameErrors(key: string): string[] {
  const parts = key.split('/');
  if (parts.length > 2)
    return [
      "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  const [prefix, name] = parts.length === 2 ? [parts[0]!, parts[1]!] : [undefined, parts[0]!];
  const out: string[] = [];
  if (prefix !== undefined) {
    if (prefix.length === 0) out.push('prefix part must be non-empty');
    else if (prefix.length > 253) out.push('prefix part must be no more than 253 characters');
    else if (!DNS_SUBDOMAIN.test(prefix))
      out.push(
        "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      );
  }
  if (name.length === 0) out.push('name part must be non-empty');
  else if (name.length > 63) out.push('name part must be no more than 63 characters');
  else if (!NAME_PART.test(name)) out.push(NAME_PART_MESSAGE);
  return out;
}

function labelCauses(labels: unknown, field: string): Cause[] {
  if (!isRecord(labels)) return [];
  const out: Cause[] = [];
  for (const [key, value] of Object.entries(labels)) {
    for (const message of qualifiedNameErrors(key)) out.push({ field, message: `Invalid value: ${JSON.stringify(key)}: ${message}` });
    const text = String(value);
    if (text.length > 63) out.push({ field, message: `Invalid value: ${JSON.stringify(text)}: must be no more than 63 characters` });
    else if (!LABEL_VALUE.test(text))
      out.push({
        field,
        message: `Invalid value: ${JSON.stringify(text)}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
      });
  }
  return out;
}

function annotationCauses(annotations: unknown, field: string): Cause[] {
  if (!isRecord(annotations)) return [];
  const out: Cause[] = [];
  let bytes = 0;
  for (const [key, value] of Object.entries(annotations)) {
    for (const message of qualifiedNameErrors(key.toLowerCase())) out.push({ field, message: `Invalid value: ${JSON.stringify(key)}: ${message}` });
    bytes += Buffer.byteLength(key) + Buffer.byteLength(String(value));
  }
  if (bytes > TOTAL_ANNOTATION_BYTES) out.push({ field, message: `Too long: must have at most ${TOTAL_ANNOTATION_BYTES} bytes` });
  return out;
}

function metadataCauses(metadata: unknown, prefix: string): Cause[] {
  if (!isRecord(metadata)) return [];
  return [...labelCauses(metadata.labels, `${prefix}.labels`), ...annotationCauses(metadata.annotations, `${prefix}.annotations`)];
}

const get = (obj: unknown, ...keys: string[]): unknown => keys.reduce<unknown>((v, k) => (isRecord(v) ? v[k] : undefined), obj);

function selectorMatches(selector: unknown, labels: unknown): boolean {
  const matchLabels = get(selector, 'matchLabels');
  const have = isRecord(labels) ? labels : {};
  return isRecord(matchLabels) && Object.entries(matchLabels).every(([k, v]) => have[k] === v);
}

/** 422 causes for a create (previous undefined) or update. */
export function validateWrite(def: ResourceDef, obj: KubeObject, previous?: KubeObject): void {
  const causes = metadataCauses(obj.metadata, 'metadata');
  if (def.group === 'apps' && def.kind === 'DaemonSet') {
    causes.push(...metadataCauses(get(obj, 'spec', 'template', 'metadata'), 'spec.template.metadata'));
    if (!selectorMatches(get(obj, 'spec', 'selector'), get(obj, 'spec', 'template', 'metadata', 'labels')))
      causes.push({ field: 'spec.template.metadata.labels', message: 'Invalid value: ...: `selector` does not match template `labels`' });
    if (previous && JSON.stringify(get(previous, 'spec', 'selector')) !== JSON.stringify(get(obj, 'spec', 'selector')))
      causes.push({ field: 'spec.selector', message: `Invalid value: ${JSON.stringify(get(obj, 'spec', 'selector'))}: field is immutable` });
  }
  if (def.group === '' && def.kind === 'Pod' && previous) causes.push(...podUpdateCauses(previous, obj));
  if (causes.length > 0) throw errors.invalid(def, obj.metadata.name ?? '', causes);
}

const POD_UPDATE_FORBIDDEN =
  'Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';

/** ValidatePodUpdate, simplified: after blanking what may change, the specs must be equal. */
function podUpdateCauses(previous: KubeObject, next: KubeObject): Cause[] {
  const mutable = (spec: unknown, tolerationsFrom: unknown): Record<string, unknown> => {
    if (!isRecord(spec)) return {};
    const blank = (list: unknown) => (Array.isArray(list) ? list.map((c) => (isRecord(c) ? { ...c, image: '' } : c)) : list);
    const { activeDeadlineSeconds: _a, terminationGracePeriodSeconds: _t, schedulingGates: _s, ...rest } = spec;
    return { ...rest, containers: blank(spec.containers), initContainers: blank(spec.initContainers), tolerations: tolerationsFrom };
  };
  const before = isRecord(previous.spec) ? previous.spec : {};
  const after = isRecord(next.spec) ? next.spec : {};
  // Tolerations may only grow: the old ones must all still be there.
  const oldTolerations = Array.isArray(before.tolerations) ? before.tolerations : [];
  const newTolerations = Array.isArray(after.tolerations) ? after.tolerations : [];
  const kept = oldTolerations.every((t) => newTolerations.some((u) => JSON.stringify(u) === JSON.stringify(t)));
  const same = canonical(mutable(before, null)) === canonical(mutable(after, null));
  return same && kept ? [] : [{ field: 'spec', message: POD_UPDATE_FORBIDDEN }];
}

/** JSON with sorted keys and undefined dropped, for equality. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isRecord(v))
    return `{${Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/** Strips strategic-merge directives (`$patch`, `$setElementOrder/…`, …) so a patch body can be checked like an object. */
function withoutDirectives(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutDirectives);
  if (!isRecord(v)) return v;
  return Object.fromEntries(Object.entries(v).flatMap(([k, item]) => (k.startsWith('$') ? [] : [[k, withoutDirectives(item)]])));
}

/**
 * `fieldValidation`: Strict throws 400 on unknown fields of a built-in kind, Warn returns the
 * Warning header values, Ignore (and absent, for the JSON bodies the fake takes) returns none.
 */
export function fieldValidation(def: ResourceDef, version: string, directive: string | null, body: unknown): string[] {
  if (directive !== null && directive !== 'Strict' && directive !== 'Warn' && directive !== 'Ignore') {
    throw errors.badRequest(`fieldValidation: Unsupported value: "${directive}": supported values: "Ignore", "Strict", "Warn"`);
  }
  if (directive !== 'Strict' && directive !== 'Warn') return [];
  const unknown = unknownFields(def, withoutDirectives(body)).map((path) => `unknown field ${JSON.stringify(path.replace(/^\./, ''))}`);
  if (unknown.length === 0) return [];
  if (directive === 'Strict') throw strictDecodingError(def, version, unknown);
  return unknown;
}

function strictDecodingError(def: ResourceDef, version: string, unknown: string[]): ApiError {
  return errors.badRequest(`${def.kind} in version "${version}" cannot be handled as a ${def.kind}: strict decoding error: ${unknown.join(', ')}`);
}
