/** The rivetkit client and connection to a workspace actor, as types, and small helpers every part of the link uses. */
import type { WorkspaceRegistry } from "../../../actors/index.js";
import type { Timeline } from "../../../events/index.js";

export type Client = ReturnType<typeof import("rivetkit/client").createClient<WorkspaceRegistry>>;
export type Conn = ReturnType<ReturnType<Client["workspace"]["getOrCreate"]>["connect"]>;
export type HistoryPage = Awaited<ReturnType<Conn["getHistory"]>>;

/**
 * What the connection may do to the element's timeline besides adding events (which goes through the
 * element): end a turn, settle a permission or a question, say who did what, and follow what storage trimmed or lost.
 */
export type TimelineWrites = Pick<Timeline, "endTurn" | "resolvePermission" | "resolveQuestion" | "attribute" | "skipTo" | "forget" | "contiguousIndex" | "lastIndex" | "summary">;

/** How long a history page or session info may take before it is asked for again. */
const ANSWER_TIMEOUT_MS = 20_000;

/** An action's answer that did not come in time: RivetKit can drop one on a live link. */
export class NoAnswer extends Error {}

/** `promise`, or a `NoAnswer` after `ms`. */
export function answered<T>(promise: Promise<T>, ms = ANSWER_TIMEOUT_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new NoAnswer(`no answer in ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * RivetKit sends connection params in a WebSocket subprotocol, URI-encoded: `(` and `)` survive
 * `encodeURIComponent` but are not allowed in a subprotocol, and a lone surrogate makes it throw.
 * Either would keep the element from ever connecting, so a display name carries look-alikes.
 */
export function subprotocolSafe(name: string | undefined): string | undefined {
  return name
    ?.replace(/\(/g, "\uFF08")
    .replace(/\)/g, "\uFF09")
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD");
}

export function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
