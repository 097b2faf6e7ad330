// The slice of the core/v1 Pod the kubelet simulator reads and writes, as plain JSON (what the
// fake API server stores; client-node model objects are JSON round-tripped into this shape).

export type IntOrString = number | string;

export interface ExecActionJson {
  command?: string[];
}
export interface HttpGetActionJson {
  path?: string;
  port: IntOrString;
  host?: string;
  scheme?: string;
  httpHeaders?: Array<{ name: string; value: string }>;
}
export interface TcpSocketActionJson {
  port: IntOrString;
  host?: string;
}
export interface LifecycleHandlerJson {
  exec?: ExecActionJson;
  httpGet?: HttpGetActionJson;
  tcpSocket?: TcpSocketActionJson;
  sleep?: { seconds: number };
}
export interface ProbeJson extends Omit<LifecycleHandlerJson, 'sleep'> {
  terminationGracePeriodSeconds?: number;
  initialDelaySeconds?: number;
  timeoutSeconds?: number;
  periodSeconds?: number;
  successThreshold?: number;
  failureThreshold?: number;
}
export interface ContainerPortJson {
  name?: string;
  hostPort?: number;
  containerPort: number;
  protocol?: string;
  hostIP?: string;
}
export interface EnvVarJson {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string; apiVersion?: string } };
}

export interface VolumeMountJson {
  name: string;
  mountPath: string;
  readOnly?: boolean;
  subPath?: string;
}
export interface VolumeJson {
  name: string;
  hostPath?: { path: string; type?: string };
  emptyDir?: Record<string, unknown>;
  [source: string]: unknown;
}
export interface ResourcesJson {
  requests?: Record<string, string>;
  limits?: Record<string, string>;
}
export interface SecurityContextJson {
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  readOnlyRootFilesystem?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
}

export interface ContainerJson {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  workingDir?: string;
  env?: EnvVarJson[];
  ports?: ContainerPortJson[];
  lifecycle?: { postStart?: LifecycleHandlerJson; preStop?: LifecycleHandlerJson };
  readinessProbe?: ProbeJson;
  livenessProbe?: ProbeJson;
  volumeMounts?: VolumeMountJson[];
  resources?: ResourcesJson;
  securityContext?: SecurityContextJson;
  imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  terminationMessagePath?: string;
  terminationMessagePolicy?: string;
}

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';
export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed' | 'Unknown';

export interface PodJson {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    resourceVersion?: string;
    creationTimestamp?: string;
    deletionTimestamp?: string;
    deletionGracePeriodSeconds?: number;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }>;
  };
  spec: {
    nodeName?: string;
    containers: ContainerJson[];
    initContainers?: ContainerJson[];
    restartPolicy?: RestartPolicy;
    terminationGracePeriodSeconds?: number;
    serviceAccountName?: string;
    automountServiceAccountToken?: boolean;
    hostNetwork?: boolean;
    volumes?: VolumeJson[];
    readinessGates?: Array<{ conditionType: string }>;
  };
  status?: PodStatusJson;
}

export interface ConditionJson {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastProbeTime?: string | null;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface TerminatedJson {
  exitCode: number;
  signal?: number;
  reason?: string;
  message?: string;
  startedAt?: string | null;
  finishedAt?: string | null;
  containerID?: string;
}
export interface ContainerStateJson {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string | null };
  terminated?: TerminatedJson;
}

export interface ContainerStatusJson {
  name: string;
  state: ContainerStateJson;
  lastState: ContainerStateJson;
  ready: boolean;
  restartCount: number;
  image: string;
  imageID: string;
  containerID?: string;
  started?: boolean;
}

export interface PodStatusJson {
  phase?: PodPhase;
  conditions?: ConditionJson[];
  hostIP?: string;
  hostIPs?: Array<{ ip: string }>;
  podIP?: string;
  podIPs?: Array<{ ip: string }>;
  startTime?: string;
  containerStatuses?: ContainerStatusJson[];
  qosClass?: string;
  [key: string]: unknown;
}
