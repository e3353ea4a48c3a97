/**
 * Writes to the actor's SQLite: the gate that counts them, and the queue that writes events behind
 * the stream, in batches, once it pauses (see README § Persistence).
 */
import type { SessionEvent } from "sandbox-agent";
import type { Sql } from "./schema.js";

/** SQLite's bound-parameter limit is 32,766; stay well under it. */
const ROWS_PER_STATEMENT = 200;
/** Old events are deleted in one statement every this many writes, not on every write. */
const TRIM_EVERY = 500;
/** A write waits until no event has come for this long (a pause in the stream)... */
const QUIET_MS = 100;
/** ...but no event waits longer than this to be written. */
const WRITE_WITHIN_MS = 500;

/**
 * Counts the writes that go through `sql`. RivetKit loses messages broadcast while the actor's
 * SQLite is being written (README § Persistence), so every write of the workspace goes through one
 * gate, and nothing is broadcast while `writing`.
 */
export class WriteGate {
  /** The database, with every statement but a SELECT counted as a write. */
  readonly sql: Sql;
  #writing = 0;
  #waiters: Array<{ ready: () => boolean; resolve: () => void }> = [];

  constructor(sql: Sql) {
    this.sql = {
      execute: async (statement, ...args) => {
        if (/^\s*SELECT/i.test(statement)) return sql.execute(statement, ...args);
        this.#writing++;
        try {
          return await sql.execute(statement, ...args);
        } finally {
          this.#writing--;
          this.wake();
        }
      },
    };
  }

  get writing(): boolean {
    return this.#writing > 0;
  }

  whenNotWriting(): Promise<void> {
    return this.when(() => this.#writing === 0);
  }

  /** Resolves once `ready()`, checked again after each write and each `wake()`. */
  when(ready: () => boolean): Promise<void> {
    if (ready()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ ready, resolve }));
  }

  wake(): void {
    if (!this.#waiters.length) return;
    const waiting = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiting) {
      if (waiter.ready()) waiter.resolve();
      else this.#waiters.push(waiter);
    }
  }
}

export interface WriteQueueOptions {
  /** Events kept per session; older ones are deleted as new ones are written. */
  maxEventsPerSession: number;
  /** The highest index assigned in each session, for trimming. */
  highest: () => Iterable<[sessionId: string, max: number]>;
  /** Called when a write fails; the events stay queued and are retried with the next batch. */
  onError?: (error: unknown) => void;
  /** An event's JSON, as stored (default: `JSON.stringify`). */
  json?: (event: SessionEvent) => string;
}

/** Events waiting to be written: streamed chunks wait for a pause, anything else goes at once. */
export class WriteQueue {
  #sql: Sql;
  #options: WriteQueueOptions;
  #queue: SessionEvent[] = [];
  #draining?: Promise<void>;
  #failures = 0;
  #sinceTrim = 0;
  #closed = false;
  /** When the last event was queued, and when the oldest one still queued was. */
  #lastInsertAt = 0;
  #oldestAt = 0;
  /** How many `flush` calls wait: writes then go at once. */
  #urgent = 0;
  /** Queued events that are not streamed chunks: while there are any, writes go at once. */
  #structural = 0;
  #hurry?: () => void;

  constructor(sql: Sql, options: WriteQueueOptions) {
    this.#sql = sql;
    this.#options = options;
  }

  push(event: SessionEvent): void {
    this.#lastInsertAt = performance.now();
    if (this.#queue.length === 0) this.#oldestAt = this.#lastInsertAt;
    this.#queue.push(event);
    if (!isStreamedChunk(event)) {
      this.#structural++;
      this.#hurry?.();
    }
    this.#startDrain();
  }

  /** The session's queued events with `after < eventIndex <= through`, oldest first. */
  unwritten(sessionId: string, after: number, through = Infinity): SessionEvent[] {
    return this.#queue.filter((event) => event.sessionId === sessionId && event.eventIndex > after && event.eventIndex <= through);
  }

  /** Resolves when every event queued so far is written. */
  async flush(): Promise<void> {
    this.#urgent++;
    this.#hurry?.();
    try {
      while (this.#draining) await this.#draining;
      if (this.#queue.length) await this.#startDrain();
    } finally {
      this.#urgent--;
    }
  }

  /** From now on nothing waits for a pause: the actor's database is going away. */
  close(): void {
    this.#closed = true;
  }

  /** Starts the drain loop unless it runs; it starts itself again if events came as it ended. */
  #startDrain(): Promise<void> {
    this.#draining ??= this.#drain().then(
      (done) => {
        this.#draining = undefined;
        if (done && this.#queue.length) void this.#startDrain();
      },
      (error: unknown) => {
        this.#draining = undefined;
        this.#options.onError?.(error);
      },
    );
    return this.#draining;
  }

  /** Writes until the queue is empty (true), or gives up after three failures in a row (false). */
  async #drain(): Promise<boolean> {
    while (this.#queue.length) {
      await this.#pause();
      const startedAt = performance.now();
      const batch = this.#queue.slice(0, ROWS_PER_STATEMENT);
      try {
        await this.#write(batch);
        this.#failures = 0;
      } catch (error) {
        this.#options.onError?.(error);
        // Back off and leave the batch queued: nothing is dropped.
        if (++this.#failures >= 3) {
          // The next event starts a drain that tries again from the first backoff.
          this.#failures = 0;
          return false;
        }
        await new Promise((resolve) => setTimeout(resolve, 100 * this.#failures));
        continue;
      }
      this.#queue.splice(0, batch.length);
      this.#structural -= batch.filter((event) => !isStreamedChunk(event)).length;
      // What is left came in during this write at the earliest.
      if (batch.length < ROWS_PER_STATEMENT) this.#oldestAt = startedAt;
      // Broadcasts that waited for this write go out before the next one starts.
      if (this.#queue.length) await new Promise((resolve) => setImmediate(resolve));
    }
    return true;
  }

  /** Waits for a pause in the stream, or until the oldest queued event is due (see `QUIET_MS`). */
  async #pause(): Promise<void> {
    for (;;) {
      if (this.#urgent > 0 || this.#closed || this.#structural > 0) return;
      const now = performance.now();
      const wait = Math.min(this.#lastInsertAt + QUIET_MS - now, this.#oldestAt + WRITE_WITHIN_MS - now);
      if (wait <= 0) return;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, wait);
        this.#hurry = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#hurry = undefined;
    }
  }

  async #write(batch: SessionEvent[]): Promise<void> {
    const values = batch.map(() => "(?, ?, ?)").join(", ");
    const json = this.#options.json ?? JSON.stringify;
    const args = batch.flatMap((event) => [event.sessionId, event.eventIndex, json(event)]);
    await this.#sql.execute(`INSERT OR IGNORE INTO events (session_id, event_index, json) VALUES ${values}`, ...args);
    this.#sinceTrim += batch.length;
    if (this.#sinceTrim < TRIM_EVERY) return;
    this.#sinceTrim = 0;
    const keep = this.#options.maxEventsPerSession;
    for (const [sessionId, max] of this.#options.highest()) {
      if (max > keep) await this.#sql.execute(`DELETE FROM events WHERE session_id = ? AND event_index <= ?`, sessionId, max - keep);
    }
  }
}

/** An agent's or user's message chunk: the bulk of a stream, and what may wait to be written. */
function isStreamedChunk(event: SessionEvent): boolean {
  const payload = event.payload as { method?: unknown; params?: { update?: { sessionUpdate?: unknown } } } | null;
  const kind = payload?.method === "session/update" ? payload.params?.update?.sessionUpdate : undefined;
  return typeof kind === "string" && kind.endsWith("_chunk");
}
