// GET, LIST and WATCH of resources.
import type { ServerResponse } from 'node:http';
import { errors, tooOldResourceVersion } from './errors.js';
import type { ResourceRoute } from './router.js';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from './selectors.js';
import { objectKey, type Storage } from './storage.js';
import { joinApiVersion, type KubeObject } from './types.js';
import type { WatchHub } from './watch.js';

export interface ReadOptions {
  readonly bookmarkIntervalMs: number;
  readonly minRequestTimeoutSeconds: number;
}

export interface Reply {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export function versioned(route: Pick<ResourceRoute, 'def' | 'version'>, obj: KubeObject): KubeObject {
  return { ...obj, apiVersion: joinApiVersion(route.def.group, route.version) };
}

function parseRv(value: string): number {
  if (!/^\d+$/.test(value)) throw errors.badRequest(`invalid resource version: strconv.ParseUint: parsing ${JSON.stringify(value)}: invalid syntax`);
  return Number(value);
}

export function getObject(storage: Storage, route: ResourceRoute): Reply {
  const obj = storage.get(route.def, route.namespace, route.name!);
  if (!obj) throw errors.notFound(route.def, route.name!);
  return { status: 200, body: versioned(route, obj) };
}

interface ContinueToken {
  v: string;
  rv: number;
  start: string;
}

function decodeContinue(token: string): ContinueToken {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as ContinueToken;
    if (parsed.v === 'meta.k8s.io/v1' && typeof parsed.rv === 'number' && typeof parsed.start === 'string') return parsed;
  } catch {
    // fall through
  }
  throw errors.badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
}

/** Matching objects, in key order, with optional limit/continue paging. */
export function listObjects(storage: Storage, route: ResourceRoute, query: URLSearchParams): Reply {
  const { def } = route;
  const labels = parseLabelSelector(query.get('labelSelector'));
  const fields = parseFieldSelector(query.get('fieldSelector'), def);
  const rvParam = query.get('resourceVersion') ?? '';
  const rvMatch = query.get('resourceVersionMatch') ?? '';
  if (rvMatch !== '' && rvParam === '')
    throw errors.unprocessable(
      'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided',
    );
  if (rvMatch !== '' && rvMatch !== 'Exact' && rvMatch !== 'NotOlderThan') {
    throw errors.unprocessable(
      `ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Unsupported value: "${rvMatch}": supported values: "Exact", "NotOlderThan"`,
    );
  }
  if (rvParam !== '') {
    const rv = parseRv(rvParam);
    if (rvMatch === 'Exact' && rv < storage.floor(def)) throw tooOldResourceVersion(rv, storage.floor(def));
  }
  const limit = Number(query.get('limit') ?? '0');
  const token = query.get('continue');
  let listRv = storage.resourceVersion;
  let start: string | undefined;
  if (token) {
    const decoded = decodeContinue(token);
    if (decoded.rv < storage.floor(def)) {
      throw errors.expired(
        'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results.',
      );
    }
    listRv = decoded.rv;
    start = decoded.start;
  }
  const key = (o: KubeObject) => objectKey(o.metadata.namespace, o.metadata.name!);
  let items = storage.list(def, route.namespace).filter((o) => matchesLabels(labels, o.metadata.labels) && matchesFields(fields, def, o));
  if (start !== undefined) items = items.filter((o) => key(o) > start);
  const metadata: Record<string, unknown> = { resourceVersion: String(listRv) };
  if (limit > 0 && items.length > limit) {
    const remaining = items.length - limit;
    items = items.slice(0, limit);
    metadata.continue = Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: listRv, start: key(items[items.length - 1]!) })).toString('base64url');
    if (labels.length === 0 && fields.length === 0) metadata.remainingItemCount = remaining;
  }
  const apiVersion = joinApiVersion(def.group, route.version);
  const rendered = items.map((o) => {
    if (!def.builtin) return { ...o, apiVersion };
    const { apiVersion: _a, kind: _k, ...rest } = o;
    return rest;
  });
  return { status: 200, body: { kind: `${def.kind}List`, apiVersion, metadata, items: rendered } };
}

/** Opens a watch stream on `res`, or throws for a request that is invalid before the stream starts. */
export function watchObjects(
  storage: Storage,
  hub: WatchHub,
  route: ResourceRoute,
  query: URLSearchParams,
  path: string,
  res: ServerResponse,
  options: ReadOptions,
): void {
  const { def } = route;
  const labels = parseLabelSelector(query.get('labelSelector'));
  const fields = parseFieldSelector(query.get('fieldSelector'), def);
  const rv = query.get('resourceVersion') ?? undefined;
  if (rv !== undefined && rv !== '') parseRv(rv);
  const sendInitialEvents = query.get('sendInitialEvents') === 'true';
  const allowBookmarks = query.get('allowWatchBookmarks') === 'true';
  const rvMatch = query.get('resourceVersionMatch') ?? '';
  if (sendInitialEvents && (!allowBookmarks || rvMatch !== 'NotOlderThan')) {
    throw errors.unprocessable(
      'ListOptions.meta.k8s.io "" is invalid: sendInitialEvents: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan and allowWatchBookmarks to true',
    );
  }
  if (!sendInitialEvents && rvMatch !== '') {
    throw errors.unprocessable(
      'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided',
    );
  }
  const timeoutParam = query.get('timeoutSeconds');
  let timeoutMs: number;
  if (timeoutParam !== null && timeoutParam !== '' && timeoutParam !== '0') {
    if (!/^\d+$/.test(timeoutParam)) throw errors.badRequest(`invalid timeoutSeconds: ${timeoutParam}`);
    timeoutMs = Number(timeoutParam) * 1000;
  } else {
    const min = options.minRequestTimeoutSeconds * 1000;
    timeoutMs = min + Math.floor(Math.random() * min);
  }
  hub.open(
    {
      def,
      version: route.version,
      ...(route.namespace !== undefined ? { namespace: route.namespace } : {}),
      ...(route.name !== undefined ? { name: route.name } : {}),
      labels,
      fields,
      ...(rv !== undefined ? { resourceVersion: rv } : {}),
      allowBookmarks,
      sendInitialEvents,
      timeoutMs,
      bookmarkIntervalMs: options.bookmarkIntervalMs,
      path,
    },
    res,
    storage,
  );
}
