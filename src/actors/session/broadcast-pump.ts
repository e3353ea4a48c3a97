/**
 * The session's broadcasts, in order, a slice per macrotask: the SDK hands events over in one long
 * promise chain, and broadcasting inside it (a fraction of a millisecond each) starves the socket
 * the SDK reads the daemon's stream from; under a firehose the daemon then drops the stream.
 */
import type { SessionEvent } from "sandbox-agent";
import type { WorkspaceBroadcasts } from "../../protocol/index.js";
import type { WorkspacePersistDriver } from "../storage/persist-driver.js";

/** Longest stretch spent broadcasting before the event loop gets a turn. */
const PUMP_SLICE_MS = 8;
/** Most events in one `session.events` broadcast. */
const MAX_BATCH = 200;
/**
 * Most event JSON in one broadcast, in characters (at most 3 UTF-8 bytes each): RivetKit refuses
 * messages over 1 MiB, and 200 large events (file contents, long output) would outgrow that. An
 * event larger than this goes alone.
 */
const MAX_BATCH_CHARS = 256 * 1024;
/**
 * An event whose JSON is larger than this (UTF-8 bytes) is not broadcast: RivetKit closes a link
 * it is sent a message over its 1 MiB limit to, every reader's at once. Readers read such an event
 * from the history instead (deflated, a page carries it), as they read any event they missed.
 */
export const MAX_EVENT_BYTES = 1024 * 1024 - 64 * 1024;
/**
 * Event broadcasts are at least this far apart per connection they go to, at most `MAX_GAP_MS`;
 * events that come between go out together, and a full batch goes at once. A message costs
 * RivetKit far more than its bytes (measured: README § Broadcasts).
 */
const GAP_PER_CONNECTION_MS = 1;
const MAX_GAP_MS = 100;

type Emit = <K extends keyof WorkspaceBroadcasts>(name: K, payload: WorkspaceBroadcasts[K]) => void;

export interface BroadcastPumpOptions {
  /** The storage whose writes and index promises hold broadcasts back. */
  persist: Pick<WorkspacePersistDriver, "writing" | "whenNotWriting" | "isPromised" | "whenPromised" | "jsonOf">;
  emit: Emit;
  /** How many connections a broadcast goes to (paces event broadcasts). */
  audience?: () => number;
}

export class BroadcastPump {
  #options: BroadcastPumpOptions;
  #outbox: Array<[keyof WorkspaceBroadcasts, unknown, (() => void)?]> = [];
  /** How many of the outbox's broadcasts have left. */
  #sent = 0;
  #pumping = false;
  /** When the last event broadcast left. */
  #eventsSentAt = -Infinity;

  constructor(options: BroadcastPumpOptions) {
    this.#options = options;
  }

  /** Queues a broadcast behind the ones before it; `sent` runs once it has left. */
  send<K extends keyof WorkspaceBroadcasts>(name: K, payload: WorkspaceBroadcasts[K], sent?: () => void): void {
    this.#outbox.push([name, payload, sent]);
    if (this.#pumping) return;
    this.#pumping = true;
    setImmediate(() => this.#pump());
  }

  #pump(): void {
    const deadline = performance.now() + PUMP_SLICE_MS;
    const persist = this.#options.persist;
    const promised = (event: SessionEvent) => persist.isPromised(event.sessionId, event.eventIndex);
    while (this.#sent < this.#outbox.length && performance.now() < deadline) {
      // Nothing goes out while the actor's SQLite is being written (see `WriteGate`).
      if (persist.writing) {
        void persist.whenNotWriting().then(() => this.#pump());
        return;
      }
      const [name, payload, sent] = this.#outbox[this.#sent];
      if (name !== "session.event") {
        this.#sent++;
        this.#options.emit(name, payload as never);
        sent?.();
        continue;
      }
      // An event goes out once its index is promised (not yet written: that would add the write to
      // every event's latency), in order with everything else: a crash then cannot give the index
      // a client holds to another event.
      const head = payload as SessionEvent;
      if (!promised(head)) {
        void persist.whenPromised(head.sessionId, head.eventIndex).then(() => this.#pump());
        return;
      }
      if (tooLargeToSend(persist.jsonOf(head))) {
        this.#sent++;
        sent?.();
        continue;
      }
      // Events waiting together go as one message, and a message that is not full waits for more, up to the gap.
      // Whether the outbox's `i`th broadcast is an event that may go now.
      const ready = (i: number) => this.#outbox[i]?.[0] === "session.event" && promised(this.#outbox[i][1] as SessionEvent);
      let end = this.#sent;
      let chars = 0;
      while (end - this.#sent < MAX_BATCH && ready(end)) {
        const size = persist.jsonOf(this.#outbox[end][1] as SessionEvent).length;
        // An event that would overfill the message goes in the next (one larger than a message goes
        // alone, or, too large for any message, not at all: see above).
        if (end > this.#sent && chars + size > MAX_BATCH_CHARS) break;
        chars += size;
        end++;
      }
      const full = end - this.#sent === MAX_BATCH || chars >= MAX_BATCH_CHARS || ready(end);
      const gap = Math.min(MAX_GAP_MS, GAP_PER_CONNECTION_MS * (this.#options.audience?.() ?? 1));
      const wait = this.#eventsSentAt + gap - performance.now();
      if (wait > 0 && !full) {
        // Whole milliseconds, rounded up: a timer given a fraction may fire that fraction early.
        setTimeout(() => this.#pump(), Math.ceil(wait));
        return;
      }
      const batch = this.#outbox.slice(this.#sent, end).map(([, event]) => event as SessionEvent);
      this.#sent = end;
      if (batch.length === 1) this.#options.emit("session.event", batch[0]);
      else this.#options.emit("session.events", batch);
      // The gap runs from when the message left.
      this.#eventsSentAt = performance.now();
    }
    if (this.#sent < this.#outbox.length) {
      setImmediate(() => this.#pump());
      return;
    }
    this.#outbox = [];
    this.#sent = 0;
    this.#pumping = false;
  }
}

/** Whether an event's JSON is over what one message may carry. */
function tooLargeToSend(json: string): boolean {
  // At most 3 UTF-8 bytes a character: only a long text is counted.
  return json.length * 3 > MAX_EVENT_BYTES && Buffer.byteLength(json) > MAX_EVENT_BYTES;
}
