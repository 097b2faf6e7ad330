// A lifecycle hook's httpGet as kubelet 1.32's handler runner runs it (pkg/kubelet/lifecycle
// runHTTPHandler) with the client kruise-daemon gives it (a plain Go http.Client): the request of
// request.ts with the `lifecycle` user agent, any answer counts as done (the status is not looked
// at), and an HTTPS request answered in plain HTTP is sent again over HTTP without its
// Authorization header; when that retry gets an answer the hook succeeded, and the caller reports
// kubelet's LifecycleHTTPFallback event. A request that gets no answer fails with Go's url.Error text.
import { HttpGetError, httpGet, LIFECYCLE_CLIENT, type HttpGetClient } from './client.js';
import { httpGetRequest, type HttpGetAction, type NamedPort } from './request.js';

export interface LifecycleTarget {
  /** The host to use when the action names none (kubelet: the pod IP). */
  readonly host: string;
  readonly ports: readonly NamedPort[];
}

export interface LifecycleHttpResult {
  /** Set when HTTPS got a plain-HTTP answer and the HTTP retry answered: the `host:port` for kubelet's event. */
  readonly fellBackToHttp?: string;
}

/** The adapter the kill path calls: one method, so tests can stand in for it. */
export interface LifecycleHttp {
  /** Runs the hook's GET; resolves once any answer arrived, rejects with the hook's error text (or the signal's reason). */
  run(action: HttpGetAction, target: LifecycleTarget, signal: AbortSignal): Promise<LifecycleHttpResult>;
}

/** kubelet's LifecycleHTTPFallback message for `hostPort`. */
export const lifecycleFallbackMessage = (hostPort: string): string =>
  `request to HTTPS lifecycle hook ${hostPort} got HTTP response, retry with HTTP succeeded`;

const isHttpAnswerToHttps = (error: unknown): boolean => error instanceof HttpGetError && error.reason === 'http: server gave HTTP response to HTTPS client';

export function lifecycleHttp(client: HttpGetClient = LIFECYCLE_CLIENT): LifecycleHttp {
  return {
    async run(action, target, signal) {
      const request = httpGetRequest(action, target, 'lifecycle');
      try {
        await httpGet(request, client, { signal });
        return {};
      } catch (error) {
        if (!isHttpAnswerToHttps(error)) throw error;
        const retry = { ...request, url: request.url.replace(/^https:/, 'http:'), headers: request.headers.filter(([name]) => name !== 'Authorization') };
        try {
          await httpGet(retry, client, { signal });
        } catch {
          if (signal.aborted) throw signal.reason;
          throw error; // kubelet keeps the HTTPS error when the retry fails too
        }
        return { fellBackToHttp: /^https:\/\/([^/?#]*)/.exec(request.url)?.[1] ?? '' };
      }
    },
  };
}
