/**
 * The actor's SQLite, replaced for unit tests by tables in memory that answer the statements the
 * storage classes send, and nothing else: a statement it does not know fails the test. Writes can
 * be made slow, and made to fail, as real ones are and can.
 */
import type { SessionEvent } from "sandbox-agent";
import type { Sql } from "../../../src/actors/storage/schema.js";

type Row = Record<string, unknown>;

export class MemorySql implements Sql {
  /** Stored events, per session, by index. */
  events = new Map<string, Map<number, string>>();
  promised = new Map<string, number>();
  lost = new Map<string, Map<number, { through: number; at: number }>>();
  permissions = new Map<string, string>();
  /** Every write, with when it started and ended (performance.now()). */
  writes: Array<{ statement: string; start: number; end?: number }> = [];
  /** How long a write takes. */
  writeMs = 0;
  /** Writes matching this fail, once each time it is set. */
  failNext?: RegExp;

  async execute(statement: string, ...args: unknown[]): Promise<Row[]> {
    if (/^\s*SELECT/i.test(statement)) return this.#select(statement, args);
    const write: { statement: string; start: number; end?: number } = { statement, start: performance.now() };
    this.writes.push(write);
    try {
      if (this.writeMs) await new Promise((resolve) => setTimeout(resolve, this.writeMs));
      if (this.failNext?.test(statement)) {
        this.failNext = undefined;
        throw new Error(`refused: ${statement.slice(0, 40)}`);
      }
      this.#write(statement, args);
      return [];
    } finally {
      write.end = performance.now();
    }
  }

  /** Stores events as if written earlier (a previous run of the host). */
  store(sessionId: string, indices: number[]): void {
    const table = this.#events(sessionId);
    for (const index of indices) table.set(index, JSON.stringify({ sessionId, eventIndex: index }));
  }

  #events(sessionId: string): Map<number, string> {
    let table = this.events.get(sessionId);
    if (!table) this.events.set(sessionId, (table = new Map()));
    return table;
  }

  #select(statement: string, args: unknown[]): Row[] {
    const [sessionId] = args as [string];
    if (/^SELECT MAX\(event_index\) AS max FROM events WHERE session_id = \?$/.test(statement)) {
      const indices = [...(this.events.get(sessionId)?.keys() ?? [])];
      return [{ max: indices.length ? Math.max(...indices) : null }];
    }
    if (/^SELECT through FROM promised WHERE session_id = \?$/.test(statement)) {
      return this.promised.has(sessionId) ? [{ through: this.promised.get(sessionId) }] : [];
    }
    if (/^SELECT after, through, at FROM lost WHERE session_id = \? ORDER BY after$/.test(statement)) {
      return [...(this.lost.get(sessionId) ?? [])].sort(([a], [b]) => a - b).map(([after, range]) => ({ after, ...range }));
    }
    if (/^SELECT event_index, json FROM events WHERE session_id = \? AND event_index > \? ORDER BY event_index LIMIT \?$/.test(statement)) {
      const [, after, limit] = args as [string, number, number];
      return [...(this.events.get(sessionId) ?? [])]
        .filter(([index]) => index > after)
        .sort(([a], [b]) => a - b)
        .slice(0, limit)
        .map(([event_index, json]) => ({ event_index, json }));
    }
    if (/^SELECT json FROM permissions$/.test(statement)) return [...this.permissions.values()].map((json) => ({ json }));
    throw new Error(`MemorySql does not know: ${statement}`);
  }

  #write(statement: string, args: unknown[]): void {
    if (/^INSERT OR IGNORE INTO events \(session_id, event_index, json\) VALUES (\(\?, \?, \?\)(, )?)+$/.test(statement)) {
      for (let i = 0; i < args.length; i += 3) {
        const table = this.#events(String(args[i]));
        if (!table.has(Number(args[i + 1]))) table.set(Number(args[i + 1]), String(args[i + 2]));
      }
    } else if (/^INSERT INTO promised \(session_id, through\) VALUES \(\?, \?\) ON CONFLICT \(session_id\) DO UPDATE SET through = excluded.through$/.test(statement)) {
      this.promised.set(String(args[0]), Number(args[1]));
    } else if (/^INSERT INTO lost .* ON CONFLICT \(session_id, after\) DO UPDATE SET through = MAX\(through, excluded.through\), at = excluded.at$/.test(statement)) {
      const [sessionId, after, through, at] = args as [string, number, number, number];
      let table = this.lost.get(sessionId);
      if (!table) this.lost.set(sessionId, (table = new Map()));
      const known = table.get(after);
      table.set(after, { through: Math.max(known?.through ?? through, through), at });
    } else if (/^DELETE FROM events WHERE session_id = \? AND event_index <= \?$/.test(statement)) {
      const table = this.#events(String(args[0]));
      for (const index of table.keys()) if (index <= Number(args[1])) table.delete(index);
    } else if (/^INSERT INTO permissions .* ON CONFLICT \(permission_id\) DO UPDATE SET json = excluded.json$/.test(statement)) {
      this.permissions.set(String(args[0]), String(args[2]));
    } else {
      throw new Error(`MemorySql does not know: ${statement}`);
    }
  }
}

/** A streamed chunk of the agent's answer, as the SDK records it. */
export function chunk(sessionId: string, eventIndex: number): SessionEvent {
  return {
    id: `e-${eventIndex}`,
    eventIndex,
    sessionId,
    createdAt: Date.now(),
    connectionId: "c-1",
    sender: "agent",
    payload: { jsonrpc: "2.0", method: "session/update", params: { sessionId, update: { sessionUpdate: "agent_message_chunk", content: { type: "text", text: `chunk ${eventIndex} ` } } } },
  } as SessionEvent;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once `check` holds (asked every 2 ms: these tests time what they wait for). */
export async function until(check: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`timed out: ${what}`);
    await sleep(2);
  }
}
