// A counting CRI proxy for benchmarks that must count the CRI calls of the daemon as it ships: a
// unix-socket gRPC server that forwards every runtime.v1 call it knows (the methods the daemon
// uses) byte for byte to the real runtime and notes each one — method, time, and for the calls a
// bench attributes to a pod, the container ID, `verbose` and the pod-UID label a ListContainers
// selects on (decoded from a copy of the request with the project's proto). Responses are passed
// through as the runtime sent them, unknown fields and all. The proxy adds one local hop (a few
// hundred µs) to each call, so the daemon's CRI latencies it sees are, if anything, pessimistic.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, credentials, Metadata, Server, ServerCredentials, type ServerUnaryCall, type sendUnaryData, type ServiceError } from '@grpc/grpc-js';
import { CRI_SERVICE_OF, criMethod, loadCriPackage } from '../../adapters/cri/proto.js';
import type { CriMethodName } from '../../adapters/cri/deadlines.js';

export interface ProxiedCall {
  readonly method: CriMethodName;
  readonly at: number;
  readonly containerId?: string;
  readonly verbose?: boolean;
  readonly podUid?: string;
}

export interface CriProxy {
  /** `unix://<socket>` for the daemon's --cri-endpoint. */
  readonly endpoint: string;
  readonly calls: ProxiedCall[];
  close(): Promise<void>;
}

const identity = (b: Buffer): Buffer => b;

export async function startCriProxy(upstreamSocket: string): Promise<CriProxy> {
  const dir = await mkdtemp(join(tmpdir(), 'kruised-cri-proxy-'));
  const socket = join(dir, 'cri.sock');
  const pkg = loadCriPackage();
  const upstream = new Client(`unix://${upstreamSocket}`, credentials.createInsecure(), {
    'grpc.max_receive_message_length': 16 * 1024 * 1024,
    'grpc.max_send_message_length': 16 * 1024 * 1024,
  });
  const calls: ProxiedCall[] = [];
  const server = new Server({ 'grpc.max_receive_message_length': 16 * 1024 * 1024, 'grpc.max_send_message_length': 16 * 1024 * 1024 });
  const service: Record<string, object> = {};
  const handlers: Record<string, (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) => void> = {};
  for (const method of Object.keys(CRI_SERVICE_OF) as CriMethodName[]) {
    const def = criMethod(pkg, method);
    service[method] = {
      path: def.path,
      requestStream: false,
      responseStream: false,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
    };
    handlers[method] = (call, callback) => {
      const request = def.requestDeserialize(call.request) as {
        container_id?: string;
        verbose?: boolean;
        filter?: { label_selector?: Record<string, string> };
      };
      const podUid = request.filter?.label_selector?.['io.kubernetes.pod.uid'];
      calls.push({
        method,
        at: Date.now(),
        ...(request.container_id ? { containerId: request.container_id } : {}),
        ...(request.verbose ? { verbose: true } : {}),
        ...(podUid ? { podUid } : {}),
      });
      const deadline = call.getDeadline();
      upstream.makeUnaryRequest(
        def.path,
        identity,
        identity,
        call.request,
        new Metadata(),
        { deadline: deadline instanceof Date || typeof deadline === 'number' ? deadline : Number.POSITIVE_INFINITY },
        (error: ServiceError | null, response?: Buffer) => (error ? callback(error) : callback(null, response)),
      );
    };
  }
  server.addService(service as never, handlers as never);
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix://${socket}`, ServerCredentials.createInsecure(), (error) => (error ? reject(error) : resolve())),
  );
  return {
    endpoint: `unix://${socket}`,
    calls,
    async close() {
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      upstream.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
