// The HTTP front: plain HTTP or HTTPS (`tls: true`, with a CA the kubeconfig trusts) on
// 127.0.0.1, bearer-token auth (one token per identity), routing, fault injection, request log,
// and dispatch to discovery, OpenAPI and the REST handlers.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KubeConfig } from '@kubernetes/client-node';
import { defaultVersionInfo, discovery, type VersionInfo } from './discovery.js';
import { ApiError, errors } from './errors.js';
import { kubeConfigFor, kubeconfigYamlFor } from './kubeconfig.js';
import { groupVersionDocument, openApiV3Root } from './openapi.js';
import { servingCertificates } from './tls.js';
import { Faults, RequestLog, type RequestRecord } from './faults.js';
import { forbidden, type Authorizer } from './rbac.js';
import { Registry } from './registry.js';
import { defaultResources, type ResourceDef } from './resources.js';
import { getObject, listObjects, watchObjects, type Reply } from './rest-read.js';
import { createObject, deleteCollection, deleteOne, PATCH_TYPES, patchObject, updateObject, type CreateAdmission } from './rest-write.js';
import { route, type ResourceRoute } from './router.js';
import { Storage } from './storage.js';
import { FakeStore } from './store.js';
import { WatchHub } from './watch.js';

/** Who a bearer token stands for, and what that identity may do (absent: everything). */
export interface Identity {
  readonly user: string;
  readonly authorize?: Authorizer;
}

export interface FakeApiServerOptions {
  /** Default 0 (any free port) on 127.0.0.1. */
  port?: number;
  /**
   * HTTPS with a throw-away CA (tls.ts) instead of plain HTTP. Go clients (kubectl, client-go)
   * send no credentials to an http:// server, so anything but client-node needs this.
   */
  tls?: boolean;
  /** More bearer tokens besides `token`, each with its own identity (e.g. an admin for kubectl and a service account for the daemon). */
  identities?: Readonly<Record<string, Identity>>;
  /** Bearer token clients must send (default `kruised-fake-token`); `null` turns authentication off. */
  token?: string | null;
  /** Resource set (default: pods, events, secrets, namespaces, nodeimages, containerrecreaterequests, nodepodprobes, imagepulljobs). */
  resources?: readonly ResourceDef[];
  /** Served versions per `plural.group`, e.g. `{ 'containerrecreaterequests.apps.kruise.io': ['v1alpha1'] }`. Default: all defined. */
  served?: Readonly<Record<string, readonly string[]>>;
  /** Watch-cache events kept per resource (default 10,000). */
  historyLimit?: number;
  /** First resourceVersion (default 1000). */
  initialResourceVersion?: number;
  /** Period of BOOKMARK events on watches with allowWatchBookmarks=true (default 60,000 ms, like the real server). */
  bookmarkIntervalMs?: number;
  /** Watches without timeoutSeconds end after a random time in [min, 2·min] seconds (default 1800, like `--min-request-timeout`). */
  minRequestTimeoutSeconds?: number;
  /** DELETE of a pod bound to a node sets deletionTimestamp and waits for a grace-0 delete, like the real server (default true). */
  podGracefulDeletion?: boolean;
  /** Optional authorization; a denied request gets 403 Forbidden. See `kruiseDaemonRules`. */
  authorize?: Authorizer;
  /** User name in 403 messages. */
  user?: string;
  /** Namespaces that exist from the start. */
  namespaces?: readonly string[];
  versionInfo?: VersionInfo;
}

export interface FakeApiServer {
  /** `http://127.0.0.1:<port>`, or `https://…` with `tls`. */
  readonly url: string;
  readonly port: number;
  readonly token: string | undefined;
  /** The CA that signed the serving certificate (PEM), with `tls`. */
  readonly caPem: string | undefined;
  readonly store: FakeStore;
  readonly faults: Faults;
  readonly requests: RequestLog;
  readonly registry: Registry;
  /** Watch streams open right now. */
  readonly openWatches: number;
  /** Mutating admission on create, run in order (webhook doubles push theirs here). */
  readonly admission: CreateAdmission[];
  /** Changes which versions of `plural.group` are served (discovery and routing), at runtime. */
  setServedVersions(groupResource: string, versions: readonly string[]): void;
  /** A client-node KubeConfig for this server: its CA (or insecure-skip-tls-verify over HTTP) and a bearer token (default `token`). */
  kubeConfig(token?: string): KubeConfig;
  /** The same as a kubeconfig file. */
  kubeconfigYaml(token?: string): string;
  close(): Promise<void>;
}

const DEFAULT_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'kruise-system', 'kruise-daemon-config'];
const MAX_BODY = 3 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on('end', () => (size > MAX_BODY ? reject(errors.generic(413, 'Request entity too large: limit is 3145728')) : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
  });
}

/** `/openapi/v3` and its group/version documents; anything else under /openapi (v2 included) is a 404. */
function openApi(registry: Registry, segments: readonly string[], gitVersion: string): object {
  const [, version, api, ...gv] = segments;
  if (version !== 'v3') throw errors.noRoute();
  if (api === undefined) return openApiV3Root(registry, gitVersion);
  const [group, groupVersion] = api === 'api' && gv.length === 1 ? ['', gv[0]!] : api === 'apis' && gv.length === 2 ? [gv[0]!, gv[1]!] : [];
  if (groupVersion === undefined || !registry.groups().get(group!)?.includes(groupVersion)) throw errors.noRoute();
  return groupVersionDocument(registry, group!, groupVersion, gitVersion);
}

function send(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-cache, private',
    ...headers,
  });
  res.end(text);
}

export async function startFakeApiServer(options: FakeApiServerOptions = {}): Promise<FakeApiServer> {
  const registry = new Registry(options.resources ?? defaultResources, options.served);
  const storage = new Storage(registry, {
    ...(options.historyLimit !== undefined ? { historyLimit: options.historyLimit } : {}),
    ...(options.initialResourceVersion !== undefined ? { initialResourceVersion: options.initialResourceVersion } : {}),
  });
  const store = new FakeStore(storage, registry);
  for (const name of options.namespaces ?? DEFAULT_NAMESPACES) store.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  const hub = new WatchHub();
  const faults = new Faults(hub, storage);
  const requests = new RequestLog();
  const token = options.token === null ? undefined : (options.token ?? 'kruised-fake-token');
  const readOptions = { bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000, minRequestTimeoutSeconds: options.minRequestTimeoutSeconds ?? 1800 };
  const writeOptions = { podGracefulDeletion: options.podGracefulDeletion ?? true };
  const user = options.user ?? 'system:serviceaccount:kruise-system:kruise-daemon';
  let address = '';
  const identities = new Map<string, Identity>(Object.entries(options.identities ?? {}));
  if (token !== undefined) identities.set(token, { user, ...(options.authorize ? { authorize: options.authorize } : {}) });
  /** The identity behind an Authorization header; undefined when authentication is off, null when it fails. */
  const identify = (header: string | undefined): Identity | undefined | null => {
    if (token === undefined && identities.size === 0) return undefined;
    const bearer = /^Bearer (.+)$/.exec(header ?? '')?.[1];
    return (bearer !== undefined && identities.get(bearer)) || null;
  };
  const certificates = options.tls ? servingCertificates() : undefined;
  const admission: CreateAdmission[] = [];

  async function dispatch(r: ResourceRoute, req: IncomingMessage, res: ServerResponse, url: URL): Promise<Reply | undefined> {
    const raw = await readBody(req);
    const contentType = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
    // Checked before decoding: a protobuf body (client-go's typed clients, `kubectl create`) is
    // an unsupported media type here, not malformed JSON.
    if ((r.verb === 'create' || r.verb === 'update') && raw.length > 0 && contentType !== undefined && contentType !== 'application/json') {
      throw errors.unsupportedMediaType(['application/json']);
    }
    if (r.verb === 'patch' && !PATCH_TYPES.includes(contentType ?? '')) throw errors.unsupportedMediaType(PATCH_TYPES);
    let body: unknown;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch (err) {
        throw errors.badRequest(`the body of the request could not be decoded as JSON: ${(err as Error).message}`);
      }
    }
    const write = { query: url.searchParams, contentType, body };
    switch (r.verb) {
      case 'get':
        return getObject(storage, r);
      case 'list':
        return listObjects(storage, r, url.searchParams);
      case 'watch':
        watchObjects(storage, hub, r, url.searchParams, url.pathname, res, readOptions);
        return undefined;
      case 'create':
        return createObject(storage, r, write, admission);
      case 'update':
        return updateObject(storage, r, write);
      case 'patch':
        return patchObject(storage, r, write);
      case 'delete':
        return deleteOne(storage, r, write, writeOptions);
      case 'deletecollection':
        return deleteCollection(storage, r, write, writeOptions);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = (req.method ?? 'GET').toUpperCase();
    const record: RequestRecord = {
      time: Date.now(),
      method,
      path: url.pathname,
      rawQuery: url.search.slice(1),
      query: Object.fromEntries(url.searchParams),
      ...(req.headers['content-type'] !== undefined ? { contentType: req.headers['content-type'] } : {}),
      ...(req.headers['user-agent'] !== undefined ? { userAgent: req.headers['user-agent'] } : {}),
    };
    requests.add(record);
    res.on('finish', () => (record.status ??= res.statusCode));
    try {
      const r = route(registry, method, url.pathname, url.searchParams);
      if (r.kind === 'resource') {
        Object.assign(record, {
          verb: r.verb,
          resource: r.def.plural,
          group: r.def.group,
          version: r.version,
          ...(r.subresource !== undefined ? { subresource: r.subresource } : {}),
          ...(r.namespace !== undefined ? { namespace: r.namespace } : {}),
          ...(r.name !== undefined ? { name: r.name } : {}),
        });
      }
      const delay = faults.latencyFor(record);
      if (delay > 0) await sleep(delay);
      const injected = faults.take(record);
      if (injected) throw injected;
      const identity = identify(req.headers.authorization);
      if (identity === null) throw errors.unauthorized();
      if (identity) record.user = identity.user;
      if (r.kind === 'nonResource') {
        const [first] = r.segments;
        if ((first === 'healthz' || first === 'livez' || first === 'readyz') && r.segments.length === 1) return send(res, 200, 'ok');
        if (first === 'openapi') return send(res, 200, openApi(registry, r.segments, (options.versionInfo ?? defaultVersionInfo).gitVersion));
        const doc = discovery(registry, r.segments, address, options.versionInfo ?? defaultVersionInfo);
        if (!doc) throw errors.noRoute();
        return send(res, 200, doc);
      }
      const attrs = {
        verb: r.verb,
        group: r.def.group,
        resource: r.subresource ? `${r.def.plural}/${r.subresource}` : r.def.plural,
        ...(r.namespace !== undefined ? { namespace: r.namespace } : {}),
        ...(r.name !== undefined ? { name: r.name } : {}),
      };
      if (identity?.authorize && !identity.authorize(attrs)) throw forbidden(r.def, attrs, identity.user);
      const reply = await dispatch(r, req, res, url);
      if (reply) send(res, reply.status, reply.body, reply.headers);
      else record.status = 200;
    } catch (err) {
      const apiError = err instanceof ApiError ? err : errors.internal(err instanceof Error ? err.message : String(err));
      record.status = apiError.status.code;
      send(res, apiError.status.code, apiError.status, apiError.headers);
    }
  }

  const listener = (req: IncomingMessage, res: ServerResponse) => void handle(req, res);
  const server = certificates ? createHttpsServer({ cert: certificates.certPem, key: certificates.keyPem }, listener) : createServer(listener);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  address = `127.0.0.1:${port}`;
  const url = `${certificates ? 'https' : 'http'}://${address}`;
  const caPem = certificates?.caPem;

  return {
    url,
    port,
    token,
    caPem,
    store,
    faults,
    requests,
    registry,
    admission,
    get openWatches() {
      return hub.sessions.size;
    },
    setServedVersions: (gr, versions) => registry.setServed(gr, versions),
    kubeConfig: (as = token) => kubeConfigFor(url, as, caPem),
    kubeconfigYaml: (as = token) => kubeconfigYamlFor(url, as, caPem),
    async close() {
      hub.drop('end');
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
