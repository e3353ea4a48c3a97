/**
 * Session records and events, persisted in the workspace actor's own SQLite.
 *
 * The SDK persists each event, in order, before it hands the event to listeners: a slow insert
 * delays every broadcast. An autocommit SQLite insert costs tens of milliseconds here, so inserts
 * are written behind: `insertEvent` returns at once, and a drain loop writes whatever accumulated
 * while the previous batch was being written, in one statement. Reads see the unwritten tail, and
 * `flush()` (called before the actor sleeps) waits for it. What clients are told waits for the write
 * (`isWritten`, `whenWritten`, `storedOnly` reads): a crash must not take back an event they hold.
 */
import type { ListEventsRequest, ListPage, ListPageRequest, SessionEvent, SessionPersistDriver, SessionRecord } from "sandbox-agent";

/** The slice of the actor's database this driver needs. Rows come back as objects keyed by column. */
export interface Sql {
  execute(sql: string, ...args: unknown[]): Promise<Array<Record<string, unknown>>>;
}

export const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, record TEXT NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS events (session_id TEXT NOT NULL, event_index INTEGER NOT NULL, json TEXT NOT NULL, PRIMARY KEY (session_id, event_index)) WITHOUT ROWID`,
  `CREATE TABLE IF NOT EXISTS permissions (permission_id TEXT PRIMARY KEY, tool_call_id TEXT, json TEXT NOT NULL)`,
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

export class WorkspacePersistDriver implements SessionPersistDriver {
  #sql: Sql;
  #options: PersistOptions;
  #queue: SessionEvent[] = [];
  #draining?: Promise<void>;
  #maxIndex = new Map<string, number>();
  #failures = 0;
  #sinceTrim = 0;
  #records = new Map<string, SessionRecord | undefined>();
  #closed = false;
  #waiters: Array<{ sessionId: string; eventIndex: number; resolve: () => void }> = [];

  constructor(sql: Sql, options: PersistOptions) {
    this.#sql = sql;
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
    const page = await this.readEvents(request.sessionId, Number(request.cursor ?? 0) || 0, clampLimit(request.limit));
    return { items: page.events, nextCursor: page.more ? String(page.events.at(-1)!.eventIndex) : undefined };
  }

  /**
   * Events with `eventIndex > after`, oldest first, at most `limit`, including those not yet written
   * unless `storedOnly` (what a client reads: only what a crash cannot take back).
   */
  async readEvents(sessionId: string, after: number, limit: number, storedOnly = false): Promise<{ events: SessionEvent[]; more: boolean }> {
    // Snapshot the queue first: a batch that commits during the SELECT is then in one or the other.
    const queued = storedOnly ? [] : this.#queue.filter((event) => event.sessionId === sessionId && event.eventIndex > after);
    const rows = await this.#sql.execute(
      `SELECT json FROM events WHERE session_id = ? AND event_index > ? ORDER BY event_index LIMIT ?`,
      sessionId,
      after,
      limit + 1,
    );
    const events = rows.map((row) => JSON.parse(String(row.json)) as SessionEvent);
    const newest = events.at(-1)?.eventIndex ?? after;
    for (const event of queued) {
      if (events.length > limit) break;
      if (event.eventIndex > newest) events.push(event);
    }
    return { events: events.slice(0, limit), more: events.length > limit };
  }

  async insertEvent(sessionId: string, event: SessionEvent): Promise<void> {
    if (this.#closed) throw new Error("The workspace is shutting down; event not stored.");
    const max = await this.maxEventIndex(sessionId);
    if (event.eventIndex <= max) {
      // The SDK retries with a fresh index when it sees SQLite's own wording.
      throw new Error(`UNIQUE constraint failed: events.session_id, events.event_index (${event.eventIndex})`);
    }
    this.#maxIndex.set(sessionId, event.eventIndex);
    this.#queue.push(event);
    this.#draining ??= this.#drain().finally(() => (this.#draining = undefined));
  }

  /** The highest eventIndex stored or queued for a session, 0 when none. */
  async maxEventIndex(sessionId: string): Promise<number> {
    const known = this.#maxIndex.get(sessionId);
    if (known !== undefined) return known;
    const [row] = await this.#sql.execute(`SELECT MAX(event_index) AS max FROM events WHERE session_id = ?`, sessionId);
    const max = Math.max(Number(row?.max ?? 0) || 0, this.#maxIndex.get(sessionId) ?? 0);
    this.#maxIndex.set(sessionId, max);
    return max;
  }

  /** Whether every event of `sessionId` up to `eventIndex` that was inserted is written (not just queued). */
  isWritten(sessionId: string, eventIndex: number): boolean {
    // The queue is in insertion order, and a session's indices only go up: its first queued event decides.
    const first = this.#queue.find((event) => event.sessionId === sessionId);
    return first === undefined || first.eventIndex > eventIndex;
  }

  /** Resolves once `isWritten(sessionId, eventIndex)`. */
  whenWritten(sessionId: string, eventIndex: number): Promise<void> {
    if (this.isWritten(sessionId, eventIndex)) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ sessionId, eventIndex, resolve }));
  }

  /** Resolves when every event inserted so far is written. */
  async flush(): Promise<void> {
    while (this.#draining) await this.#draining;
    if (this.#queue.length) {
      this.#draining = this.#drain().finally(() => (this.#draining = undefined));
      await this.#draining;
    }
  }

  /** Writes what is queued, then refuses further writes (the actor's database is going away). */
  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
  }

  get pending(): number {
    return this.#queue.length;
  }

  async #drain(): Promise<void> {
    while (this.#queue.length) {
      const batch = this.#queue.slice(0, ROWS_PER_STATEMENT);
      try {
        await this.#write(batch);
        this.#failures = 0;
      } catch (error) {
        this.#options.onError?.(error);
        // Back off and leave the batch queued: nothing is dropped.
        if (++this.#failures >= 3) return;
        await new Promise((resolve) => setTimeout(resolve, 100 * this.#failures));
        continue;
      }
      this.#queue.splice(0, batch.length);
      this.#wake();
    }
  }

  #wake(): void {
    if (!this.#waiters.length) return;
    const waiting = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiting) {
      if (this.isWritten(waiter.sessionId, waiter.eventIndex)) waiter.resolve();
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
    for (const [sessionId, max] of this.#maxIndex) {
      if (max > keep) await this.#sql.execute(`DELETE FROM events WHERE session_id = ? AND event_index <= ?`, sessionId, max - keep);
    }
  }
}

function clampLimit(limit: number | undefined): number {
  return Math.max(1, Math.min(Number(limit ?? PAGE_LIMIT) || PAGE_LIMIT, PAGE_LIMIT));
}
