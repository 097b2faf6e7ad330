// The HTTP GETs kubelet makes for an HTTPGetAction: lifecycle hooks (preStop) now, probes next.
// request.ts builds the request (URL, headers, port), client.ts sends it the way Go's http.Client
// does, and lifecycle.ts is the hook runner's use of both. It knows nothing of statecharts.
export {
  goNetError,
  HttpGetError,
  httpGet,
  LIFECYCLE_CLIENT,
  MAX_BODY_BYTES,
  PROBE_CLIENT,
  type HttpGetClient,
  type HttpGetResponse,
} from './client.js';
export { lifecycleFallbackMessage, lifecycleHttp, type LifecycleHttp, type LifecycleHttpResult, type LifecycleTarget } from './lifecycle.js';
export {
  canonicalHeaderName,
  formatUrl,
  httpGetRequest,
  joinHostPort,
  KUBE_VERSION,
  resolveContainerPort,
  userAgentFor,
  type HttpGetAction,
  type HttpGetPurpose,
  type HttpGetRequest,
  type NamedPort,
} from './request.js';
