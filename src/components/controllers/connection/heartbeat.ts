/**
 * Whether a live link still answers. The engine keeps a client's socket open when the host running
 * its actor dies; only a request finds out. Every HEARTBEAT_MS the link is asked for the session
 * info (which the connection reconciles from); a link that neither answers nor delivers anything
 * for HEARTBEAT_TIMEOUT_MS is dead.
 */
import type { SessionInfo } from "../../../protocol/index.js";
import { answered, type Conn } from "./link.js";

const HEARTBEAT_MS = 10_000;
export const HEARTBEAT_TIMEOUT_MS = 15_000;

export interface HeartbeatHost {
  isCurrent(generation: number): boolean;
  live(): boolean;
  onInfo(conn: Conn, generation: number, info: SessionInfo): void;
  /** The link stopped answering. */
  onDead(generation: number): void;
}

export class Heartbeat {
  #host: HeartbeatHost;
  #timer?: ReturnType<typeof setInterval>;
  /** When the current link last delivered anything: a link busy delivering is alive. */
  #lastHeard = 0;

  constructor(host: HeartbeatHost) {
    this.#host = host;
  }

  /** The link delivered something. */
  heard(): void {
    this.#lastHeard = performance.now();
  }

  start(conn: Conn, generation: number): void {
    this.stop();
    let asking = false;
    const timer = setInterval(() => {
      if (!this.#host.isCurrent(generation)) return clearInterval(timer);
      if (asking || !this.#host.live()) return;
      asking = true;
      answered(conn.getSessionInfo(), HEARTBEAT_TIMEOUT_MS)
        .then(
          (info) => {
            if (!this.#host.isCurrent(generation)) return;
            this.heard();
            this.#host.onInfo(conn, generation, info);
          },
          () => {
            if (!this.#host.isCurrent(generation) || !this.#host.live()) return;
            // A page too busy to read its socket answers late, not never: events still arriving mean the link lives.
            if (performance.now() - this.#lastHeard < HEARTBEAT_TIMEOUT_MS) return;
            this.#host.onDead(generation);
          },
        )
        .finally(() => (asking = false));
    }, HEARTBEAT_MS);
    this.#timer = timer;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
