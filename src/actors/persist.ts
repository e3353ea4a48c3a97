/**
 * Session records and events, persisted in the workspace actor's own SQLite.
 *
 * The SDK persists each event, in order, before it hands the event to listeners: a slow insert
 * delays every broadcast. An autocommit SQLite insert costs milliseconds to tens of milliseconds
 * here, so inserts are written behind: `insertEvent` returns at once, and a drain loop writes
 * whatever accumulated, in batched statements. Reads see the unwritten tail, and `flush()` (called
 * before the actor sleeps) waits for it.
 *
 * Nothing is broadcast while a write runs (see `writing`), and a write is slow here: about 43 ms
 * when the agent streams at 100 chunks/s, 100 to 260 ms under a firehose (measured; the actor's
 * SQLite goes through RivetKit's native runtime and its socket to the engine). Written as soon as
 * they came, events spent most of a stream waiting behind writes. So streamed chunks wait for a
 * pause in the stream, or until the oldest queued event is `WRITE_WITHIN_MS` old: a burst reaches
 * clients first and is stored right after. Anything else (a prompt, a tool call, a permission
 * request, a turn's end) is written at once, with whatever waited before it. A crash can take back
 * about that much more of a streamed answer; what is written at once is as safe as before.
 *
 * Clients hear of an event before it is written, so a crash can take back events they hold. What it
 * can never do is hand their eventIndex to another event: indices are promised durably, a block at a
 * time, before any of them reaches a client (`isPromised`). After a crash, the indices promised but
 * not stored are recorded as a lost range, which clients read with the history to drop what they
 * held there, and new events are numbered after it.
 */
import type { LostRange } from "../protocol/index.js";
import type { ListEventsRequest, ListPage, ListPageRequest, SessionEvent, SessionPersistDriver, SessionRecord } from "sandbox-agent";

/** The slice of the actor's database this driver needs. Rows come back as objects keyed by column. */
export interface Sql {
  execute(sql: string, ...args: unknown[]): Promise<Array<Record<string, unknown>>>;
}

export const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, record TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS events (session_id TEXT NOT NULL, event_index INTEGER NOT NULL, json TEXT NOT NULL, PRIMARY KEY (session_id, event_index)) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS permissions (permission_id TEXT PRIMARY KEY, tool_call_id TEXT, json TEXT NOT NULL)`,
  /** The highest eventIndex that clients may have been told of, per session. */
  `CREATE TABLE IF NOT EXISTS promised (session_id TEXT PRIMARY KEY, through INTEGER NOT NULL)`,
  /** Indices promised but never stored: the host stopped without writing them. */
  `CREATE TABLE IF NOT EXISTS lost (session_id TEXT NOT NULL, after INTEGER NOT NULL, through INTEGER NOT NULL, at INTEGER NOT NULL, PRIMARY KEY (session_id, after))`,
];

export interface PersistOptions {
  /** Events kept per session; older ones are deleted as new ones are written. */
  maxEventsPerSession: number;
  /** Called when a write fails; the events stay queued and are retried with the next batch. */
  onError?: (error: unknown) => void;
}

/** SQLite's bound-parameter limit is 32,766; stay well under it. */
const ROWS_PER_STATEMENT = 200;
const PAGE_LIMIT = 500;
/** Old events are deleted in one statement every this many writes, not on every write. */
const TRIM_EVERY = 500;
/**
 * Indices promised per write; the next block is promised when half of this one is left. Each
 * promise is a write, and holds broadcasts back while it runs: one per 10,000 events.
 */
const PROMISE_BLOCK = 10_000;
/** A write waits until no event has come for this long (a pause in the stream)... */
const QUIET_MS = 100;
/** ...but no event waits longer than this to be written. */
const WRITE_WITHIN_MS = 500;
const RETRY_MS = 250;

/** What the driver knows of one session's indices. */
interface Ledger {
  /** The highest index assigned to an event or lost in a crash: the next event gets one more. */
  max: number;
  /** Durably promised through here: events up to it may be sent to clients. */
  promised: number;
  lost: LostRange[];
  promising?: Promise<void>;
}

export class WorkspacePersistDriver implements SessionPersistDriver {
  #sql: Sql;
  #options: PersistOptions;
  #queue: SessionEvent[] = [];
  #draining?: Promise<void>;
  #ledgers = new Map<string, Ledger>();
  #opening = new Map<string, Promise<Ledger>>();
  #failures = 0;
  #sinceTrim = 0;
  #records = new Map<string, SessionRecord | undefined>();
  #closed = false;
  #waiters: Array<{ ready: () => boolean; resolve: () => void }> = [];
  #writing = 0;
  /** When the last event was queued, and when the oldest one still queued was. */
  #lastInsertAt = 0;
  #oldestAt = 0;
  /** How many `flush` calls wait: writes then go at once. */
  #urgent = 0;
  /** Queued events that are not streamed chunks: while there are any, writes go at once. */
  #structural = 0;
  #hurry?: () => void;

  constructor(sql: Sql, options: PersistOptions) {
    // Writes are counted: clients are told nothing while one runs (see `whenNotWriting`).
    this.#sql = {
      execute: async (statement, ...args) => {
        if (/^\s*SELECT/i.test(statement)) return sql.execute(statement, ...args);
        this.#writing++;
        try {
          return await sql.execute(statement, ...args);
        } finally {
          this.#writing--;
          this.#wake();
        }
      },
    };
    this.#options = options;
  }

  static async migrate(sql: Sql): Promise<void> {
    for (const statement of SCHEMA) await sql.execute(statement);
  }

  /** The SDK reads the record for every update it observes: serve it from memory after the first read. */
  async getSession(id: string): Promise<SessionRecord | undefined> {
    if (!this.#records.has(id)) {
      const [row] = await this.#sql.execute(`SELECT record FROM sessions WHERE id = ?`, id);
      this.#records.set(id, row ? (JSON.parse(String(row.record)) as SessionRecord) : undefined);
    }
    const record = this.#records.get(id);
    // The SDK spreads the record into a new one to update it; a shallow copy is enough.
    return record ? { ...record } : undefined;
  }

  async listSessions(request: ListPageRequest = {}): Promise<ListPage<SessionRecord>> {
    const offset = Number(request.cursor ?? 0) || 0;
    const limit = clampLimit(request.limit);
    const rows = await this.#sql.execute(`SELECT record FROM sessions ORDER BY created_at, id LIMIT ? OFFSET ?`, limit + 1, offset);
    const items = rows.slice(0, limit).map((row) => JSON.parse(String(row.record)) as SessionRecord);
    return { items, nextCursor: rows.length > limit ? String(offset + limit) : undefined };
  }

  async updateSession(session: SessionRecord): Promise<void> {
    this.#records.set(session.id, structuredClone(session));
    await this.#sql.execute(
      `INSERT INTO sessions (id, created_at, record) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET record = excluded.record`,
      session.id,
      session.createdAt,
      JSON.stringify(session),
    );
  }

  /** Events after the cursor (an eventIndex), oldest first. */
  async listEvents(request: ListEventsRequest): Promise<ListPage<SessionEvent>> {
    const page = await this.readEvents(request.sessionId, Number(request.cursor ?? 0) || 0, clampLimit(request.limit), true);
    return { items: page.events, nextCursor: page.more ? String(page.events.at(-1)!.eventIndex) : undefined };
  }

  /**
   * Events with `eventIndex > after`, oldest first, at most `limit`, including those not yet written
   * but promised (what a client may already hold), unless `all` also wants the rest of the queue.
   */
  async readEvents(sessionId: string, after: number, limit: number, all = false): Promise<{ events: SessionEvent[]; more: boolean }> {
    const { items, more } = await this.#read(sessionId, after, limit, all);
    return { events: items.map((item) => (typeof item.event === "string" ? (JSON.parse(item.event) as SessionEvent) : item.event)), more };
  }

  /**
   * The same page as `readEvents`, as one JSON array: stored events go out as the text they are
   * stored as, never parsed and encoded again. `last` is the newest index in it.
   */
  async readEventsJson(sessionId: string, after: number, limit: number): Promise<{ json: string; last: number; more: boolean }> {
    const { items, more } = await this.#read(sessionId, after, limit, false);
    const json = `[${items.map((item) => (typeof item.event === "string" ? item.event : JSON.stringify(item.event))).join(",")}]`;
    return { json, last: items.at(-1)?.index ?? after, more };
  }

  async #read(sessionId: string, after: number, limit: number, all: boolean): Promise<{ items: Array<{ index: number; event: string | SessionEvent }>; more: boolean }> {
    const ledger = await this.#ledger(sessionId);
    // Snapshot the queue first: a batch that commits during the SELECT is then in one or the other.
    const queued = this.#queue.filter((event) => event.sessionId === sessionId && event.eventIndex > after && (all || event.eventIndex <= ledger.promised));
    const rows = await this.#sql.execute(
      `SELECT event_index, json FROM events WHERE session_id = ? AND event_index > ? ORDER BY event_index LIMIT ?`,
      sessionId,
      after,
      limit + 1,
    );
    const items: Array<{ index: number; event: string | SessionEvent }> = rows.map((row) => ({ index: Number(row.event_index), event: String(row.json) }));
    const newest = items.at(-1)?.index ?? after;
    for (const event of queued) {
      if (items.length > limit) break;
      if (event.eventIndex > newest) items.push({ index: event.eventIndex, event });
    }
    return { items: items.slice(0, limit), more: items.length > limit };
  }

  /** Index ranges of a session that clients may have been shown but that a crash kept from storage. */
  async lostRanges(sessionId: string): Promise<LostRange[]> {
    return (await this.#ledger(sessionId)).lost.slice();
  }

  /**
   * Queues an event for writing. Its eventIndex is moved past any index already assigned or lost:
   * after a crash the SDK numbers on from the stored events, not from what clients were shown.
   * (The SDK hands listeners the object it inserted, so they see the index it is stored under.)
   */
  async insertEvent(sessionId: string, event: SessionEvent): Promise<void> {
    if (this.#closed) throw new Error("The workspace is shutting down; event not stored.");
    const ledger = await this.#ledger(sessionId);
    if (event.eventIndex <= ledger.max) event.eventIndex = ledger.max + 1;
    ledger.max = event.eventIndex;
    // Promised here, before anyone asks: a promise is a write, and none may start as the pump sends.
    this.#promiseAhead(sessionId, ledger);
    this.#lastInsertAt = performance.now();
    if (this.#queue.length === 0) this.#oldestAt = this.#lastInsertAt;
    this.#queue.push(event);
    if (!isStreamedChunk(event)) {
      this.#structural++;
      this.#hurry?.();
    }
    this.#startDrain();
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

  /** The highest eventIndex assigned (stored, queued or lost) for a session, 0 when none. */
  async maxEventIndex(sessionId: string): Promise<number> {
    return (await this.#ledger(sessionId)).max;
  }

  /**
   * Whether clients may be told of the event at `eventIndex`: its index is durably promised, so no
   * crash can give it to another event. (`insertEvent` promises the next block ahead of need.)
   */
  isPromised(sessionId: string, eventIndex: number): boolean {
    const ledger = this.#ledgers.get(sessionId);
    return ledger !== undefined && eventIndex <= ledger.promised;
  }

  /** Resolves once `isPromised(sessionId, eventIndex)`. */
  whenPromised(sessionId: string, eventIndex: number): Promise<void> {
    return this.#when(() => this.isPromised(sessionId, eventIndex));
  }

  /** Runs a write of the actor's own (not an event's) through the driver, so it counts as one. */
  execute(statement: string, ...args: unknown[]): Promise<Array<Record<string, unknown>>> {
    return this.#sql.execute(statement, ...args);
  }

  /**
   * Whether a write to the actor's SQLite is under way. RivetKit loses messages when a broadcast is
   * sent while the actor's SQLite is being written: some connections then stop receiving anything,
   * action answers included (seen with 25 clients; never with broadcasts kept apart from writes).
   */
  get writing(): boolean {
    return this.#writing > 0;
  }

  /** Resolves when no write is under way. */
  whenNotWriting(): Promise<void> {
    return this.#when(() => this.#writing === 0);
  }

  #when(ready: () => boolean): Promise<void> {
    if (ready()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ ready, resolve }));
  }

  /** The session's ledger, read once. A promise larger than what is stored means the host died: record the lost range. */
  #ledger(sessionId: string): Promise<Ledger> {
    const known = this.#ledgers.get(sessionId);
    if (known) return Promise.resolve(known);
    let opening = this.#opening.get(sessionId);
    if (!opening) {
      opening = this.#open(sessionId).finally(() => this.#opening.delete(sessionId));
      this.#opening.set(sessionId, opening);
    }
    return opening;
  }

  async #open(sessionId: string): Promise<Ledger> {
    const [stored] = await this.#sql.execute(`SELECT MAX(event_index) AS max FROM events WHERE session_id = ?`, sessionId);
    const [promise] = await this.#sql.execute(`SELECT through FROM promised WHERE session_id = ?`, sessionId);
    const rows = await this.#sql.execute(`SELECT after, through, at FROM lost WHERE session_id = ? ORDER BY after`, sessionId);
    const max = Number(stored?.max ?? 0) || 0;
    const promised = Math.max(max, Number(promise?.through ?? 0) || 0);
    const lost = rows.map((row) => ({ after: Number(row.after), through: Number(row.through), at: Number(row.at) }));
    if (promised > max) {
      const range = { after: max, through: promised, at: Date.now() };
      // A second crash before anything was stored widens the range it left.
      await this.#sql.execute(
        `INSERT INTO lost (session_id, after, through, at) VALUES (?, ?, ?, ?) ON CONFLICT (session_id, after) DO UPDATE SET through = MAX(through, excluded.through), at = excluded.at`,
        sessionId,
        range.after,
        range.through,
        range.at,
      );
      const same = lost.find((known) => known.after === range.after);
      if (same) Object.assign(same, { through: Math.max(same.through, range.through), at: range.at });
      else lost.push(range);
    }
    const ledger: Ledger = { max: promised, promised, lost };
    this.#ledgers.set(sessionId, ledger);
    return ledger;
  }

  /** Promises the next block once half of this one is used. */
  #promiseAhead(sessionId: string, ledger: Ledger): void {
    if (ledger.max + PROMISE_BLOCK / 2 > ledger.promised) void this.#promise(sessionId, ledger);
  }

  /** Promises the next block of indices (one small write), then wakes whoever waits for one. */
  #promise(sessionId: string, ledger: Ledger): Promise<void> {
    if (ledger.promising || this.#closed) return ledger.promising ?? Promise.resolve();
    const through = Math.max(ledger.max, ledger.promised) + PROMISE_BLOCK;
    ledger.promising = this.#setPromised(sessionId, through)
      .then(
        () => {
          ledger.promised = Math.max(ledger.promised, through);
        },
        (error: unknown) => {
          this.#options.onError?.(error);
          // Whoever waits keeps waiting; try again shortly.
          setTimeout(() => this.#promiseAhead(sessionId, ledger), RETRY_MS);
        },
      )
      .finally(() => {
        ledger.promising = undefined;
        this.#wake();
      });
    return ledger.promising;
  }

  #setPromised(sessionId: string, through: number): Promise<unknown> {
    return this.#sql.execute(
      `INSERT INTO promised (session_id, through) VALUES (?, ?) ON CONFLICT (session_id) DO UPDATE SET through = excluded.through`,
      sessionId,
      through,
    );
  }

  /** Resolves when every event inserted so far is written. */
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

  /**
   * Writes what is queued, then refuses further writes (the actor's database is going away). Every
   * index promised is then stored or unused: the unused ones are handed back, so a clean stop
   * leaves no lost range.
   */
  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
    for (const [sessionId, ledger] of this.#ledgers) {
      await ledger.promising;
      if (ledger.promised <= ledger.max) continue;
      try {
        await this.#setPromised(sessionId, ledger.max);
        ledger.promised = ledger.max;
      } catch (error) {
        // The next start then counts the unused indices as lost: harmless, nothing was there.
        this.#options.onError?.(error);
      }
    }
  }

  get pending(): number {
    return this.#queue.length;
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

  #wake(): void {
    if (!this.#waiters.length) return;
    const waiting = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiting) {
      if (waiter.ready()) waiter.resolve();
      else this.#waiters.push(waiter);
    }
  }

  async #write(batch: SessionEvent[]): Promise<void> {
    const values = batch.map(() => "(?, ?, ?)").join(", ");
    const args = batch.flatMap((event) => [event.sessionId, event.eventIndex, JSON.stringify(event)]);
    await this.#sql.execute(`INSERT OR IGNORE INTO events (session_id, event_index, json) VALUES ${values}`, ...args);
    this.#sinceTrim += batch.length;
    if (this.#sinceTrim < TRIM_EVERY) return;
    this.#sinceTrim = 0;
    const keep = this.#options.maxEventsPerSession;
    for (const [sessionId, { max }] of this.#ledgers) {
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

function clampLimit(limit: number | undefined): number {
  return Math.max(1, Math.min(Number(limit ?? PAGE_LIMIT) || PAGE_LIMIT, PAGE_LIMIT));
}
