// What the real-runtime test bed provides to tests: a private containerd (CRI runtime.v1) with
// two local registries and offline-built images, brought up once per test run by the vitest
// global setup (test/bed/runtime/global-setup.ts) and torn down after it.
import { inject } from 'vitest';

export interface RuntimeBed {
  /** The bed's temp dir (logs under `log/`). */
  readonly dir: string;
  /** Absolute path of containerd's gRPC unix socket (CRI and containerd's own services). */
  readonly socket: string;
  /** `unix://<socket>`. */
  readonly endpoint: string;
  /** `host` (pods must use network NODE and hostname "") or `bridge`. */
  readonly podNetwork: 'host' | 'bridge';
  /** `127.0.0.1:<port>` of the open registry, and of the htpasswd one. */
  readonly registry: string;
  readonly authRegistry: string;
  readonly auth: { readonly username: string; readonly password: string };
  readonly images: {
    readonly pause: string;
    /** Two tags of busybox with different image IDs. */
    readonly busybox: string;
    readonly busybox2: string;
    /** ~50 MB, for progress. */
    readonly big: string;
    /** On the auth registry. */
    readonly private: string;
    /** A familiar name (`busybox:1`) served through the docker.io mirror config. */
    readonly short: string;
    /**
     * One static binary (busybox) at /opt/app/busybox.app and nothing else: no shell, no `env`,
     * no applet symlinks. Start it with an explicit command: `['/opt/app/busybox.app', 'sleep', '3600']`.
     */
    readonly shellless: string;
  };
}

export type RuntimeBedStatus = { readonly ready: true; readonly bed: RuntimeBed } | { readonly ready: false; readonly reason: string };

declare module 'vitest' {
  export interface ProvidedContext {
    runtimeBed: RuntimeBedStatus;
  }
}

/** The bed, or undefined when it could not run here (the global setup printed why, loudly). */
export function runtimeBed(): RuntimeBed | undefined {
  const status = inject('runtimeBed');
  return status?.ready ? status.bed : undefined;
}

export function runtimeBedSkipReason(): string {
  const status = inject('runtimeBed');
  return status === undefined ? 'runtime bed global setup did not run' : status.ready ? '' : status.reason;
}
