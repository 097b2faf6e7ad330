// A slow registry link for the demo: a TCP proxy in front of the bed's registry that passes the
// registry's answers on at a fixed rate, and a containerd host entry (certs.d) for it, so a pull
// of the bed's ~50 MB image takes long enough for its progress to be seen changing in the
// NodeImage status. Requests go through untouched; only the bytes coming back are paced.
import { mkdir, writeFile } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';
import { join } from 'node:path';

export interface SlowLink {
  /** `127.0.0.1:<port>`: use it in place of the registry's host. */
  readonly host: string;
  close(): Promise<void>;
}

/** Proxies `127.0.0.1:<new port>` to `target` (`host:port`) at `bytesPerSecond` towards the client. */
export async function startSlowLink(target: string, bytesPerSecond: number, certsDir: string): Promise<SlowLink> {
  const [targetHost, targetPort] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
  const sockets = new Set<Socket>();
  let nextFree = Date.now();
  const server = createServer((client) => {
    const upstream = connect(targetPort, targetHost);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => {
      // One shared schedule for every connection: the link, not each download, has the rate.
      const now = Date.now();
      nextFree = Math.max(nextFree, now) + (chunk.length / bytesPerSecond) * 1000;
      const wait = nextFree - now;
      if (wait < 5) return void client.write(chunk);
      upstream.pause();
      setTimeout(() => {
        client.write(chunk);
        upstream.resume();
      }, wait);
    });
    upstream.on('end', () => client.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  // containerd reads its registry hosts from certs.d at every pull: this one is plain HTTP.
  await mkdir(join(certsDir, host), { recursive: true });
  await writeFile(join(certsDir, host, 'hosts.toml'), `server = "http://${host}"\n\n[host."http://${host}"]\n  capabilities = ["pull", "resolve"]\n`);
  return {
    host,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
