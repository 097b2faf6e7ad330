// Stands in for a Windows named pipe on Linux. The Windows profile dials `\\.\pipe\NAME`; here a
// unix socket whose file name is literally that pipe path (backslashes and all) listens in a
// temp dir and relays every connection, byte for byte, to the real containerd socket. A relay,
// not a symlink, so a test can see that traffic really went through the pipe-named socket and
// can make the "pipe" vanish and come back the way a pipe does when containerd restarts.
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import type { PipeResolver } from '../../../../adapters/cri/index.js';

export interface PipeProxy {
  /** The unix socket standing in for the pipe. */
  readonly socketPath: string;
  /** Maps exactly the served pipe path to `socketPath`; any other pipe is an error. */
  readonly resolver: PipeResolver;
  /** Connections accepted so far. */
  connections(): number;
  /** Stop listening and drop every relayed connection (the pipe disappears). */
  close(): Promise<void>;
  /** Listen again on the same path. */
  reopen(): Promise<void>;
}

export async function startPipeProxy(dir: string, pipePath: string, upstreamSocket: string): Promise<PipeProxy> {
  const socketPath = join(dir, pipePath);
  const open = new Set<Socket>();
  let accepted = 0;
  let server: Server;

  const listen = (): Promise<void> => {
    server = createServer((client) => {
      accepted += 1;
      const upstream = createConnection(upstreamSocket);
      for (const s of [client, upstream]) {
        open.add(s);
        s.on('close', () => open.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(socketPath, () => resolve());
    });
  };

  await listen();
  return {
    socketPath,
    resolver: (requested) => {
      if (requested !== pipePath) throw new Error(`pipe proxy serves ${pipePath}, not ${requested}`);
      return socketPath;
    },
    connections: () => accepted,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of open) s.destroy();
        server.close(() => resolve());
      }),
    reopen: listen,
  };
}
