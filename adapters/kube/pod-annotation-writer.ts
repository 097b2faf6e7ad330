// The pod annotation writer: one annotation set on a pod the way kruise-daemon's containermeta
// controller sets runtime-containers-meta (contract §7.2): a strategic-merge PATCH of the
// `pods/<name>/status` subresource with `{"metadata":{"annotations":{"<key>":"<value>"}}}`. The
// daemon's RBAC allows patching pods/status but not pods; the API server's pod status strategy
// lets labels and annotations change through it. The patch names only that key, so it neither
// races nor clobbers anyone else's annotations, and it is safe to repeat.
// A 404 is no error: the pod is gone and the result is null. 5xx, 429 (Retry-After honoured) and
// unanswered requests are retried with backoff a bounded number of times, then the write throws
// and the caller's own backoff takes over. No client-side rate limit, as upstream has none here.
import { Backoff, sleep, type BackoffOptions } from './backoff.js';
import { KubeApiError } from './errors.js';
import type { KubeObject } from './objects.js';
import { objectPath, podRef } from './resources.js';
import type { KubeTransport } from './transport.js';

export interface PodAnnotationWriterOptions {
  readonly transport: Pick<KubeTransport, 'request'>;
  /** Retries of 5xx, 429 and unanswered requests per write (default 3). */
  readonly maxRetries?: number;
  readonly backoff?: Partial<BackoffOptions>;
}

export class PodAnnotationWriter {
  constructor(private readonly options: PodAnnotationWriterOptions) {}

  /** Sets annotation `key` of pod `namespace/name` to `value`; resolves with the pod's new resourceVersion, or null when the pod is gone. */
  async set(namespace: string, name: string, key: string, value: string, signal: AbortSignal): Promise<string | null> {
    const backoff = new Backoff({ initialMs: 200, maxMs: 5_000, ...this.options.backoff });
    const body = { metadata: { annotations: { [key]: value } } };
    const path = objectPath(podRef(namespace, name), 'status');
    let failures = 0;
    for (;;) {
      try {
        const pod = await this.options.transport.request<KubeObject>({
          method: 'PATCH',
          path,
          body,
          contentType: 'application/strategic-merge-patch+json',
          signal,
        });
        return pod.metadata?.resourceVersion ?? null;
      } catch (error) {
        if (signal.aborted || !(error instanceof KubeApiError)) throw error;
        if (error.type === 'kube.notFound') return null;
        if (!error.retryable || ++failures > (this.options.maxRetries ?? 3)) {
          throw new Error(`patch of pods/${name}/status in ${namespace} (annotation ${key}) failed: ${error.message}`, { cause: error });
        }
        await sleep(backoff.next(error.retryAfterMs ?? 0), signal);
      }
    }
  }
}
