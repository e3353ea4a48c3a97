/**
 * A TCP proxy between the browser and the registry, so a test can cut one client's link without
 * touching the registry: `drop(ms)` resets every open connection and refuses new ones for `ms`,
 * and `loseMessages` drops chosen WebSocket messages on their way to the browser, as a lossy link
 * or a dropped broadcast would. HTTP and WebSocket otherwise pass through it unchanged.
 */
import { connect, createServer, type Socket } from "node:net";
import { Transform, type TransformCallback } from "node:stream";

export interface LinkProxy {
  /** `http://127.0.0.1:<port>`: use it as the element's endpoint. */
  endpoint: string;
  port: number;
  /** Resets every open connection now and refuses new ones for `ms`. Resolves at once. */
  drop(ms: number): { reset: number };
  /**
   * For `ms`, drops every whole WebSocket message from the registry whose payload contains `text`
   * (matched on its bytes: RivetKit's binary messages hold their event names as text). Answers how
   * many it dropped once the time is up.
   */
  loseMessages(text: string, ms: number): Promise<{ lost: number }>;
  close(): Promise<void>;
}

/** Proxies to 127.0.0.1 at `targetPort()`, read on each new connection (a restarted registry keeps its port). */
export async function startLinkProxy(targetPort: () => number): Promise<LinkProxy> {
  const sockets = new Set<Socket>();
  let downUntil = 0;
  let losing: { text: Buffer; until: number; lost: number } | undefined;
  const lose = (payload: Buffer) => {
    if (!losing || Date.now() > losing.until || !payload.includes(losing.text)) return false;
    losing.lost++;
    return true;
  };
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
    upstream.pipe(new MessageFilter(lose)).pipe(client);
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
    async loseMessages(text, ms) {
      const window = (losing = { text: Buffer.from(text, "latin1"), until: Date.now() + ms, lost: 0 });
      await new Promise((resolve) => setTimeout(resolve, ms));
      return { lost: window.lost };
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * The registry's side of one connection: bytes pass as they come until the HTTP response that
 * upgrades it to a WebSocket; from there, frames are read whole, and a whole data message `lose`
 * says to drop is not passed on. Frames from a server are never masked (RFC 6455, 5.1).
 */
class MessageFilter extends Transform {
  /** Reading the response head, reading WebSocket frames, or passing everything (not a WebSocket). */
  #state: "head" | "frames" | "raw" = "head";
  #buffer = Buffer.alloc(0);

  constructor(private readonly lose: (payload: Buffer) => boolean) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    if (this.#state === "raw") return done(null, chunk);
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    if (this.#state === "head") {
      if (this.#buffer.length < 12) return done();
      const end = this.#buffer.indexOf("\r\n\r\n");
      if (!this.#buffer.toString("latin1", 0, 12).startsWith("HTTP/1.1 101")) {
        this.#state = "raw";
        const all = this.#buffer;
        this.#buffer = Buffer.alloc(0);
        return done(null, all);
      }
      if (end < 0) return done();
      this.push(this.#buffer.subarray(0, end + 4));
      this.#buffer = this.#buffer.subarray(end + 4);
      this.#state = "frames";
    }
    for (let frame = this.#nextFrame(); frame; frame = this.#nextFrame()) {
      const { whole, payload, fin, opcode } = frame;
      // A whole text or binary message (not a fragment of one) may be lost; anything else passes.
      if (!(fin && (opcode === 1 || opcode === 2) && this.lose(payload))) this.push(whole);
    }
    done();
  }

  /** Whatever is left when the registry closes (an unfinished head or frame) still reaches the browser. */
  override _flush(done: TransformCallback): void {
    done(null, this.#buffer.length > 0 ? this.#buffer : undefined);
  }

  #nextFrame(): { whole: Buffer; payload: Buffer; fin: boolean; opcode: number } | undefined {
    const buffer = this.#buffer;
    if (buffer.length < 2) return undefined;
    let length = buffer[1] & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (buffer.length < 4) return undefined;
      length = buffer.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (buffer.length < 10) return undefined;
      length = Number(buffer.readBigUInt64BE(2));
      offset = 10;
    }
    if (buffer[1] & 0x80) offset += 4;
    if (buffer.length < offset + length) return undefined;
    const whole = buffer.subarray(0, offset + length);
    this.#buffer = buffer.subarray(offset + length);
    return { whole, payload: whole.subarray(offset), fin: (buffer[0] & 0x80) !== 0, opcode: buffer[0] & 0x0f };
  }
}
