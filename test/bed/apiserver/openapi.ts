// OpenAPI v3 for the fake (`/openapi/v3` and `/openapi/v3/<api|apis/group>/<version>`), and the
// schema knowledge behind `fieldValidation`. The schemas of built-in kinds come from the type
// maps of @kubernetes/client-node's generated models (themselves generated from Kubernetes'
// OpenAPI), so every field of a DaemonSet or a Pod is known; a CRD gets an object schema that
// keeps unknown fields, as the fake has no CRD schemas.
//
// What kubectl reads from it (k8s.io/cli-runtime queryParamVerifierV3, kubectl's apply patcher):
// each PATCH operation carries `x-kubernetes-group-version-kind` and the `fieldValidation`
// parameter, so kubectl leaves validation to the server (rest-write.ts, strict decoding);
// PATCH request bodies list JSON patch and merge patch but not strategic merge patch, so for
// built-in kinds kubectl computes its strategic merge patch from its compiled-in types (the
// same patch metadata a real server's schema carries) and for CRs a JSON merge patch.
// /openapi/v2 is not served: client-go asks for it in protobuf only, and kubectl falls back to
// the above when it is missing.
import { createHash } from 'node:crypto';
import * as models from '@kubernetes/client-node';
import type { Registry } from './registry.js';
import type { ResourceDef } from './resources.js';
import { isRecord } from './types.js';

interface Attribute {
  readonly name: string;
  readonly baseName: string;
  readonly type: string;
  readonly format: string;
}
type Model = { getAttributeTypeMap(): Attribute[] };

export type Schema = Record<string, unknown>;

function modelOf(type: string): Model | undefined {
  const candidate = (models as unknown as Record<string, unknown>)[type];
  return typeof (candidate as Partial<Model> | undefined)?.getAttributeTypeMap === 'function' ? (candidate as unknown as Model) : undefined;
}

const ref = (type: string): Schema => ({ $ref: `#/components/schemas/${type}` });

/** The schema of a client-node type expression (`string`, `Array<V1Container>`, `{ [key: string]: string; }`, `V1Pod`, …), collecting named types. */
function schemaOfType(type: string, format: string, named: Map<string, Schema>): Schema {
  const array = /^Array<(.+)>$/.exec(type);
  if (array) return { type: 'array', items: schemaOfType(array[1]!, '', named) };
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) return { type: 'object', additionalProperties: schemaOfType(map[1]!, '', named) };
  switch (type) {
    case 'string':
      return { type: 'string', ...(format ? { format } : {}) };
    case 'number':
      return format === 'double' || format === 'float' ? { type: 'number', format } : { type: 'integer', ...(format ? { format } : {}) };
    case 'boolean':
      return { type: 'boolean' };
    case 'Date':
      return { type: 'string', format: 'date-time' };
    case 'IntOrString':
      return { 'x-kubernetes-int-or-string': true };
    case 'any':
    case 'object':
      return { 'x-kubernetes-preserve-unknown-fields': true };
  }
  const model = modelOf(type);
  if (!model) return { 'x-kubernetes-preserve-unknown-fields': true };
  if (!named.has(type)) {
    named.set(type, {}); // placeholder: recursive types (JSONSchemaProps) refer to themselves
    const properties: Record<string, Schema> = {};
    for (const a of model.getAttributeTypeMap()) properties[a.baseName] = schemaOfType(a.type, a.format, named);
    named.set(type, { type: 'object', properties });
  }
  return ref(type);
}

/** The named schemas a kind's document needs, its own first. */
export function schemasFor(def: ResourceDef): { root: string; schemas: Map<string, Schema> } {
  const named = new Map<string, Schema>();
  if (def.model && modelOf(def.model)) {
    schemaOfType(def.model, '', named);
    return { root: def.model, schemas: named };
  }
  const root = `${def.group}.${def.kind}`;
  named.set(root, { type: 'object', 'x-kubernetes-preserve-unknown-fields': true });
  return { root, schemas: named };
}

function parameter(name: string, where: 'path' | 'query', description: string): Schema {
  return {
    name,
    in: where,
    description,
    ...(where === 'path' ? { required: true } : {}),
    schema: { type: 'string', ...(where === 'path' ? { uniqueItems: true } : {}) },
  };
}

const WRITE_PARAMS = [
  parameter('dryRun', 'query', 'When present, indicates that modifications should not be persisted.'),
  parameter('fieldManager', 'query', 'A name associated with the actor or entity that is making these changes.'),
  parameter('fieldValidation', 'query', 'Ignore, Warn or Strict: how the server treats unknown and duplicate fields.'),
];

function operation(action: string, def: ResourceDef, version: string, root: string, extra: Schema = {}): Schema {
  return {
    operationId: `${action}${def.group ? def.group.split('.')[0] : 'core'}${version}${def.kind}`,
    parameters: action === 'get' || action === 'list' || action === 'delete' ? [] : WRITE_PARAMS,
    responses: { '200': { description: 'OK', content: { 'application/json': { schema: ref(root) } } } },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': { group: def.group, version, kind: def.kind },
    ...extra,
  };
}

/** The OpenAPI v3 document of one group/version: paths with their operations, and the schemas. */
export function groupVersionDocument(registry: Registry, group: string, version: string, gitVersion: string): Schema {
  const paths: Record<string, Schema> = {};
  const schemas: Record<string, Schema> = {};
  const prefix = group === '' ? `/api/${version}` : `/apis/${group}/${version}`;
  for (const def of registry.resourcesAt(group, version)) {
    const { root, schemas: named } = schemasFor(def);
    for (const [name, schema] of named) schemas[name] = schema;
    const body = { required: true, content: { 'application/json': { schema: ref(root) } } };
    const patchBody = {
      required: true,
      content: { 'application/json-patch+json': { schema: { type: 'object' } }, 'application/merge-patch+json': { schema: { type: 'object' } } },
    };
    const scope = def.namespaced ? `${prefix}/namespaces/{namespace}/${def.plural}` : `${prefix}/${def.plural}`;
    const scopeParams = def.namespaced ? [parameter('namespace', 'path', 'object name and auth scope')] : [];
    paths[scope] = {
      parameters: scopeParams,
      get: operation('list', def, version, root),
      post: operation('post', def, version, root, { requestBody: body }),
      delete: operation('deletecollection', def, version, root),
    };
    const item = { parameters: [parameter('name', 'path', `name of the ${def.kind}`), ...scopeParams] };
    paths[`${scope}/{name}`] = {
      ...item,
      get: operation('get', def, version, root),
      put: operation('put', def, version, root, { requestBody: body }),
      patch: operation('patch', def, version, root, { requestBody: patchBody }),
      delete: operation('delete', def, version, root),
    };
    if (def.statusSubresource) {
      paths[`${scope}/{name}/status`] = {
        ...item,
        get: operation('get', def, version, root),
        put: operation('put', def, version, root, { requestBody: body }),
        patch: operation('patch', def, version, root, { requestBody: patchBody }),
      };
    }
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes', version: gitVersion }, paths, components: { schemas } };
}

/** `/openapi/v3`: every served group/version with the URL of its document (the hash changes when the document does). */
export function openApiV3Root(registry: Registry, gitVersion: string): Schema {
  const paths: Record<string, Schema> = {};
  for (const [group, versions] of registry.groups()) {
    for (const version of versions) {
      const key = group === '' ? `api/${version}` : `apis/${group}/${version}`;
      const hash = createHash('sha512')
        .update(JSON.stringify(groupVersionDocument(registry, group, version, gitVersion)))
        .digest('hex')
        .slice(0, 128)
        .toUpperCase();
      paths[key] = { serverRelativeURL: `/openapi/v3/${key}?hash=${hash}` };
    }
  }
  return { paths };
}

/**
 * The fields of `value` that the kind's schema does not know, as `.spec.foo` paths (what a real
 * server's strict decoding reports). CRDs (no model) and free-form fields accept anything.
 */
export function unknownFields(def: ResourceDef, value: unknown): string[] {
  if (!def.model || !modelOf(def.model)) return [];
  const out: string[] = [];
  const named = new Map<string, Schema>();
  const walk = (schema: Schema, v: unknown, path: string): void => {
    if (typeof schema.$ref === 'string') {
      walk(named.get(schema.$ref.slice('#/components/schemas/'.length)) ?? {}, v, path);
      return;
    }
    if (schema['x-kubernetes-preserve-unknown-fields'] === true || v === null) return;
    if (schema.type === 'array' && Array.isArray(v)) {
      v.forEach((item, i) => {
        walk(schema.items as Schema, item, `${path}[${i}]`);
      });
      return;
    }
    if (schema.type !== 'object' || !isRecord(v)) return;
    if (isRecord(schema.additionalProperties)) {
      for (const [k, item] of Object.entries(v)) walk(schema.additionalProperties, item, `${path}[${k}]`);
      return;
    }
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const [k, item] of Object.entries(v)) {
      if (properties[k] === undefined) out.push(`${path}.${k}`);
      else walk(properties[k], item, `${path}.${k}`);
    }
  };
  walk(schemaOfType(def.model, '', named), value, '');
  return out;
}
