// TypeScript shapes of the runtime.v1 subset in proto/runtime-v1.proto, as @grpc/proto-loader
// hands them over with { keepCase: true, longs: String, enums: String, defaults: true }:
// - field names stay snake_case, as on the wire;
// - 64-bit integers arrive as decimal strings (`Int64`). CRI timestamps are nanoseconds since the
//   epoch (~1.7e18), past Number's exact range (2^53), so a Number would round them to ~256 ns and
//   make created_at sort order unstable; convert with BigInt(value) where arithmetic is needed;
// - enums arrive as their names; unset scalars as their zero value, unset repeated fields as [],
//   unset maps as {}, unset message fields as null.
// Requests are written with optional fields (proto3 zero values) and accept numbers for 64-bit
// fields, which protobufjs encodes exactly while they stay below 2^53.

/** A 64-bit integer in a response: decimal string. */
export type Int64 = string;
/** A 64-bit integer in a request. */
export type Int64Input = number | string;
export type StringMap = Record<string, string>;

export type NamespaceMode = 'POD' | 'CONTAINER' | 'NODE' | 'TARGET';
export type MountPropagation = 'PROPAGATION_PRIVATE' | 'PROPAGATION_HOST_TO_CONTAINER' | 'PROPAGATION_BIDIRECTIONAL';
export type PodSandboxState = 'SANDBOX_READY' | 'SANDBOX_NOTREADY';
export type ContainerState = 'CONTAINER_CREATED' | 'CONTAINER_RUNNING' | 'CONTAINER_EXITED' | 'CONTAINER_UNKNOWN';

export interface VersionRequest {
  version?: string;
}
export interface VersionResponse {
  version: string;
  runtime_name: string;
  runtime_version: string;
  runtime_api_version: string;
}

export interface NamespaceOption {
  network: NamespaceMode;
  pid: NamespaceMode;
  ipc: NamespaceMode;
  target_id: string;
}
export interface NamespaceOptionInput {
  network?: NamespaceMode;
  pid?: NamespaceMode;
  ipc?: NamespaceMode;
  target_id?: string;
}
export interface Mount {
  container_path: string;
  host_path: string;
  readonly: boolean;
  selinux_relabel: boolean;
  propagation: MountPropagation;
}
export type MountInput = Partial<Mount>;
export interface KeyValue {
  key: string;
  value: string;
}
export interface ImageSpec {
  image: string;
  annotations: StringMap;
}
export interface ImageSpecInput {
  image: string;
  annotations?: StringMap;
}

// Pod sandboxes ------------------------------------------------------------------------------

export interface PodSandboxMetadata {
  name: string;
  uid: string;
  namespace: string;
  attempt: number;
}
export interface PodSandboxMetadataInput {
  name: string;
  uid: string;
  namespace: string;
  attempt?: number;
}
export interface PodSandboxConfigInput {
  metadata?: PodSandboxMetadataInput;
  hostname?: string;
  log_directory?: string;
  dns_config?: { servers?: string[]; searches?: string[]; options?: string[] };
  labels?: StringMap;
  annotations?: StringMap;
  linux?: {
    cgroup_parent?: string;
    security_context?: { namespace_options?: NamespaceOptionInput; privileged?: boolean };
  };
}
export interface RunPodSandboxRequest {
  config: PodSandboxConfigInput;
  runtime_handler?: string;
}
export interface RunPodSandboxResponse {
  pod_sandbox_id: string;
}
export interface PodSandboxIdRequest {
  pod_sandbox_id: string;
}
export type Empty = Record<string, never>;

export interface PodSandboxStatus {
  id: string;
  metadata: PodSandboxMetadata | null;
  state: PodSandboxState;
  created_at: Int64;
  network: { ip: string; additional_ips: { ip: string }[] } | null;
  linux: { namespaces: { options: NamespaceOption | null } | null } | null;
  labels: StringMap;
  annotations: StringMap;
  runtime_handler: string;
}
export interface PodSandboxStatusRequest {
  pod_sandbox_id: string;
  verbose?: boolean;
}
export interface PodSandboxStatusResponse {
  status: PodSandboxStatus | null;
  info: StringMap;
}

export interface PodSandboxFilter {
  id?: string;
  state?: { state: PodSandboxState };
  label_selector?: StringMap;
}
export interface ListPodSandboxRequest {
  filter?: PodSandboxFilter;
}
export interface PodSandbox {
  id: string;
  metadata: PodSandboxMetadata | null;
  state: PodSandboxState;
  created_at: Int64;
  labels: StringMap;
  annotations: StringMap;
  runtime_handler: string;
}
export interface ListPodSandboxResponse {
  items: PodSandbox[];
}

// Containers ---------------------------------------------------------------------------------

export interface ContainerMetadata {
  name: string;
  attempt: number;
}
export interface ContainerConfigInput {
  metadata: { name: string; attempt?: number };
  image: ImageSpecInput;
  command?: string[];
  args?: string[];
  working_dir?: string;
  envs?: KeyValue[];
  mounts?: MountInput[];
  labels?: StringMap;
  annotations?: StringMap;
  log_path?: string;
  stdin?: boolean;
  stdin_once?: boolean;
  tty?: boolean;
  /** Limits and security (the kubelet simulator's; the daemon never creates containers). */
  linux?: LinuxContainerConfigInput;
}
export interface LinuxContainerConfigInput {
  resources?: { cpu_period?: Int64Input; cpu_quota?: Int64Input; cpu_shares?: Int64Input; memory_limit_in_bytes?: Int64Input; oom_score_adj?: Int64Input };
  security_context?: {
    capabilities?: { add_capabilities?: string[]; drop_capabilities?: string[] };
    privileged?: boolean;
    namespace_options?: NamespaceOptionInput;
    readonly_rootfs?: boolean;
    no_new_privs?: boolean;
  };
}
export interface CreateContainerRequest {
  pod_sandbox_id: string;
  config: ContainerConfigInput;
  sandbox_config?: PodSandboxConfigInput;
}
export interface CreateContainerResponse {
  container_id: string;
}
export interface ContainerIdRequest {
  container_id: string;
}
/** `timeout`: seconds of grace after the stop signal; 0 kills at once. */
export interface StopContainerRequest {
  container_id: string;
  timeout?: Int64Input;
}

export interface ContainerFilter {
  id?: string;
  state?: { state: ContainerState };
  pod_sandbox_id?: string;
  label_selector?: StringMap;
}
export interface ListContainersRequest {
  filter?: ContainerFilter;
}
export interface Container {
  id: string;
  pod_sandbox_id: string;
  metadata: ContainerMetadata | null;
  image: ImageSpec | null;
  image_ref: string;
  state: ContainerState;
  created_at: Int64;
  labels: StringMap;
  annotations: StringMap;
}
export interface ListContainersResponse {
  containers: Container[];
}

export interface ContainerStatusRequest {
  container_id: string;
  verbose?: boolean;
}
export interface ContainerStatus {
  id: string;
  metadata: ContainerMetadata | null;
  state: ContainerState;
  created_at: Int64;
  /** 0 when not started; can be later than finished_at for a fast exit (containerd 1.6). */
  started_at: Int64;
  finished_at: Int64;
  /** Signed 32-bit; on Windows an NTSTATUS such as 0xC000013A arrives negative (use `>>> 0`). */
  exit_code: number;
  image: ImageSpec | null;
  image_ref: string;
  reason: string;
  message: string;
  labels: StringMap;
  annotations: StringMap;
  mounts: Mount[];
  log_path: string;
}
export interface ContainerStatusResponse {
  status: ContainerStatus | null;
  info: StringMap;
}

/** `timeout`: seconds the runtime lets the command run; 0 means no limit. */
export interface ExecSyncRequest {
  container_id: string;
  cmd: string[];
  timeout?: Int64Input;
}
export interface ExecSyncResponse {
  stdout: Buffer;
  stderr: Buffer;
  exit_code: number;
}

// Images -------------------------------------------------------------------------------------

export interface ListImagesRequest {
  filter?: { image?: ImageSpecInput };
}
export interface Image {
  id: string;
  repo_tags: string[];
  repo_digests: string[];
  size: Int64;
  uid: { value: Int64 } | null;
  username: string;
  spec: ImageSpec | null;
  pinned: boolean;
}
export interface ListImagesResponse {
  images: Image[];
}
export interface ImageStatusRequest {
  image: ImageSpecInput;
  verbose?: boolean;
}
/** containerd answers an unknown image with `image: null`, not an error. */
export interface ImageStatusResponse {
  image: Image | null;
  info: StringMap;
}

export interface AuthConfig {
  username?: string;
  password?: string;
  /** base64 of `user:password`. */
  auth?: string;
  server_address?: string;
  identity_token?: string;
  registry_token?: string;
}
export interface PullImageRequest {
  image: ImageSpecInput;
  auth?: AuthConfig;
  sandbox_config?: PodSandboxConfigInput;
}
export interface PullImageResponse {
  image_ref: string;
}
export interface RemoveImageRequest {
  image: ImageSpecInput;
}

export interface FilesystemUsage {
  timestamp: Int64;
  fs_id: { mountpoint: string } | null;
  used_bytes: { value: Int64 } | null;
  inodes_used: { value: Int64 } | null;
}
export interface ImageFsInfoResponse {
  image_filesystems: FilesystemUsage[];
}
