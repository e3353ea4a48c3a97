/**
 * Which eventIndex each session's next event gets, and which indices clients may hear of: clients
 * hear of events before they are written, so indices are promised durably first, and a crash can
 * never give an index a client holds to another event (README § Persistence).
 */
import type { SessionEvent } from "sandbox-agent";
import type { LostRange } from "../../protocol/index.js";
import type { WriteGate } from "./write-queue.js";

/**
 * Indices promised per write; the next block is promised when half of this one is left. Each
 * promise is a write, and holds broadcasts back while it runs: one per 10,000 events.
 */
const PROMISE_BLOCK = 10_000;
const RETRY_MS = 250;

/** What is known of one session's indices. */
export interface SessionIndices {
  /** The highest index assigned to an event or lost in a crash: the next event gets one more. */
  max: number;
  /** Durably promised through here: events up to it may be sent to clients. */
  promised: number;
  lost: LostRange[];
  promising?: Promise<void>;
}

export class IndexLedger {
  #gate: WriteGate;
  #onError?: (error: unknown) => void;
  #sessions = new Map<string, SessionIndices>();
  #opening = new Map<string, Promise<SessionIndices>>();
  #closed = false;

  /** Reads and writes go through `gate`: a promise is a write, and counts as one. */
  constructor(gate: WriteGate, onError?: (error: unknown) => void) {
    this.#gate = gate;
    this.#onError = onError;
  }

  /**
   * Reads the session's indices once; later calls resolve at once. A promise larger than what is
   * stored means the host died: the difference is recorded as a lost range.
   */
  open(sessionId: string): Promise<Readonly<SessionIndices>> {
    const known = this.#sessions.get(sessionId);
    if (known) return Promise.resolve(known);
    let opening = this.#opening.get(sessionId);
    if (!opening) {
      opening = this.#read(sessionId).finally(() => this.#opening.delete(sessionId));
      this.#opening.set(sessionId, opening);
    }
    return opening;
  }

  /**
   * Moves the event of an opened session past any index already assigned or lost: after a crash the
   * SDK numbers on from the stored events, not from what clients were shown. Then promises the next
   * block if half of this one is used, before anyone asks: none may start as the pump sends.
   */
  assign(sessionId: string, event: SessionEvent): void {
    const session = this.#sessions.get(sessionId);
    if (!session) throw new Error(`Session ${sessionId} is not open.`);
    if (event.eventIndex <= session.max) event.eventIndex = session.max + 1;
    session.max = event.eventIndex;
    this.#promiseAhead(sessionId, session);
  }

  /** The highest eventIndex assigned (stored, queued or lost) for a session, 0 when none. */
  async maxEventIndex(sessionId: string): Promise<number> {
    return (await this.open(sessionId)).max;
  }

  /** Index ranges of a session that clients may have been shown but that a crash kept from storage. */
  async lostRanges(sessionId: string): Promise<LostRange[]> {
    return (await this.open(sessionId)).lost.slice();
  }

  /** Whether clients may be told of the event at `eventIndex`: no crash can give its index to another event. */
  isPromised(sessionId: string, eventIndex: number): boolean {
    const session = this.#sessions.get(sessionId);
    return session !== undefined && eventIndex <= session.promised;
  }

  whenPromised(sessionId: string, eventIndex: number): Promise<void> {
    return this.#gate.when(() => this.isPromised(sessionId, eventIndex));
  }

  /** The highest index assigned in each open session. */
  *highest(): Generator<[string, number]> {
    for (const [sessionId, { max }] of this.#sessions) yield [sessionId, max];
  }

  /**
   * Promises nothing more, and hands back what was promised beyond the last index assigned, so a
   * clean stop leaves no lost range. Call it once every assigned event is stored.
   */
  async close(): Promise<void> {
    this.#closed = true;
    for (const [sessionId, session] of this.#sessions) {
      await session.promising;
      if (session.promised <= session.max) continue;
      try {
        await this.#setPromised(sessionId, session.max);
        session.promised = session.max;
      } catch (error) {
        // The next start then counts the unused indices as lost: harmless, nothing was there.
        this.#onError?.(error);
      }
    }
  }

  async #read(sessionId: string): Promise<SessionIndices> {
    const sql = this.#gate.sql;
    const [stored] = await sql.execute(`SELECT MAX(event_index) AS max FROM events WHERE session_id = ?`, sessionId);
    const [promise] = await sql.execute(`SELECT through FROM promised WHERE session_id = ?`, sessionId);
    const rows = await sql.execute(`SELECT after, through, at FROM lost WHERE session_id = ? ORDER BY after`, sessionId);
    const max = Number(stored?.max ?? 0) || 0;
    const promised = Math.max(max, Number(promise?.through ?? 0) || 0);
    const lost = rows.map((row) => ({ after: Number(row.after), through: Number(row.through), at: Number(row.at) }));
    if (promised > max) {
      const range = { after: max, through: promised, at: Date.now() };
      // A second crash before anything was stored widens the range it left.
      await sql.execute(
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
    const session: SessionIndices = { max: promised, promised, lost };
    this.#sessions.set(sessionId, session);
    return session;
  }

  #promiseAhead(sessionId: string, session: SessionIndices): void {
    if (session.max + PROMISE_BLOCK / 2 > session.promised) void this.#promise(sessionId, session);
  }

  /** Promises the next block of indices (one small write), then wakes whoever waits for one. */
  #promise(sessionId: string, session: SessionIndices): Promise<void> {
    if (session.promising || this.#closed) return session.promising ?? Promise.resolve();
    const through = Math.max(session.max, session.promised) + PROMISE_BLOCK;
    session.promising = this.#setPromised(sessionId, through)
      .then(
        () => {
          session.promised = Math.max(session.promised, through);
        },
        (error: unknown) => {
          this.#onError?.(error);
          // Whoever waits keeps waiting; try again shortly.
          setTimeout(() => this.#promiseAhead(sessionId, session), RETRY_MS);
        },
      )
      .finally(() => {
        session.promising = undefined;
        // Events assigned while this block was written may have used more than half of it, and
        // none may come after them (a burst that ended): the next block is promised now, not then.
        if (session.promised >= through) this.#promiseAhead(sessionId, session);
        this.#gate.wake();
      });
    return session.promising;
  }

  #setPromised(sessionId: string, through: number): Promise<unknown> {
    return this.#gate.sql.execute(
      `INSERT INTO promised (session_id, through) VALUES (?, ?) ON CONFLICT (session_id) DO UPDATE SET through = excluded.through`,
      sessionId,
      through,
    );
  }
}
