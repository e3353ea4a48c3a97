/**
 * A TCP proxy between the browser and the registry, so a test can cut one client's link without
 * touching the registry: `drop(ms)` resets every open connection and refuses new ones for `ms`.
 * HTTP and WebSocket both pass through it unchanged.
 */
import { connect, createServer, type Socket } from "node:net";

export interface LinkProxy {
  /** `http://127.0.0.1:<port>`: use it as the element's endpoint. */
  endpoint: string;
  port: number;
  /** Resets every open connection now and refuses new ones for `ms`. Resolves at once. */
  drop(ms: number): { reset: number };
  close(): Promise<void>;
}

/** Proxies to 127.0.0.1 at `targetPort()`, read on each new connection (a restarted registry keeps its port). */
export async function startLinkProxy(targetPort: () => number): Promise<LinkProxy> {
  const sockets = new Set<Socket>();
  let downUntil = 0;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  };
  const server = createServer((client) => {
    if (Date.now() < downUntil) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(targetPort(), "127.0.0.1");
    track(client);
    track(upstream);
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
    client.once("close", () => upstream.destroy());
    upstream.once("close", () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  const port = await new Promise<number>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve(typeof address === "object" && address ? address.port : 0);
    });
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    drop(ms) {
      downUntil = Date.now() + ms;
      const reset = sockets.size;
      for (const socket of sockets) socket.resetAndDestroy();
      return { reset };
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
