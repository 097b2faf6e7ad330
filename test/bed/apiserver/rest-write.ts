// POST, PUT, PATCH, DELETE and DELETE-collection of resources.
import { errors, successStatus } from './errors.js';
import { jsonPatch, mergePatch } from './patch.js';
import { versioned, type Reply } from './rest-read.js';
import type { ResourceRoute } from './router.js';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from './selectors.js';
import { strategicMergePatch } from './smp.js';
import type { Storage } from './storage.js';
import { checkResourceVersion, deleteObject, prepareForCreate, prepareForUpdate, type DeleteOptions } from './strategy.js';
import type { ResourceDef } from './resources.js';
import { isRecord, joinApiVersion, type KubeObject } from './types.js';
import { fieldValidation, validateWrite } from './validation.js';

export interface WriteRequest {
  readonly query: URLSearchParams;
  /** Media type without parameters, lower case. */
  readonly contentType: string | undefined;
  /** Parsed JSON body, or undefined when there was none. */
  readonly body: unknown;
}

export interface WriteOptions {
  readonly podGracefulDeletion: boolean;
}

/**
 * A mutating admission webhook's part on create (test doubles of kruise's webhooks register
 * here): it returns the object to store, or throws to deny (`AdmissionDenied`: 400 with the
 * webhook's message). It runs before the registry's create strategy and validation, as the
 * admission chain does.
 */
export type CreateAdmission = (request: { readonly def: ResourceDef; readonly namespace: string | undefined; readonly object: KubeObject }) => KubeObject;

export class AdmissionDenied extends Error {
  constructor(
    readonly webhook: string,
    message: string,
  ) {
    super(message);
  }
}

export const PATCH_TYPES: readonly string[] = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];

/** `Warning: 299 - "…"` headers, one per message (fieldValidation=Warn). */
function warningHeaders(warnings: readonly string[]): { headers?: Record<string, string> } {
  return warnings.length === 0 ? {} : { headers: { Warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', ') } };
}

function dryRun(query: URLSearchParams): boolean {
  const values = query.getAll('dryRun');
  if (values.some((v) => v !== 'All'))
    throw errors.badRequest(`dryRun: Unsupported value: "${values.find((v) => v !== 'All') ?? ''}": supported values: "All"`);
  return values.length > 0;
}

function objectBody(route: ResourceRoute, request: WriteRequest): KubeObject {
  const body = request.body;
  if (!isRecord(body)) throw errors.badRequest('the body of the request was empty or not a JSON object');
  const apiVersion = joinApiVersion(route.def.group, route.version);
  if (body.apiVersion !== undefined && body.apiVersion !== apiVersion) {
    throw errors.badRequest(`the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${apiVersion})`);
  }
  if (body.kind !== undefined && body.kind !== route.def.kind) {
    throw errors.badRequest(`the kind in the data (${String(body.kind)}) does not match the expected kind (${route.def.kind})`);
  }
  const metadata = isRecord(body.metadata) ? { ...body.metadata } : {};
  return { ...body, apiVersion, kind: route.def.kind, metadata };
}

function checkNamespace(route: ResourceRoute, obj: KubeObject): void {
  if (!route.def.namespaced) return;
  const ns = obj.metadata.namespace;
  if (ns !== undefined && ns !== '' && ns !== route.namespace) {
    throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  obj.metadata.namespace = route.namespace;
}

function checkName(route: ResourceRoute, obj: KubeObject): void {
  if (obj.metadata.name !== route.name) {
    throw errors.badRequest(`the name of the object (${obj.metadata.name ?? ''}) does not match the name on the URL (${route.name!})`);
  }
}

function current(storage: Storage, route: ResourceRoute): KubeObject {
  const obj = storage.get(route.def, route.namespace, route.name!);
  if (!obj) throw errors.notFound(route.def, route.name!);
  return obj;
}

export function createObject(storage: Storage, route: ResourceRoute, request: WriteRequest, admission: readonly CreateAdmission[] = []): Reply {
  if (route.namespace === undefined && route.def.namespaced) throw errors.methodNotAllowed();
  let obj = objectBody(route, request);
  checkNamespace(route, obj);
  for (const admit of admission) {
    try {
      obj = admit({ def: route.def, namespace: route.namespace, object: obj });
    } catch (e) {
      if (e instanceof AdmissionDenied) throw errors.badRequest(`admission webhook "${e.webhook}" denied the request: ${e.message}`);
      throw e;
    }
  }
  const nsDef = storage.registry.all().find((d) => d.group === '' && d.plural === 'namespaces');
  if (route.def.namespaced && nsDef && !storage.get(nsDef, undefined, route.namespace!)) throw errors.notFound(nsDef, route.namespace!);
  const warnings = fieldValidation(route.def, route.version, request.query.get('fieldValidation'), request.body);
  const prepared = prepareForCreate(route.def, obj);
  validateWrite(route.def, prepared);
  const stored = storage.insert(route.def, prepared, route.version, dryRun(request.query));
  return { status: 201, body: versioned(route, stored), ...warningHeaders(warnings) };
}

export function updateObject(storage: Storage, route: ResourceRoute, request: WriteRequest): Reply {
  const obj = objectBody(route, request);
  checkNamespace(route, obj);
  checkName(route, obj);
  const previous = current(storage, route);
  checkResourceVersion(route.def, previous, obj, true);
  const warnings = fieldValidation(route.def, route.version, request.query.get('fieldValidation'), request.body);
  const next = prepareForUpdate(route.def, previous, obj, route.subresource);
  validateWrite(route.def, next, previous);
  return { status: 200, body: versioned(route, storage.replace(route.def, previous, next, dryRun(request.query))), ...warningHeaders(warnings) };
}

export function patchObject(storage: Storage, route: ResourceRoute, request: WriteRequest): Reply {
  const type = request.contentType ?? '';
  const strategic = type === 'application/strategic-merge-patch+json';
  if (!PATCH_TYPES.includes(type) || (strategic && !route.def.builtin)) {
    throw errors.unsupportedMediaType(route.def.builtin ? PATCH_TYPES : PATCH_TYPES.filter((t) => t !== 'application/strategic-merge-patch+json'));
  }
  if (request.body === undefined) throw errors.badRequest('the body of the request was empty');
  const previous = current(storage, route);
  const original = versioned(route, previous);
  let patched: unknown;
  if (type === 'application/json-patch+json') patched = jsonPatch(original, request.body);
  else if (strategic) patched = strategicMergePatch(original, request.body, route.def.patchMeta);
  else {
    if (!isRecord(request.body)) throw errors.badRequest('merge patch must be a JSON object');
    patched = mergePatch(original, request.body);
  }
  const obj = objectBody(route, { ...request, body: patched });
  checkName(route, obj);
  if (route.def.namespaced && obj.metadata.namespace !== route.namespace) {
    throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  checkResourceVersion(route.def, previous, obj, false);
  const warnings = type === 'application/json-patch+json' ? [] : fieldValidation(route.def, route.version, request.query.get('fieldValidation'), request.body);
  const next = prepareForUpdate(route.def, previous, obj, route.subresource);
  validateWrite(route.def, next, previous);
  return { status: 200, body: versioned(route, storage.replace(route.def, previous, next, dryRun(request.query))), ...warningHeaders(warnings) };
}

function deleteOptions(request: WriteRequest): DeleteOptions {
  const body = isRecord(request.body) ? request.body : {};
  const grace = request.query.get('gracePeriodSeconds') ?? body.gracePeriodSeconds;
  const pre = isRecord(body.preconditions) ? body.preconditions : {};
  const bodyDryRun = Array.isArray(body.dryRun) && body.dryRun.includes('All');
  return {
    ...(grace !== undefined && grace !== null ? { gracePeriodSeconds: Number(grace) } : {}),
    preconditions: {
      ...(typeof pre.uid === 'string' ? { uid: pre.uid } : {}),
      ...(typeof pre.resourceVersion === 'string' ? { resourceVersion: pre.resourceVersion } : {}),
    },
    dryRun: dryRun(request.query) || bodyDryRun,
  };
}

/** Deletes everything namespaced inside a namespace that is being removed (the namespace controller's job, done at once). */
function emptyNamespace(storage: Storage, namespace: string): void {
  for (const def of storage.registry.all()) {
    if (!def.namespaced) continue;
    for (const obj of storage.list(def, namespace)) storage.remove(def, obj);
  }
}

export function deleteOne(storage: Storage, route: ResourceRoute, request: WriteRequest, options: WriteOptions): Reply {
  const obj = current(storage, route);
  const opts = deleteOptions(request);
  const isNamespace = route.def.group === '' && route.def.plural === 'namespaces';
  if (isNamespace && !opts.dryRun) emptyNamespace(storage, route.name!);
  const { object, deleted } = deleteObject(storage, route.def, obj, opts, options.podGracefulDeletion);
  if (deleted && !route.def.deleteReturnsObject) return { status: 200, body: successStatus(route.def, route.name!, obj.metadata.uid) };
  return { status: 200, body: versioned(route, object) };
}

export function deleteCollection(storage: Storage, route: ResourceRoute, request: WriteRequest, options: WriteOptions): Reply {
  const labels = parseLabelSelector(request.query.get('labelSelector'));
  const fields = parseFieldSelector(request.query.get('fieldSelector'), route.def);
  const opts = deleteOptions(request);
  const items: KubeObject[] = [];
  for (const obj of storage.list(route.def, route.namespace)) {
    if (!matchesLabels(labels, obj.metadata.labels) || !matchesFields(fields, route.def, obj)) continue;
    items.push(versioned(route, deleteObject(storage, route.def, obj, { ...opts, preconditions: {} }, options.podGracefulDeletion).object));
  }
  const apiVersion = joinApiVersion(route.def.group, route.version);
  return { status: 200, body: { kind: `${route.def.kind}List`, apiVersion, metadata: { resourceVersion: String(storage.resourceVersion) }, items } };
}
