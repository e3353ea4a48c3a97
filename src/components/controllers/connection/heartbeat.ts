/**
 * Whether a live link still answers. The engine keeps a client's socket open when the host running
 * its actor dies (on a cluster, for about 20 s after a runner is killed); only a request finds out.
 *
 * Every HEARTBEAT_MS, and whenever the link has been quiet for QUIET_MS, the link is asked for the
 * session info (which the connection reconciles from). An ask that goes SUSPECT_MS unanswered, with
 * nothing else delivered meanwhile, starts probes over a fresh request (not the link): when the
 * workspace answers there with a new start (`bootId`), it has moved, and the link is dead at once.
 * Failover then waits only for the engine to start the workspace again elsewhere, not for the
 * socket to time out. A link that neither answers nor delivers anything for HEARTBEAT_TIMEOUT_MS is
 * dead in any case.
 */
import type { SessionInfo } from "../../../protocol/index.js";
import { answered, type Conn } from "./link.js";

const TICK_MS = 1_000;
const HEARTBEAT_MS = 10_000;
const QUIET_MS = 3_000;
const SUSPECT_MS = 4_000;
const PROBE_TIMEOUT_MS = 2_500;
export const HEARTBEAT_TIMEOUT_MS = 15_000;

export interface HeartbeatHost {
  isCurrent(generation: number): boolean;
  live(): boolean;
  onInfo(conn: Conn, generation: number, info: SessionInfo): void;
  /** The workspace's start as this link knows it. */
  bootId(): string | undefined;
  /** The session info over a fresh request, not the link. */
  probe(signal: AbortSignal): Promise<SessionInfo>;
  /** The link stopped answering; `moved` when the workspace answered elsewhere with a new start. */
  onDead(generation: number, moved: boolean): void;
}

export class Heartbeat {
  #host: HeartbeatHost;
  #timer?: ReturnType<typeof setInterval>;
  /** Ends the probe under way, if any. */
  #stopProbe?: () => void;
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
    this.heard();
    const host = this.#host;
    const current = () => host.isCurrent(generation) && host.live();
    /** When the outstanding ask went out, if one is. */
    let askedAt: number | undefined;
    let lastAsked = performance.now();
    let probing: AbortController | undefined;

    const ask = () => {
      const at = (askedAt = lastAsked = performance.now());
      answered(conn.getSessionInfo(), HEARTBEAT_TIMEOUT_MS).then(
        (info) => {
          if (!host.isCurrent(generation)) return;
          this.heard();
          host.onInfo(conn, generation, info);
        },
        () => {
          if (!current()) return;
          // A page too busy to read its socket answers late, not never: events still arriving mean the link lives.
          if (performance.now() - this.#lastHeard < HEARTBEAT_TIMEOUT_MS) return;
          host.onDead(generation, false);
        },
      ).finally(() => askedAt === at && (askedAt = undefined));
    };

    const probe = () => {
      const controller = (probing = new AbortController());
      answered(host.probe(controller.signal), PROBE_TIMEOUT_MS).then(
        (info) => {
          const known = host.bootId();
          // The link's ask is still unanswered and the workspace answers elsewhere from a new start.
          if (current() && askedAt !== undefined && known !== undefined && info.bootId !== known) host.onDead(generation, true);
        },
        () => undefined, // not there yet: the next tick probes again
      ).finally(() => {
        controller.abort();
        if (probing === controller) probing = undefined;
      });
    };

    const timer = setInterval(() => {
      if (!host.isCurrent(generation)) {
        probing?.abort();
        return clearInterval(timer);
      }
      if (!host.live()) return;
      const now = performance.now();
      if (askedAt !== undefined) {
        if (!probing && now - askedAt >= SUSPECT_MS && this.#lastHeard < askedAt) probe();
        return;
      }
      if (now - lastAsked >= HEARTBEAT_MS || (now - this.#lastHeard >= QUIET_MS && now - lastAsked >= QUIET_MS)) ask();
    }, TICK_MS);
    this.#timer = timer;
    this.#stopProbe = () => probing?.abort();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#stopProbe?.();
  }
}
