/**
 * Reading one raw event: is it a well-formed `SessionEvent`, and which JSON-RPC message does it carry?
 * Everything an agent sends is untrusted, so nothing here assumes a shape it has not checked.
 */
import type { SessionEvent } from "./types.js";

export type JsonRpcId = string | number;

/** One event's JSON-RPC payload, classified. */
export type Message =
  | { kind: "request"; id: JsonRpcId; method: string; params: unknown }
  | { kind: "notification"; method: string; params: unknown }
  | { kind: "result"; id: JsonRpcId; result: unknown }
  | { kind: "error"; id: JsonRpcId | null; error: { code?: number | string; message: string; data?: unknown } }
  | { kind: "malformed"; reason: string };

export type Sender = "client" | "agent";

/** A raw event after the envelope check. */
export type ReadEvent =
  | { ok: true; event: SessionEvent; index: number; sender: Sender; message: Message }
  | { ok: false; reason: string };

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The event's `eventIndex` when it is usable for ordering and de-duplication. */
export function eventIndexOf(raw: unknown): number | undefined {
  if (!isRecord(raw)) return undefined;
  const index = raw.eventIndex;
  return typeof index === "number" && Number.isSafeInteger(index) && index >= 0 ? index : undefined;
}

/**
 * Whether `raw` is a well-formed event carrying a `session/update` notification, as `readEvent`
 * would classify it: the fold's common case (every streamed chunk), checked without allocating.
 */
export function isSessionUpdate(raw: unknown): raw is SessionEvent & { payload: { params?: unknown } } {
  if (!isRecord(raw) || (raw.sender !== "agent" && raw.sender !== "client") || eventIndexOf(raw) === undefined) return false;
  const payload = raw.payload;
  if (!isRecord(payload) || payload.method !== "session/update") return false;
  const id = payload.id;
  return typeof id !== "string" && typeof id !== "number";
}

export function readEvent(raw: unknown): ReadEvent {
  if (!isRecord(raw)) return { ok: false, reason: `event is ${describe(raw)}, not an object` };
  const index = eventIndexOf(raw);
  if (index === undefined) return { ok: false, reason: `eventIndex is ${describe(raw.eventIndex)}, not a non-negative integer` };
  const sender = raw.sender;
  if (sender !== "client" && sender !== "agent") {
    return { ok: false, reason: `sender is ${describe(sender)}, not "client" or "agent"` };
  }
  return { ok: true, event: raw as unknown as SessionEvent, index, sender, message: readMessage(raw.payload) };
}

export function readMessage(payload: unknown): Message {
  if (!isRecord(payload)) return { kind: "malformed", reason: `payload is ${describe(payload)}, not a JSON-RPC message` };
  const { id, method } = payload;
  const hasId = typeof id === "string" || typeof id === "number";
  if (typeof method === "string") {
    return hasId ? { kind: "request", id, method, params: payload.params } : { kind: "notification", method, params: payload.params };
  }
  if (method !== undefined) return { kind: "malformed", reason: `method is ${describe(method)}, not a string` };
  if ("error" in payload && payload.error !== undefined) {
    const error = payload.error;
    const message = isRecord(error) && typeof error.message === "string" ? error.message : "error without a message";
    const code = isRecord(error) && (typeof error.code === "number" || typeof error.code === "string") ? error.code : undefined;
    const data = isRecord(error) ? error.data : error;
    return { kind: "error", id: hasId ? id : null, error: { code, message, data } };
  }
  if (hasId && "result" in payload) return { kind: "result", id, result: payload.result };
  return { kind: "malformed", reason: "JSON-RPC message with neither method, result nor error" };
}

/** A short, safe description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "undefined":
      return "missing";
    case "string":
      return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
    case "number":
    case "boolean":
      return String(value);
    default:
      return `a ${typeof value}`;
  }
}

export function asString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

export function asNumber(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) ? value : undefined;
}

export function asArray<T = unknown>(value: unknown): T[] | undefined {
  return Array.isArray(value) ? (value as T[]) : undefined;
}
