// A typed CRI runtime.v1 client over grpc-js: one channel per endpoint, unary calls only. Every
// method takes the caller's AbortSignal first (aborting cancels the RPC and rejects with
// `signal.reason`), then the request, then optional per-call options. Any other failure rejects
// with a CriError. Deadlines default to upstream's (deadlines.ts).
import { Client, credentials, Metadata, type ChannelOptions, type ServiceError } from '@grpc/grpc-js';
import { defaultDeadlineMs, DEFAULT_BASE_TIMEOUT_MS, type CriMethodName } from './deadlines.js';
import { grpcTarget, parseCriEndpoint, type EndpointPlatform, type ParsedEndpoint, type PipeResolver } from './endpoint.js';
import { toCriError } from './errors.js';
import { criMethod, loadCriPackage } from './proto.js';
import type * as T from './types.js';

/** Upstream's max message size (kruise imageruntime `maxMsgSize`), both directions. */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
/** The API version kruise sends in Version (`kubeRuntimeAPIVersion`). */
export const KUBE_RUNTIME_API_VERSION = '0.1.0';

export interface CallOptions {
  /** Replaces the default deadline: ms from call start, or null for none (the signal still applies). */
  readonly timeoutMs?: number | null;
}

type Signal = AbortSignal | undefined;

/** Each interface mirrors one CRI Go interface of k8s.io/cri-api `services.go`. */
export interface RuntimeVersioner {
  version(signal: Signal, request?: T.VersionRequest, options?: CallOptions): Promise<T.VersionResponse>;
}

export interface PodSandboxManager {
  runPodSandbox(signal: Signal, request: T.RunPodSandboxRequest, options?: CallOptions): Promise<T.RunPodSandboxResponse>;
  /** containerd answers NOT_FOUND for a sandbox already removed. */
  stopPodSandbox(signal: Signal, request: T.PodSandboxIdRequest, options?: CallOptions): Promise<T.Empty>;
  removePodSandbox(signal: Signal, request: T.PodSandboxIdRequest, options?: CallOptions): Promise<T.Empty>;
  podSandboxStatus(signal: Signal, request: T.PodSandboxStatusRequest, options?: CallOptions): Promise<T.PodSandboxStatusResponse>;
  listPodSandbox(signal: Signal, request?: T.ListPodSandboxRequest, options?: CallOptions): Promise<T.ListPodSandboxResponse>;
}

export interface ContainerManager {
  createContainer(signal: Signal, request: T.CreateContainerRequest, options?: CallOptions): Promise<T.CreateContainerResponse>;
  startContainer(signal: Signal, request: T.ContainerIdRequest, options?: CallOptions): Promise<T.Empty>;
  /** Deadline: base + `timeout` seconds. */
  stopContainer(signal: Signal, request: T.StopContainerRequest, options?: CallOptions): Promise<T.Empty>;
  removeContainer(signal: Signal, request: T.ContainerIdRequest, options?: CallOptions): Promise<T.Empty>;
  listContainers(signal: Signal, request?: T.ListContainersRequest, options?: CallOptions): Promise<T.ListContainersResponse>;
  containerStatus(signal: Signal, request: T.ContainerStatusRequest, options?: CallOptions): Promise<T.ContainerStatusResponse>;
  /** Deadline: base + `timeout` seconds, none when `timeout` is 0. A failing command is an exit code, not an error. */
  execSync(signal: Signal, request: T.ExecSyncRequest, options?: CallOptions): Promise<T.ExecSyncResponse>;
}

export interface ImageManagerService {
  listImages(signal: Signal, request?: T.ListImagesRequest, options?: CallOptions): Promise<T.ListImagesResponse>;
  imageStatus(signal: Signal, request: T.ImageStatusRequest, options?: CallOptions): Promise<T.ImageStatusResponse>;
  /** No deadline by default: only the signal ends a pull. */
  pullImage(signal: Signal, request: T.PullImageRequest, options?: CallOptions): Promise<T.PullImageResponse>;
  /** Removes the image by ID, i.e. every tag that points at it. */
  removeImage(signal: Signal, request: T.RemoveImageRequest, options?: CallOptions): Promise<T.Empty>;
  imageFsInfo(signal: Signal, request?: Record<string, never>, options?: CallOptions): Promise<T.ImageFsInfoResponse>;
}

export interface CriClient extends RuntimeVersioner, PodSandboxManager, ContainerManager, ImageManagerService {
  readonly endpoint: ParsedEndpoint;
  /** The grpc-js target dialled. */
  readonly target: string;
  /** Closes the channel; calls in flight fail. */
  close(): void;
}

export interface CriClientOptions {
  /** Kubelet-style endpoint: `unix:///run/containerd/containerd.sock`, `npipe://./pipe/containerd-containerd`. */
  readonly endpoint: string;
  /** Whose endpoint rules apply: the platform profile's `os`, never guessed from the host Node runs on. */
  readonly platform: EndpointPlatform;
  /** Linux tests of the Windows profile: serve a pipe path from a unix socket (endpoint.ts). */
  readonly pipeResolver?: PipeResolver;
  /** Base per-call timeout, default upstream's 5 s; the daemon passes the profile's `cri.baseTimeoutMs`. */
  readonly baseTimeoutMs?: number;
  readonly protoPath?: string;
  /** Extra grpc-js channel options, applied last. */
  readonly channelOptions?: ChannelOptions;
}

export function createCriClient(options: CriClientOptions): CriClient {
  const endpoint = parseCriEndpoint(options.endpoint, options.platform);
  const target = grpcTarget(endpoint, options.pipeResolver);
  const pkg = loadCriPackage(options.protoPath);
  const baseMs = options.baseTimeoutMs ?? DEFAULT_BASE_TIMEOUT_MS;
  const grpc = new Client(target, credentials.createInsecure(), {
    'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
    'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
    // A restarted runtime (or a Windows pipe that vanished with it) is redialled within 5 s
    // instead of grpc-js's default back-off ceiling of 120 s.
    'grpc.max_reconnect_backoff_ms': 5_000,
    ...options.channelOptions,
  });

  function call<Res>(method: CriMethodName, signal: Signal, request: object, opts: CallOptions | undefined): Promise<Res> {
    return new Promise<Res>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const def = criMethod(pkg, method);
      const timeoutMs = opts?.timeoutMs === undefined ? defaultDeadlineMs(method, request, baseMs) : opts.timeoutMs;
      const onAbort = (): void => rpc.cancel();
      const rpc = grpc.makeUnaryRequest(
        def.path,
        def.requestSerialize,
        def.responseDeserialize,
        request,
        new Metadata(),
        timeoutMs === null ? {} : { deadline: Date.now() + timeoutMs },
        (error: ServiceError | null, response?: object) => {
          signal?.removeEventListener('abort', onAbort);
          if (signal?.aborted) reject(signal.reason);
          else if (error !== null) reject(toCriError(error, method));
          else resolve(response as Res);
        },
      );
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  return {
    endpoint,
    target,
    close: () => grpc.close(),
    version: (s, r = { version: KUBE_RUNTIME_API_VERSION }, o) => call('Version', s, r, o),
    runPodSandbox: (s, r, o) => call('RunPodSandbox', s, r, o),
    stopPodSandbox: (s, r, o) => call('StopPodSandbox', s, r, o),
    removePodSandbox: (s, r, o) => call('RemovePodSandbox', s, r, o),
    podSandboxStatus: (s, r, o) => call('PodSandboxStatus', s, r, o),
    listPodSandbox: (s, r = {}, o) => call('ListPodSandbox', s, r, o),
    createContainer: (s, r, o) => call('CreateContainer', s, r, o),
    startContainer: (s, r, o) => call('StartContainer', s, r, o),
    stopContainer: (s, r, o) => call('StopContainer', s, r, o),
    removeContainer: (s, r, o) => call('RemoveContainer', s, r, o),
    listContainers: (s, r = {}, o) => call('ListContainers', s, r, o),
    containerStatus: (s, r, o) => call('ContainerStatus', s, r, o),
    execSync: (s, r, o) => call('ExecSync', s, r, o),
    listImages: (s, r = {}, o) => call('ListImages', s, r, o),
    imageStatus: (s, r, o) => call('ImageStatus', s, r, o),
    pullImage: (s, r, o) => call('PullImage', s, r, o),
    removeImage: (s, r, o) => call('RemoveImage', s, r, o),
    imageFsInfo: (s, r = {}, o) => call('ImageFsInfo', s, r, o),
  };
}
