/**
 * Parsed events repeat the same short strings: the session's ids, the sender, the JSON-RPC
 * version and method, the kind of update, its content's type, a tool call's id, kind and status.
 * Each parse makes its own copy of each, about 150 bytes an event, and a long session holds
 * 100,000 events. A pool keeps one copy and puts it in every event that holds an equal one. The
 * values stay the same strings (nothing that reads the event can tell), and the copies are
 * collected.
 */
import { isRecord } from "./parse.js";
import type { RawEvent } from "./types.js";

/** Longer strings are content, not names: left alone. */
const MAX_LENGTH = 128;
/** Distinct strings kept, at most (a session has a few dozen, and one id per tool call). */
const MAX_POOLED = 50_000;

const EVENT = ["sessionId", "connectionId", "sender"];
const PAYLOAD = ["jsonrpc", "method"];
const PARAMS = ["sessionId"];
const UPDATE = ["sessionUpdate", "toolCallId", "kind", "status"];
const CONTENT = ["type"];

export class SharedStrings {
  #pool = new Map<string, string>();
  /** The string each field held last: consecutive events mostly repeat it, and comparing is cheaper than a lookup. */
  #last = { event: EVENT.map(() => ""), payload: PAYLOAD.map(() => ""), params: PARAMS.map(() => ""), update: UPDATE.map(() => ""), content: CONTENT.map(() => "") };

  /**
   * Puts the pooled copy of each known field's string in `events`, in place. An event that
   * cannot be written (frozen) is left as it is.
   */
  share(events: Iterable<RawEvent>): void {
    for (const event of events) {
      if (!isRecord(event)) continue;
      try {
        this.#fields(event, EVENT, this.#last.event);
        const payload = event.payload;
        if (!isRecord(payload)) continue;
        this.#fields(payload, PAYLOAD, this.#last.payload);
        const params = payload.params;
        if (!isRecord(params)) continue;
        this.#fields(params, PARAMS, this.#last.params);
        const update = params.update;
        if (!isRecord(update)) continue;
        this.#fields(update, UPDATE, this.#last.update);
        const content = update.content;
        if (isRecord(content)) this.#fields(content, CONTENT, this.#last.content);
      } catch {
        // Frozen, or a field that cannot be set: this event keeps its own copies.
      }
    }
  }

  #fields(object: Record<string, unknown>, keys: readonly string[], last: string[]): void {
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i];
      const value = object[key];
      if (typeof value !== "string") continue;
      if (value === last[i]) {
        object[key] = last[i];
        continue;
      }
      if (value.length > MAX_LENGTH) continue;
      let pooled = this.#pool.get(value);
      if (pooled !== undefined) object[key] = pooled;
      else if (this.#pool.size < MAX_POOLED) this.#pool.set(value, (pooled = value));
      if (pooled !== undefined) last[i] = pooled;
    }
  }
}
