/**
 * Session records and events, persisted in the workspace actor's own SQLite: the SDK's
 * `SessionPersistDriver`, and the page reads of the history. Events are written behind the stream
 * (`write-queue.ts`), and their indices are promised before clients hear of them
 * (`index-ledger.ts`); see README § Persistence.
 */
import type { ListEventsRequest, ListPage, ListPageRequest, SessionEvent, SessionPersistDriver, SessionRecord } from "sandbox-agent";
import type { LostRange } from "../../protocol/index.js";
import { IndexLedger } from "./index-ledger.js";
import type { Sql } from "./schema.js";
import { WriteGate, WriteQueue } from "./write-queue.js";

export interface PersistOptions {
  /** Events kept per session; older ones are deleted as new ones are written. */
  maxEventsPerSession: number;
  /** Called when a write fails; the events stay queued and are retried with the next batch. */
  onError?: (error: unknown) => void;
}

const PAGE_LIMIT = 500;
/**
 * A history page holds at most this much event JSON (UTF-8 bytes), and at least one event: a page
 * of 500 large events (tool output, file contents) would otherwise outgrow RivetKit's largest
 * outgoing message (1 MiB by default) and never arrive.
 */
export const PAGE_BYTES = 512 * 1024;

type PageItem = { index: number; event: string | SessionEvent };

export class WorkspacePersistDriver implements SessionPersistDriver, Sql {
  /** One gate for every write (events, promises, the actor's own): the pump reads one `writing`. */
  #gate: WriteGate;
  #ledger: IndexLedger;
  #queue: WriteQueue;
  #records = new Map<string, SessionRecord | undefined>();
  #closed = false;
  #json = new WeakMap<SessionEvent, string>();

  constructor(sql: Sql, options: PersistOptions) {
    this.#gate = new WriteGate(sql);
    this.#ledger = new IndexLedger(this.#gate, options.onError);
    this.#queue = new WriteQueue(this.#gate.sql, { maxEventsPerSession: options.maxEventsPerSession, highest: () => this.#ledger.highest(), onError: options.onError, json: this.jsonOf });
  }

  /**
   * An event's JSON, made once (after its index is assigned): what is stored, and what tells its
   * size where a message must stay under RivetKit's limit (broadcasts, history pages).
   */
  jsonOf = (event: SessionEvent): string => {
    let json = this.#json.get(event);
    if (json === undefined) {
      json = JSON.stringify(event);
      this.#json.set(event, json);
    }
    return json;
  };

  /** A page item's JSON: as stored, or, not written yet, as it will be. */
  #textOf = (item: PageItem): string => (typeof item.event === "string" ? item.event : this.jsonOf(item.event));

  /** The SDK reads the record for every update it observes: serve it from memory after the first read. */
  async getSession(id: string): Promise<SessionRecord | undefined> {
    if (!this.#records.has(id)) {
      const [row] = await this.#gate.sql.execute(`SELECT record FROM sessions WHERE id = ?`, id);
      this.#records.set(id, row ? (JSON.parse(String(row.record)) as SessionRecord) : undefined);
    }
    const record = this.#records.get(id);
    // The SDK spreads the record into a new one to update it; a shallow copy is enough.
    return record ? { ...record } : undefined;
  }

  async listSessions(request: ListPageRequest = {}): Promise<ListPage<SessionRecord>> {
    const offset = Number(request.cursor ?? 0) || 0;
    const limit = clampLimit(request.limit);
    const rows = await this.#gate.sql.execute(`SELECT record FROM sessions ORDER BY created_at, id LIMIT ? OFFSET ?`, limit + 1, offset);
    const items = rows.slice(0, limit).map((row) => JSON.parse(String(row.record)) as SessionRecord);
    return { items, nextCursor: rows.length > limit ? String(offset + limit) : undefined };
  }

  async updateSession(session: SessionRecord): Promise<void> {
    this.#records.set(session.id, structuredClone(session));
    await this.#gate.sql.execute(
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
   * Queues an event for writing, renumbered past any index already assigned or lost. (The SDK
   * hands listeners the object it inserted, so they see the index it is stored under.)
   */
  async insertEvent(sessionId: string, event: SessionEvent): Promise<void> {
    if (this.#closed) throw new Error("The workspace is shutting down; event not stored.");
    await this.#ledger.open(sessionId);
    this.#ledger.assign(sessionId, event);
    this.#queue.push(event);
  }

  /**
   * Events with `eventIndex > after`, oldest first, at most `limit` and `PAGE_BYTES` of JSON (at
   * least one), including those not yet written but promised (what a client may already hold),
   * unless `all` also wants the rest of the queue.
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
    const json = `[${items.map(this.#textOf).join(",")}]`;
    return { json, last: items.at(-1)?.index ?? after, more };
  }

  lostRanges(sessionId: string): Promise<LostRange[]> {
    return this.#ledger.lostRanges(sessionId);
  }

  maxEventIndex(sessionId: string): Promise<number> {
    return this.#ledger.maxEventIndex(sessionId);
  }

  isPromised(sessionId: string, eventIndex: number): boolean {
    return this.#ledger.isPromised(sessionId, eventIndex);
  }

  whenPromised(sessionId: string, eventIndex: number): Promise<void> {
    return this.#ledger.whenPromised(sessionId, eventIndex);
  }

  /** Whether a write to the actor's SQLite is under way: nothing may be broadcast then (see `WriteGate`). */
  get writing(): boolean {
    return this.#gate.writing;
  }

  whenNotWriting(): Promise<void> {
    return this.#gate.whenNotWriting();
  }

  /** Runs a statement of the actor's own (not an event's) through the gate, so a write counts as one. */
  execute(statement: string, ...args: unknown[]): Promise<Array<Record<string, unknown>>> {
    return this.#gate.sql.execute(statement, ...args);
  }

  /** Resolves when every event inserted so far is written. */
  flush(): Promise<void> {
    return this.#queue.flush();
  }

  /** Writes what is queued, then refuses further writes (the actor's database is going away). */
  async close(): Promise<void> {
    await this.flush();
    this.#closed = true;
    this.#queue.close();
    await this.#ledger.close();
  }

  async #read(sessionId: string, after: number, limit: number, all: boolean): Promise<{ items: PageItem[]; more: boolean }> {
    const { promised } = await this.#ledger.open(sessionId);
    // Snapshot the queue first: a batch that commits during the SELECT is then in one or the other.
    const queued = this.#queue.unwritten(sessionId, after, all ? Infinity : promised);
    const rows = await this.#gate.sql.execute(
      `SELECT event_index, json FROM events WHERE session_id = ? AND event_index > ? ORDER BY event_index LIMIT ?`,
      sessionId,
      after,
      limit + 1,
    );
    const items: PageItem[] = rows.map((row) => ({ index: Number(row.event_index), event: String(row.json) }));
    const newest = items.at(-1)?.index ?? after;
    for (const event of queued) {
      if (items.length > limit) break;
      if (event.eventIndex > newest) items.push({ index: event.eventIndex, event });
    }
    // Cut at PAGE_BYTES of JSON, keeping at least one event.
    let bytes = 0;
    let kept = 0;
    while (kept < Math.min(limit, items.length)) {
      const item = items[kept];
      bytes += Buffer.byteLength(this.#textOf(item)) + 1;
      if (kept > 0 && bytes > PAGE_BYTES) break;
      kept++;
    }
    return { items: items.slice(0, kept), more: items.length > kept };
  }
}

function clampLimit(limit: number | undefined): number {
  return Math.max(1, Math.min(Number(limit ?? PAGE_LIMIT) || PAGE_LIMIT, PAGE_LIMIT));
}
